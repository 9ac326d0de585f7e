"""The sender: batching, gzip, retries with backoff and Retry-After, timeouts, drops, fork safety."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
import time
import warnings

import pytest
import requests
import responses

import tokenoptimizer
from tokenoptimizer import _consumer

BASE = "http://backend.test"
URL = BASE + "/api/log"
USAGE = {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}


def body_of(call) -> dict:
    return json.loads(gzip.decompress(call.request.body))


def sent_events(rsps, ok_only=True) -> list[dict]:
    return [e for c in rsps.calls if not ok_only or c.response.status_code == 202 for e in body_of(c)["events"]]


def accept(request):
    n = len(json.loads(gzip.decompress(request.body))["events"])
    return 202, {}, json.dumps({"accepted": n, "duplicates": 0, "rejected": [], "events": []})


def record(n: int, **tags) -> None:
    for _ in range(n):
        tokenoptimizer.track_usage(USAGE, **tags)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sdk():
    tokenoptimizer.configure(api_key="k-1", base_url=BASE, flush_interval=60)


def test_batches_by_count_gzip_and_auth(rsps, sdk):
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(250)
    assert tokenoptimizer.flush(5) is True
    assert [len(body_of(c)["events"]) for c in rsps.calls] == [100, 100, 50]
    headers = rsps.calls[0].request.headers
    assert (headers["Content-Encoding"], headers["Authorization"]) == ("gzip", "Bearer k-1")
    assert headers["Content-Type"] == "application/json"
    ids = [e["id"] for e in sent_events(rsps)]
    assert len(set(ids)) == 250
    assert tokenoptimizer.stats()["sent"] == 250


def test_batches_by_bytes(rsps):
    tokenoptimizer.configure(api_key="k", base_url=BASE, flush_interval=60, batch_size=1000)
    rsps.add_callback(responses.POST, URL, callback=accept)
    big = {f"k{i}": "v" * 200 for i in range(20)}  # ~4.5 KB per event
    record(600, metadata=big)
    assert tokenoptimizer.flush(10)
    sizes = [len(gzip.decompress(c.request.body)) for c in rsps.calls]
    assert len(sizes) >= 3 and max(sizes) <= 1_000_000
    assert sum(len(body_of(c)["events"]) for c in rsps.calls) == 600


def test_sends_on_interval_without_flush(rsps):
    tokenoptimizer.configure(api_key="k", base_url=BASE, flush_interval=0.2)
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(3)
    deadline = time.monotonic() + 3
    while not rsps.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(body_of(rsps.calls[0])["events"]) == 3


def test_retry_after_is_honoured_and_ids_are_kept(rsps, sdk):
    rsps.add(responses.POST, URL, status=429, json={"error": {"code": "busy", "message": "later"}},
             headers={"Retry-After": "1"})
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(5)
    started = time.monotonic()
    assert tokenoptimizer.flush(5)
    assert time.monotonic() - started >= 0.9
    first, second = (body_of(c)["events"] for c in rsps.calls)
    assert [e["id"] for e in first] == [e["id"] for e in second]
    assert tokenoptimizer.stats()["retries"] == 1


def test_backoff_on_network_errors_and_5xx(rsps, sdk):
    rsps.add(responses.POST, URL, body=requests.ConnectionError("refused"))
    rsps.add(responses.POST, URL, status=503)
    rsps.add(responses.POST, URL, status=408)
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(2)
    assert tokenoptimizer.flush(20)
    assert len(rsps.calls) == 4
    stats = tokenoptimizer.stats()
    assert (stats["retries"], stats["sent"], stats["failed"]) == (3, 2, 0)


def test_400_on_one_event_is_dropped_with_its_reason_logged_once(rsps, sdk, caplog):
    rsps.add(responses.POST, URL, status=400,
             json={"error": {"code": "invalid", "message": "model: required", "details": []}})
    with caplog.at_level(logging.WARNING, logger="tokenoptimizer"):
        record(1)
        tokenoptimizer.flush(2)
        record(1)
        tokenoptimizer.flush(2)
    assert len(rsps.calls) == 2
    assert caplog.text.count("model: required") == 1
    stats = tokenoptimizer.stats()
    assert (stats["dropped_invalid"], stats["failed"], stats["retries"]) == (2, 0, 0)
    assert stats["drop_reasons"] == {"HTTP 400: model: required": 2}


def test_rejected_reasons_logged_once(rsps, sdk, caplog):
    def partly(request):
        events = json.loads(gzip.decompress(request.body))["events"]
        rejected = [{"index": 0, "id": events[0]["id"], "errors": [{"field": "model", "message": "too long"}]}]
        return 202, {}, json.dumps({"accepted": len(events) - 1, "duplicates": 0, "rejected": rejected})

    rsps.add_callback(responses.POST, URL, callback=partly)
    with caplog.at_level(logging.WARNING, logger="tokenoptimizer"):
        for _ in range(2):
            record(3)
            tokenoptimizer.flush(2)
    assert caplog.text.count("model: too long") == 1
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["rejected"]) == (4, 2)


def test_413_splits_the_batch(rsps, sdk):
    rsps.add(responses.POST, URL, status=413)
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(10)
    assert tokenoptimizer.flush(5)
    assert [len(body_of(c)["events"]) for c in rsps.calls] == [10, 5, 5]


@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_flush_and_shutdown_never_hang(rsps, sdk, kind):
    release = threading.Event()
    if kind == "down":
        rsps.add(responses.POST, URL, status=503)
    else:
        def hang(request):
            release.wait(5)
            return accept(request)
        rsps.add_callback(responses.POST, URL, callback=hang)
    record(3)
    started = time.monotonic()
    assert tokenoptimizer.flush(0.3) is False
    assert time.monotonic() - started < 0.8
    started = time.monotonic()
    assert tokenoptimizer.shutdown(0.3) is False
    assert time.monotonic() - started < 0.8
    release.set()


def test_queue_full_drops_and_counts(rsps, caplog):
    tokenoptimizer.configure(api_key="k", base_url=BASE, flush_interval=60, max_queue_size=10)
    rsps.add_callback(responses.POST, URL, callback=accept)
    with caplog.at_level(logging.WARNING, logger="tokenoptimizer"):
        record(25)
    stats = tokenoptimizer.stats()
    assert (stats["queued"], stats["dropped_queue_full"]) == (10, 15)
    assert "queue full" in caplog.text
    assert tokenoptimizer.flush(5)
    assert len(sent_events(rsps)) == 10
    # The drop count reaches the backend once, with the next batch it accepts.
    assert sum(body_of(call).get("dropped", 0) for call in rsps.calls) == 15
    record(1)
    assert tokenoptimizer.flush(5)
    assert "dropped" not in body_of(rsps.calls[-1])


def test_outage_loses_nothing(rsps, sdk):
    outage_until = time.monotonic() + 1.0

    def flaky(request):
        if time.monotonic() < outage_until:
            return 503, {}, "{}"
        return accept(request)

    rsps.add_callback(responses.POST, URL, callback=flaky)
    record(1000)
    assert tokenoptimizer.flush(20)
    ids = [e["id"] for e in sent_events(rsps)]
    assert len(ids) == len(set(ids)) == 1000
    assert tokenoptimizer.stats()["sent"] == 1000


def test_fork_child_starts_fresh(rsps, sdk):
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(1)
    assert _consumer.consumer()._thread is not None
    record(2)  # queued in the parent, not yet sent
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # child
        try:
            fresh = _consumer.consumer()
            state = {"thread": fresh._thread is None, "queued": len(fresh._events)}
            record(4)
            state["flushed"] = tokenoptimizer.flush(5)
            state["sent"] = tokenoptimizer.stats()["sent"]
            os.write(write_end, json.dumps(state).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    child = json.loads(os.read(read_end, 4096))
    os.close(read_end)
    assert child == {"thread": True, "queued": 0, "flushed": True, "sent": 4}
    assert tokenoptimizer.flush(5)
    assert tokenoptimizer.stats()["sent"] == 3  # the parent sends its own, once


def test_disabled_by_environment(rsps, monkeypatch, clients):
    monkeypatch.setenv("TOKENOPTIMIZER_DISABLED", "1")
    tokenoptimizer.configure(api_key="k", base_url=BASE)
    response = tokenoptimizer.tracked_completion("gpt-4o-mini", [{"role": "user", "content": "x"}],
                                                 client=clients["openai"])
    record(3)
    assert response.choices[0].message.content == "hi"
    assert tokenoptimizer.flush(1) and not rsps.calls


def test_config_precedence_and_plain_http_warning(rsps, monkeypatch, caplog):
    from tokenoptimizer._config import get_config, reset_config

    assert get_config().base_url == "http://localhost:8000"
    monkeypatch.setenv("TOKENOPTIMIZER_BASE_URL", "https://env.example")
    monkeypatch.setenv("TOKENOPTIMIZER_API_KEY", "env-key")
    reset_config()
    assert (get_config().base_url, get_config().api_key) == ("https://env.example", "env-key")
    with caplog.at_level(logging.WARNING, logger="tokenoptimizer"):
        tokenoptimizer.configure(base_url="http://remote.example:8000/")
        assert (get_config().base_url, get_config().api_key) == ("http://remote.example:8000", "env-key")
        tokenoptimizer.configure(api_key="arg-key")
        get_config()
        tokenoptimizer.configure(base_url="http://127.0.0.1:9")
        get_config()
    assert caplog.text.count("plain http") == 1


def test_flush_after_decorator(rsps, sdk):
    import asyncio

    rsps.add_callback(responses.POST, URL, callback=accept)

    @tokenoptimizer.flush_after
    def handler():
        record(2)
        return "done"

    @tokenoptimizer.flush_after(timeout=1)
    async def async_handler():
        record(1)
        return "adone"

    assert handler() == "done"
    assert len(sent_events(rsps)) == 2
    assert asyncio.run(async_handler()) == "adone"
    assert len(sent_events(rsps)) == 3


SCRIPT = """
import tokenoptimizer, time
tokenoptimizer.configure(api_key="k", base_url={url!r})
for _ in range(5):
    tokenoptimizer.track_usage({{"model": "gpt-4o-mini", "usage": {{"prompt_tokens": 1, "completion_tokens": 1}}}})
"""


def test_atexit_flushes_within_two_seconds(backend):
    subprocess.run([sys.executable, "-c", SCRIPT.format(url=backend.url)], check=True, timeout=20)
    assert len(backend.events) == 5
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", SCRIPT.format(url="http://127.0.0.1:9")], check=True, timeout=20)
    assert time.monotonic() - started < 4.5  # interpreter start + the 2 s exit deadline


def test_events_after_shutdown_are_dropped_not_queued(rsps, sdk):
    rsps.add_callback(responses.POST, URL, callback=accept)
    record(1)
    assert tokenoptimizer.shutdown(2) is True
    record(2)
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["queued"], stats["failed"]) == (1, 0, 2)
