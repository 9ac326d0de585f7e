"""Alert rules and alerts in the database: validation of a rule, CRUD, defaults, the alert list."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from ..api.params import ParameterError
from .rules import KINDS

# The original's automated alerts (docs/alerts.md), given once to every project.
DEFAULT_RULES = (
    ("session_tokens", "High token usage per conversation", Decimal(1000), {}),
    ("session_cost", "High cost per conversation", Decimal("1.00"), {}),
    ("session_efficiency", "Low efficiency score", Decimal(50), {}),
    ("unpriced_model", "Model with no price", None, {"window_hours": 24}),
    ("usage_anomaly", "Unusual hourly spend", None, {"metric": "cost", "k": 3, "weeks": 4}),
    ("error_rate", "Failing endpoint", Decimal(20), {"window_hours": 24, "min_requests": 5}),
)


class AnomalyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: Literal["cost", "tokens"] = "cost"
    k: Decimal = Field(Decimal(3), gt=0, le=20)
    weeks: int = Field(4, ge=2, le=12)


class UnpricedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_hours: int = Field(24, ge=1, le=720)


class ErrorRateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_hours: int = Field(24, ge=1, le=720)
    min_requests: int = Field(5, ge=1, le=1_000_000)


_PARAMS = {"usage_anomaly": AnomalyParams, "unpriced_model": UnpricedParams, "error_rate": ErrorRateParams}

# The kinds the API takes: the registry's names, one list (the table's check constraint mirrors it).
Kind = Literal[tuple(KINDS)]


class RuleIn(BaseModel):
    """A rule as the API takes it; threshold and params default per kind."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    name: str | None = Field(None, min_length=1, max_length=100)
    threshold: Decimal | None = Field(None, ge=0, description="N tokens, $X, score S or the budget in USD.")
    params: dict = Field(default_factory=dict)
    enabled: bool = True
    webhook_url: HttpUrl | None = None
    webhook_format: Literal["slack", "generic"] = "slack"
    webhook_secret: str | None = Field(None, min_length=8, max_length=200)

    @model_validator(mode="after")
    def _defaults(self):
        """Fill the kind's defaults; a kind that needs a threshold must end up with one."""
        kind = KINDS[self.kind]
        self.name = self.name or kind.description
        if self.threshold is None:
            self.threshold = kind.default_threshold
        self.params = _PARAMS[self.kind](**self.params).model_dump(mode="json") if self.kind in _PARAMS else {}
        if self.kind == "session_efficiency" and self.threshold is not None and self.threshold > 100:
            raise ParameterError("threshold", "an efficiency score lies between 0 and 100")
        if self.kind == "error_rate" and self.threshold is not None and self.threshold > 100:
            raise ParameterError("threshold", "an error rate is a percentage between 0 and 100")
        return self


# What a rule read returns: every column but the signing secret, which a signed-in caller may not read.
RULE_COLUMNS = ("id, project_id, kind, name, threshold, params, enabled, webhook_url, webhook_format, has_secret, "
                "evaluated_at, created_at, updated_at")


def rule_json(row: dict) -> dict:
    """A rule as the API shows it: the secret never leaves, only whether there is one."""
    return {"id": str(row["id"]), "project_id": str(row["project_id"]), "kind": row["kind"], "name": row["name"],
            "threshold": None if row["threshold"] is None else str(row["threshold"]), "params": row["params"],
            "enabled": row["enabled"], "webhook_url": row["webhook_url"], "webhook_format": row["webhook_format"],
            "has_secret": row["has_secret"],
            "evaluated_at": row["evaluated_at"].isoformat() if row["evaluated_at"] else None,
            "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}


def _values(rule: RuleIn) -> tuple:
    return (rule.kind, rule.name, rule.threshold, Jsonb(rule.params), rule.enabled,
            str(rule.webhook_url) if rule.webhook_url else None, rule.webhook_format, rule.webhook_secret)


def create_rule(conn: psycopg.Connection, project: uuid.UUID, rule: RuleIn) -> dict:
    return conn.execute(
        "insert into public.alert_rules (project_id, kind, name, threshold, params, enabled, webhook_url, "
        f"webhook_format, webhook_secret) values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning {RULE_COLUMNS}",
        (project, *_values(rule))).fetchone()


def update_rule(conn: psycopg.Connection, project: uuid.UUID, rule_id: uuid.UUID, rule: RuleIn,
                keep_secret: bool) -> dict | None:
    """Replace a rule's fields; keep_secret leaves the stored secret when none was sent (without
    reading it: a signed-in caller may write the secret, never read it)."""
    secret = "" if keep_secret else "webhook_secret = %(secret)s, "
    kind, name, threshold, params, enabled, url, fmt, _ = _values(rule)
    return conn.execute(
        "update public.alert_rules set kind = %(kind)s, name = %(name)s, threshold = %(threshold)s, "
        "params = %(params)s, enabled = %(enabled)s, webhook_url = %(url)s, webhook_format = %(fmt)s, " + secret
        + "updated_at = now(), evaluated_at = case when kind = %(kind)s then evaluated_at end "
        f"where id = %(id)s and project_id = %(project)s returning {RULE_COLUMNS}",
        {"kind": kind, "name": name, "threshold": threshold, "params": params, "enabled": enabled, "url": url,
         "fmt": fmt, "secret": rule.webhook_secret, "id": rule_id, "project": project}).fetchone()


def get_rule(conn: psycopg.Connection, project: uuid.UUID, rule_id: uuid.UUID) -> dict | None:
    return conn.execute(f"select {RULE_COLUMNS} from public.alert_rules where id = %s and project_id = %s",
                        (rule_id, project)).fetchone()


def rule_secret(conn: psycopg.Connection, rule_id: uuid.UUID) -> str | None:
    """The signing secret, for signing only (an owner connection: clients cannot read it)."""
    row = conn.execute("select webhook_secret from public.alert_rules where id = %s", (rule_id,)).fetchone()
    return row["webhook_secret"] if row else None


def delete_rule(conn: psycopg.Connection, project: uuid.UUID, rule_id: uuid.UUID) -> bool:
    return conn.execute("delete from public.alert_rules where id = %s and project_id = %s",
                        (rule_id, project)).rowcount == 1


def list_rules(conn: psycopg.Connection, project: uuid.UUID) -> list[dict]:
    return conn.execute(f"select {RULE_COLUMNS} from public.alert_rules where project_id = %s order by created_at, id",
                        (project,)).fetchall()


def seed_defaults(conn: psycopg.Connection) -> int:
    """Give each project without them the default rules, once (a project may delete them afterwards)."""
    with conn.transaction():
        new = conn.execute("insert into public.alert_defaults (project_id) select p.id from public.projects p "
                           "on conflict do nothing returning project_id").fetchall()
        for row in new:
            for kind, name, threshold, params in DEFAULT_RULES:
                conn.execute("insert into public.alert_rules (project_id, kind, name, threshold, params) "
                             "values (%s, %s, %s, %s, %s)", (row["project_id"], kind, name, threshold, Jsonb(params)))
    return len(new)


def list_alerts(conn: psycopg.Connection, project: uuid.UUID, state: str | None, limit: int) -> list[dict]:
    """Alerts newest first (by last seen), optionally of one state, with their rule."""
    return conn.execute(
        "select a.*, r.name, r.kind from public.alerts a join public.alert_rules r on r.id = a.rule_id "
        "where a.project_id = %s and (%s::text is null or a.state = %s) order by a.last_seen desc, a.id limit %s",
        (project, state, state, limit)).fetchall()
