"""OpenTelemetry GenAI spans → usage events: the attribute mapping, and the rule that content never passes.

Each span that reports GenAI token usage becomes one raw usage event (a dict in the /api/log
contract), which then goes through the same validation, pricing and storage as /api/log. Only the
attributes named below are read; everything else of a span (other attributes, events, links, the
status message) is dropped here, before anything is stored. Attributes and events that carry
message text are counted, never logged. docs/opentelemetry.md is the user's view of this file.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

# The event id is uuid5(EVENT_ID_NAMESPACE, "<trace id hex>:<span id hex>"): an exporter's retry of a
# span lands on the same id, so it is stored once (the idempotency of /api/log).
EVENT_ID_NAMESPACE = uuid.UUID("6f1d4a3e-2c7b-5e08-9a61-0b7c3d9e4f21")

ENDPOINT_ATTRIBUTE = "tokenoptimizer.endpoint_name"  # span or resource attribute: the feature tag
CACHE_RULE_ATTRIBUTE = "tokenoptimizer.cache_tokens"  # "separate": cache counts are NOT inside input tokens

# Event field ← attribute names, first present wins: the current GenAI convention first, then the
# older names and the ones instrumentations shipped before the convention settled.
_STRINGS = {
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "session_id": ("gen_ai.conversation.id",),
    # The tier that answered is the one billed; the requested one ("auto") only when no answer says.
    "service_tier": ("gen_ai.response.service_tier", "openai.response.service_tier",
                     "gen_ai.openai.response.service_tier", "gen_ai.request.service_tier",
                     "openai.request.service_tier", "gen_ai.openai.request.service_tier"),
    "error_type": ("error.type",),
}
_TOKENS = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cache_read": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                   "gen_ai.usage.cache_read_tokens", "gen_ai.usage.details.cache_read_tokens"),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens",
                    "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.cache_write_tokens",
                    "gen_ai.usage.details.cache_write_tokens"),
    "reasoning": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
}
_OTHERS = {"operation": ("gen_ai.operation.name",), "endpoint": (ENDPOINT_ATTRIBUTE,),
           "cache_rule": (CACHE_RULE_ATTRIBUTE,)}
# attribute name → (field, rank, is a token count): one dict lookup per attribute, lowest rank wins
_FIELD_OF = {name: (field, rank, field in _TOKENS) for field, names in {**_STRINGS, **_OTHERS, **_TOKENS}.items()
             for rank, name in enumerate(names)}
_SCALARS = frozenset({"string_value", "int_value", "double_value", "bool_value"})

# Attributes that hold prompts, completions, instructions or tool payloads, by the GenAI convention
# and by the instrumentations that predate it (OpenLLMetry, OpenInference, the Vercel AI SDK, pydantic-ai).
CONTENT_ATTRIBUTES = frozenset({
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.prompt",
    "gen_ai.completion", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.tool.definitions",
    "input.value", "output.value", "traceloop.entity.input", "traceloop.entity.output", "ai.prompt",
    "pydantic_ai.all_messages", "all_messages_events", "final_result", "tool_arguments", "tool_response",
})
CONTENT_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.", "gen_ai.input.messages.", "gen_ai.output.messages.",
                    "llm.prompts", "llm.completions", "llm.input_messages", "llm.output_messages",
                    "ai.prompt.", "ai.response.text", "ai.response.object", "ai.response.toolCalls",
                    "ai.toolCall.args", "ai.toolCall.result")

# Spans that sum up other GenAI spans (an agent run, a tool call): their model calls are spans of their
# own, so pricing the aggregate too would count the same tokens twice.
_AGGREGATE_OPERATIONS = frozenset({"invoke_agent", "create_agent", "execute_tool", "invoke_workflow"})
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CLASS_REPR = re.compile(r"^<class '([^']+)'>$")  # opentelemetry-util-genai 1.1 sends str(type(err)) as error.type


def is_content(key: str) -> bool:
    """Whether an attribute name says it carries message text."""
    return key in CONTENT_ATTRIBUTES or key.startswith(CONTENT_PREFIXES)


@dataclass
class SpanBatch:
    """What one export request's spans became."""

    events: list[dict] = field(default_factory=list)  # raw usage events, for parse_events
    spans: list[str] = field(default_factory=list)  # the span id (hex) of each event, same order
    without_usage: int = 0  # counted and dropped: not an LLM call, or an aggregate of ones
    rejected: list[str] = field(default_factory=list)  # why a span with usage could not be mapped
    content_dropped: int = 0  # content attributes and span events dropped before storage


class _Unmappable(Exception):
    """A span with usage whose attributes cannot be read as the event contract needs (the why)."""


def map_spans(request: ExportTraceServiceRequest) -> SpanBatch:
    """Every span of an export request: a raw usage event, a rejection, or a counted drop."""
    out = SpanBatch()
    for resource_spans in request.resource_spans:
        resource = _read(resource_spans.resource.attributes, out)
        for scope_spans in resource_spans.scope_spans:
            sdk = _sdk(scope_spans.scope.name, scope_spans.scope.version)
            for span in scope_spans.spans:
                attrs = _read(span.attributes, out)
                out.content_dropped += _content_events(span)
                try:
                    event = _event(span, attrs, resource, sdk)
                except _Unmappable as why:
                    out.rejected.append(f"span {span.span_id.hex()}: {why}")
                    continue
                if event is None:
                    out.without_usage += 1
                else:
                    out.events.append(event)
                    out.spans.append(span.span_id.hex())
    return out


