"""The real OpenTelemetry SDK and OTLP/HTTP exporter, with real GenAI instrumentations of the `openai` SDK
(the official opentelemetry-instrumentation-openai-v2, and OpenLLMetry's), against the fake provider,
exporting to a real `tokenoptimizer serve`: the rows in Postgres have the exact tokens and costs."""

from __future__ import annotations

import asyncio
import warnings
from decimal import Decimal

import pytest
from opentelemetry import baggage, context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.fake_provider import OPENAI_CHAT, FakeProvider

USER = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def fake_provider():
    server = FakeProvider().start()
    yield server
    server.stop()


class ConversationFromBaggage(SpanProcessor):
    """Puts the baggage's conversation id on every span, as apps that track conversations do."""

    def on_start(self, span, parent_context=None):
        conversation = baggage.get_baggage("gen_ai.conversation.id", parent_context)
        if conversation:
            span.set_attribute("gen_ai.conversation.id", str(conversation))


@pytest.fixture
def tracing(live_server, project_key, monkeypatch):
    """A tracer provider whose exporter is set up only by the environment docs/opentelemetry.md gives."""
    key, project = project_key
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{live_server}/v1/traces")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization=Bearer%20{key}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    provider = TracerProvider(resource=Resource.create({"service.name": "otlp-python-test",
                                                        "tokenoptimizer.endpoint_name": "support-bot"}))
    provider.add_span_processor(ConversationFromBaggage())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    yield provider, project
    provider.shutdown()


def rows_of(db, project_id: str) -> list[dict]:
    return db.execute(
        "select model, provider, endpoint_name, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, "
        "status, error_type, session_id, total_cost, priced, sdk_name from public.usage_logs "
        "where project_id = %s order by ts", (project_id,)).fetchall()


def openllmetry(provider):
    """OpenLLMetry's openai instrumentor, instrumented (it records prompts and completions by default)."""
    with warnings.catch_warnings():  # its modules trip pydantic's class-based config deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=provider)
    return instrumentor


def _in_conversation(conversation_id: str):
    return context.attach(baggage.set_baggage("gen_ai.conversation.id", conversation_id))


def test_official_openai_instrumentation_spans_land_priced(tracing, db, fake_provider):
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    provider, project = tracing
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    token = _in_conversation("conv-official")
    try:
        with fake_provider.client("openai") as client:
            client.chat.completions.create(model="gpt-4o-mini", messages=USER)
            fake_provider.fail.append((400, {"error": {"message": "bad", "type": "invalid_request_error"}}, {}))
            with pytest.raises(Exception):
                client.chat.completions.create(model="gpt-4o", messages=USER)
            stream = client.chat.completions.create(model="gpt-4.1-mini", messages=USER, stream=True,
                                                    stream_options={"include_usage": True})
            assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "hi"
            client.embeddings.create(model="text-embedding-3-small", input="hello")

        async def call_async():
            async with fake_provider.async_client("openai") as client:
                await client.chat.completions.create(model="gpt-4o", messages=USER)
        asyncio.run(call_async())
    finally:
        context.detach(token)
        instrumentor.uninstrument()
    assert provider.force_flush(15_000)
    rows = rows_of(db, project)
    got = [(r["model"], r["provider"], r["endpoint_name"], r["prompt_tokens"], r["completion_tokens"], r["status"],
            r["error_type"], r["session_id"], r["total_cost"]) for r in rows]
    # This instrumentation reports input and output tokens only (no cache count), so the fake's 4 cached
    # tokens are priced as input: 10 x 0.00015/1K + 2 x 0.0006/1K.
    assert got == [("gpt-4o-mini", "openai", "support-bot", 10, 2, "ok", None, "conv-official", Decimal("0.0000027")),
                   ("gpt-4o", "openai", "support-bot", 0, 0, "error", "openai.BadRequestError", "conv-official",
                    Decimal("0")),
                   # streamed, usage in the last chunk: 10 x 0.0004/1K + 2 x 0.0016/1K
                   ("gpt-4.1-mini", "openai", "support-bot", 10, 2, "ok", None, "conv-official", Decimal("0.0000072")),
                   # embeddings report input tokens only: 3 x 0.00002/1K
                   ("text-embedding-3-small", "openai", "support-bot", 3, 0, "ok", None, "conv-official",
                    Decimal("0.00000006")),
                   # async: 10 x 0.0025/1K + 2 x 0.01/1K
                   ("gpt-4o", "openai", "support-bot", 10, 2, "ok", None, "conv-official", Decimal("0.000045"))]
    # chat spans come from the GenAI utility the instrumentation calls, embeddings from the instrumentation itself
    assert [r["sdk_name"] for r in rows] == ["opentelemetry.util.genai.handler"] * 3 + [
        "opentelemetry.instrumentation.openai_v2", "opentelemetry.util.genai.handler"]


def test_openllmetry_cache_and_reasoning_counts_land_exactly(tracing, db, fake_provider):
    provider, project = tracing
    usage = {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200,
             "prompt_tokens_details": {"cached_tokens": 400}, "completion_tokens_details": {"reasoning_tokens": 50}}
    instrumentor = openllmetry(provider)
    token = _in_conversation("conv-llmetry")
    try:
        with fake_provider.client("openai") as client:
            fake_provider.fail.append((200, {**OPENAI_CHAT, "model": "o4-mini", "usage": usage}, {}))
            client.chat.completions.create(model="o4-mini", messages=USER)
            client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    finally:
        context.detach(token)
        instrumentor.uninstrument()
    assert provider.force_flush(15_000)
    got = [(r["model"], r["prompt_tokens"], r["completion_tokens"], r["cached_tokens"], r["reasoning_tokens"],
            r["session_id"], r["status"], r["total_cost"], r["priced"]) for r in rows_of(db, project)]
    assert got == [
        # 600 x 0.0011/1K + 400 cached x 0.000275/1K + 200 x 0.0044/1K (reasoning is part of the 200)
        ("o4-mini", 1000, 200, 400, 50, "conv-llmetry", "ok", Decimal("0.00165"), True),
        # the fake's default body: 10 prompt (4 cached), 2 completion: 6 x 0.00015/1K + 4 x 0.000075/1K + 2 x 0.0006/1K
        ("gpt-4o-mini", 10, 2, 4, 0, "conv-llmetry", "ok", Decimal("0.0000024"), True),
    ]
