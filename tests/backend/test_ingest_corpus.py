"""A corpus of bad ingest payloads, as careless clients and attackers send them: each one is a 4xx
that names what is wrong, and nothing of it is stored (issue 9)."""

import gzip
import json

import pytest

from .test_ingest import event, post, rows

NUL = "\u0000"

# (patch on a valid event, the field the 400 must name). Key ... drops the field from the event.
BAD_EVENTS = [
    ({"model": ...}, "model"),
    ({"model": ""}, "model"),
    ({"model": "m" * 201}, "model"),
    ({"model": 42}, "model"),
    ({"model": None}, "model"),
    ({"model": ["gpt-4o"]}, "model"),
    ({"model": f"{NUL}"}, "model"),
    ({"prompt_tokens": ...}, "prompt_tokens"),
    ({"prompt_tokens": -1}, "prompt_tokens"),
    ({"prompt_tokens": 1.5}, "prompt_tokens"),
    ({"prompt_tokens": "100"}, "prompt_tokens"),
    ({"prompt_tokens": True}, "prompt_tokens"),
    ({"prompt_tokens": 10**12}, "prompt_tokens"),
    ({"prompt_tokens": 2**70}, "prompt_tokens"),
    ({"completion_tokens": ...}, "completion_tokens"),
    ({"completion_tokens": -3}, "completion_tokens"),
    ({"completion_tokens": None}, "completion_tokens"),
    ({"total_tokens": 5}, "event"),
    ({"total_tokens": -1}, "total_tokens"),
    ({"cached_tokens": 5000}, "event"),
    ({"cached_tokens": -1}, "cached_tokens"),
    ({"cache_write_tokens": 900}, "event"),
    ({"cache_write_1h_tokens": 10}, "event"),
    ({"reasoning_tokens": 500}, "event"),
    ({"latency_ms": -1}, "latency_ms"),
    ({"latency_ms": "fast"}, "latency_ms"),
    ({"latency_ms": 10**12}, "latency_ms"),
    ({"status": "failed"}, "status"),
    ({"status": None}, "status"),
    ({"stream": "yes"}, "stream"),
    ({"stream": 1}, "stream"),
    ({"id": "not-a-uuid"}, "id"),
    ({"id": 12345}, "id"),
    ({"id": f"00000000-0000-4000-8000-00000000000{NUL}"}, "id"),
    ({"timestamp": "2026-11-23T10:00:00"}, "timestamp"),
    ({"timestamp": "yesterday"}, "timestamp"),
    ({"timestamp": "2026-11-23T10:00:00+25:00"}, "timestamp"),
    ({"timestamp": "0001-01-01T00:00:00+14:00"}, "timestamp"),
    ({"timestamp": "10000-01-01T00:00:00Z"}, "timestamp"),
    ({"timestamp": "2026-02-30T10:00:00Z"}, "timestamp"),
    ({"endpoint_name": ""}, "endpoint_name"),
    ({"endpoint_name": "e" * 101}, "endpoint_name"),
    ({"endpoint_name": f"chat{NUL}"}, "endpoint_name"),
    ({"endpoint_name": {"name": "chat"}}, "endpoint_name"),
    ({"provider": ""}, "provider"),
    ({"provider": "p" * 51}, "provider"),
    ({"session_id": "s" * 201}, "session_id"),
    ({"session_id": ""}, "session_id"),
    ({"session_id": 7}, "session_id"),
    ({"session_id": f"a{NUL}b"}, "session_id"),
    ({"user_id": "u" * 201}, "user_id"),
    ({"user_id": f"{NUL}"}, "user_id"),
    ({"service_tier": "t" * 51}, "service_tier"),
    ({"error_type": "E" * 201}, "error_type"),
    ({"metadata": "team=a"}, "metadata"),
    ({"metadata": [1, 2]}, "metadata"),
    ({"metadata": {f"k{i}": i for i in range(21)}}, "metadata"),
    ({"metadata": {"k" * 65: 1}}, "metadata"),
    ({"metadata": {"team": "x" * 201}}, "metadata"),
    ({"metadata": {"nested": {"a": 1}}}, "metadata"),
    ({"metadata": {"list": [1]}}, "metadata"),
    ({"metadata": {f"k{NUL}": 1}}, "metadata"),
    ({"sdk": "tokenoptimizer"}, "sdk"),
    ({"sdk": {"version": "1"}}, "sdk.name"),
    ({"sdk": {"name": "x", "extra": 1}}, "sdk.extra"),
    ({"colour": "blue"}, "colour"),
    ({"Model": "gpt-4o"}, "Model"),
    ({"messages": [{"role": "user", "content": "secret"}]}, "messages"),
    ({"prompt": "secret"}, "prompt"),
    ({"metadata": {"completion": "secret"}}, "metadata.completion"),
    ({"sdk": {"name": "x", "Response": "secret"}}, "sdk.Response"),
]


@pytest.mark.parametrize("patch, field", BAD_EVENTS, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_EVENTS)])
def test_each_bad_event_is_a_400_naming_the_field_and_stores_nothing(client, db, project_key, patch, field):
    key, project = project_key
    res = post(client, key, event(**patch))
    assert res.status_code == 400, res.get_data(as_text=True)
    err = res.get_json()["error"]
    assert err["code"] == "invalid_event"
    assert field in [d["field"] for d in err["details"]], err
    assert all(d["message"] for d in err["details"])
    assert rows(db, project) == []


# Bodies that are wrong as a whole: (raw body, extra headers, status, error code, field named or None).
BAD_BODIES = [
    (b"", {}, 400, "invalid_json", None),
    (b"{nope", {}, 400, "invalid_json", None),
    (b"\xff\xfe{}", {}, 400, "invalid_json", None),
    (b'{"model": "\\ud800", "prompt_tokens": 1, "completion_tokens": 1}', {}, 400, "invalid_json", None),
    (b"[1, 2]", {}, 400, "invalid_event", "event"),
    (b'"gpt-4o"', {}, 400, "invalid_event", "event"),
    (b"null", {}, 400, "invalid_event", "event"),
    (b'{"events": "all"}', {}, 400, "invalid_batch", "events"),
    (b'{"events": [], "extra": 1}', {}, 400, "invalid_batch", "events"),
    (b'{"events": [], "dropped": -1}', {}, 400, "invalid_batch", "dropped"),
    (b'{"events": [], "dropped": "3"}', {}, 400, "invalid_batch", "dropped"),
    (b"not gzip", {"Content-Encoding": "gzip"}, 400, "bad_gzip", None),
    (gzip.compress(b"{}")[:-3], {"Content-Encoding": "gzip"}, 400, "bad_gzip", None),
    (json.dumps({"events": [event() for _ in range(1001)]}).encode(), {}, 413, "too_many_events", None),
]


@pytest.mark.parametrize("body, headers, status, code, field", BAD_BODIES,
                         ids=[f"{i}-{c[3]}" for i, c in enumerate(BAD_BODIES)])
def test_each_bad_body_is_refused_whole_and_stores_nothing(client, db, project_key, body, headers, status, code,
                                                           field):
    key, project = project_key
    res = post(client, key, body, **headers)
    assert res.status_code == status, res.get_data(as_text=True)
    err = res.get_json()["error"]
    assert err["code"] == code and err["message"]
    if field:
        assert field in [d["field"] for d in err["details"]]
    assert rows(db, project) == []

