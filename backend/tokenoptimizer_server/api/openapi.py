"""GET /api/openapi.json: the document spectree derives from the routes' declarations (api.contract),
plus the ingest paths, which are plain WSGI in front of Flask and described from the event model itself
(and /v1/traces, OTLP, by its protobuf messages).
"""

from __future__ import annotations

import copy

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from ..ingest.event import UsageEvent
from .contract import PUBLIC, ErrorAnswer, answers, spec
from .ingest import INGEST_PATHS, TRACES_PATH

bp = Blueprint("api_document", __name__)  # not "openapi…": spectree skips such endpoints
_REF = "#/components/schemas/{model}"


class Batch(BaseModel):
    """Up to 1,000 events; `dropped` counts the events the SDK lost since its last accepted batch."""

    events: list[UsageEvent] = Field(max_length=1000)
    dropped: int = Field(0, ge=0, le=1_000_000_000)


class EventError(BaseModel):
    field: str
    message: str


class RejectedEvent(BaseModel):
    index: int
    id: str | None = None
    errors: list[EventError]


class StoredEvent(BaseModel):
    id: str
    total_cost: str | None = Field(description="USD as a decimal string; null when unpriced.")
    priced: bool
    pricing_model: str | None


class IngestAnswer(BaseModel):
    """202: what was stored; invalid events of a batch are listed, the rest are stored."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    events: list[StoredEvent]


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}}


def _ingest_operation() -> dict:
    """POST on each ingest path (the WSGI endpoint's contract, docs/api.md)."""
    return {
        "summary": "Record one usage event or a batch of up to 1,000 (gzip allowed). Never send content.",
        "operationId": "ingest", "tags": ["ingest"], "security": [{"projectKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/UsageEvent"}, {"$ref": "#/components/schemas/Batch"}]}}}},
        "responses": {
            "202": {"description": "Stored", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/IngestAnswer"}}}},
            **{str(code): _error(text) for code, text in (
                (400, "Invalid JSON, event or batch"), (401, "Unknown or revoked key"), (405, "Not POST"),
                (413, "Too large"), (421, "Host refused"), (429, "Busy: retry after Retry-After"),
                (503, "Database unavailable: retry after Retry-After"))},
        },
    }


def _traces_operation() -> dict:
    """POST /v1/traces: OTLP/HTTP, described by its protobuf messages (docs/opentelemetry.md)."""
    def body(message: str) -> dict:
        return {"application/x-protobuf": {"schema": {"type": "string", "format": "binary", "description": message}},
                "application/json": {"schema": {"type": "object", "additionalProperties": True,
                                                 "description": f"{message} in OTLP/JSON"}}}

    status = body("google.rpc.Status")
    return {
        "summary": "OTLP/HTTP traces export: each span with GenAI usage becomes a priced usage event; "
                   "message content is dropped, never stored.",
        "operationId": "exportTraces", "tags": ["ingest"], "security": [{"projectKey": []}],
        "requestBody": {"required": True, "content": body("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest")},
        "responses": {
            "200": {"description": "ExportTraceServiceResponse; partial_success counts the rejected spans and says why",
                    "content": body("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse")},
            **{str(code): {"description": text, "content": status} for code, text in (
                (400, "Body is not an export request"), (401, "Unknown or revoked key"), (405, "Not POST"),
                (413, "Too large"), (415, "Not protobuf or JSON"), (429, "Busy: retry after Retry-After"),
                (503, "Database unavailable: retry after Retry-After"))},
        },
    }


def build() -> dict:
    """The whole document for the current app: every Flask route spectree knows, plus ingest."""
    # spectree caches one document per instance and lifts nested models out of its registry as it
    # builds; each app builds its own from a copy, so a second app's document is whole too.
    models, spec.models = spec.models, copy.deepcopy(spec.models)
    try:
        document = copy.deepcopy(spec._generate_spec())
    finally:
        spec.models = models
    _, schemas = models_json_schema([(m, "validation") for m in (UsageEvent, Batch, IngestAnswer, ErrorAnswer)],
                                    ref_template=_REF)
    document["components"]["schemas"].update(schemas.get("$defs", {}))
    for path in INGEST_PATHS:
        document["paths"][path] = {"post": {**_ingest_operation(), "operationId": f"ingest{path.replace('/', '_')}"}}
    document["paths"][TRACES_PATH] = {"post": _traces_operation()}
    return document


@bp.get("/api/openapi.json")
@spec.validate(resp=answers(None, description="This document (OpenAPI 3.1)."), security=PUBLIC)
def openapi():
    """The machine-readable API."""
    document = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = build()
    return jsonify(document)


def document_for_build() -> dict:
    """The document without a database (the frontend build generates its types from it)."""
    from ..app import create_app
    from ..settings import Settings

    app = create_app(Settings.from_env(database_url="postgresql:///not-used-to-build-the-document", mode="local"))
    with app.test_request_context():
        return build()


def main() -> None:
    """Print the document (frontend/scripts/api-types.mjs runs this)."""
    import json
    import sys

    json.dump(document_for_build(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