def _read(attributes, out: SpanBatch) -> dict[str, tuple[int, str, object]]:
    """The mapped fields, each as (rank, attribute name, value) of the best-ranked usable attribute;
    content attributes are counted (never read, never kept)."""
    found: dict[str, tuple[int, str, object]] = {}
    for kv in attributes:
        key = kv.key
        slot = _FIELD_OF.get(key)
        if slot is None:
            if is_content(key):
                out.content_dropped += 1
            continue
        field, rank, is_count = slot
        held = found.get(field)
        if held is not None and held[0] < rank:
            continue
        value = kv.value
        kind = value.WhichOneof("value")
        if kind in _SCALARS:
            item = getattr(value, kind)
            if is_count or (isinstance(item, str) and item):  # an empty name falls through to the next one
                found[field] = (rank, key, item)
    return found


def _content_events(span: Span) -> int:
    """Span events are never stored; the ones that carry GenAI messages are counted as content."""
    return sum(1 for event in span.events
               if event.name.startswith("gen_ai.") or any(is_content(kv.key) for kv in event.attributes))


def _event(span: Span, attrs: dict, resource: dict, sdk: dict | None) -> dict | None:
    """The raw usage event of one span, or None when the span reports no GenAI usage."""
    if not attrs:  # no GenAI attribute at all (an HTTP or database span): the common case, kept cheap
        return None
    tokens = {field: _count(attrs.get(field)) for field in _TOKENS}
    strings = {field: _text(attrs.get(field)) for field in _STRINGS}
    failed = span.status.code == Status.STATUS_CODE_ERROR
    has_usage = tokens["input"] is not None or tokens["output"] is not None
    # A failed call reports no usage but is still a request (the SDK records errors with 0 tokens).
    if not has_usage and not (failed and strings["model"]):
        return None
    if _text(attrs.get("operation")) in _AGGREGATE_OPERATIONS:
        return None
    if not strings["model"]:
        raise _Unmappable("has token usage but no gen_ai.response.model or gen_ai.request.model")
    if len(span.trace_id) != 16 or len(span.span_id) != 8:  # the ids are the event's identity
        raise _Unmappable("trace_id must be 16 bytes and span_id 8 bytes")
    prompt, cached, written = _input_counts(tokens, _text(attrs.get("cache_rule") or resource.get("cache_rule")))
    # The feature tag: tokenoptimizer.endpoint_name on the span, then on the resource, then the span name.
    endpoint = _text(attrs.get("endpoint")) or _text(resource.get("endpoint")) or span.name[:100] or "default"
    event = {"id": str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{span.trace_id.hex()}:{span.span_id.hex()}")),
             "model": strings["model"], "endpoint_name": endpoint, "prompt_tokens": prompt,
             "completion_tokens": tokens["output"] or 0, "cached_tokens": cached, "cache_write_tokens": written,
             "reasoning_tokens": tokens["reasoning"] or 0, "status": "error" if failed else "ok"}
    event.update({k: v for k, v in strings.items() if v and k not in ("model", "error_type")})
    if failed and strings["error_type"]:
        event["error_type"] = _CLASS_REPR.sub(r"\1", strings["error_type"])
    event.update(_timing(span))
    if sdk:
        event["sdk"] = sdk
    return event


def _input_counts(tokens: dict, cache_rule: str | None) -> tuple[int, int, int]:
    """(prompt, cached, cache-write) tokens, cache counts inside the prompt count as the conventions say,
    or added to it when the sender declared them separate; never counted twice."""
    cached, written = tokens["cache_read"] or 0, tokens["cache_write"] or 0
    prompt = tokens["input"] or 0
    if (cache_rule or "").lower() == "separate":
        return prompt + cached + written, cached, written
    if cached + written > prompt:
        raise _Unmappable("cache tokens exceed gen_ai.usage.input_tokens, which includes them under the GenAI "
                          f"conventions; if this instrumentation reports them beside it, set {CACHE_RULE_ATTRIBUTE}"
                          "=separate (docs/opentelemetry.md)")
    return prompt, cached, written


def _count(held: tuple[int, str, object] | None) -> int | None:
    """A token count: a whole number (JSON exporters may send 12.0 or "12"); anything else is unmappable."""
    if held is None:
        return None
    _, name, value = held
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise _Unmappable(f"{name} must be a whole number of tokens")


def _text(held: tuple[int, str, object] | None) -> str | None:
    return None if held is None else held[2]


def _timing(span: Span) -> dict:
    """Span start → timestamp, its duration → latency_ms (only when the clock values make sense)."""
    out = {}
    if span.start_time_unix_nano:
        # exact (no float), and a datetime: the event validation takes it as it is, no string to parse
        out["timestamp"] = _EPOCH + timedelta(microseconds=span.start_time_unix_nano // 1000)
        if span.end_time_unix_nano >= span.start_time_unix_nano:
            out["latency_ms"] = round((span.end_time_unix_nano - span.start_time_unix_nano) / 1e6, 3)
    return out


def _sdk(scope_name: str, scope_version: str) -> dict | None:
    """The instrumentation scope, recorded as the event's sdk (which instrumentation sent it)."""
    if not scope_name:
        return None
    return {"name": scope_name[:100], "version": scope_version[:50] or None}


def _note(errors: list[dict]) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" for e in errors)


def rejection_reasons(batch: SpanBatch, rejected: list[dict]) -> list[str]:
    """Why each span was rejected: the mapping's reasons, then the event validation's, per span id."""
    return [*batch.rejected, *(f"span {batch.spans[r['index']]}: {_note(r['errors'])}" for r in rejected)]
