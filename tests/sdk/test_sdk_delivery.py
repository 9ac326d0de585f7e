"""One bad event never stalls delivery: refused events are isolated and dropped, outages lose nothing."""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time

import pytest
import requests
import responses

import tokenoptimizer

BASE = "http://backend.test"
URL = BASE + "/api/log"
POISON = "poison\u0000session"


def body_of(call) -> dict:
    return json.loads(gzip.decompress(call.request.body))


def accepted_ids(rsps) -> list[str]:
    return [e["id"] for c in rsps.calls if getattr(c.response, "status_code", None) == 202
            for e in body_of(c)["events"]]


def record(n: int, session_id: str = "s-1") -> None:
    usage = {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}
    for _ in range(n):
        tokenoptimizer.track_usage(usage, session_id=session_id)


def refuse_poison(status: int, body: dict | None = None):
    """A backend that fails any batch holding the poisoned event and takes every other one."""
    def callback(request):
        events = json.loads(gzip.decompress(request.body))["events"]
        if any(e.get("session_id") == POISON for e in events):
            return status, {}, json.dumps(body or {"error": {"code": "internal", "message": "boom"}})
        return 202, {}, json.dumps({"accepted": len(events), "duplicates": 0, "rejected": [], "events": []})
    return callback


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sdk():
    tokenoptimizer.configure(api_key="k-1", base_url=BASE, flush_interval=60)


def test_a_500_for_one_event_drops_only_that_event(rsps, sdk, caplog):
    rsps.add_callback(responses.POST, URL, callback=refuse_poison(500))
    record(40)
    record(1, session_id=POISON)
    record(59)
    with caplog.at_level(logging.WARNING, logger="tokenoptimizer"):
        assert tokenoptimizer.flush(10) is True
    ids = accepted_ids(rsps)
    assert len(ids) == len(set(ids)) == 99
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["failed"], stats["queued"]) == (99, 1, 0, 0)
    assert stats["drop_reasons"] == {"HTTP 500 for this event while others were accepted": 1}
    assert caplog.text.count("dropped an event") == 1
    assert "poison" not in caplog.text  # the reason is logged, never the event
    # The first batch failed twice before it was split; bisection then needs about log2(100) sends.
    assert [len(body_of(c)["events"]) for c in rsps.calls[:2]] == [100, 100]
    assert len(rsps.calls) <= 2 + 2 * 8


def test_the_drop_count_reaches_the_backend_with_the_next_batch(rsps, sdk):
    rsps.add_callback(responses.POST, URL, callback=refuse_poison(500))
    record(1, session_id=POISON)
    record(9)
    assert tokenoptimizer.flush(10)
    record(1)
    assert tokenoptimizer.flush(5)
    assert sum(body_of(c).get("dropped", 0) for c in rsps.calls if getattr(c.response, "status_code", None) == 202) == 1
    record(1)
    assert tokenoptimizer.flush(5)
    assert "dropped" not in body_of(rsps.calls[-1])  # reported once, not again
    assert tokenoptimizer.stats()["sent"] == 11


@pytest.mark.parametrize("status", [400, 422])
def test_a_4xx_batch_is_split_and_the_refused_event_dropped_with_the_backends_reason(rsps, sdk, status):
    body = {"error": {"code": "invalid_event", "message": "invalid event",
                      "details": [{"field": "session_id", "message": "must not contain NUL"}]}}
    rsps.add_callback(responses.POST, URL, callback=refuse_poison(status, body))
    record(30)
    record(1, session_id=POISON)
    assert tokenoptimizer.flush(10)
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["retries"]) == (30, 1, 0)
    assert stats["drop_reasons"] == {f"HTTP {status}: session_id: must not contain NUL": 1}
    assert len(set(accepted_ids(rsps))) == 30


def test_a_lone_poisoned_event_waits_for_evidence_before_it_is_dropped(rsps, sdk):
    rsps.add_callback(responses.POST, URL, callback=refuse_poison(500))
    record(1, session_id=POISON)
    assert tokenoptimizer.flush(1.5) is False  # nothing else to tell poison from an outage: kept
    assert tokenoptimizer.stats()["dropped_invalid"] == 0
    record(5)
    assert tokenoptimizer.flush(15) is True
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["queued"]) == (5, 1, 0)


