"""Dashboard reads: known events go in through POST /api/log, exact numbers come out of every read.

The expected values are computed here in Python from the events sent and the costs the ingest
answered, over ranges whose edges fall inside hours, so the daily, hourly and raw-row tiers of
the SQL functions are all exercised.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tokenoptimizer_server import keys
from tokenoptimizer_server.db import connect

T0 = datetime(2026, 11, 10, tzinfo=timezone.utc)
BOUNDS = [0, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000,
          7500, 10000, 15000, 20000, 30000, 60000, 120000]
MODELS = [("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("claude-haiku-4-5", "anthropic"),
          ("acme-llm-1", "acme")]  # the last has no price
ENDPOINTS = ["chat", "search", "summarize"]
# Floats only: a batch mixing int and float latency_ms is a 500 in ingest today (reported).
LATENCIES = [2.0, 120.0, 133.0, 600.0, 610.0, 2500.0, 45.0, 980.0, 7.5, 130000.0]


def iso(t: datetime) -> str:
    return t.isoformat()


def money(value: str | Decimal | None) -> str | None:
    """The one spelling reads use for an amount: exact, no trailing zeros."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def new_project(database_url: str) -> tuple[str, str]:
    with connect(database_url) as conn:
        raw, row = keys.create_key(conn, f"analytics-{uuid.uuid4().hex[:10]}", "test")
        project = conn.execute("select project_id from public.api_keys where id = %s", (row["id"],)).fetchone()
    return raw, str(project["project_id"])


