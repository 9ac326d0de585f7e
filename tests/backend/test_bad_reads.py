"""The bad-read corpus (issue 9): each request is answered 4xx in the one error shape, naming the
parameter in `details`, and nothing anywhere is written."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest

from tokenoptimizer_server import keys
from tokenoptimizer_server.db import connect

LONG = "m" * 201
GOOD_RANGE = {"from": "2026-11-10T00:00:00Z", "to": "2026-11-11T00:00:00Z"}
TABLES = ("usage_logs", "model_pricing", "model_pricing_history", "api_keys", "projects")

CORPUS = [
    ("/api/dashboard", {"from": "yesterday"}, "from"),
    ("/api/dashboard", {"to": "2026-13-01"}, "to"),
    ("/api/dashboard", {"from": "2026-11-11T00:00:00Z", "to": "2026-11-10T00:00:00Z"}, "from"),
    ("/api/dashboard", {"from": "9999-12-31"}, "from"),
    ("/api/dashboard", {"to": "0001-01-03"}, "to"),
    ("/api/dashboard", {"from": "2026-11-10T00:00:00+25:00"}, "from"),
    ("/api/dashboard", {"from": "2026-11-10\x00"}, "from"),
    ("/api/dashboard", {"model": "gpt\x00-4o"}, "model"),
    ("/api/dashboard", {"model": LONG}, "model"),
    ("/api/dashboard", {"provider": "open\x00ai"}, "provider"),
    ("/api/dashboard", {"project": "nope"}, "project"),
    ("/api/dashboard", {"project": "1234"}, "project"),
    ("/api/dashboard", {"project": str(uuid.UUID(int=1))}, "project"),  # no such project: 404
    ("/api/usage/timeseries", {"bucket": "week"}, "bucket"),
    ("/api/usage/timeseries", {"bucket": "day\x00"}, "bucket"),
    ("/api/usage/timeseries", {"from": "2199-12-31T00:00:00Z", "to": ""}, "from"),  # + 7 days: past 2200
    ("/api/usage/timeseries", {"bucket": "hour", "from": "2020-01-01T00:00:00Z"}, "bucket"),  # too many buckets
    ("/api/usage/breakdown", {"by": "user"}, "by"),
    ("/api/usage/breakdown", {"endpoint_name": "chat\x00"}, "endpoint_name"),
    ("/api/usage/breakdown", {"endpoint_name": LONG}, "endpoint_name"),
    ("/api/logs", {"limit": "501"}, "limit"),
    ("/api/logs", {"limit": "0"}, "limit"),
    ("/api/logs", {"limit": "ten"}, "limit"),
    ("/api/logs", {"limit": "1\x00"}, "limit"),
    ("/api/logs", {"status": "failed"}, "status"),
    ("/api/logs", {"cursor": "not-a-cursor"}, "cursor"),
    ("/api/logs", {"cursor": "abc\x00"}, "cursor"),
    ("/api/logs", {"cursor": "c" * 201}, "cursor"),
    ("/api/logs", {"from": "", "to": "1970-01-03T00:00:00Z"}, "to"),  # − 7 days: before 1970
    ("/api/export", {"format": "xml"}, "format"),
    ("/api/export", {"status": "maybe"}, "status"),
    ("/api/export", {"from": "1900-01-01T00:00:00Z"}, "from"),
    ("/api/export", {"format": "jsonl", "model": "x\x00"}, "model"),
    ("/api/export", {"format": "csv", "to": "2300-01-01T00:00:00Z"}, "to"),
    ("/api/pricing/unpriced", {"from": "garbage"}, "from"),
    ("/api/optimization", {"to": "garbage"}, "to"),
    ("/api/tokens/sessions", {"model": "x\x00"}, "model"),
    ("/api/tokens/metrics", {"from": "9999-01-01"}, "from"),
    ("/api/pricing/a\x00b/history", {}, "model"),
    ("/api/pricing/" + "p" * 201 + "/history", {}, "model"),
]


@pytest.fixture(scope="module")
def project(database_url):
    with connect(database_url) as conn:
        _, row = keys.create_key(conn, f"bad-reads-{uuid.uuid4().hex[:10]}", "test")
        return str(conn.execute("select project_id from public.api_keys where id = %s", (row["id"],)).fetchone()[
            "project_id"])


def counts(db) -> dict[str, int]:
    return {t: db.execute(f"select count(*) as n from public.{t}").fetchone()["n"] for t in TABLES}


def test_corpus_has_at_least_30_requests():
    assert len(CORPUS) >= 30 and len({(p, tuple(sorted(q.items()))) for p, q, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("path, params, field", CORPUS, ids=[f"{p} {sorted(q)}" for p, q, _ in CORPUS])
def test_bad_read_is_4xx_naming_the_parameter_and_writes_nothing(client, db, project, path, params, field):
    before = counts(db)
    answer = client.get(urllib.parse.quote(path, safe="/"),
                        query_string={"project": project, **GOOD_RANGE, **params})
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"] == "application/json"
    error = answer.get_json()["error"]
    assert set(error) >= {"code", "message", "details"} and error["message"]
    assert field in [d["field"] for d in error["details"]], error
    assert field in error["message"] or field == "project"
    assert counts(db) == before
