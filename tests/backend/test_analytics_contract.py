"""Dashboard reads, continued: rollup consistency, parameter errors, access and grants, gunicorn.

Shares the events and helpers of test_analytics.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import requests

from .test_analytics import END, START, T0, get, iso, new_project, post


def test_daily_rollups_equal_hourly(db, usage):
    project, _ = usage
    sums = "sum(requests), sum(errors), sum(unpriced_requests), sum(total_tokens), sum(cost), " \
           "public.int_array_sum(latency_hist)"
    hourly = db.execute(f"select date_trunc('day', bucket, 'UTC') d, model, endpoint_name, {sums} from "
                        "public.usage_rollups_hourly where project_id = %s group by 1, 2, 3 order by 1, 2, 3",
                        (project,)).fetchall()
    daily = db.execute(f"select bucket d, model, endpoint_name, {sums} from public.usage_rollups_daily "
                       "where project_id = %s group by 1, 2, 3 order by 1, 2, 3", (project,)).fetchall()
    assert daily == hourly and len(daily) > 10


def test_daily_rollups_follow_later_requests_and_repricing(client, db, database_url):
    """Requests added to an existing hour, then a re-pricing: whole-day reads (daily rollups) stay exact."""
    key, project = new_project(database_url)
    event = {"model": "acme-llm-1", "endpoint_name": "chat", "prompt_tokens": 1000, "completion_tokens": 1000,
             "latency_ms": 100.0}
    for minute in (5, 10, 15):  # one request each: the second and third update the same hourly row
        post(client, key, [{**event, "timestamp": iso(T0 + timedelta(minutes=minute))}])
    day = {"from": iso(T0), "to": iso(T0 + timedelta(days=1))}
    totals_ = get(client, "/api/dashboard", project, **day)["totals"]
    assert totals_["requests"] == 3 and totals_["cost"] is None and totals_["unpriced_requests"] == 3
    ids = [r["id"] for r in db.execute("select id from public.usage_logs where project_id = %s", (project,))]
    changes = [{"project_id": project, "id": str(i), "input_cost": "0.001", "output_cost": "0.002", "total_cost": "0.003", "priced": True,
                "pricing_model": "acme-llm-1", "pricing_version": 1} for i in ids]
    db.execute("select public.reprice_usage(%s::jsonb)", (json.dumps(changes),))  # what `pricing reprice` calls
    totals_ = get(client, "/api/dashboard", project, **day)["totals"]
    assert totals_["requests"] == 3 and totals_["cost"] == "0.009" and totals_["unpriced_requests"] == 0
    assert get(client, "/api/pricing/unpriced", project, **day) == {"models": []}


@pytest.mark.parametrize("path,params,field", [
    ("/api/dashboard", {"from": "yesterday"}, "from"),
    ("/api/dashboard", {"to": "2026-13-01"}, "to"),
    ("/api/dashboard", {"from": "2026-11-10T00:00:00Z", "to": "2026-11-09T00:00:00Z"}, "from"),
    ("/api/usage/timeseries", {"bucket": "week"}, "bucket"),
    ("/api/usage/timeseries", {"bucket": "hour", "from": "2020-01-01T00:00:00Z"}, "bucket"),
    ("/api/usage/breakdown", {"by": "user"}, "by"),
    ("/api/logs", {"limit": "501"}, "limit"),
    ("/api/logs", {"status": "failed"}, "status"),
    ("/api/logs", {"cursor": "not-a-cursor"}, "cursor"),
    ("/api/export", {"format": "xml"}, "format"),
    ("/api/dashboard", {"project": "nope"}, "project"),
])
def test_bad_parameters_are_400_naming_the_field(client, usage, path, params, field):
    project, _ = usage
    answer = client.get(path, query_string={"project": project, **params})
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["details"][0]["field"] == field


def test_unknown_project_is_404(client):
    answer = client.get("/api/dashboard", query_string={"project": str(uuid.uuid4())})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_reads_need_admin(client, usage):
    project, _ = usage
    for path in ("/api/dashboard", "/api/usage/timeseries", "/api/usage/breakdown", "/api/logs", "/api/export",
                 "/api/pricing/unpriced", "/api/tokens/sessions", "/api/session/s-1", "/api/tokens/metrics",
                 "/api/optimization", "/api/alerts"):
        answer = client.get(path, query_string={"project": project}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert answer.status_code == 401, path


def test_sql_functions_grants(db, usage):
    project, _ = usage
    args = (project, iso(START), iso(END))
    # Signed in but a member of nothing: the reads run as the caller under row-level security
    # (docs/security.md), so they see no rows; the full matrix is tests/backend/test_tenancy_matrix.py.
    db.execute("set role authenticated")
    db.execute("select set_config('request.jwt.claims', %s, false)", ('{"sub": "%s"}' % uuid.uuid4(),))
    try:
        body = db.execute("select public.usage_summary(%s, %s, %s) as b", args).fetchone()["b"]
        assert body["totals"]["requests"] == 0
        assert db.execute("select count(*) as n from public.usage_slices(%s, %s, %s, null, null, null, true)",
                          args).fetchone()["n"] == 0
    finally:
        db.execute("reset role")
        db.execute("select set_config('request.jwt.claims', '', false)")
    db.execute("set role anon")
    try:
        with pytest.raises(Exception, match="permission denied"):
            db.execute("select public.usage_summary(%s, %s, %s)", args)
    finally:
        db.execute("reset role")


def test_reads_and_streamed_export_through_gunicorn(live_server, database_url):
    """The real server (gunicorn workers, pool opened after fork) answers reads and streams the export."""
    key, project = new_project(database_url)
    events = [{"model": "gpt-4o-mini", "prompt_tokens": 100 + i, "completion_tokens": 10, "latency_ms": 20.0,
               "timestamp": iso(T0 + timedelta(seconds=i))} for i in range(600)]
    answer = requests.post(f"{live_server}/api/log", json={"events": events},
                           headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 202
    window = {"project": project, "from": iso(T0), "to": iso(T0 + timedelta(hours=1))}
    totals_ = requests.get(f"{live_server}/api/dashboard", params=window, timeout=30).json()["totals"]
    assert totals_["requests"] == 600 and totals_["prompt_tokens"] == sum(100 + i for i in range(600))
    with requests.get(f"{live_server}/api/export", params={**window, "format": "jsonl"}, stream=True, timeout=30) as r:
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in r.iter_lines() if line]
    assert [row["prompt_tokens"] for row in rows] == [100 + i for i in range(599, -1, -1)]
