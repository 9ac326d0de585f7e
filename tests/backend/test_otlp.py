"""POST /v1/traces against a real Postgres: the GenAI attribute mapping, exact costs, the cache rule,
idempotency, partial success and the OTLP/HTTP answers (protobuf and JSON)."""

import gzip
import json
import uuid
from decimal import Decimal

import pytest
from google.protobuf import json_format
from google.rpc.status_pb2 import Status as RpcStatus

from tests.otel.spans import START_NS, export, parse_answer, span
from tokenoptimizer_server.ingest.otlp import EVENT_ID_NAMESPACE

MINI = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 200}


def post(client, key, request, content_type="application/x-protobuf", **headers):
    body = request if isinstance(request, bytes) else request.SerializeToString()
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/v1/traces", data=body, content_type=content_type, headers={**auth, **headers})


def rows(db, project_id):
    return db.execute("select * from public.usage_logs where project_id = %s order by ts, prompt_tokens",
                      (project_id,)).fetchall()


def test_genai_span_becomes_one_priced_event(client, db, project_key):
    key, project = project_key
    s = span({**MINI, "gen_ai.usage.cache_read.input_tokens": 400, "gen_ai.usage.reasoning.output_tokens": 50,
              "gen_ai.conversation.id": "conv-7", "openai.response.service_tier": "default",
              "server.address": "api.openai.com"}, duration_ms=812)
    res = post(client, key, export([s]))
    assert res.status_code == 200 and res.content_type == "application/x-protobuf"
    assert not parse_answer(res.data).HasField("partial_success")
    (row,) = rows(db, project)
    assert row["id"] == uuid.uuid5(EVENT_ID_NAMESPACE, f"{s.trace_id.hex()}:{s.span_id.hex()}")
    assert (row["model"], row["provider"], row["endpoint_name"], row["session_id"], row["service_tier"]) == (
        "gpt-4o-mini", "openai", "chat gpt-4o-mini", "conv-7", "default")
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"], row["cached_tokens"],
            row["reasoning_tokens"]) == (1000, 200, 1200, 400, 50)
    # 600 uncached x 0.00015/1K + 400 cached x 0.000075/1K + 200 x 0.0006/1K
    assert row["total_cost"] == Decimal("0.00024") and row["priced"] is True
    assert row["latency_ms"] == 812 and row["status"] == "ok" and row["error_type"] is None
    assert row["ts"].timestamp() == pytest.approx(START_NS / 1e9, abs=1e-6)
    assert (row["sdk_name"], row["sdk_version"]) == ("test.instrumentation", "1.0")
    rollup = db.execute("select sum(requests) as n, sum(cost) as cost from public.usage_rollups_hourly "
                        "where project_id = %s", (project,)).fetchone()
    assert (rollup["n"], rollup["cost"]) == (1, Decimal("0.00024"))


def test_anthropic_cache_counts_are_inside_input_tokens_not_added_again(client, db, project_key):
    """langfuse#12306: input_tokens 130,213 already holds 128,955 cache reads and 1,253 cache writes."""
    key, project = project_key
    s = span({"gen_ai.provider.name": "anthropic", "gen_ai.response.model": "claude-sonnet-4-5",
              "gen_ai.usage.input_tokens": 130213, "gen_ai.usage.output_tokens": 500,
              "gen_ai.usage.cache_read.input_tokens": 128955, "gen_ai.usage.cache_creation.input_tokens": 1253},
             name="chat claude-sonnet-4-5")
    assert post(client, key, export([s])).status_code == 200
    (row,) = rows(db, project)
    assert (row["prompt_tokens"], row["cached_tokens"], row["cache_write_tokens"], row["total_tokens"]) == (
        130213, 128955, 1253, 130713)
    # 5 x 0.003/1K + 128,955 x 0.0003/1K + 1,253 x 0.00375/1K + 500 x 0.015/1K (doubled input would be 0.44…)
    assert row["total_cost"] == Decimal("0.05090025")


