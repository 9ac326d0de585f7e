"""POST /api/log against a real Postgres: exact costs, idempotency, validation, content refusal, gzip, batches."""

import gzip
import json
import uuid

import pytest


def post(client, key, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/api/log", data=data, content_type="application/json",
                       headers={"Authorization": f"Bearer {key}", **headers})


def event(**fields):
    base = {"id": str(uuid.uuid4()), "model": "gpt-4o", "endpoint_name": "chat",
            "prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 400, "latency_ms": 812}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def rows(db, project_id):
    return db.execute("select * from public.usage_logs where project_id = %s order by ts", (project_id,)).fetchall()


def test_single_event_is_priced_exactly_and_stored(client, db, project_key):
    key, project = project_key
    ev = event()
    res = post(client, key, ev)
    assert res.status_code == 202
    body = res.get_json()
    assert body["accepted"] == 1 and body["duplicates"] == 0 and body["rejected"] == []
    assert body["events"] == [{"id": ev["id"], "total_cost": "0.004", "priced": True, "pricing_model": "gpt-4o"}]
    (row,) = rows(db, project)
    assert str(row["total_cost"]) == "0.00400" and str(row["input_cost"]) == "0.00200"
    assert row["total_tokens"] == 1200 and row["provider"] == "openai" and row["endpoint_name"] == "chat"
    rollup = db.execute("select sum(requests) as requests, sum(total_tokens) as total_tokens, sum(cost) as cost "
                        "from public.usage_rollups_hourly where project_id = %s", (project,)).fetchone()
    assert (rollup["requests"], rollup["total_tokens"], str(rollup["cost"])) == (1, 1200, "0.00400")


def test_repeated_id_is_stored_once(client, db, project_key):
    key, project = project_key
    ev = event()
    assert post(client, key, ev).get_json()["accepted"] == 1
    again = post(client, key, {"events": [ev, ev]}).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert len(rows(db, project)) == 1
    rollup = db.execute("select sum(requests) as requests from public.usage_rollups_hourly where project_id = %s",
                        (project,)).fetchone()
    assert rollup["requests"] == 1


def test_aliases_accept_the_same_contract(client, db, project_key):
    key, project = project_key
    for path in ("/log", "/api/tokens/track"):
        res = client.post(path, json=event(), headers={"Authorization": f"Bearer {key}"})
        assert res.status_code == 202
    assert len(rows(db, project)) == 2


def test_unknown_model_is_unpriced_never_zero(client, db, project_key):
    key, project = project_key
    body = post(client, key, event(model="brand-new-model-x")).get_json()
    assert body["events"][0]["priced"] is False and body["events"][0]["total_cost"] is None
    (row,) = rows(db, project)
    assert row["priced"] is False and row["total_cost"] is None and row["input_cost"] is None
    rollup = db.execute("select sum(unpriced_requests) as unpriced_requests from public.usage_rollups_hourly "
                        "where project_id = %s", (project,)).fetchone()
    assert rollup["unpriced_requests"] == 1


def test_anthropic_cache_counts_priced_as_written(client, project_key):
    key, _ = project_key
    ev = event(model="claude-sonnet-4-5", prompt_tokens=18, completion_tokens=2, cached_tokens=3,
               cache_write_tokens=5)
    assert post(client, key, ev).get_json()["events"][0]["total_cost"] == "0.00007965"


@pytest.mark.parametrize("patch, field", [
    ({"model": ...}, "model"),
    ({"model": ""}, "model"),
    ({"model": "m" * 201}, "model"),
    ({"prompt_tokens": ...}, "prompt_tokens"),
    ({"prompt_tokens": -1}, "prompt_tokens"),
    ({"prompt_tokens": "10"}, "prompt_tokens"),
    ({"prompt_tokens": 1.5}, "prompt_tokens"),
    ({"completion_tokens": True}, "completion_tokens"),
    ({"total_tokens": 5}, "event"),
    ({"cached_tokens": 5000}, "event"),
    ({"reasoning_tokens": 500}, "event"),
    ({"latency_ms": -3}, "latency_ms"),
    ({"status": "failed"}, "status"),
    ({"timestamp": "2026-11-23T10:00:00"}, "timestamp"),
    ({"timestamp": "yesterday"}, "timestamp"),
    ({"id": "not-a-uuid"}, "id"),
    ({"endpoint_name": "e" * 101}, "endpoint_name"),
    ({"session_id": "s" * 201}, "session_id"),
    ({"metadata": {f"k{i}": i for i in range(21)}}, "metadata"),
    ({"metadata": {"k" * 65: 1}}, "metadata"),
    ({"metadata": {"team": "x" * 201}}, "metadata"),
    ({"metadata": {"nested": {"a": 1}}}, "metadata"),
    ({"colour": "blue"}, "colour"),
    ({"sdk": {"name": "x", "extra": 1}}, "sdk.extra"),
])
def test_each_validation_error_names_the_field(client, db, project_key, patch, field):
    key, project = project_key
    res = post(client, key, event(**patch))
    assert res.status_code == 400
    err = res.get_json()["error"]
    assert err["code"] == "invalid_event"
    assert field in [d["field"] for d in err["details"]], err
    assert all(d["message"] for d in err["details"])
    assert rows(db, project) == []


@pytest.mark.parametrize("patch, field", [
    ({"messages": [{"role": "user", "content": "secret"}]}, "messages"),
    ({"prompt": "secret"}, "prompt"),
    ({"metadata": {"completion": "secret"}}, "metadata.completion"),
    ({"metadata": {"Text": "secret"}}, "metadata.Text"),
    ({"sdk": {"name": "x", "response": "secret"}}, "sdk.response"),
])
def test_content_fields_are_refused_at_any_depth(client, db, project_key, patch, field):
    key, project = project_key
    res = post(client, key, event(**patch))
    assert res.status_code == 400
    details = res.get_json()["error"]["details"]
    assert details[0]["field"] == field and "content" in details[0]["message"]
    assert rows(db, project) == []


def test_batch_stores_valid_events_and_lists_rejected_ones(client, db, project_key):
    key, project = project_key
    bad = event(prompt_tokens=-5)
    res = post(client, key, {"events": [event(), bad, event(model="mistral-small-latest", prompt_tokens=10,
                                                             completion_tokens=2, cached_tokens=0)]})
    assert res.status_code == 202
    body = res.get_json()
    assert body["accepted"] == 2
    assert body["rejected"] == [{"index": 1, "id": bad["id"],
                                 "errors": [{"field": "prompt_tokens",
                                             "message": "Input should be greater than or equal to 0"}]}]
    assert [e["total_cost"] for e in body["events"]] == ["0.004", "0.0000027"]
    assert len(rows(db, project)) == 2


def test_gzip_body(client, db, project_key):
    key, project = project_key
    events = [event() for _ in range(50)]
    res = post(client, key, gzip.compress(json.dumps({"events": events}).encode()), **{"Content-Encoding": "gzip"})
    assert res.status_code == 202 and res.get_json()["accepted"] == 50
    assert len(rows(db, project)) == 50


def test_bad_gzip_and_bad_json(client, project_key):
    key, _ = project_key
    assert post(client, key, b"not gzip", **{"Content-Encoding": "gzip"}).get_json()["error"]["code"] == "bad_gzip"
    assert post(client, key, b"{nope").get_json()["error"]["code"] == "invalid_json"


def test_size_limits_are_413(client, project_key):
    key, _ = project_key
    assert post(client, key, {"events": [event() for _ in range(1001)]}).status_code == 413
    big = json.dumps({"events": [event(metadata={f"k{i}": "x" * 200 for i in range(20)}) for _ in range(400)]})
    assert len(big) > 1_000_000
    assert post(client, key, big.encode()).status_code == 413
    bomb = gzip.compress(big.encode())
    assert len(bomb) < 1_000_000
    assert post(client, key, bomb, **{"Content-Encoding": "gzip"}).status_code == 413


def test_auth(client, db, project_key):
    key, project = project_key
    res = client.post("/api/log", json=event())
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
    assert post(client, "to_unknown", event()).status_code == 401
    db.execute("update public.api_keys set revoked_at = now() where project_id = %s", (project,))
    assert post(client, key, event()).status_code == 401
    assert rows(db, project) == []


def test_a_key_revoked_after_use_stores_nothing_more(client, db, project_key):
    """The worker caches keys; the write re-checks them, so revocation holds from the next request."""
    key, project = project_key
    assert post(client, key, event()).status_code == 202  # the key is now cached in this process
    db.execute("update public.api_keys set revoked_at = now() where project_id = %s", (project,))
    res = post(client, key, event())
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
    assert len(rows(db, project)) == 1
    assert post(client, key, event()).status_code == 401  # forgotten, and not re-cached


def test_a_revoked_key_fails_only_its_own_request_in_a_shared_write(app, db, project_key):
    """Requests of a live key that share a group commit with a revoked key's are stored."""
    from concurrent.futures import ThreadPoolExecutor

    from tokenoptimizer_server import keys
    from tokenoptimizer_server.db import connect

    live, project = project_key
    with connect(db.info.dsn) as conn:
        doomed, _ = keys.create_key(conn, f"test-{uuid.uuid4().hex[:10]}", "doomed")
    assert post(app.test_client(), doomed, event()).status_code == 202
    db.execute("update public.api_keys set revoked_at = now() where key_hash = %s", (keys.hash_key(doomed),))
    sends = [(live if i % 2 else doomed, event()) for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda s: post(app.test_client(), *s).status_code, sends))
    assert codes == [202 if k == live else 401 for k, _ in sends]
    assert len(rows(db, project)) == 12


