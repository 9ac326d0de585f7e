"""Content never lands: spans full of prompts, completions, instructions and tool payloads (unique marker
strings) go to a real `tokenoptimizer serve` by protobuf, JSON and OpenLLMetry's real instrumentation
(which records content by default); then every row of every table, and the server's log, is read as text
and no marker is in it, while the usage rows are there."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.conftest import free_port, start_server, stop_server
from tests.fake_provider import FakeProvider
from tests.otel.spans import export, parse_answer, post_protobuf, span
from tests.otel.test_otlp_python import openllmetry

RUN = uuid.uuid4().hex[:12]


def marker(where: str) -> str:
    return f"SECRET-{where}-{RUN}"


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    """A server of our own, so its log file can be read afterwards."""
    proc = start_server(database_url, tmp_path_factory.mktemp("otlp-content"), free_port())
    yield proc
    stop_server(proc)


def content_span(n: int, **overrides):
    """A GenAI span carrying content in every place a span can."""
    attrs = {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai",
             "gen_ai.usage.input_tokens": 100 + n, "gen_ai.usage.output_tokens": 7,
             "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"content": marker(f"input{n}")}]}]),
             "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"content": marker(f"out{n}")}]}]),
             "gen_ai.system_instructions": marker(f"system{n}"), "gen_ai.prompt.0.content": marker(f"prompt{n}"),
             "gen_ai.prompt.0.role": "user", "gen_ai.completion.0.content": marker(f"completion{n}"),
             "gen_ai.tool.call.arguments": marker(f"args{n}"), "gen_ai.tool.call.result": marker(f"result{n}"),
             "llm.prompts.0.content": marker(f"llmprompt{n}"), "app.free_text": marker(f"free{n}"), **overrides}
    events = (("gen_ai.user.message", {"content": marker(f"event{n}")}),
              ("gen_ai.choice", {"message": marker(f"choice{n}")}),
              ("exception", {"exception.type": "ValueError", "exception.message": marker(f"exception{n}")}))
    return span({k: v for k, v in attrs.items() if v is not None}, events=events,
                status_message=marker(f"status{n}"))


def everything_stored(db) -> str:
    """Every row of every table outside the system schemas, as text."""
    tables = db.execute("select format('%I.%I', table_schema, table_name) as name from information_schema.tables "
                        "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')"
                        ).fetchall()
    assert any(t["name"] == "public.usage_logs" for t in tables)
    return "\n".join(r["row"] for t in tables for r in db.execute(f"select t::text as row from {t['name']} t"))


def test_no_content_reaches_the_database_or_the_log(server, project_key, db):
    key, project = project_key
    url = f"http://127.0.0.1:{server.args[server.args.index('--port') + 1]}"
    # 1. protobuf: three usable spans, one rejected (no model), one without usage, all full of content.
    request = export([content_span(1), content_span(2), content_span(3),
                      content_span(4, **{"gen_ai.request.model": None}),
                      content_span(5, **{"gen_ai.usage.input_tokens": None, "gen_ai.usage.output_tokens": None})],
                     resource={"deployment.note": marker("resource")})
    assert marker("input1").encode() in request.SerializeToString()
    res = post_protobuf(url, key, request, gzipped=True)
    assert res.status_code == 200
    answer = parse_answer(res.content)
    assert answer.partial_success.rejected_spans == 1 and RUN not in answer.partial_success.error_message
    # 2. JSON, content in a span and in a rejected one (negative tokens fail validation).
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [
        _json_span("aa" * 8, marker("json"), 11), _json_span("bb" * 8, marker("json-bad"), -1)]}]}]}
    res = requests.post(f"{url}/v1/traces", data=json.dumps(body), timeout=30,
                        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert res.status_code == 200 and res.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert RUN not in res.text
    # 3. OpenLLMetry, recording the prompt and the answer as it does by default.
    seen = _openllmetry_export(url, key)
    assert marker("llm-prompt") in seen and marker("llm-answer") in seen  # the spans did carry the content

    stored = db.execute("select prompt_tokens from public.usage_logs where project_id = %s order by prompt_tokens",
                        (project,)).fetchall()
    assert [r["prompt_tokens"] for r in stored] == [10, 11, 101, 102, 103]
    dump = everything_stored(db)
    assert str(project) in dump and RUN not in dump
    log = server.log_path.read_text()
    assert RUN not in log
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    dropped = next(float(line.split()[-1]) for line in metrics.splitlines()
                   if line.startswith("tokenoptimizer_otlp_content_dropped_total "))
    # 5 spans x (9 content attributes + 2 gen_ai.* events) + 2 JSON spans x (1 + 1) + OpenLLMetry's 2 messages
    assert dropped == 5 * 11 + 2 * 2 + 2


def _json_span(span_id: str, text: str, output_tokens: int) -> dict:
    return {"traceId": "cd" * 16, "spanId": span_id, "name": "chat gpt-4o-mini",
            "startTimeUnixNano": "1764000000000000000", "endTimeUnixNano": "1764000000100000000",
            "attributes": [{"key": "gen_ai.response.model", "value": {"stringValue": "gpt-4o-mini"}},
                           {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "11"}},
                           {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(output_tokens)}},
                           {"key": "gen_ai.input.messages", "value": {"stringValue": text}}],
            "events": [{"name": "gen_ai.content.prompt", "attributes": [
                {"key": "gen_ai.prompt", "value": {"stringValue": text}}]}]}


def _openllmetry_export(url: str, key: str) -> str:
    """One chat call through OpenLLMetry exported to the server; the spans' attributes as text."""
    seen = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(seen))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{url}/v1/traces",
                                                                     headers={"Authorization": f"Bearer {key}"})))
    fake = FakeProvider().start()
    fake.reply_text = marker("llm-answer")
    instrumentor = openllmetry(provider)
    try:
        with fake.client("openai") as client:
            client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": marker("llm-prompt")}])
    finally:
        instrumentor.uninstrument()
        fake.stop()
        provider.shutdown()
    return repr([dict(s.attributes) for s in seen.get_finished_spans()])
