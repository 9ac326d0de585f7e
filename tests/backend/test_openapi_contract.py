"""The OpenAPI document is derived from the routes: every route is in it, with its parameters and
error answers, and the document the server serves is the one the frontend build generates from."""

from __future__ import annotations

import re

import pytest

from tokenoptimizer_server.api.ingest import INGEST_PATHS
from tokenoptimizer_server.api.openapi import document_for_build

_CONVERTER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def spec_path(rule: str) -> str:
    """`/api/pricing/<path:model>` → `/api/pricing/{model}`."""
    return _CONVERTER.sub(r"{\1}", rule)


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_every_route_of_the_app_is_in_the_document(app, document):
    """A new route that does not declare itself (`@spec.validate` / `@documented`) fails here."""
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in document["paths"].get(spec_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "routes missing from /api/openapi.json: declare them as api/contract.py says"
    assert len(list(app.url_map.iter_rules())) >= 20


def test_ingest_paths_are_in_the_document_with_the_event_model(document):
    for path in INGEST_PATHS:
        operation = document["paths"][path]["post"]
        assert operation["security"] == [{"projectKey": []}]
        assert {"202", "400", "401", "413", "429"} <= set(operation["responses"])
    event = document["components"]["schemas"]["UsageEvent"]
    assert {"model", "prompt_tokens", "completion_tokens"} <= set(event["required"])
    assert event["additionalProperties"] is False


def test_reads_declare_their_parameters_and_error_answers(document):
    read = document["paths"]["/api/logs"]["get"]
    params = {p["name"]: p for p in read["parameters"]}
    assert {"from", "to", "project", "model", "endpoint_name", "provider", "status", "cursor", "limit"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 500 and params["status"]["schema"]["anyOf"][0]["enum"] == [
        "ok", "error"]
    assert {"200", "400", "401", "404", "421"} <= set(read["responses"])
    error = read["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/ErrorAnswer"
    assert read["security"] == [{"admin": []}]


def test_answer_models_carry_the_servers_words(document):
    schemas = document["components"]["schemas"]
    assert schemas["ConfigAnswer"]["properties"]["mode"]["enum"] == ["local", "selfhosted", "hosted"]
    assert schemas["LogRow"]["properties"]["status"]["enum"] == ["ok", "error"]


def test_served_document_is_the_one_the_frontend_build_uses(document):
    assert document_for_build() == document
