"""POST /v1/traces: OTLP/HTTP in (protobuf or JSON, gzip allowed), answers in the request's encoding.

What the OTLP spec ("OTLP/HTTP") asks, and how it is met here: success is 200 with an
ExportTraceServiceResponse whose partial_success gives the count of rejected spans and why; a
failure is a google.rpc.Status; 400 for a body that does not decode (not retryable), 401, 413,
415 for another Content-Type, 429/503 with Retry-After (retryable). Bodies are decoded by the
official opentelemetry-proto classes and protobuf's json_format, never by hand. The spans then
become usage events (ingest/otlp.py) and go through the same pipeline as /api/log.
"""

from __future__ import annotations

import base64
import time
from http import HTTPStatus

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                      ExportTraceServiceResponse)

from .. import metrics
from ..errors import ApiError, server_error
from ..ingest.otlp import map_spans, rejection_reasons
from .access import bearer_token

TRACES_PATH = "/v1/traces"
PROTOBUF, JSON = "application/x-protobuf", "application/json"
_MAX_REASONS = 20  # in one answer's error_message; the count covers them all
# google.rpc.Code for each HTTP status we answer with (the Status message carries one).
_GRPC_CODE = {400: 3, 401: 16, 404: 5, 405: 12, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14}


def serve_traces(endpoint, environ, start_response):
    """Answer one OTLP/HTTP export request (`endpoint` is the IngestEndpoint: body reading and the pipeline)."""
    started = time.perf_counter()
    encoding = _encoding(environ)
    headers: dict[str, str] = {}
    try:
        if environ.get("REQUEST_METHOD") != "POST":
            raise ApiError(405, "method_not_allowed", "export spans with POST", headers={"Allow": "POST"})
        if encoding is None:
            raise ApiError(415, "unsupported_media_type", f"send OTLP as {PROTOBUF} or {JSON}")
        status, out = 200, _export(endpoint, environ, encoding)
    except ApiError as err:
        err = server_error(environ, err) if err.status >= 500 else err  # logged with the request id
        status, headers, out = err.status, err.headers, _status_body(encoding or JSON, err)
    except Exception:  # a bug: the traceback is logged with the request id (no span data in it)
        err = server_error(environ)
        status, headers, out = 500, err.headers, _status_body(encoding or JSON, err)
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", encoding or JSON), ("Content-Length", str(len(out))), *headers.items()])
    metrics.REQUEST_SECONDS.labels(TRACES_PATH, str(status)).observe(time.perf_counter() - started)
    return [out]


def _export(endpoint, environ, encoding: str) -> bytes:
    """Map the spans, store their usage events, and say how many spans were rejected and why."""
    token = bearer_token(environ)
    if not token:
        raise ApiError(401, "unauthorized", "send your project key as Authorization: Bearer <key> "
                                            "(OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<key>)")
    batch = map_spans(decode(endpoint.raw_body(environ), encoding))
    if batch.content_dropped:  # dropped by the mapping already, whatever happens to the request now
        metrics.OTLP_CONTENT_DROPPED.inc(batch.content_dropped)
    limit = endpoint.max_batch_events
    if len(batch.events) > limit:
        raise ApiError(413, "too_many_spans", f"one export holds at most {limit} spans with GenAI usage, "
                                              f"got {len(batch.events)}; lower the exporter's batch size")
    stored = endpoint.ingest(token, batch.events, is_batch=True)
    reasons = rejection_reasons(batch, stored.rejected)
    metrics.count_spans(len(batch.events) - len(stored.rejected), batch.without_usage, len(reasons))
    return export_answer(encoding, reasons)


def _encoding(environ) -> str | None:
    kind = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return kind if kind in (PROTOBUF, JSON) else None


def decode(raw: bytes, encoding: str) -> ExportTraceServiceRequest:
    """The export request, or a 400 saying why the body is not one."""
    if encoding == PROTOBUF:
        try:
            return ExportTraceServiceRequest.FromString(raw)
        except DecodeError:
            raise ApiError(400, "invalid_protobuf", "body is not an OTLP ExportTraceServiceRequest") from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise ApiError(400, "invalid_json", f"body is not valid JSON: {err}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_otlp_json", "body must be a JSON object (an ExportTraceServiceRequest)")
    _ids_to_base64(body)
    try:
        # OTLP/JSON: receivers ignore fields they do not know; enums are ints; int64 may be strings.
        return json_format.ParseDict(body, ExportTraceServiceRequest(), ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as err:
        raise ApiError(400, "invalid_otlp_json", f"body is not an OTLP ExportTraceServiceRequest: {err}") from None


def _ids_to_base64(body: dict) -> None:
    """OTLP/JSON sends trace and span ids as hex, where protobuf's JSON mapping expects base64 bytes."""
    for resource_spans in _items(body, "resourceSpans", "resource_spans"):
        for scope_spans in _items(resource_spans, "scopeSpans", "scope_spans"):
            for span in _items(scope_spans, "spans"):
                _hex_fields(span)
                for link in _items(span, "links"):
                    _hex_fields(link)


def _items(node, *names: str) -> list:
    if not isinstance(node, dict):
        return []
    for name in names:
        value = node.get(name)
        if isinstance(value, list):
            return value
    return []


def _hex_fields(node) -> None:
    if not isinstance(node, dict):
        return
    for name in ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id"):
        value = node.get(name)
        if isinstance(value, str) and value:
            try:
                node[name] = base64.b64encode(bytes.fromhex(value)).decode()
            except ValueError:
                raise ApiError(400, "invalid_otlp_json", f"{name} must be hex-encoded (OTLP/JSON)",
                               [{"field": name, "message": "must be hex-encoded"}]) from None


def export_answer(encoding: str, reasons: list[str]) -> bytes:
    """The 200 body: ExportTraceServiceResponse, with partial_success when spans were rejected."""
    response = ExportTraceServiceResponse()
    if reasons:
        shown = reasons[:_MAX_REASONS]
        more = f"; and {len(reasons) - len(shown)} more" if len(reasons) > len(shown) else ""
        response.partial_success.rejected_spans = len(reasons)
        response.partial_success.error_message = "; ".join(shown) + more
    return _encode(response, encoding)


def _status_body(encoding: str, err: ApiError) -> bytes:
    """A failure as google.rpc.Status, the field details folded into its message."""
    message = err.message + "".join(f"; {d['field']}: {d['message']}" for d in err.details)
    if err.request_id:
        message += f" (request id {err.request_id})"
    return _encode(Status(code=_GRPC_CODE.get(err.status, 2), message=message), encoding)


def _encode(message, encoding: str) -> bytes:
    if encoding == PROTOBUF:
        return message.SerializeToString()
    return orjson.dumps(json_format.MessageToDict(message))