def test_cache_counts_reported_beside_input_when_the_resource_says_so(client, db, project_key):
    key, project = project_key
    s = span({"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-sonnet-4-5",
              "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 500,
              "gen_ai.usage.cache_read_input_tokens": 128955, "gen_ai.usage.cache_creation_input_tokens": 1253})
    assert post(client, key, export([s], resource={"tokenoptimizer.cache_tokens": "separate"})).status_code == 200
    (row,) = rows(db, project)
    assert (row["prompt_tokens"], row["cached_tokens"], row["cache_write_tokens"]) == (130213, 128955, 1253)
    assert row["total_cost"] == Decimal("0.05090025")


def test_cache_beyond_input_is_rejected_with_the_way_out(client, db, project_key):
    key, project = project_key
    bad = span({"gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.usage.input_tokens": 5,
                "gen_ai.usage.output_tokens": 1, "gen_ai.usage.cache_read.input_tokens": 900})
    answer = parse_answer(post(client, key, export([bad, span(MINI)])).data)
    assert answer.partial_success.rejected_spans == 1
    assert bad.span_id.hex() in answer.partial_success.error_message
    assert "tokenoptimizer.cache_tokens=separate" in answer.partial_success.error_message
    assert [r["model"] for r in rows(db, project)] == ["gpt-4o-mini"]


def test_older_convention_names_and_the_feature_tag(client, db, project_key):
    key, project = project_key
    old = span({"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.prompt_tokens": 10,
                "gen_ai.usage.completion_tokens": 3, "tokenoptimizer.endpoint_name": "search"}, start_ns=START_NS)
    from_resource = span(MINI, start_ns=START_NS + 1_000_000)
    unnamed = span({**MINI, "gen_ai.usage.input_tokens": 1}, name="", start_ns=START_NS + 2_000_000)
    assert post(client, key, export([old])).status_code == 200
    assert post(client, key, export([from_resource], resource={"tokenoptimizer.endpoint_name": "summarize"})).status_code == 200
    assert post(client, key, export([unnamed])).status_code == 200
    got = [(r["model"], r["provider"], r["endpoint_name"], r["prompt_tokens"], r["completion_tokens"])
           for r in rows(db, project)]
    assert got == [("gpt-4o", "openai", "search", 10, 3), ("gpt-4o-mini", "openai", "summarize", 1000, 200),
                   ("gpt-4o-mini", "openai", "default", 1, 200)]


def test_current_names_win_over_older_ones_and_empty_values_fall_through(client, db, project_key):
    key, project = project_key
    s = span({"gen_ai.system": "azure.ai.openai", "gen_ai.provider.name": "openai",
              "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
              "gen_ai.usage.prompt_tokens": 1, "gen_ai.usage.input_tokens": 100,
              "gen_ai.usage.completion_tokens": 1, "gen_ai.usage.output_tokens": 10,
              "gen_ai.request.service_tier": "auto", "openai.response.service_tier": "default",
              "gen_ai.conversation.id": "", "tokenoptimizer.endpoint_name": ""}, name="chat gpt-4o")
    assert post(client, key, export([s], resource={"tokenoptimizer.endpoint_name": "agents"})).status_code == 200
    (row,) = rows(db, project)
    assert (row["provider"], row["model"], row["pricing_model"], row["prompt_tokens"], row["completion_tokens"],
            row["service_tier"], row["session_id"], row["endpoint_name"]) == (
        "openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06", 100, 10, "default", None, "agents")


