"""Pricing rows in Postgres: load for the price book, list, set, delete, history."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg

from .resolve import PRICE_FIELDS

EDITABLE = (*PRICE_FIELDS, "provider", "long_context_threshold", "long_context_tiers", "service_tiers", "aliases",
            "match_pattern", "source")


def current_version(conn: psycopg.Connection) -> int:
    row = conn.execute("select last_value from public.model_pricing_version_seq").fetchone()
    return row["last_value"]


def load_rows(conn: psycopg.Connection) -> tuple[list[dict[str, Any]], int]:
    """Every global and project row, and the catalogue's models billed in other units, with the version read at."""
    version = current_version(conn)
    rows = conn.execute(
        "select null::uuid as project_id, * from public.model_pricing "
        "union all select * from public.project_model_pricing").fetchall()
    # A model billed per image or second resolves to a row without token rates: unpriced, with that reason.
    rows += conn.execute(
        "select c.model, c.provider, c.billing_unit from public.model_catalogue c "
        "where c.billing_unit <> 'token' and not exists (select from public.model_pricing p where p.model = c.model)"
    ).fetchall()
    return rows, version


def list_prices(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("select * from public.model_pricing order by provider nulls last, model").fetchall()


def parse_price(field: str, value: Any) -> Decimal | None:
    """A price from a string or number, exact; errors name the field."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(f"{field} must be a decimal number (USD per 1K tokens)")
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field} must be a decimal number (USD per 1K tokens), got {value!r}") from None
    if not price.is_finite() or price < 0:
        raise ValueError(f"{field} must be a finite number ≥ 0, got {value!r}")
    return price


def _tiers(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Long-context tiers checked: a threshold above 0 and exact rates; errors name the field."""
    out = []
    for tier in tiers:
        above = tier.get("above") if isinstance(tier, dict) else None
        if isinstance(above, bool) or not isinstance(above, int) or above <= 0:
            raise ValueError("long_context_tiers: every tier needs \"above\", a token count > 0")
        rates = {k: format(parse_price(f"long_context_tiers.{k}", v), "f") for k, v in tier.items()
                 if k in PRICE_FIELDS and v is not None}
        unknown = set(tier) - {"above", "inclusive", *PRICE_FIELDS}
        if unknown:
            raise ValueError(f"long_context_tiers: unknown field(s) {', '.join(sorted(unknown))}")
        out.append({"above": above, **rates, **({"inclusive": True} if tier.get("inclusive") else {})})
    return sorted(out, key=lambda t: t["above"])


def set_price(conn: psycopg.Connection, model: str, fields: dict[str, Any], actor: str,
              project_id: str | None = None) -> dict[str, Any]:
    """Insert or update one row (global, or a project's own); history is written by trigger.

    A price set here is set by hand (source 'manual', which imports and syncs never overwrite)
    unless the caller names another source."""
    with conn.transaction():
        return _set_price(conn, model, {"source": "manual", **fields}, actor, project_id)


def _set_price(conn: psycopg.Connection, model: str, fields: dict[str, Any], actor: str,
               project_id: str | None) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"unknown pricing field(s): {', '.join(sorted(unknown))}")
    values = {k: parse_price(k, v) if k in PRICE_FIELDS else v for k, v in fields.items()}
    if "service_tiers" in values:
        values["service_tiers"] = json.dumps(values["service_tiers"] or {})
    if "long_context_tiers" in values:
        values["long_context_tiers"] = json.dumps(_tiers(values["long_context_tiers"] or []))
    table = "public.project_model_pricing" if project_id else "public.model_pricing"
    scope_sql, scope_args = ("model = %s and project_id = %s", [model, project_id]) if project_id else ("model = %s", [model])
    conn.execute("select set_config('tokenoptimizer.actor', %s, true)", (actor,))
    # Not insert … on conflict: its BEFORE INSERT trigger would log a phantom insert in the history.
    existing = conn.execute(f"select 1 from {table} where {scope_sql} for update", scope_args).fetchone()
    if existing is not None:
        if not values:
            return conn.execute(f"select * from {table} where {scope_sql}", scope_args).fetchone()
        sets = ", ".join(f"{k} = %s" for k in values)
        return conn.execute(f"update {table} set {sets} where {scope_sql} returning *",
                            [*values.values(), *scope_args]).fetchone()
    if "input_price" not in values or "output_price" not in values:
        raise ValueError(f"{model} has no price yet: input_price and output_price are both required")
    keys = ["model", *(["project_id"] if project_id else []), *values]
    return conn.execute(f"insert into {table} ({', '.join(keys)}) values ({', '.join(['%s'] * len(keys))}) returning *",
                        [model, *([project_id] if project_id else []), *values.values()]).fetchone()


def delete_price(conn: psycopg.Connection, model: str, actor: str) -> bool:
    with conn.transaction():
        conn.execute("select set_config('tokenoptimizer.actor', %s, true)", (actor,))
        return conn.execute("delete from public.model_pricing where model = %s", (model,)).rowcount > 0


def history(conn: psycopg.Connection, model: str) -> list[dict[str, Any]]:
    return conn.execute(
        "select version, operation, changed_at, changed_by, source, old_row, new_row from public.model_pricing_history "
        "where model = %s order by id desc", (model,)).fetchall()
