"""Alerts: the stored alerts (firing and resolved, with evidence), rule CRUD, test-send, budget status.

Evaluation is not here: the alerts job (alerts/evaluate.py) runs off the request path.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal

from flask import Blueprint, jsonify, request
from pydantic import Field

from .. import analytics, db
from ..alerts import deliver, store
from ..auth.caller import owner_connection
from ..alerts.evaluate import alert_json
from ..alerts.rules import KINDS
from ..alerts.store import Kind
from ..errors import ApiError
from .access import require_admin
from .answers import Answer
from .contract import ADMIN, answers, spec
from .params import ProjectQuery
from .sessions import Projection

bp = Blueprint("alerts", __name__)
bp.before_request(require_admin)  # every route here is a dashboard read or an admin write


class AlertsQuery(ProjectQuery):
    state: Literal["firing", "resolved"] | None = None
    limit: int = Field(100, ge=1, le=500)


class StoredAlert(Answer):
    id: str
    project_id: str
    rule_id: str
    rule_name: str
    kind: Kind
    subject: str = Field(description="A conversation (<session>@<start>), a day, a month, a model or a metric.")
    state: Literal["firing", "resolved"]
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    value: str | None
    threshold: str | None
    message: str
    evidence: dict


class AlertsAnswer(Answer):
    alerts: list[StoredAlert]
    firing: int


class RuleAnswer(Answer):
    id: str
    project_id: str
    kind: Kind
    name: str
    threshold: str | None
    params: dict
    enabled: bool
    webhook_url: str | None
    webhook_format: Literal["slack", "generic"]
    has_secret: bool
    evaluated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class KindAnswer(Answer):
    kind: Kind
    description: str
    default_threshold: str | None
    default_params: dict


class RulesAnswer(Answer):
    rules: list[RuleAnswer]
    kinds: list[KindAnswer]


class TestSendAnswer(Answer):
    delivered: bool
    detail: str = Field(description="What the receiver answered (HTTP status) or why it could not be reached.")


class BudgetAnswer(Answer):
    projection: Projection
    budget: str | None
    status: Literal["none", "on_track", "at_risk", "over"]


def _project(conn) -> uuid.UUID:
    return analytics.project(conn, request.args.get("project"))


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    return body


def _no_rule(rule_id: uuid.UUID) -> ApiError:
    return ApiError(404, "not_found", f"no alert rule {rule_id} in this project")


@bp.get("/api/alerts")
@spec.validate(query=AlertsQuery, resp=answers(AlertsAnswer, 400, 401, 404), security=ADMIN)
def alerts(query: AlertsQuery):
    """Alerts newest first: state, first and last seen, the evidence; `firing` counts those still firing."""
    with db.pool().connection() as conn:
        project = _project(conn)
        rows = store.list_alerts(conn, project, query.state, query.limit)
        firing = conn.execute("select count(*) as n from public.alerts where project_id = %s and state = 'firing'",
                              (project,)).fetchone()["n"]
    return jsonify({"alerts": [alert_json(r, r) for r in rows], "firing": firing})


@bp.get("/api/alerts/rules")
@spec.validate(query=ProjectQuery, resp=answers(RulesAnswer, 400, 401, 404), security=ADMIN)
def rules():
    """The project's rules (secrets left out) and every kind with its defaults."""
    with db.pool().connection() as conn:
        rows = store.list_rules(conn, _project(conn))
    kinds = [{"kind": k.name, "description": k.description, "default_threshold":
              None if k.default_threshold is None else str(k.default_threshold), "default_params": k.default_params}
             for k in KINDS.values()]
    return jsonify({"rules": [store.rule_json(r) for r in rows], "kinds": kinds})


@bp.post("/api/alerts/rules")
@spec.validate(query=ProjectQuery, json=store.RuleIn, resp=answers(RuleAnswer, 400, 401, 404, status=201),
               security=ADMIN)
