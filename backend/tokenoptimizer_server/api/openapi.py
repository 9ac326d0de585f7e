"""GET /api/openapi.json: the machine-readable API; the event schema comes from the validating model itself."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import __name__ as package
from ..ingest.event import UsageEvent
from .ingest import INGEST_PATHS

bp = Blueprint("openapi", __name__)

_READ_PARAMS = [
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "Start (ISO 8601); default 7 days before `to`."},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "End; default now."},
    {"name": "project", "in": "query", "schema": {"type": "string", "format": "uuid"}},
    {"name": "model", "in": "query", "schema": {"type": "string"}},
    {"name": "endpoint_name", "in": "query", "schema": {"type": "string"}},
    {"name": "provider", "in": "query", "schema": {"type": "string"}},
]
_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _read(summary: str, *extra: dict) -> dict:
    return {"get": {"summary": summary, "parameters": [*_READ_PARAMS, *extra], "security": [{"admin": []}],
                    "responses": {"200": {"description": "See docs/api.md for the shape."}, "400": _ERROR, "401": _ERROR}}}


def _choice(name: str, values: list[str]) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string", "enum": values}}


def spec() -> dict:
    event = UsageEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = {**event.pop("$defs", {}), "UsageEvent": event}
    schemas["Batch"] = {"type": "object", "required": ["events"], "additionalProperties": False,
                        "properties": {"events": {"type": "array", "maxItems": 1000,
                                                  "items": {"$ref": "#/components/schemas/UsageEvent"}}}}
    schemas["Error"] = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}}}}}}
    ingest = {"post": {
        "summary": "Record one usage event or a batch of up to 1,000 (gzip allowed). Never send content.",
        "security": [{"projectKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "oneOf": [{"$ref": "#/components/schemas/UsageEvent"}, {"$ref": "#/components/schemas/Batch"}]}}}},
        "responses": {"202": {"description": "Stored: accepted, duplicates, rejected (with field errors), and each "
                                             "event's exact cost as a decimal string (null when unpriced)."},
                      "400": _ERROR, "401": _ERROR, "413": _ERROR, "429": _ERROR, "503": _ERROR}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "TokenOptimizer API", "version": "1", "description": f"Served by {package}. Money is "
                 "a decimal string, prices are USD per 1,000 tokens. Human reference: docs/api.md."},
        "components": {"schemas": schemas, "securitySchemes": {
            "projectKey": {"type": "http", "scheme": "bearer", "description": "A project API key (ingest)."},
            "admin": {"type": "http", "scheme": "bearer",
                      "description": "TOKENOPTIMIZER_ADMIN_TOKEN in selfhosted mode; loopback needs none locally."}}},
        "paths": {
            **dict.fromkeys(INGEST_PATHS, ingest),
            "/api/dashboard": _read("Totals, the previous period and the change"),
            "/api/usage/timeseries": _read("Tokens, cost and requests per bucket", _choice("bucket", ["hour", "day"])),
            "/api/usage/breakdown": _read("Per model, endpoint or provider, with latency p50/p95",
                                          _choice("by", ["model", "endpoint_name", "provider"])),
            "/api/logs": _read("Rows newest first, keyset pages", _choice("status", ["ok", "error"]),
                               {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}}),
            "/api/export": _read("All rows as a download", _choice("format", ["csv", "json", "jsonl"])),
            "/api/pricing/unpriced": _read("Models seen with no price"),
            "/api/tokens/sessions": _read("Conversation sessions in the range, most recent first",
                                          {"name": "limit", "in": "query", "schema": {"type": "integer"}}),
            "/api/session/{session_id}": {"get": {
                "summary": "One session's turns", "security": [{"admin": []}],
                "parameters": [{"name": "session_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "See docs/api.md."}, "404": _ERROR}}},
            "/api/tokens/metrics": _read("Token efficiency per request and per conversation"),
            "/api/optimization": _read("Cheaper-model suggestions with exact savings"),
            "/api/alerts": _read("Unpriced traffic, failing endpoints, cost spikes"),
            "/api/pricing": {"get": {"summary": "Every price (USD per 1K tokens)", "security": [{"admin": []}],
                                     "responses": {"200": {"description": "unit and models"}}}},
            "/api/pricing/{model}": {
                "parameters": [{"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}],
                "put": {"summary": "Set a price; the next event uses it", "security": [{"admin": []}],
                        "responses": {"200": {"description": "the row"}, "400": _ERROR, "401": _ERROR}},
                "delete": {"summary": "Delete a price", "security": [{"admin": []}],
                           "responses": {"204": {"description": "deleted"}, "404": _ERROR}}},
            "/api/pricing/{model}/history": {
                "parameters": [{"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"summary": "Every change to a price", "responses": {"200": {"description": "history"}}}},
            "/api/config": {"get": {"summary": "What the dashboard needs to start",
                                    "responses": {"200": {"description": "mode, project, base_url, api_key"}}}},
            "/healthz": {"get": {"summary": "Database reachable?", "responses": {"200": {"description": "ok"},
                                                                                 "503": {"description": "down"}}}},
            "/metrics": {"get": {"summary": "Prometheus text", "responses": {"200": {"description": "metrics"}}}},
        },
    }


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(spec())
