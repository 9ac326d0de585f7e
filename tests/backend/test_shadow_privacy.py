"""Byte-level privacy of shadow mode: markers in the prompt, the current answer and the candidates'
answers (openai and anthropic SDKs against the fake provider) appear in no byte the SDK sends
(captured by a local HTTP receiver, on the wire and inflated), and, once those exact bytes went
through the real ingest, in no row of any table of the database."""

from __future__ import annotations

import json

import pytest

import tokenoptimizer
from tokenoptimizer import _shadow
from tests.fake_provider import FakeProvider
from tests.sdk.conftest import CaptureBackend, reset_sdk

PROMPT_MARKER = "PROMPT-MARKER-7f3a9c"
SYSTEM_MARKER = "SYSTEM-MARKER-51be02"
ANSWER_MARKER = "ANSWER-MARKER-c0ffee"
CANDIDATE_MARKER = "CANDIDATE-MARKER-d15ea5e"
MARKERS = (PROMPT_MARKER, SYSTEM_MARKER, ANSWER_MARKER, CANDIDATE_MARKER)


@pytest.fixture
def captured():
    """Run the app's calls with shadow mode on; return (bytes on the wire, inflated bodies, the key's events)."""
    fake, backend = FakeProvider().start(), CaptureBackend()
    original = fake.answer

    def answer(path, body):  # the current model answers one marker, each candidate another
        status, payload, chunks = original(path, body)
        reply = ANSWER_MARKER if body.get("model") == "gpt-4o" else f"{CANDIDATE_MARKER} says so"
        return status, json.loads(json.dumps(payload).replace('"hi"', json.dumps(reply))), chunks

    fake.answer = answer
    reset_sdk()
    openai_client, anthropic_client = fake.client("openai"), fake.client("anthropic")
    try:
        tokenoptimizer.configure(api_key="k", base_url=backend.url, flush_interval=0.05)
        plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini", "claude-3-5-haiku-20241022"], sample=1.0,
                                     max_calls_per_day=20, clients={"anthropic": anthropic_client})
        messages = [{"role": "system", "content": f"You label reviews. {SYSTEM_MARKER}"},
                    {"role": "user", "content": f"Review: {PROMPT_MARKER}"}]
        for _ in range(3):
            response = tokenoptimizer.tracked_completion("gpt-4o", messages, "classify", client=openai_client,
                                                         metadata={"team": "search"}, user_id="u-1", session_id="s-1")
            assert response.choices[0].message.content == ANSWER_MARKER  # the app's answer, unchanged
        assert _shadow.worker.idle(10)
        assert tokenoptimizer.flush(5)
        assert plan.stats()["verdicts"] == 6
        yield backend.raw, backend.bodies
    finally:
        _shadow.plans.clear()
        reset_sdk()
        openai_client.close()
        anthropic_client.close()
        backend.stop()
        fake.stop()


def test_no_content_in_any_byte_sent_nor_in_any_table(captured, app, project_key, db):
    raw, bodies = captured
    events = [e for body in bodies for e in json.loads(body)["events"]]
    assert sum("shadow" in e for e in events) == 6 and sum("shadow" not in e for e in events) == 3
    for marker in MARKERS:
        for data in (*raw, *bodies):
            assert marker.encode() not in data and marker.lower().encode() not in data.lower()
    # The same bytes through the real ingest, as sent (gzip when the SDK compressed them).
    key, project = project_key
    client = app.test_client()
    for wire, body in zip(raw, bodies):
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if wire != body:
            headers["Content-Encoding"] = "gzip"
        answer = client.post("/api/log", data=wire, headers=headers)
        assert answer.status_code == 202, answer.get_json()
        assert answer.get_json()["rejected"] == []
    stored = db.execute("select count(*) as n from public.shadow_runs where project_id = %s", (project,)).fetchone()
    assert stored["n"] == 6
    tables = db.execute("select quote_ident(schemaname) || '.' || quote_ident(tablename) as t from pg_tables "
                        "where schemaname not in ('pg_catalog', 'information_schema')").fetchall()
    assert len(tables) > 20
    for table in (r["t"] for r in tables):
        for marker in MARKERS:
            hit = db.execute(f"select count(*) as n from {table} x where x::text ilike %s", (f"%{marker}%",)).fetchone()
            assert hit["n"] == 0, (table, marker)
