"""Every rule kind end to end: traffic built to trigger it goes in through POST /api/log, the alerts
job's functions evaluate and deliver, and a real receiver on 127.0.0.1 gets exactly one POST when
the alert fires, none while it keeps firing, and exactly one more when it resolves.

The kinds come from alerts.rules.KINDS: a kind without a case here fails the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tokenoptimizer_server.alerts import deliver_due
from tokenoptimizer_server.alerts.rules import KINDS

from .test_alerts import add_rule, alerts_of, event, run
from .test_alerts_delivery import SECRET, Receiver, expected_signature
from .test_analytics import T0, new_project, post

HOUR = datetime(2026, 11, 24, 15, tzinfo=timezone.utc)  # a Tuesday, 15:00: the anomaly's hour
FAILED = {"status": "error", "error_type": "RateLimitError"}


@dataclass(frozen=True)
class Case:
    """Traffic for one kind, the rule's fields given the priced cost of that traffic, and when to look."""

    fmt: str                                   # "generic" (signed) or "slack"
    events: list[dict]
    subject: str
    fire_at: datetime
    resolve_at: datetime
    fields: Callable[[Decimal], dict] = lambda spent: {}
    later: list[dict] = field(default_factory=list)  # posted before resolve_at (the condition stops holding)


def _session(tokens: list[int], name: str) -> list[dict]:
    return [event(T0 + timedelta(minutes=i), n, session_id=name) for i, n in enumerate(tokens)]


CASES: dict[str, Case] = {
    # A conversation alerts while it runs and resolves once it is over (30 minutes of silence).
    "session_tokens": Case("generic", _session([700, 500], "long-chat"), "long-chat@2026-11-10T00:00:00.000000Z",
                           T0 + timedelta(minutes=5), T0 + timedelta(hours=2), lambda spent: {"threshold": "1000"}),
    "session_cost": Case("slack", _session([3000], "dear-chat"), "dear-chat@2026-11-10T00:00:00.000000Z",
                         T0 + timedelta(minutes=5), T0 + timedelta(hours=2), lambda spent: {"threshold": str(spent / 2)}),
    # 500 tokens a turn is 500 Zimmer Tokens: score 0.
    "session_efficiency": Case("generic", _session([500, 500], "poor-chat"), "poor-chat@2026-11-10T00:00:00.000000Z",
                               T0 + timedelta(minutes=5), T0 + timedelta(hours=2), lambda spent: {"threshold": "50"}),
    # A day or a month resolves when it is over.
    "daily_spend": Case("slack", [event(T0 + timedelta(hours=h)) for h in range(3)], "2026-11-10",
                        T0 + timedelta(hours=12), T0 + timedelta(hours=30),
                        lambda spent: {"threshold": str(spent - Decimal("0.001"))}),
    "monthly_spend": Case("generic", [event(T0 - timedelta(days=d)) for d in range(5)], "2026-11",
                          T0 + timedelta(hours=1), datetime(2026, 12, 1, 1, tzinfo=timezone.utc),
                          lambda spent: {"threshold": str(spent / 2)}),
    # The projection is at least the month so far; in January nothing was spent for a week: 0.
    "monthly_forecast": Case("slack", [event(T0 - timedelta(days=d)) for d in range(3)], "2026-11",
                             T0 + timedelta(hours=1), datetime(2027, 1, 15, tzinfo=timezone.utc),
                             lambda spent: {"threshold": str(spent / 2)}),
    # Resolves after a window with no unpriced request.
    "unpriced_model": Case("generic", [event(T0, model="acme-llm-9")], "acme-llm-9",
                           T0 + timedelta(hours=1), T0 + timedelta(hours=30),
                           lambda spent: {"params": {"window_hours": 24}}),
    # 3 of 5 failed (60%); ten good requests later 3 of 15 (20%, not above 20%).
    "error_rate": Case("generic", [event(T0, endpoint_name="flaky", **(FAILED if i < 3 else {})) for i in range(5)],
                       "flaky", T0 + timedelta(hours=1), T0 + timedelta(hours=3),
                       later=[event(T0 + timedelta(hours=2), endpoint_name="flaky") for _ in range(10)]),
    # The same Tuesday hour had 1, 2, 1, 2 calls the previous four weeks, 12 now; the next hour is quiet.
    "usage_anomaly": Case("slack", [event(HOUR - timedelta(weeks=w, minutes=-m)) for w, n in ((4, 1), (3, 2), (2, 1), (1, 2))
                                    for m in range(n)] + [event(HOUR + timedelta(minutes=m)) for m in range(12)],
                          "tokens", HOUR + timedelta(hours=1, minutes=5), HOUR + timedelta(hours=2, minutes=5),
                          lambda spent: {"params": {"metric": "tokens", "k": 3, "weeks": 4}}),
}