def create_rule(json: store.RuleIn):
    """A new rule; threshold, name and params default per kind."""
    _body()
    with db.pool().connection() as conn:
        row = store.create_rule(conn, _project(conn), json)
    return jsonify(store.rule_json(row)), 201


@bp.put("/api/alerts/rules/<uuid:rule_id>")
@spec.validate(query=ProjectQuery, json=store.RuleIn, resp=answers(RuleAnswer, 400, 401, 404), security=ADMIN)
def update_rule(rule_id: uuid.UUID, json: store.RuleIn):
    """Replace a rule (the stored webhook secret stays unless `webhook_secret` is sent)."""
    body = _body()
    with db.pool().connection() as conn:
        row = store.update_rule(conn, _project(conn), rule_id, json, keep_secret="webhook_secret" not in body)
    if row is None:
        raise _no_rule(rule_id)
    return jsonify(store.rule_json(row))


@bp.delete("/api/alerts/rules/<uuid:rule_id>")
@spec.validate(query=ProjectQuery, resp=answers(None, 400, 401, 404, status=204), security=ADMIN)
def delete_rule(rule_id: uuid.UUID):
    with db.pool().connection() as conn:
        if not store.delete_rule(conn, _project(conn), rule_id):
            raise _no_rule(rule_id)
    return "", 204


@bp.post("/api/alerts/rules/<uuid:rule_id>/test")
@spec.validate(query=ProjectQuery, resp=answers(TestSendAnswer, 400, 401, 404), security=ADMIN)
def test_send(rule_id: uuid.UUID):
    """Send a sample alert to the rule's webhook now, signed like real ones; says what the receiver answered."""
    with db.pool().connection() as conn:
        row = store.get_rule(conn, _project(conn), rule_id)
    if row is None:
        raise _no_rule(rule_id)
    if not row["webhook_url"]:
        raise ApiError(400, "invalid_parameter", "webhook_url: the rule has no webhook to test",
                       [{"field": "webhook_url", "message": "the rule has no webhook to test"}])
    now = datetime.now(timezone.utc).isoformat()
    sample = {"id": f"test-{uuid.uuid4()}", "project_id": str(row["project_id"]), "rule_id": str(row["id"]),
              "rule_name": row["name"], "kind": row["kind"], "subject": "test", "state": "firing",
              "first_seen": now, "last_seen": now, "resolved_at": None, "value": None,
              "threshold": None if row["threshold"] is None else str(row["threshold"]),
              "message": f"Test message for the rule '{row['name']}'.", "evidence": {}}
    # The caller may see the rule (the fence just said so); the secret is read as the owner, only to sign.
    with owner_connection() as conn:
        secret = store.rule_secret(conn, row["id"])
    ok, detail = deliver.send(row["webhook_url"], row["webhook_format"], "test", sample, sample["id"], secret)
    return jsonify({"delivered": ok, "detail": detail})


@bp.get("/api/budget")
@spec.validate(query=ProjectQuery, resp=answers(BudgetAnswer, 400, 401, 404), security=ADMIN)
def budget():
    """This month's projection against the monthly budget (the enabled forecast or monthly spend rule)."""
    with db.pool().connection() as conn:
        project = _project(conn)
        projection = conn.execute("select public.month_projection(%s) as p", (project,)).fetchone()["p"]
        row = conn.execute(
            "select threshold from public.alert_rules where project_id = %s and enabled and threshold is not null "
            "and kind in ('monthly_forecast', 'monthly_spend') order by kind = 'monthly_forecast' desc, created_at "
            "limit 1", (project,)).fetchone()
    limit = row["threshold"] if row else None
    return jsonify({"projection": projection, "budget": None if limit is None else str(limit),
                    "status": budget_status(Decimal(projection["month_to_date"]), Decimal(projection["projected"]), limit)})


def budget_status(spent: Decimal, projected: Decimal, limit: Decimal | None) -> str:
    """none (no budget), over (already spent), at_risk (projected over), on_track."""
    if limit is None:
        return "none"
    if spent > limit:
        return "over"
    return "at_risk" if projected > limit else "on_track"
