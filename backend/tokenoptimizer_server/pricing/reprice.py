"""Re-pricing past requests: explicit, dry-run first, audited. A price change never rewrites history silently."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import psycopg

from .cost import Usage, quote
from .resolve import PriceBook
from .store import load_rows

_BATCH = 5000


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass
class RepriceResult:
    rows_seen: int = 0
    rows_changed: int = 0
    cost_before: Decimal = Decimal(0)
    cost_after: Decimal = Decimal(0)
    unpriced_before: int = 0
    unpriced_after: int = 0
    by_model: dict[str, list] = field(default_factory=lambda: defaultdict(lambda: [0, Decimal(0), Decimal(0)]))


def reprice(conn: psycopg.Connection, since: datetime, *, model: str | None = None, all_rows: bool = False,
            dry_run: bool = True, actor: str = "cli") -> RepriceResult:
    """Recompute costs with today's prices (unpriced rows only unless all_rows); write and audit unless dry_run."""
    rows, version = load_rows(conn)
    book = PriceBook(rows, version)
    result = RepriceResult()
    where = "ts >= %(since)s" + (" and model = %(model)s" if model else "") + ("" if all_rows else " and not priced")
    params = {"since": since, "model": model}
    with conn.cursor(name="reprice_scan") as cur:
        cur.itersize = _BATCH
        cur.execute(f"select id, project_id, model, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, "
                    f"cache_write_1h_tokens, reasoning_tokens, service_tier, total_cost, priced, unpriced_reason "
                    f"from public.usage_logs where {where}",
                    params)
        updates = []
        for r in cur:
            result.rows_seen += 1
            result.cost_before += r["total_cost"] or 0
            result.unpriced_before += not r["priced"]
            matched = book.resolve(r["model"], str(r["project_id"]))
            q = quote(matched, Usage(r["prompt_tokens"], r["completion_tokens"], r["cached_tokens"],
                                     r["cache_write_tokens"], r["cache_write_1h_tokens"], r["service_tier"],
                                     r["reasoning_tokens"]))
            new, price = q.cost, matched if q.cost is not None else None
            new_total = new.total_cost if new else None
            result.cost_after += new_total or 0
            result.unpriced_after += new is None
            if new_total != r["total_cost"] or (new is not None) != r["priced"] or (
                    new is None and q.reason != r["unpriced_reason"]):
                result.rows_changed += 1
                stats = result.by_model[r["model"]]
                stats[0] += 1
                stats[1] += r["total_cost"] or 0
                stats[2] += new_total or 0
                updates.append({"project_id": str(r["project_id"]), "id": str(r["id"]), "input_cost": _money(new.input_cost) if new else None,
                                "output_cost": _money(new.output_cost) if new else None,
                                "total_cost": _money(new_total), "priced": new is not None,
                                "pricing_model": price.model if price else None,
                                "pricing_version": price.version if price else None, "unpriced_reason": q.reason})
    if not dry_run and updates:
        # public.reprice_usage updates the rows and both rollup tables in one statement per chunk.
        for start in range(0, len(updates), _BATCH):
            conn.execute("select public.reprice_usage(%s::jsonb)", (json.dumps(updates[start:start + _BATCH]),))
    if not dry_run:
        conn.execute(
            "insert into public.reprice_audit (ran_by, since, model, scope, rows_changed, cost_before, cost_after, "
            "unpriced_before, unpriced_after) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (actor, since, model, "all" if all_rows else "unpriced", result.rows_changed, result.cost_before,
             result.cost_after, result.unpriced_before, result.unpriced_after))
    return result
