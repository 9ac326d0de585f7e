"""Retirement notices: models in traffic whose catalogue entry retires within 60 days, with the
successor the provider names and what each endpoint's traffic would cost on it (list prices)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from .cost import list_cost
from .resolve import PriceBook

NOTICE_DAYS = 60


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _catalogue(conn: psycopg.Connection, until: date) -> dict[str, dict[str, Any]]:
    rows = conn.execute("select model, deprecation_date, successor_model from public.model_catalogue "
                        "where deprecation_date is not null and deprecation_date <= %s", (until,)).fetchall()
    return {r["model"]: r for r in rows}


def notices(conn: psycopg.Connection, read_args: tuple, book: PriceBook, today: date | None = None) -> list[dict]:
    """One notice per model in the range's traffic retiring by today + 60 days (or already retired)."""
    today = today or date.today()
    retiring = _catalogue(conn, today + timedelta(days=NOTICE_DAYS))
    if not retiring:
        return []
    project = str(read_args[0])
    usage = conn.execute("select * from public.models_in_use(%s, %s, %s, %s, %s, %s)", read_args).fetchall()
    found: dict[str, dict[str, Any]] = {}
    for u in usage:
        price = book.resolve(u["model"], project)
        entry = retiring.get(price.model if price else u["model"])
        if entry is None:
            continue
        successor = book.resolve(entry["successor_model"], project) if entry["successor_model"] else None
        notice = found.setdefault(u["model"], {
            "model": u["model"], "pricing_model": price.model if price else None,
            "deprecation_date": entry["deprecation_date"].isoformat(),
            "days_left": (entry["deprecation_date"] - today).days, "successor_model": entry["successor_model"],
            "successor_priced": successor is not None, "endpoints": []})
        on_successor = list_cost(successor, u["prompt_tokens"], u["completion_tokens"], u["cached_tokens"]) \
            if successor else None
        notice["endpoints"].append({
            "endpoint_name": u["endpoint_name"], "requests": u["requests"],
            "cost": _money(u["cost"]) if not u["unpriced_requests"] else None,
            "successor_cost": _money(on_successor)})
    return sorted(found.values(), key=lambda n: (n["deprecation_date"], n["model"]))
