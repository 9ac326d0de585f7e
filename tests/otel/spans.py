"""OTLP export requests built with the official protobuf classes, for tests that need exact spans."""

from __future__ import annotations

import gzip
import os
import time

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                      ExportTraceServiceResponse)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

START_NS = 1_764_000_000_123_456_789  # 2025-11-24T16:00:00.123456Z


def value(v) -> AnyValue:
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    return AnyValue(string_value=v)


def attributes(values: dict) -> list[KeyValue]:
    return [KeyValue(key=k, value=value(v)) for k, v in values.items()]


def span(attrs: dict, name: str = "chat gpt-4o-mini", *, error: bool = False, duration_ms: int = 250,
         events: tuple[tuple[str, dict], ...] = (), trace_id: bytes | None = None, span_id: bytes | None = None,
         start_ns: int = START_NS, status_message: str = "") -> Span:
    """One span; random ids unless given."""
    out = Span(trace_id=trace_id or os.urandom(16), span_id=span_id or os.urandom(8), name=name,
               kind=Span.SPAN_KIND_CLIENT, start_time_unix_nano=start_ns,
               end_time_unix_nano=start_ns + duration_ms * 1_000_000, attributes=attributes(attrs),
               status=Status(code=Status.STATUS_CODE_ERROR if error else Status.STATUS_CODE_OK,
                             message=status_message))
    for event_name, event_attrs in events:
        out.events.add(name=event_name, time_unix_nano=start_ns, attributes=attributes(event_attrs))
    return out


def export(spans: list[Span], resource: dict | None = None, scope: str = "test.instrumentation") -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
        resource=Resource(attributes=attributes({"service.name": "otlp-test", **(resource or {})})),
        scope_spans=[ScopeSpans(scope=InstrumentationScope(name=scope, version="1.0"), spans=spans)])])


def post_protobuf(url: str, key: str | None, request: ExportTraceServiceRequest, gzipped: bool = False):
    """POST to /v1/traces as the OTLP exporters do; the requests response."""
    body = request.SerializeToString()
    headers = {"Content-Type": "application/x-protobuf"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if gzipped:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    return requests.post(f"{url}/v1/traces", data=body, headers=headers, timeout=30)


def parse_answer(content: bytes) -> ExportTraceServiceResponse:
    return ExportTraceServiceResponse.FromString(content)


def wait_for(check, timeout: float = 20.0):
    """Poll `check()` until it returns something truthy (exports are asynchronous); its last value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)
