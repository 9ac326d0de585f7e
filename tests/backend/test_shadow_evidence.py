"""Shadow verdicts through the real ingest: stored in shadow_runs (priced by ingest's resolver), kept
out of usage_logs and its rollups, and aggregated by GET /api/optimization/evidence against Wilson
intervals and percentiles worked out by hand. Seeded prices per 1K tokens: gpt-4o 0.0025 in /
0.00125 cached / 0.01 out; gpt-4o-mini 0.00015 / 0.000075 / 0.0006."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta

import pytest

from .test_analytics import T0, iso, new_project, post

RANGE = {"from": iso(T0), "to": iso(T0 + timedelta(days=2))}


def verdict(i: int, agreed: bool | None, *, candidate: str = "gpt-4o-mini", endpoint: str = "classify",
            status: str = "ok") -> dict:
    """A verdict event as the SDK sends it: 1,000 prompt (400 cached) + 200 completion tokens on each side."""
    judged = agreed is not None
    return {
        "id": str(uuid.uuid4()), "timestamp": iso(T0 + timedelta(hours=1, minutes=i)), "model": candidate,
        "provider": "openai", "endpoint_name": endpoint, "status": status,
        **({"error_type": "APITimeoutError"} if status == "error" else {}),
        "prompt_tokens": 1000 if status == "ok" else 0, "cached_tokens": 400 if status == "ok" else 0,
        "completion_tokens": 200 if status == "ok" else 0, "latency_ms": float(100 * (i + 1)),
        "shadow": {"sampled_call_id": str(uuid.uuid4()), "current_model": "gpt-4o", "current_provider": "openai",
                   "current_prompt_tokens": 1000, "current_cached_tokens": 400, "current_completion_tokens": 200,
                   "current_latency_ms": float(200 * (i + 1)), "score": (1.0 if agreed else 0.25) if judged else None,
                   "agreed": agreed, "comparator": "exact_label"},
    }


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval, 95%: worked here independently of the SQL."""
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(centre - half, 4), round(centre + half, 4)


@pytest.fixture
def shadowed(app, database_url):
    key, project = new_project(database_url)
    client = app.test_client()
    # classify x gpt-4o-mini: 9 of 10 agreed, plus one candidate error (no judgement).
    events = [verdict(i, i != 3) for i in range(10)] + [verdict(10, None, status="error")]
    # classify x gpt-4.1-nano: 0 of 2; another endpoint: 1 of 1.
    events += [verdict(20 + i, False, candidate="gpt-4.1-nano") for i in range(2)]
    events += [verdict(30, True, endpoint="summarise")]
    # A candidate whose every shadow call failed: nothing judged, no rate.
    events += [verdict(40 + i, None, candidate="gpt-4.1", status="error") for i in range(2)]
    post(client, key, events)
    return client, project, key, events


def get(client, project, **params):
    answer = client.get("/api/optimization/evidence", query_string={"project": project, **RANGE, **params})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_verdicts_are_stored_as_shadow_runs_priced_and_never_as_usage(shadowed, db):
    client, project, _key, events = shadowed
    rows = db.execute("select * from public.shadow_runs where project_id = %s order by ts", (project,)).fetchall()
    assert len(rows) == len(events)
    first = rows[0]
    # 600 x 0.00015 + 400 x 0.000075 + 200 x 0.0006 = 0.24 per 1K -> $0.00024; gpt-4o: 1.5 + 0.5 + 2 -> $0.004.
    assert (first["candidate_pricing_model"], first["current_pricing_model"]) == ("gpt-4o-mini", "gpt-4o")
    assert format(first["candidate_cost"].normalize(), "f") == "0.00024"
    assert format(first["current_cost"].normalize(), "f") == "0.004"
    assert (first["agreed"], str(first["score"]), first["comparator"]) == (True, "1.0000", "exact_label")
    assert db.execute("select count(*) as n from public.usage_logs where project_id = %s", (project,)).fetchone()["n"] == 0
    for rollup in ("usage_rollups_hourly", "usage_rollups_daily"):
        n = db.execute(f"select count(*) as n from public.{rollup} where project_id = %s", (project,)).fetchone()["n"]
        assert n == 0, rollup
    dashboard = client.get("/api/dashboard", query_string={"project": project, **RANGE}).get_json()
    assert dashboard["totals"]["requests"] == 0