def test_every_kind_has_a_webhook_case():
    assert sorted(CASES) == sorted(KINDS), "each alert rule kind needs a case in CASES"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def job(db, now: datetime) -> None:
    """What the alerts job does (alerts.run), at a chosen `now`."""
    run(db, now)
    deliver_due(db)


def check_post(got: dict, case: Case, rule: dict, alert: dict, transition: str) -> None:
    """One POST carries this alert's state change, in the rule's format (signed when generic)."""
    assert got["status"] == 200
    body = json.loads(got["body"])
    if case.fmt == "generic":
        assert got["headers"]["X-TokenOptimizer-Signature"] == expected_signature(got["headers"], got["body"])
        assert body["event"] == f"alert.{transition}" and body["id"] == got["headers"]["X-TokenOptimizer-Delivery"]
        assert (body["alert"]["kind"], body["alert"]["subject"], body["alert"]["state"]) == (
            rule["kind"], case.subject, transition)
        assert (body["alert"]["id"], body["alert"]["rule_id"]) == (str(alert["id"]), rule["id"])
    else:
        assert "X-TokenOptimizer-Signature" not in got["headers"]
        head = "FIRING" if transition == "firing" else "RESOLVED"
        assert body["text"] == f"[TokenOptimizer] {head} {rule['name']}: {alert['message']}"
        assert body["blocks"][0]["text"]["text"] == body["text"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_rule_reaches_its_webhook_once_per_state_change(kind, client, database_url, db, receiver):
    if kind not in CASES:
        pytest.fail(f"no webhook case for the alert rule kind {kind!r}")
    case = CASES[kind]
    key, project = new_project(database_url)
    sent = post(client, key, case.events)
    spent = sum((Decimal(e["total_cost"]) for e in sent if e["total_cost"] is not None), Decimal(0))
    secret = {"webhook_secret": SECRET} if case.fmt == "generic" else {}
    rule = add_rule(client, project, kind, webhook_url=receiver.url, webhook_format=case.fmt, **secret,
                    **case.fields(spent))

    job(db, case.fire_at)
    [alert] = alerts_of(db, rule)
    assert (alert["subject"], alert["state"]) == (case.subject, "firing")
    [fired] = receiver.requests
    check_post(fired, case, rule, alert, "firing")

    job(db, case.fire_at + timedelta(minutes=1))  # still firing: nothing new to send
    job(db, case.fire_at + timedelta(minutes=2))
    assert [a["state"] for a in alerts_of(db, rule)] == ["firing"] and len(receiver.requests) == 1

    if case.later:
        post(client, key, case.later)
    job(db, case.resolve_at)
    [resolved] = alerts_of(db, rule)
    assert (resolved["id"], resolved["state"]) == (alert["id"], "resolved")
    assert len(receiver.requests) == 2
    check_post(receiver.requests[1], case, rule, resolved, "resolved")
    deliveries = [r["headers"]["X-TokenOptimizer-Delivery"] for r in receiver.requests]
    assert len(set(deliveries)) == 2  # one delivery per state change

    job(db, case.resolve_at + timedelta(minutes=1))  # resolved stays resolved: nothing more
    assert len(receiver.requests) == 2
    outbox = db.execute("select transition, attempts, sent_at is not null as sent from public.alert_outbox "
                        "where rule_id = %s order by id", (rule["id"],)).fetchall()
    assert [(o["transition"], o["attempts"], o["sent"]) for o in outbox] == [("firing", 1, True), ("resolved", 1, True)]