def test_price_change_reaches_the_next_request(client, project_key):
    key, _ = project_key
    model = f"acme-{uuid.uuid4().hex[:8]}"
    assert post(client, key, event(model=model, cached_tokens=0)).get_json()["events"][0]["priced"] is False
    put = client.put(f"/api/pricing/{model}", json={"input_price": "0.001", "output_price": "0.002"})
    assert put.status_code == 200 and put.get_json()["model"]["input_price"] == "0.001"
    assert post(client, key, event(model=model, cached_tokens=0)).get_json()["events"][0]["total_cost"] == "0.0014"


def test_metrics_count_events(client, project_key):
    key, _ = project_key
    post(client, key, {"events": [event(), event(prompt_tokens=-1)]})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'tokenoptimizer_events_total{outcome="accepted"}' in text
    assert 'tokenoptimizer_events_total{outcome="rejected"}' in text
    assert "tokenoptimizer_request_seconds_bucket" in text


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_openapi_describes_the_event_contract(client):
    spec = client.get("/api/openapi.json").get_json()
    event = spec["components"]["schemas"]["UsageEvent"]
    assert {"model", "prompt_tokens", "completion_tokens"} <= set(event["required"])
    assert event["additionalProperties"] is False
    assert "/api/log" in spec["paths"] and "/api/usage/breakdown" in spec["paths"]


