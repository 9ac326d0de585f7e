"""The evaluator: checks every enabled rule, records state changes, queues one delivery per change.

Runs as the `alerts` job (jobs.py: one server process at a time), after ingestion and never on
its request path: refresh the conversations rollup, evaluate, then deliver what is due.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import psycopg
from psycopg.types.json import Jsonb

from .rules import KINDS, Finding, Rule
from .store import seed_defaults

log = logging.getLogger(__name__)


def evaluate(conn: psycopg.Connection, now: datetime | None = None) -> dict[str, int]:
    """Check every enabled rule of every project; returns how many alerts fired and resolved."""
    now = now or datetime.now(timezone.utc)
    seed_defaults(conn)
    counts = {"fired": 0, "resolved": 0}
    rules = conn.execute("select * from public.alert_rules where enabled order by project_id, created_at").fetchall()
    for row in rules:
        try:
            with conn.transaction():
                for change, n in _evaluate_rule(conn, row, now).items():
                    counts[change] += n
        except psycopg.Error as err:  # one broken rule must not stop the others
            log.warning("alert rule %s (%s) could not be evaluated: %s", row["id"], row["kind"], err)
    return counts


def _evaluate_rule(conn: psycopg.Connection, row: dict, now: datetime) -> dict[str, int]:
    """One rule in one transaction: apply its findings to its alerts, queue their deliveries."""
    # One evaluation of a rule at a time, whoever runs it (the job, a test, the CLI).
    conn.execute("select pg_advisory_xact_lock(hashtext('tokenoptimizer.alert_rule:' || %s))", (str(row["id"]),))
    started = conn.execute("select now() as t").fetchone()["t"]
    rule = Rule(str(row["id"]), str(row["project_id"]), row["kind"], row["name"], row["threshold"], row["params"],
                row["evaluated_at"])
    firing = {a["subject"]: a for a in conn.execute(
        "select * from public.alerts where rule_id = %s and state = 'firing' for update", (row["id"],))}
    findings = KINDS[rule.kind].check(conn, rule, set(firing), now)
    counts = {"fired": 0, "resolved": 0}
    for subject, finding in findings.items():
        if finding is not None and subject in firing:
            conn.execute("update public.alerts set last_seen = %s, value = %s, message = %s, evidence = %s "
                         "where id = %s", (now, finding.value, finding.message, Jsonb(finding.evidence),
                                           firing[subject]["id"]))
        elif finding is not None and _may_fire(conn, rule, subject):
            _queue(conn, row, _fire(conn, row, finding, now), "firing")
            counts["fired"] += 1
        elif finding is None and subject in firing:
            alert = conn.execute("update public.alerts set state = 'resolved', resolved_at = %s, last_seen = %s "
                                 "where id = %s returning *", (now, now, firing[subject]["id"])).fetchone()
            _queue(conn, row, alert, "resolved")
            counts["resolved"] += 1
    conn.execute("update public.alert_rules set evaluated_at = %s where id = %s", (started, row["id"]))
    return counts


def _may_fire(conn: psycopg.Connection, rule: Rule, subject: str) -> bool:
    """Kinds that do not refire alert a subject (a conversation, a day, a month) once only."""
    if KINDS[rule.kind].refires:
        return True
    return conn.execute("select not exists (select from public.alerts where rule_id = %s and subject = %s) as ok",
                        (rule.id, subject)).fetchone()["ok"]


def _fire(conn: psycopg.Connection, row: dict, finding: Finding, now: datetime) -> dict:
    return conn.execute(
        "insert into public.alerts (project_id, rule_id, subject, state, first_seen, last_seen, value, threshold, "
        "message, evidence) values (%s, %s, %s, 'firing', %s, %s, %s, %s, %s, %s) returning *",
        (row["project_id"], row["id"], finding.subject, now, now, finding.value, row["threshold"], finding.message,
         Jsonb(finding.evidence))).fetchone()


def alert_json(alert: dict, rule: dict) -> dict:
    """An alert as the API and the webhooks show it."""
    return {"id": str(alert["id"]), "project_id": str(alert["project_id"]), "rule_id": str(alert["rule_id"]),
            "rule_name": rule["name"], "kind": rule["kind"], "subject": alert["subject"], "state": alert["state"],
            "first_seen": alert["first_seen"].isoformat(), "last_seen": alert["last_seen"].isoformat(),
            "resolved_at": alert["resolved_at"].isoformat() if alert["resolved_at"] else None,
            "value": None if alert["value"] is None else str(alert["value"]),
            "threshold": None if alert["threshold"] is None else str(alert["threshold"]),
            "message": alert["message"], "evidence": alert["evidence"]}


def _queue(conn: psycopg.Connection, rule: dict, alert: dict, transition: str) -> None:
    """The delivery of this state change, in the change's own transaction (so never lost, never twice)."""
    if not rule["webhook_url"]:
        return
    conn.execute(
        "insert into public.alert_outbox (project_id, rule_id, alert_id, transition, url, format, payload) "
        "values (%s, %s, %s, %s, %s, %s, %s) on conflict (alert_id, transition) do nothing",
        (rule["project_id"], rule["id"], alert["id"], transition, rule["webhook_url"], rule["webhook_format"],
         Jsonb(json.loads(json.dumps(alert_json(alert, rule), default=str)))))
