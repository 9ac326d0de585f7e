"""Alert rules: each kind on traffic built to trigger it and on traffic built not to; states,
no repeats, the forecast on a hand-computed month, the anomaly rule on series with and without a spike.

Traffic goes in through POST /api/log; the evaluator is called directly with a chosen `now`
(the server's job calls the same function every few seconds).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tokenoptimizer_server import efficiency
from tokenoptimizer_server.alerts import evaluate
from tokenoptimizer_server.alerts.rules import anomaly_threshold

from .test_analytics import T0, iso, new_project, post

# Servers other tests start share this database: their alerts job must not evaluate these rules
# at today's date while a test here evaluates them at T0 (set at collection, before any server starts).
os.environ.setdefault("TOKENOPTIMIZER_ALERTS_EVERY_S", "86400")


def event(at: datetime, tokens: int = 1000, model: str = "gpt-4o", **fields) -> dict:
    return {"timestamp": iso(at), "model": model, "prompt_tokens": tokens, "completion_tokens": 0, **fields}


def add_rule(client, project: str, kind: str, **fields) -> dict:
    answer = client.post(f"/api/alerts/rules?project={project}", json={"kind": kind, **fields})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def run(db, now: datetime) -> None:
    efficiency.refresh(db)
    evaluate(db, now)


def alerts_of(db, rule: dict) -> list[dict]:
    return db.execute("select * from public.alerts where rule_id = %s order by first_seen, subject",
                      (rule["id"],)).fetchall()


@pytest.fixture
def project(app, database_url):
    key, project = new_project(database_url)
    return key, project, app.test_client()


def test_tokens_per_conversation_fires_once_then_resolves_when_it_ends(project, client, db):
    key, pid, c = project
    post(c, key, [event(T0, 700, session_id="big"), event(T0 + timedelta(minutes=1), 500, session_id="big"),
                  event(T0, 900, session_id="small")])
    rule = add_rule(client, pid, "session_tokens", threshold="1000")
    run(db, T0 + timedelta(minutes=5))
    [alert] = alerts_of(db, rule)
    assert (alert["state"], alert["value"], alert["subject"]) == ("firing", Decimal(1200), "big@2026-11-10T00:00:00.000000Z")
    assert alert["evidence"]["total_tokens"] == 1200 and alert["evidence"]["turns"] == 2
    run(db, T0 + timedelta(minutes=6))  # still over, still open: no second alert
    [again] = alerts_of(db, rule)
    assert again["id"] == alert["id"] and again["state"] == "firing" and again["last_seen"] > alert["last_seen"]
    run(db, T0 + timedelta(hours=2))  # 30 minutes of silence: the conversation ended
    [done] = alerts_of(db, rule)
    assert done["state"] == "resolved" and done["resolved_at"] == T0 + timedelta(hours=2)
    run(db, T0 + timedelta(hours=3))
    assert len(alerts_of(db, rule)) == 1  # a conversation alerts once


def test_cost_per_conversation(project, client, db):
    key, pid, c = project
    sent = post(c, key, [event(T0, 3000, session_id="dear"), event(T0, 1000, session_id="cheap")])
    dear, cheap = (Decimal(e["total_cost"]) for e in sent)
    rule = add_rule(client, pid, "session_cost", threshold=str((dear + cheap) / 2))
    quiet = add_rule(client, pid, "session_cost", threshold=str(dear))  # not above: equal
    run(db, T0 + timedelta(minutes=1))
    assert [(a["subject"].split("@")[0], a["value"]) for a in alerts_of(db, rule)] == [("dear", dear)]
    assert alerts_of(db, quiet) == []


def test_efficiency_below_a_score(project, client, db):
    key, pid, c = project
    good = [event(T0 + timedelta(minutes=i), 100, session_id="good") for i in range(5)]  # 100 Zimmer: 66.7
    bad = [event(T0 + timedelta(minutes=i), 500, session_id="bad") for i in range(2)]   # 500 Zimmer: 0.0
    post(c, key, good + bad)
    rule = add_rule(client, pid, "session_efficiency", threshold="50")
    run(db, T0 + timedelta(minutes=10))
    [alert] = alerts_of(db, rule)
    assert alert["subject"].startswith("bad@") and alert["value"] == Decimal("0.0")
    assert alert["evidence"]["status"] == "Poor" and alert["evidence"]["zimmer_tokens"] == "500.00"


def test_daily_budget_fires_on_the_day_and_resolves_the_next(project, client, db):
    key, pid, c = project
    sent = post(c, key, [event(T0 + timedelta(hours=h)) for h in range(3)])
    spent = sum(Decimal(e["total_cost"]) for e in sent)
    over = add_rule(client, pid, "daily_spend", threshold=str(spent - Decimal("0.001")))
    under = add_rule(client, pid, "daily_spend", threshold=str(spent))
    run(db, T0 + timedelta(hours=12))
    [alert] = alerts_of(db, over)
    assert (alert["subject"], alert["value"], alert["state"]) == ("2026-11-10", spent, "firing")
    assert alerts_of(db, under) == []
    run(db, T0 + timedelta(hours=30))
    assert [a["state"] for a in alerts_of(db, over)] == ["resolved"]


def test_monthly_budget(project, client, db):
    key, pid, c = project
    sent = post(c, key, [event(T0 - timedelta(days=d)) for d in range(5)])  # Nov 6-10
    spent = sum(Decimal(e["total_cost"]) for e in sent)
    over = add_rule(client, pid, "monthly_spend", threshold=str(spent / 2))
    under = add_rule(client, pid, "monthly_spend", threshold=str(spent * 2))
    run(db, T0 + timedelta(hours=1))
    assert [(a["subject"], a["value"]) for a in alerts_of(db, over)] == [("2026-11", spent)]
    assert alerts_of(db, under) == []


def _month_traffic(c, key) -> tuple[Decimal, Decimal]:
    """Nov 1-12: one 1,000-token call a day; Nov 13-19: one 2,000-token call a day. (c1, c2) per day."""
    nov = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
    sent = post(c, key, [event(nov + timedelta(days=d), 1000 if d < 12 else 2000) for d in range(19)])
    return Decimal(sent[0]["total_cost"]), Decimal(sent[-1]["total_cost"])


def test_forecast_on_a_hand_computed_month(project, client, db, database_url):
    key, pid, c = project
    c1, c2 = _month_traffic(c, key)
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    p = db.execute("select public.month_projection(%s, %s) as p", (pid, now)).fetchone()["p"]
    # month so far 12 c1 + 7 c2; rate: the last 7 days (Nov 13-19) = c2 a day; Nov 20-30 = 11 days left.
    assert Decimal(p["month_to_date"]) == 12 * c1 + 7 * c2
    assert Decimal(p["daily_rate"]) == c2 and Decimal(p["days_left"]) == 11
    projected = 12 * c1 + 18 * c2
    assert Decimal(p["projected"]) == projected and p["month"] == "2026-11"
    over = add_rule(client, pid, "monthly_forecast", threshold=str(projected - Decimal("0.0001")))
    under = add_rule(client, pid, "monthly_forecast", threshold=str(projected))
    run(db, now)
    [alert] = alerts_of(db, over)
    assert alert["value"] == projected and alert["evidence"]["budget"] == str(projected - Decimal("0.0001"))
    assert alerts_of(db, under) == []
    # A new project's rate counts only the days it has existed: one day of c1 -> c1 a day.
    key2, pid2 = new_project(database_url)
    post(c, key2, [event(datetime(2026, 11, 19, tzinfo=timezone.utc), 1000)])
    p2 = db.execute("select public.month_projection(%s, %s) as p", (pid2, now)).fetchone()["p"]
    assert Decimal(p2["projected"]) == Decimal(p2["month_to_date"]) * 12


def test_unpriced_model_fires_and_resolves_after_a_quiet_window(project, client, db):
    key, pid, c = project
    post(c, key, [event(T0, model="acme-llm-9"), event(T0, model="gpt-4o-mini")])
    rule = add_rule(client, pid, "unpriced_model", params={"window_hours": 24})
    run(db, T0 + timedelta(hours=1))
    [alert] = alerts_of(db, rule)
    assert (alert["subject"], alert["value"], alert["state"]) == ("acme-llm-9", Decimal(1), "firing")
    run(db, T0 + timedelta(hours=30))
    assert [a["state"] for a in alerts_of(db, rule)] == ["resolved"]


def test_unpriced_model_quiet_when_everything_is_priced(project, client, db):
    key, pid, c = project
    post(c, key, [event(T0, model="gpt-4o-mini")])
    rule = add_rule(client, pid, "unpriced_model")
    run(db, T0 + timedelta(hours=1))
    assert alerts_of(db, rule) == []


def test_failing_endpoint_fires_above_its_share_and_resolves_when_it_recovers(project, client, db):
    key, pid, c = project
    failed = {"status": "error", "error_type": "RateLimitError"}
    # flaky: 3 of 5 failed (60%); steady: 1 of 10 (10%, under 20%); rare: 2 of 2 (under 5 requests).
    post(c, key, [event(T0, endpoint_name="flaky", **(failed if i < 3 else {})) for i in range(5)]
         + [event(T0, endpoint_name="steady", **(failed if i == 0 else {})) for i in range(10)]
         + [event(T0, endpoint_name="rare", **failed) for _ in range(2)])
    rule = add_rule(client, pid, "error_rate")
    assert (rule["threshold"], rule["params"]) == ("20", {"window_hours": 24, "min_requests": 5})
    run(db, T0 + timedelta(hours=1))
    [alert] = alerts_of(db, rule)
    assert (alert["subject"], alert["value"], alert["state"]) == ("flaky", Decimal("60.0"), "firing")
    assert alert["message"] == "flaky: 3 of 5 requests failed (60.0%) in the last 24 h (limit 20%)."
    assert (alert["evidence"]["requests"], alert["evidence"]["errors"]) == (5, 3)
    # Ten good requests later the share is 3 of 15 (20.0%): no longer above the limit.
    post(c, key, [event(T0 + timedelta(hours=2), endpoint_name="flaky") for _ in range(10)])
    run(db, T0 + timedelta(hours=3))
    assert [a["state"] for a in alerts_of(db, rule)] == ["resolved"]


def test_failing_endpoint_threshold_is_a_percentage(client, project):
    _, pid, _ = project
    answer = client.post(f"/api/alerts/rules?project={pid}", json={"kind": "error_rate", "threshold": "150"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"][0]["field"] == "threshold"


@pytest.mark.parametrize("baseline,value,fires", [
    ([10, 12, 11, 9], 30, True),      # mean 10.5, sd 1.29: limit 14.37
    ([10, 12, 11, 9], 14, False),
    ([0, 0, 0, 0], 1, True),          # flat zero baseline: anything above it
    ([5, 5, 5, 5], 5, False),
])
def test_anomaly_threshold(baseline, value, fires):
    mean, sd, limit = anomaly_threshold([Decimal(b) for b in baseline], Decimal(3))
    assert (Decimal(value) > limit and Decimal(value) > mean) is fires


def test_anomaly_threshold_figures():
    mean, sd, limit = anomaly_threshold([Decimal(v) for v in (10, 12, 11, 9)], Decimal(3))
    assert mean == Decimal("10.5") and sd == Decimal("1.290994448736") and limit == Decimal("14.372983346208")


@pytest.mark.parametrize("calls_now,fires", [(12, True), (2, False)])
def test_unusual_hour_against_the_same_hour_of_previous_weeks(project, client, db, calls_now, fires):
    key, pid, c = project
    hour = datetime(2026, 11, 24, 15, tzinfo=timezone.utc)  # a Tuesday, 15:00
    events = [event(hour - timedelta(weeks=w, minutes=-m), 1000) for w, n in ((4, 1), (3, 2), (2, 1), (1, 2))
              for m in range(n)]
    events += [event(hour + timedelta(minutes=m), 1000) for m in range(calls_now)]
    post(c, key, events)
    rule = add_rule(client, pid, "usage_anomaly", params={"metric": "tokens", "k": 3, "weeks": 4})
    run(db, hour + timedelta(hours=1, minutes=5))
    got = alerts_of(db, rule)
    if fires:
        [alert] = got
        assert alert["subject"] == "tokens" and alert["value"] == 12000
        assert alert["evidence"]["mean"] == "1500" and alert["evidence"]["hour"] == hour.isoformat()
        run(db, hour + timedelta(hours=2, minutes=5))  # the next hour is quiet
        assert [a["state"] for a in alerts_of(db, rule)] == ["resolved"]
    else:
        assert got == []


def test_rules_crud_and_validation(client, project):
    _, pid, _ = project
    rule = add_rule(client, pid, "session_tokens")
    assert (rule["threshold"], rule["name"], rule["enabled"]) == ("1000", "Tokens in one conversation above N", True)
    changed = client.put(f"/api/alerts/rules/{rule['id']}?project={pid}", json={
        "kind": "session_tokens", "threshold": "2500", "enabled": False, "webhook_url": "http://127.0.0.1:9/hook",
        "webhook_format": "generic", "webhook_secret": "s3cret-value"}).get_json()
    assert (changed["threshold"], changed["enabled"], changed["has_secret"]) == ("2500", False, True)
    assert "webhook_secret" not in changed
    listed = client.get(f"/api/alerts/rules?project={pid}").get_json()
    assert [r["threshold"] for r in listed["rules"] if r["id"] == rule["id"]] == ["2500"]
    assert {k["kind"] for k in listed["kinds"]} >= {"session_tokens", "monthly_forecast", "usage_anomaly"}
    for body, field in (({"kind": "nope"}, "kind"), ({"kind": "session_cost", "threshold": "-1"}, "threshold"),
                        ({"kind": "usage_anomaly", "params": {"k": 0}}, "k"),
                        ({"kind": "daily_spend", "webhook_url": "ftp://x"}, "webhook_url")):
        answer = client.post(f"/api/alerts/rules?project={pid}", json=body)
        assert answer.status_code == 400, body
        assert answer.get_json()["error"]["details"][0]["field"] == field
    assert client.delete(f"/api/alerts/rules/{rule['id']}?project={pid}").status_code == 204
    assert client.delete(f"/api/alerts/rules/{rule['id']}?project={pid}").status_code == 404


def test_alert_list_and_defaults(project, client, db):
    key, pid, c = project
    post(c, key, [event(T0, 5000, session_id="huge")])
    run(db, T0 + timedelta(minutes=1))
    kinds = {r["kind"] for r in client.get(f"/api/alerts/rules?project={pid}").get_json()["rules"]}
    assert kinds == {"session_tokens", "session_cost", "session_efficiency", "unpriced_model", "usage_anomaly", "error_rate"}
    body = client.get(f"/api/alerts?project={pid}&state=firing").get_json()
    by_kind = {a["kind"]: a for a in body["alerts"]}
    assert set(by_kind) == {"session_tokens", "session_efficiency"} and body["firing"] == 2
    assert by_kind["session_tokens"]["evidence"]["total_tokens"] == 5000
    assert by_kind["session_tokens"]["message"] == "Conversation huge used 5,000 tokens in 1 turns (limit 1,000)."
