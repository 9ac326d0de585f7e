"""The SDK against the real backend (gunicorn + Postgres): events land priced, and an outage loses nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal

import pytest

import tokenoptimizer
from tokenoptimizer import _config, _consumer, _event
from tests.conftest import free_port, start_server, stop_server
from tests.fake_provider import OPENAI_CHAT, FakeProvider

USER = [{"role": "user", "content": "hello"}]


@pytest.fixture(autouse=True)
def _clean_sdk():
    def reset():
        tokenoptimizer.uninstrument()
        _consumer.consumer().shutdown(0.5)
        _consumer.reset_consumer()
        _config.reset_config()
        _event._logged.clear()

    reset()
    yield
    reset()


@pytest.fixture(scope="module")
def fake_provider():
    server = FakeProvider().start()
    yield server
    server.stop()


def rows_of(db, project_id: str) -> list[dict]:
    return db.execute(
        "select model, provider, endpoint_name, prompt_tokens, completion_tokens, total_tokens, "
        "cached_tokens, cache_write_tokens, status, error_type, stream, user_id, priced, total_cost "
        "from public.usage_logs where project_id = %s order by ts, model", (project_id,)).fetchall()


def test_sdk_events_land_priced(live_server, project_key, db, fake_provider):
    raw_key, project_id = project_key
    tokenoptimizer.configure(api_key=raw_key, base_url=live_server)
    with fake_provider.client("openai") as openai_client, fake_provider.client("anthropic") as claude:
        mistral = fake_provider.client("mistral")
        with tokenoptimizer.context(endpoint_name="integration", user_id="alice"):
            tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=openai_client)
            time.sleep(0.002)
            stream = tokenoptimizer.tracked_completion("claude-haiku-4-5", USER, client=claude, stream=True)
            assert "".join(e.delta.text for e in stream if e.type == "content_block_delta") == "hi"
            time.sleep(0.002)
            tokenoptimizer.track_usage(mistral.chat.complete(model="mistral-small-latest", messages=USER),
                                       endpoint_name="integration", latency_ms=5)
            time.sleep(0.002)
            fake_provider.fail.append((400, {"error": {"message": "bad", "type": "invalid_request_error"}}, {}))
            with pytest.raises(Exception):
                tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=openai_client)

            async def go():
                async with fake_provider.async_client("openai") as client:
                    tokenoptimizer.instrument(client)
                    await client.chat.completions.create(model="gpt-4o-mini", messages=USER)
            time.sleep(0.002)
            asyncio.run(go())

    assert tokenoptimizer.flush(15) is True
    assert tokenoptimizer.stats()["sent"] == 5
    rows = rows_of(db, project_id)
    got = [(r["model"], r["provider"], r["prompt_tokens"], r["completion_tokens"], r["total_tokens"],
            r["cached_tokens"], r["cache_write_tokens"], r["status"], r["stream"], r["priced"], r["total_cost"])
           for r in rows]
    # Costs per 1,000 tokens from seed.sql; cached and cache-write tokens at their own rates.
    assert got == [
        ("gpt-4o-mini", "openai", 10, 2, 12, 4, 0, "ok", False, True, Decimal("0.0000024")),
        ("claude-haiku-4-5", "anthropic", 18, 2, 20, 3, 5, "ok", True, True, Decimal("0.00002655")),
        ("mistral-small-latest", "mistral", 10, 2, 12, 0, 0, "ok", False, True, Decimal("0.0000027")),
        ("gpt-4o-mini", "openai", 0, 0, 0, 0, 0, "error", False, True, Decimal("0")),
        ("gpt-4o-mini", "openai", 10, 2, 12, 4, 0, "ok", False, True, Decimal("0.0000024")),
    ]
    assert {r["endpoint_name"] for r in rows} == {"integration"}
    assert rows[3]["error_type"] == "BadRequestError"
    assert all(len(r["user_id"]) == 64 and r["user_id"] != "alice" for r in rows)


class _FakeCompletions:
    def __init__(self):
        from openai.types.chat import ChatCompletion

        self.response = ChatCompletion.model_validate(OPENAI_CHAT)

    def create(self, **kwargs):
        return self.response


class _FakeOpenAI:
    def __init__(self):
        self.chat = type("Chat", (), {})()
        self.chat.completions = _FakeCompletions()


@pytest.mark.slow
def test_outage_of_30s_during_10000_calls_loses_nothing(database_url, project_key, db, tmp_path):
    raw_key, project_id = project_key
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    (tmp_path / "serve").mkdir()
    server = start_server(database_url, tmp_path / "serve", port)
    tokenoptimizer.configure(api_key=raw_key, base_url=base_url)
    timeline: dict[str, float] = {}

    def outage():
        nonlocal server
        time.sleep(5)
        stop_server(server)
        timeline["down"] = time.monotonic()
        time.sleep(30)
        timeline["restarting"] = time.monotonic()
        server = start_server(database_url, tmp_path / "serve", port)
        timeline["up"] = time.monotonic()

    peak = {"queued": 0}

    def monitor():  # the SDK's own view: how much it held during the outage, when it drained
        while "drained" not in timeline:
            queued = tokenoptimizer.stats()["queued"]
            peak["queued"] = max(peak["queued"], queued)
            if "up" in timeline and queued == 0 and not _consumer.consumer()._busy:
                timeline["drained"] = time.monotonic()
            time.sleep(0.05)

    controller = threading.Thread(target=outage)
    watcher = threading.Thread(target=monitor, daemon=True)
    started = time.monotonic()
    controller.start()
    watcher.start()
    client = _FakeOpenAI()
    calls = 10_000
    try:
        for i in range(calls):  # ~45 s of traffic, the outage in the middle of it
            tokenoptimizer.tracked_completion("gpt-4o-mini", USER, "outage", client=client)
            time.sleep(0.0045)
        calls_done = time.monotonic()
        controller.join()
        assert tokenoptimizer.flush(120) is True
        watcher.join(5)
    finally:
        controller.join()
        stop_server(server)

    stored = db.execute("select count(*) as n, count(distinct id) as ids from public.usage_logs "
                        "where project_id = %s", (project_id,)).fetchone()
    stats = tokenoptimizer.stats()
    print(f"\noutage: {calls} tracked calls over {calls_done - started:.1f} s; backend down from "
          f"t={timeline['down'] - started:.1f} s for {timeline['up'] - timeline['down']:.1f} s (stopped "
          f"{timeline['restarting'] - timeline['down']:.1f} s + restart); peak queue {peak['queued']} events; "
          f"drained {timeline['drained'] - timeline['up']:.1f} s after restart; stored {stored['n']} rows, "
          f"{stored['ids']} distinct ids; SDK stats {stats}")
    assert (stored["n"], stored["ids"]) == (calls, calls)
    assert (stats["sent"], stats["dropped_queue_full"], stats["failed"]) == (calls, 0, 0)
    assert stats["retries"] > 0


def test_one_nul_event_among_1000_is_dropped_and_the_rest_land(live_server, project_key, db):
    """A NUL byte (Postgres refuses it in text) in one event: 1,000 stored, 1 dropped and counted."""
    raw_key, project_id = project_key
    tokenoptimizer.configure(api_key=raw_key, base_url=live_server)
    usage = {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}
    for i in range(1001):
        session = "a\u0000b" if i == 400 else f"s-{i % 7}"
        tokenoptimizer.track_usage(usage, endpoint_name="nul", session_id=session)
    assert tokenoptimizer.flush() is True  # the default timeout
    stats = tokenoptimizer.stats()
    stored = db.execute("select count(*) as n, count(distinct id) as ids from public.usage_logs "
                        "where project_id = %s", (project_id,)).fetchone()
    print(f"\nNUL among 1,000: stored {stored['n']} rows ({stored['ids']} ids); SDK stats {stats}")
    assert (stored["n"], stored["ids"]) == (1000, 1000)
    assert (stats["sent"], stats["dropped_invalid"] + stats["rejected"], stats["failed"]) == (1000, 1, 0)
    if stats["dropped_invalid"]:  # the backend failed on it: the SDK reports the drop itself
        tokenoptimizer.track_usage(usage, endpoint_name="nul")
        assert tokenoptimizer.flush() is True
        key = db.execute("select dropped_events from public.api_keys where project_id = %s",
                         (project_id,)).fetchone()
        assert key["dropped_events"] == 1