def test_batch_mixing_integer_and_float_latencies(client, db, project_key):
    key, project = project_key
    res = post(client, key, {"events": [event(latency_ms=2), event(latency_ms=7.5), event(latency_ms=None)]})
    assert res.status_code == 202 and res.get_json()["accepted"] == 3
    assert sorted(r["latency_ms"] or 0 for r in rows(db, project)) == [0, 2.0, 7.5]


def test_concurrent_requests_share_writes_and_each_gets_its_own_answer(app, db, project_key):
    """Group commit: 40 concurrent single-event requests, each 202 with its own id counted once."""
    from concurrent.futures import ThreadPoolExecutor

    key, project = project_key
    events = [event(endpoint_name=f"ep-{i % 4}") for i in range(40)]
    events.append(dict(events[0]))  # a retry racing the original: stored once, counted once

    def send(ev):
        return post(app.test_client(), key, ev).get_json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, events))
    assert sum(a["accepted"] for a in answers) == 40 and sum(a["duplicates"] for a in answers) == 1
    assert all(a["events"][0]["id"] == ev["id"] for a, ev in zip(answers, events, strict=True))
    assert len(rows(db, project)) == 40
    total = db.execute("select sum(requests) as n from public.usage_rollups_hourly where project_id = %s",
                       (project,)).fetchone()
    assert total["n"] == 40


def test_sdk_drop_count_is_recorded_once_per_stored_batch(client, db, project_key):
    key, project = project_key
    assert post(client, key, {"events": [event()], "dropped": 15}).status_code == 202
    assert post(client, key, {"events": [event()], "dropped": -1}).get_json()["error"]["details"][0]["field"] == "dropped"
    assert post(client, key, {"events": [event()], "extra": 1}).status_code == 400
    row = db.execute("select dropped_events from public.api_keys where project_id = %s", (project,)).fetchone()
    assert row["dropped_events"] == 15
    assert "tokenoptimizer_sdk_dropped_events_total" in client.get("/metrics").get_data(as_text=True)


def test_busy_is_429_and_database_down_is_503(database_url, data_dir, project_key):
    from tokenoptimizer_server import create_app
    from tokenoptimizer_server.settings import Settings

    key, _ = project_key
    busy = create_app(Settings.from_env(database_url=database_url, data_dir=data_dir, pool_min=1, pool_max=1,
                                        pool_timeout_s=0.3))
    pool = busy.extensions["db_pool"]
    pool.open(wait=True)
    held = pool.getconn()  # every connection in use
    try:
        res = post(busy.test_client(), key, event())
        assert res.status_code == 429 and res.headers["Retry-After"] == "1"
        assert res.get_json()["error"]["code"] == "busy"
    finally:
        pool.putconn(held)
        pool.close()

    down = create_app(Settings.from_env(database_url="postgresql://postgres@127.0.0.1:1/nowhere", data_dir=data_dir,
                                        pool_timeout_s=0.5))
    try:
        res = post(down.test_client(), key, event())
        assert res.status_code == 503 and res.headers["Retry-After"] == "2"
        error = res.get_json()["error"]
        assert error["code"] == "database_unavailable"
        assert error["request_id"] == res.headers["X-Request-Id"]  # the id the server logged it under
    finally:
        down.extensions["db_pool"].close()