def test_a_repeated_verdict_is_stored_once(shadowed, db):
    client, project, key, events = shadowed
    again = client.post("/api/log", json={"events": events[:2]}, headers={"Authorization": f"Bearer {key}"}).get_json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert db.execute("select count(*) as n from public.shadow_runs where project_id = %s",
                      (project,)).fetchone()["n"] == len(events)


def test_evidence_per_endpoint_and_candidate_against_hand_computed_figures(shadowed):
    client, project, _key, _events = shadowed
    body = get(client, project)
    by = {(r["endpoint_name"], r["candidate_model"]): r for r in body["evidence"]}
    mini = by[("classify", "gpt-4o-mini")]
    assert (mini["runs"], mini["errors"], mini["n"], mini["agreed"]) == (11, 1, 10, 9)
    assert mini["agreement_rate"] == 0.9
    assert (mini["agreement_low"], mini["agreement_high"]) == wilson(9, 10) == (0.5958, 0.9821)
    # Candidate latencies 100..1000 ms on ok runs: p95 (linear) = 900 + 0.55 x 100 = 955; current
    # latencies 200..2200 over all 11 runs: 2000 + 0.5 x 200 = 2100.
    assert (mini["p95_latency_ms_candidate"], mini["p95_latency_ms_current"]) == (955.0, 2100.0)
    # The error run costs nothing (0 tokens) but is priced: 10 x 0.00024 / 11 runs.
    assert mini["shadow_spend"] == "0.0024"
    assert mini["cost_per_call_candidate"] == str(round(0.0024 / 11, 12)).rstrip("0")
    assert mini["cost_per_call_current"] == "0.004"
    nano = by[("classify", "gpt-4.1-nano")]
    assert (nano["n"], nano["agreed"], nano["agreement_rate"], nano["agreement_low"]) == (2, 0, 0.0, 0.0)
    assert nano["agreement_high"] == wilson(0, 2)[1] == 0.6576
    assert by[("summarise", "gpt-4o-mini")]["agreement_low"] == wilson(1, 1)[0] == 0.2065
    failed = by[("classify", "gpt-4.1")]
    assert (failed["runs"], failed["errors"], failed["n"]) == (2, 2, 0)
    assert (failed["agreement_rate"], failed["agreement_low"], failed["agreement_high"]) == (None, None, None)
    # 11 gpt-4o-mini runs (one failed, 0 tokens) + 2 gpt-4.1-nano + 1 on summarise + 2 failed gpt-4.1; gpt-4.1-nano per 1K:
    # 600 x 0.0001 + 400 x 0.000025 + 200 x 0.0004 = 0.15 -> $0.00015. 0.0024 + 0.0003 + 0.00024 = 0.00294.
    assert body["spend"] == {"runs": 16, "cost": "0.00294", "unpriced_runs": 0}
    only = get(client, project, endpoint_name="summarise")["evidence"]
    assert [(r["endpoint_name"], r["n"]) for r in only] == [("summarise", 1)]


def test_the_simulator_cites_the_evidence_for_its_target(shadowed):
    client, project, key, _events = shadowed
    post(client, key, [{"model": "gpt-4o", "endpoint_name": "classify", "prompt_tokens": 1000, "cached_tokens": 400,
                        "completion_tokens": 200, "timestamp": iso(T0 + timedelta(hours=2))}])
    body = client.get("/api/optimization/simulate", query_string={
        "project": project, **RANGE, "endpoint_name": "classify", "target_model": "gpt-4o-mini"}).get_json()
    assert [(e["candidate_model"], e["n"], e["agreed"]) for e in body["evidence"]] == [("gpt-4o-mini", 10, 9)]
    assert body["range"]["requests"] == 1  # the 16 shadow runs are not the endpoint's traffic


@pytest.mark.parametrize("change, field", [
    ({"score": 0.5, "agreed": None}, "shadow"),
    ({"score": 1.5}, "shadow.score"),
    ({"content": "leak"}, "shadow.content"),
    ({"comparator": ""}, "shadow.comparator"),
])
def test_a_malformed_verdict_is_refused_naming_the_field(app, database_url, change, field):
    key, _project = new_project(database_url)
    event = verdict(0, True)
    event["shadow"] = {**event["shadow"], **change}
    answer = app.test_client().post("/api/log", json=event, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 400
    assert field in [d["field"] for d in answer.get_json()["error"]["details"]]