def post(client, key: str, events: list[dict]) -> list[dict]:
    """Send events through the real ingest; return the events with the cost the API priced."""
    answer = client.post("/api/log", json={"events": events}, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["rejected"] == [] and body["accepted"] == len(events)
    return [{**e, "total_cost": r["total_cost"], "priced": r["priced"]} for e, r in zip(events, body["events"])]


def make_events() -> list[dict]:
    """70 calls over ~3.5 days: 4 models x 3 endpoints, errors, unpriced calls, equal timestamps."""
    events = []
    for i in range(70):
        model, provider = MODELS[i % 4]
        ts = T0 + timedelta(minutes=71 * i, seconds=17)
        if i in (41, 42):  # three rows with one timestamp: pagination must break the tie on id
            ts = T0 + timedelta(minutes=71 * 40, seconds=17)
        events.append({
            "id": str(uuid.UUID(int=i + 1)), "timestamp": iso(ts), "model": model, "provider": provider,
            "endpoint_name": ENDPOINTS[i % 3], "prompt_tokens": 100 + 7 * i, "completion_tokens": 20 + 3 * i,
            "latency_ms": LATENCIES[i % len(LATENCIES)], "status": "error" if i % 10 == 9 else "ok",
            **({"error_type": "RateLimitError"} if i % 10 == 9 else {}),
        })
    return events


def ts(event: dict) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def within(events, start, end, **filters):
    return [e for e in events if start <= ts(e) < end and all(e[k] == v for k, v in filters.items())]


def percentile(latencies: list[float], q: float) -> float | None:
    """Reference for the SQL: histogram over BOUNDS, linear inside the bucket holding rank q*n."""
    counts = [0] * len(BOUNDS)
    for x in latencies:
        counts[max(i for i, b in enumerate(BOUNDS) if x >= b)] += 1
    rank, cum = q * len(latencies), 0
    for i, n in enumerate(counts):
        if n and cum + n >= rank:
            if i + 1 == len(BOUNDS):
                return float(BOUNDS[i])
            return BOUNDS[i] + (BOUNDS[i + 1] - BOUNDS[i]) * (rank - cum) / n
        cum += n
    return None


def totals(events: list[dict]) -> dict:
    priced = [e for e in events if e["priced"]]
    lat = [e["latency_ms"] for e in events]
    n = len(events)
    return {
        "requests": n, "errors": sum(e["status"] == "error" for e in events),
        "error_rate": (sum(e["status"] == "error" for e in events) / n) if n else None,
        "prompt_tokens": sum(e["prompt_tokens"] for e in events),
        "completion_tokens": sum(e["completion_tokens"] for e in events),
        "total_tokens": sum(e["prompt_tokens"] + e["completion_tokens"] for e in events), "cached_tokens": 0,
        "cost": money(sum((Decimal(e["total_cost"]) for e in priced), Decimal(0))) if priced or not n else None,
        "unpriced_requests": n - len(priced),
        "avg_latency_ms": sum(lat) / n if n else None, "p95_latency_ms": percentile(lat, 0.95),
    }


def assert_totals(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for k, v in want.items():
        if k == "cost":
            assert got[k] == v, (k, got, want)  # the exact string, or None when nothing is priced
        elif isinstance(v, float):
            assert got[k] == pytest.approx(v, rel=1e-9), k
        else:
            assert got[k] == v, (k, got[k], v)


def get(client, path: str, project: str, **params) -> dict:
    answer = client.get(path, query_string={"project": project, **params})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# Ranges whose edges are inside hours: the middle day comes from daily rollups, hours around it
# from hourly rollups, and the edge minutes from usage_logs.
START, END = T0 + timedelta(hours=2, minutes=13), T0 + timedelta(hours=60, minutes=41)


def test_costs_are_priced_at_ingest_as_expected(usage):
    _, sent = usage
    assert sent[0]["total_cost"] == "0.00045"  # gpt-4o: 100/1000*0.0025 + 20/1000*0.01
    assert sent[3]["total_cost"] is None and not sent[3]["priced"]


def test_dashboard_totals_exact_over_unaligned_range(client, usage):
    project, sent = usage
    body = get(client, "/api/dashboard", project, **{"from": iso(START), "to": iso(END)})
    assert body["from"] == iso(START) and body["to"] == iso(END)
    want = within(sent, START, END)
    assert len(want) > 40
    assert_totals(body["totals"], totals(want))
    assert_totals(body["previous"], totals(within(sent, START - (END - START), START)))


@pytest.mark.parametrize("start,end", [
    (timedelta(minutes=15), timedelta(hours=4, minutes=35)),  # rows on both sides of both edges
    (timedelta(hours=1, minutes=12), timedelta(hours=1, minutes=48)),  # inside one hour
    (timedelta(minutes=15), timedelta(hours=26)),  # the end hour has nothing after `to`
    (timedelta(0), timedelta(hours=5)),  # whole hours
    (timedelta(minutes=-30), timedelta(hours=2, minutes=30)),  # the start hour has nothing before `from`
], ids=["edges", "one-hour", "empty-end", "aligned", "empty-start"])
def test_edge_hours_counted_exactly(client, database_url, start, end):
    """Every 10 minutes for 5 hours; each range must count exactly the rows inside it."""
    key, project = new_project(database_url)
    sent = post(client, key, [{"model": MODELS[i % 2][0], "endpoint_name": ENDPOINTS[i % 3], "prompt_tokens": 10 + i,
                               "completion_tokens": i, "latency_ms": LATENCIES[i % len(LATENCIES)], "status": "ok",
                               "timestamp": iso(T0 + timedelta(minutes=10 * i))} for i in range(30)])
    window = {"from": iso(T0 + start), "to": iso(T0 + end)}
    want = within(sent, T0 + start, T0 + end)
    assert_totals(get(client, "/api/dashboard", project, **window)["totals"], totals(want))
    groups = get(client, "/api/usage/breakdown", project, by="endpoint_name", **window)["groups"]
    assert {g["key"]: g["requests"] for g in groups} == {
        k: len([e for e in want if e["endpoint_name"] == k]) for k in {e["endpoint_name"] for e in want}}
    points = get(client, "/api/usage/timeseries", project, bucket="hour", **window)["points"]
    assert sum(p["requests"] for p in points) == len(want)


def test_dashboard_previous_period_and_change(client, usage):
    project, sent = usage
    start, end = T0 + timedelta(hours=36), T0 + timedelta(hours=72)
    body = get(client, "/api/dashboard", project, **{"from": iso(start), "to": iso(end)})
    now, before = totals(within(sent, start, end)), totals(within(sent, T0, start))
    assert_totals(body["totals"], now)
    assert_totals(body["previous"], before)
    assert body["change"]["requests"] == pytest.approx((now["requests"] - before["requests"]) / before["requests"])
    assert body["change"]["total_tokens"] == pytest.approx(
        (now["total_tokens"] - before["total_tokens"]) / before["total_tokens"])
    cost_change = (Decimal(now["cost"]) - Decimal(before["cost"])) / Decimal(before["cost"])
    assert body["change"]["cost"] == pytest.approx(float(cost_change), rel=1e-12)
    empty = get(client, "/api/dashboard", project, **{"from": iso(T0), "to": iso(T0 + timedelta(hours=12))})
    assert empty["previous"]["requests"] == 0 and empty["previous"]["cost"] == "0"
    assert empty["change"] == {"requests": None, "total_tokens": None, "cost": None}


def test_dashboard_filters(client, usage):
    project, sent = usage
    for field, value in (("model", "gpt-4o-mini"), ("endpoint_name", "search"), ("provider", "anthropic")):
        body = get(client, "/api/dashboard", project, **{"from": iso(START), "to": iso(END), field: value})
        assert_totals(body["totals"], totals(within(sent, START, END, **{field: value})))
    unpriced_only = get(client, "/api/dashboard", project, **{"from": iso(START), "to": iso(END), "model": "acme-llm-1"})
    assert unpriced_only["totals"]["cost"] is None and unpriced_only["totals"]["unpriced_requests"] > 0


def test_default_range_includes_the_running_hour(client, database_url):
    key, project = new_project(database_url)
    post(client, key, [{"model": "gpt-4o", "prompt_tokens": 1000, "completion_tokens": 100, "latency_ms": 50.0}])
    body = get(client, "/api/dashboard", project)
    assert body["totals"]["requests"] == 1 and body["totals"]["cost"] == "0.0035"
    assert datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"]) == timedelta(days=7)


@pytest.mark.parametrize("bucket,start,end,step", [
    ("hour", T0 + timedelta(hours=1, minutes=30), T0 + timedelta(hours=9), timedelta(hours=1)),
    ("day", T0 + timedelta(hours=5), T0 + timedelta(days=3, hours=7), timedelta(days=1)),
])
def test_timeseries_zero_filled_and_exact(client, usage, bucket, start, end, step):
    project, sent = usage
    body = get(client, "/api/usage/timeseries", project, bucket=bucket, **{"from": iso(start), "to": iso(end)})
    assert body["bucket"] == bucket
    first = start.replace(minute=0) if bucket == "hour" else start.replace(hour=0, minute=0)
    want_t = []
    t = first
    while t < end:
        want_t.append(t)
        t += step
    assert [p["t"] for p in body["points"]] == [iso(t) for t in want_t]
    zero_points = 0
    for point, t in zip(body["points"], want_t):
        want = totals(within(sent, max(t, start), min(t + step, end)))
        zero_points += want["requests"] == 0
        assert {k: point[k] for k in ("requests", "errors", "prompt_tokens", "completion_tokens",
                                       "total_tokens", "unpriced_requests")} == {
            k: want[k] for k in ("requests", "errors", "prompt_tokens", "completion_tokens",
                                 "total_tokens", "unpriced_requests")}
        assert point["cost"] == want["cost"]  # "0" for an empty bucket, None when nothing in it is priced
    if bucket == "hour":
        assert zero_points >= 1  # events are 71 minutes apart: some hours are empty and still listed


@pytest.mark.parametrize("by", ["model", "endpoint_name", "provider"])
def test_breakdown_groups_exact(client, usage, by):
    project, sent = usage
    body = get(client, "/api/usage/breakdown", project, by=by, **{"from": iso(START), "to": iso(END)})
    events = within(sent, START, END)
    keys_ = sorted({e[by] for e in events})
    groups = {g["key"]: g for g in body["groups"]}
    assert sorted(groups) == keys_
    total_cost = sum(Decimal(e["total_cost"]) for e in events if e["priced"])
    for key in keys_:
        mine = [e for e in events if e[by] == key]
        want, got = totals(mine), groups[key]
        for k in ("requests", "errors", "prompt_tokens", "completion_tokens", "total_tokens", "unpriced_requests"):
            assert got[k] == want[k], (key, k)
        assert got["cost"] == want["cost"]
        if want["cost"] is not None:
            assert got["share"] == pytest.approx(float(Decimal(want["cost"]) / total_cost), rel=1e-12)
        else:
            assert got["share"] is None
        lat = [e["latency_ms"] for e in mine]
        assert got["avg_latency_ms"] == pytest.approx(sum(lat) / len(lat))
        assert got["p50_latency_ms"] == pytest.approx(percentile(lat, 0.5))
        assert got["p95_latency_ms"] == pytest.approx(percentile(lat, 0.95))
    costs = [Decimal(g["cost"] or 0) for g in body["groups"]]
    assert costs == sorted(costs, reverse=True)


def test_latency_percentiles_from_a_known_distribution(client, database_url):
    key, project = new_project(database_url)
    lat = [2.0] * 4 + [120.0] * 8 + [600.0] * 6 + [2500.0] * 2
    post(client, key, [{"model": "gpt-4o-mini", "prompt_tokens": 1, "completion_tokens": 1, "latency_ms": x,
                        "timestamp": iso(T0 + timedelta(minutes=i))} for i, x in enumerate(lat)])
    window = {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}
    group = get(client, "/api/usage/breakdown", project, by="model", **window)["groups"][0]
    # p50: rank 10 lands in [100,150) after 4 below: 100 + 50*(10-4)/8; p95: rank 19 in [2000,3000).
    assert group["p50_latency_ms"] == 137.5 and group["p95_latency_ms"] == 2500.0
    assert group["avg_latency_ms"] == pytest.approx(sum(lat) / 20)
    assert get(client, "/api/dashboard", project, **window)["totals"]["p95_latency_ms"] == 2500.0


def test_logs_pages_cover_the_range_once_newest_first(client, usage):
    project, sent = usage
    want = sorted(within(sent, START, END), key=lambda e: (ts(e), e["id"]), reverse=True)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"from": iso(START), "to": iso(END), "limit": 7, **({"cursor": cursor} if cursor else {})}
        body = get(client, "/api/logs", project, **params)
        assert len(body["rows"]) <= 7
        seen += body["rows"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == -(-len(want) // 7)
    assert [r["id"] for r in seen] == [e["id"] for e in want]
    first, source = seen[0], want[0]
    assert first["timestamp"] == source["timestamp"] and first["model"] == source["model"]
    assert first["total_cost"] == money(source["total_cost"]) and first["latency_ms"] == source["latency_ms"]
    assert first["total_tokens"] == source["prompt_tokens"] + source["completion_tokens"]


def test_logs_filters_and_status(client, usage):
    project, sent = usage
    body = get(client, "/api/logs", project, status="error", limit=500, **{"from": iso(T0), "to": iso(T0 + timedelta(days=5))})
    assert [r["id"] for r in body["rows"]] == [e["id"] for e in sorted(
        (e for e in sent if e["status"] == "error"), key=lambda e: (ts(e), e["id"]), reverse=True)]
    assert all(r["error_type"] == "RateLimitError" for r in body["rows"]) and body["next"] is None
    body = get(client, "/api/logs", project, model="acme-llm-1", endpoint_name="chat", limit=500,
               **{"from": iso(T0), "to": iso(T0 + timedelta(days=5))})
    want = [e for e in sent if e["model"] == "acme-llm-1" and e["endpoint_name"] == "chat"]
    assert len(body["rows"]) == len(want) > 0
    assert all(r["total_cost"] is None and r["priced"] is False for r in body["rows"])


def test_export_csv_json_jsonl_hold_every_row_exactly(client, usage):
    project, sent = usage
    params = {"project": project, "from": iso(START), "to": iso(END)}
    want = sorted(within(sent, START, END), key=lambda e: (ts(e), e["id"]), reverse=True)
    answer = client.get("/api/export", query_string={**params, "format": "csv"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert list(rows[0]) == ["id", "timestamp", "model", "provider", "endpoint_name", "status", "error_type",
                             "latency_ms", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
                             "cache_write_tokens", "reasoning_tokens", "input_cost", "output_cost", "total_cost",
                             "priced", "session_id"]
    assert [r["id"] for r in rows] == [e["id"] for e in want]
    assert [r["total_cost"] for r in rows] == [money(e["total_cost"]) or "" for e in want]
    assert [r["priced"] for r in rows] == ["true" if e["priced"] else "false" for e in want]
    lines = client.get("/api/export", query_string={**params, "format": "jsonl"}).get_data(as_text=True).splitlines()
    assert [json.loads(line)["total_cost"] for line in lines] == [money(e["total_cost"]) for e in want]
    array = client.get("/api/export", query_string={**params, "format": "json"}).get_json()
    assert [r["id"] for r in array] == [e["id"] for e in want]


def test_export_of_more_than_one_page(client, database_url):
    key, project = new_project(database_url)
    events = [{"model": "gpt-4o-mini", "prompt_tokens": i, "completion_tokens": 1,
               "timestamp": iso(T0 + timedelta(seconds=i))} for i in range(1100)]
    post(client, key, events[:1000])
    post(client, key, events[1000:])
    answer = client.get("/api/export", query_string={"project": project, "from": iso(T0), "to": iso(T0 + timedelta(days=1))})
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [int(r["prompt_tokens"]) for r in rows] == list(range(1099, -1, -1))


def test_unpriced_models(client, usage):
    project, sent = usage
    body = get(client, "/api/pricing/unpriced", project, **{"from": iso(START), "to": iso(END)})
    mine = within(sent, START, END, model="acme-llm-1")
    assert body == {"models": [{
        "model": "acme-llm-1", "requests": len(mine),
        "total_tokens": sum(e["prompt_tokens"] + e["completion_tokens"] for e in mine),
        "first_seen": min(e["timestamp"] for e in mine), "last_seen": max(e["timestamp"] for e in mine)}]}
    priced_only = get(client, "/api/pricing/unpriced", project, model="gpt-4o", **{"from": iso(START), "to": iso(END)})
    assert priced_only == {"models": []}