def test_failed_call_is_an_error_event_and_plain_spans_are_dropped(client, db, project_key):
    key, project = project_key
    failed = span({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai",
                   "error.type": "RateLimitError"}, error=True, status_message="quota exceeded for prompt ...")
    http = span({"http.request.method": "GET", "url.full": "http://127.0.0.1/x"}, name="GET")
    agent = span({**MINI, "gen_ai.operation.name": "invoke_agent"}, name="invoke_agent planner")
    before = _metric(client, 'tokenoptimizer_otlp_spans_total{outcome="no_usage"}')
    answer = parse_answer(post(client, key, export([failed, http, agent])).data)
    assert not answer.HasField("partial_success")
    (row,) = rows(db, project)
    assert (row["status"], row["error_type"], row["prompt_tokens"], row["completion_tokens"]) == (
        "error", "RateLimitError", 0, 0)
    assert _metric(client, 'tokenoptimizer_otlp_spans_total{outcome="no_usage"}') == before + 2


def test_a_repeated_export_is_stored_once(client, db, project_key):
    key, project = project_key
    request = export([span(MINI), span(MINI)])
    assert post(client, key, request).status_code == 200
    assert post(client, key, request, **{"Content-Encoding": "gzip"}) .status_code == 400  # not gzip
    assert post(client, key, gzip.compress(request.SerializeToString()), **{"Content-Encoding": "gzip"}).status_code == 200
    assert len(rows(db, project)) == 2
    rollup = db.execute("select sum(requests) as n from public.usage_rollups_hourly where project_id = %s",
                        (project,)).fetchone()
    assert rollup["n"] == 2


