"""Schemathesis against /api/openapi.json: every operation, ingest and reads, in local and selfhosted
mode, answers without a server error and as its declaration says (status, content type, schema).

Bounded: a fixed seed (derandomized) and EXAMPLES cases per operation, so `make test` stays
within a few minutes. The app is the real WSGI stack (Host allowlist, plain-WSGI ingest, Flask)
on the test database, called in-process.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tokenoptimizer_server import create_app, keys
from tokenoptimizer_server.api.ingest import INGEST_PATHS
from tokenoptimizer_server.api.openapi import document_for_build
from tokenoptimizer_server.db import connect
from tokenoptimizer_server.settings import Settings

EXAMPLES = 10
# Schemathesis's WSGI transport reads a file answer (the dashboard's index.html) without closing it.
# /v1/traces also takes protobuf, which schemathesis cannot generate (its JSON body is fuzzed).
pytestmark = [pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
              pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")]
ADMIN_TOKEN = "fuzz-admin-token"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _fuzz_app(database_url, data_dir, tmp_path_factory, mode: str):
    dist = tmp_path_factory.mktemp(f"dist-{mode}")
    (dist / "index.html").write_text("<html>dashboard</html>")
    return create_app(Settings.from_env(database_url=database_url, mode=mode, data_dir=data_dir, frontend_dir=dist,
                                        admin_token=ADMIN_TOKEN if mode == "selfhosted" else None))


@pytest.fixture(scope="module")
def project_key_for_fuzz(database_url):
    """A key of the 'default' project (reads without `project` read it) with one event to read."""
    with connect(database_url, autocommit=True) as conn:
        raw, _ = keys.create_key(conn, "default", f"fuzz-{uuid.uuid4().hex[:6]}")
    return raw


@pytest.fixture(scope="module")
def local_app(database_url, data_dir, tmp_path_factory, project_key_for_fuzz):
    application = _fuzz_app(database_url, data_dir, tmp_path_factory, "local")
    application.test_client().post("/api/log", headers={"Authorization": f"Bearer {project_key_for_fuzz}"},
                                   json={"model": "gpt-4o", "prompt_tokens": 3, "completion_tokens": 4})
    yield application
    application.extensions["db_pool"].close()


@pytest.fixture(scope="module")
def selfhosted_app(database_url, data_dir, tmp_path_factory):
    application = _fuzz_app(database_url, data_dir, tmp_path_factory, "selfhosted")
    yield application
    application.extensions["db_pool"].close()


def _auth(case, project_key: str) -> dict[str, str]:
    """Ingest takes a project key; everything else the admin token (local mode ignores it)."""
    token = project_key if case.path in INGEST_PATHS else ADMIN_TOKEN
    return {"Authorization": f"Bearer {token}"}


# The document as the server builds it (no database needed), loaded at collection so each
# operation is its own test; the calls go to the fixtures' apps.
schema = schemathesis.openapi.from_dict(document_for_build())


@schema.parametrize()
@FUZZ
def test_local_mode_has_no_server_errors(case, local_app, project_key_for_fuzz):
    case.call_and_validate(app=local_app, headers=_auth(case, project_key_for_fuzz), checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_selfhosted_mode_has_no_server_errors(case, selfhosted_app, project_key_for_fuzz):
    case.call_and_validate(app=selfhosted_app, headers=_auth(case, project_key_for_fuzz), checks=CHECKS)