def test_503_and_refused_connections_are_an_outage_never_split_nothing_dropped(rsps, sdk):
    outage_until = time.monotonic() + 1.5
    state = {"n": 0}

    def down_then_up(request):
        state["n"] += 1
        if time.monotonic() < outage_until:
            if state["n"] % 2:
                raise requests.ConnectionError("refused")
            return 503, {"Retry-After": "0"}, "{}"
        n = len(json.loads(gzip.decompress(request.body))["events"])
        return 202, {}, json.dumps({"accepted": n, "duplicates": 0, "rejected": [], "events": []})

    rsps.add_callback(responses.POST, URL, callback=down_then_up)
    record(300)
    assert tokenoptimizer.flush(30)
    assert {len(body_of(c)["events"]) for c in rsps.calls} == {100}  # never split
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["failed"]) == (300, 0, 0)
    assert len(set(accepted_ids(rsps))) == 300


def test_500_for_everything_is_waited_out_without_dropping(rsps, sdk):
    broken_until = time.monotonic() + 1.5

    def broken_then_fixed(request):
        if time.monotonic() < broken_until:
            return 500, {}, json.dumps({"error": {"code": "internal", "message": "boom"}})
        n = len(json.loads(gzip.decompress(request.body))["events"])
        return 202, {}, json.dumps({"accepted": n, "duplicates": 0, "rejected": [], "events": []})

    rsps.add_callback(responses.POST, URL, callback=broken_then_fixed)
    record(100)
    assert tokenoptimizer.flush(60)
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["failed"]) == (100, 0, 0)
    assert len(set(accepted_ids(rsps))) == 100
    failed_sends = sum(1 for c in rsps.calls if getattr(c.response, "status_code", None) == 500)
    assert stats["retries"] >= 1 and failed_sends < 40  # backed off, not hammered


def test_401_refuses_the_whole_batch_without_splitting(rsps, sdk):
    rsps.add(responses.POST, URL, status=401, json={"error": {"code": "unauthorized", "message": "bad key"}})
    record(50)
    assert tokenoptimizer.flush(5)
    assert len(rsps.calls) == 1
    stats = tokenoptimizer.stats()
    assert (stats["failed"], stats["dropped_invalid"]) == (50, 0)


def test_413_for_one_event_drops_it(rsps, sdk):
    rsps.add(responses.POST, URL, status=413, json={"error": {"code": "too_large", "message": "too large"}})
    record(1)
    assert tokenoptimizer.flush(5)
    stats = tokenoptimizer.stats()
    assert (stats["dropped_invalid"], stats["drop_reasons"]) == (1, {"HTTP 413: too large": 1})


def test_max_retries_still_bounds_the_rest(rsps):
    tokenoptimizer.configure(api_key="k", base_url=BASE, flush_interval=60, max_retries=2)
    rsps.add(responses.POST, URL, status=503)
    record(10)
    assert tokenoptimizer.flush(20)
    stats = tokenoptimizer.stats()
    assert (len(rsps.calls), stats["retries"], stats["failed"], stats["dropped_invalid"]) == (3, 2, 10, 0)


def test_a_real_server_that_500s_on_a_marked_event(backend):
    """Over real HTTP: the server fails any batch with the marked event; everything else lands."""
    stored: list[str] = []
    lock = threading.Lock()

    def respond(events):
        if any(e.get("session_id") == POISON for e in events):
            return 500, {"error": {"code": "internal", "message": "boom"}}, {}
        with lock:
            stored.extend(e["id"] for e in events)
        return None

    backend.respond = respond
    tokenoptimizer.configure(api_key="k", base_url=backend.url, flush_interval=60)
    record(120)
    record(1, session_id=POISON)
    record(129)
    assert tokenoptimizer.flush() is True  # the default timeout
    record(1)
    assert tokenoptimizer.flush() is True
    assert len(stored) == len(set(stored)) == 250
    stats = tokenoptimizer.stats()
    assert (stats["sent"], stats["dropped_invalid"], stats["failed"]) == (250, 1, 0)
    bodies = [json.loads(b) for b in backend.bodies]
    assert sum(b.get("dropped", 0) for b in bodies if not any(e.get("session_id") == POISON
                                                                 for e in b["events"])) == 1