def test_partial_success_counts_and_explains_each_rejected_span(client, db, project_key):
    key, project = project_key
    no_model = span({"gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1})
    negative = span({**MINI, "gen_ai.usage.output_tokens": -3})
    not_a_number = span({**MINI, "gen_ai.usage.input_tokens": "many"})
    no_ids = span(MINI)
    no_ids.ClearField("span_id")
    answer = parse_answer(post(client, key, export([no_model, span(MINI), negative, not_a_number, no_ids])).data)
    assert answer.partial_success.rejected_spans == 4
    message = answer.partial_success.error_message
    assert f"span {no_model.span_id.hex()}: has token usage but no gen_ai.response.model" in message
    assert f"span {negative.span_id.hex()}: completion_tokens:" in message
    assert f"span {not_a_number.span_id.hex()}: gen_ai.usage.input_tokens must be a whole number" in message
    assert "span : trace_id must be 16 bytes and span_id 8 bytes" in message
    assert len(rows(db, project)) == 1


def test_json_encoding_with_hex_ids_answers_in_json(client, db, project_key):
    key, project = project_key
    trace_id, span_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "js"}}]},
                               "scopeSpans": [{"scope": {"name": "ai"}, "spans": [{
                                   "traceId": trace_id, "spanId": span_id, "parentSpanId": "eee19b7ec3c1b173",
                                   "name": "chat gpt-4o", "kind": 3, "startTimeUnixNano": str(START_NS),
                                   "endTimeUnixNano": str(START_NS + 1_500_000), "status": {"code": 1},
                                   "unknownField": True, "attributes": [
                                       {"key": "gen_ai.response.model", "value": {"stringValue": "gpt-4o"}},
                                       {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "2000"}},
                                       {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 100}}]}]}]}]}
    res = post(client, key, json.dumps(body).encode(), content_type="application/json")
    assert res.status_code == 200 and res.content_type == "application/json"
    assert res.get_json() == {}
    (row,) = rows(db, project)
    assert row["id"] == uuid.uuid5(EVENT_ID_NAMESPACE, f"{trace_id}:{span_id}")
    assert (row["prompt_tokens"], row["completion_tokens"], row["latency_ms"]) == (2000, 100, 1.5)
    assert row["total_cost"] == Decimal("0.006")  # 2,000 x 0.0025/1K + 100 x 0.01/1K
    bad = {**body, "resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "not-hex", "spanId": span_id}]}]}]}
    res = post(client, key, json.dumps(bad).encode(), content_type="application/json")
    assert res.status_code == 400 and "traceId must be hex-encoded" in res.get_json()["message"]
    answer = post(client, key, json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": trace_id, "spanId": "eee19b7ec3c1b175", "attributes": [
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1"}}]}]}]}]}).encode(),
        content_type="application/json").get_json()
    assert answer["partialSuccess"]["rejectedSpans"] == "1"  # int64 as a string, per protobuf's JSON mapping


@pytest.mark.parametrize("content_type", ["application/x-protobuf", "application/json"])
def test_failures_are_google_rpc_status_in_the_request_encoding(client, project_key, content_type):
    key, _ = project_key

    def status_of(res):
        if content_type == "application/json":
            return json_format.ParseDict(res.get_json(), RpcStatus())
        return RpcStatus.FromString(res.data)

    malformed = post(client, key, b"\x0a\xff\xff\xff", content_type=content_type)
    assert malformed.status_code == 400 and malformed.content_type == content_type
    assert status_of(malformed).code == 3 and "not" in status_of(malformed).message
    valid = export([span(MINI)]).SerializeToString() if content_type == "application/x-protobuf" else b"{}"
    missing = post(client, None, valid, content_type=content_type)
    assert missing.status_code == 401 and "Authorization: Bearer" in status_of(missing).message
    unknown = post(client, "to_nope", valid, content_type=content_type)  # refused even with no GenAI span
    assert unknown.status_code == 401 and status_of(unknown).code == 16


def test_size_method_and_media_type_answers(app, client, project_key):
    key, _ = project_key
    limit = app.config["SETTINGS"].max_body_bytes
    assert post(client, key, b"\0" * (limit + 1)).status_code == 413
    many = export([span(MINI) for _ in range(app.config["SETTINGS"].max_batch_events + 1)])
    res = post(client, key, many)
    assert res.status_code == 413 and "batch size" in RpcStatus.FromString(res.data).message
    assert client.get("/v1/traces").status_code == 405
    res = post(client, key, b"{}", content_type="text/plain")
    assert res.status_code == 415 and res.content_type == "application/json"


def test_busy_is_429_and_database_down_is_503(database_url, data_dir, project_key):
    from tokenoptimizer_server import create_app
    from tokenoptimizer_server.settings import Settings

    key, _ = project_key
    busy = create_app(Settings.from_env(database_url=database_url, data_dir=data_dir, pool_min=1, pool_max=1,
                                        pool_timeout_s=0.3))
    pool = busy.extensions["db_pool"]
    pool.open(wait=True)
    held = pool.getconn()
    try:
        res = post(busy.test_client(), key, export([span(MINI)]))
        assert res.status_code == 429 and res.headers["Retry-After"] == "1"
        assert RpcStatus.FromString(res.data).code == 8
    finally:
        pool.putconn(held)
        pool.close()
    down = create_app(Settings.from_env(database_url="postgresql://postgres@127.0.0.1:1/nowhere", data_dir=data_dir,
                                        pool_timeout_s=0.5))
    try:
        res = post(down.test_client(), key, export([span(MINI)]))
        assert res.status_code == 503 and res.headers["Retry-After"] == "2"
        status = RpcStatus.FromString(res.data)
        assert status.code == 14 and f"(request id {res.headers['X-Request-Id']})" in status.message
    finally:
        down.extensions["db_pool"].close()


def _metric(client, name: str) -> float:
    for line in client.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def test_openapi_lists_the_traces_receiver(client):
    operation = client.get("/api/openapi.json").get_json()["paths"]["/v1/traces"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/x-protobuf", "application/json"}
    assert {"200", "400", "401", "413", "415", "429", "503"} <= set(operation["responses"])


def test_without_the_otel_extra_the_path_says_what_to_install(client, monkeypatch):
    from tokenoptimizer_server.api import ingest

    monkeypatch.setattr(ingest, "serve_traces", None)  # as when opentelemetry-proto is not installed
    res = client.post("/v1/traces", data=b"", content_type="application/x-protobuf")
    assert res.status_code == 501 and "tokenoptimizer[server,otel]" in res.get_json()["error"]["message"]
