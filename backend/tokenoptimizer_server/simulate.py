"""What-if: an endpoint's real traffic re-priced on another model (or a typed price), per month.

The current side is what ingest stored for each request; the target side prices the same
requests with the resolver and cost rules ingest uses (pricing.PriceBook, pricing.price_request),
so long-context tiers, cached reads and cache writes count as they would have. Reads stay
bounded: the range's totals come from the rollups (usage_slices) and the per-request profile
from at most SAMPLE of the endpoint's most recent requests among the range's last WALK rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg

from . import shadow
from .pricing import Price, PriceBook, Unpriced, Usage, price_request
from .pricing.store import load_rows

SAMPLE = 10_000
WALK = 200_000
MONTH_DAYS = 30  # "per month" means 30 days of the observed daily rate
# A scaled or extrapolated amount is a quotient: kept to 12 decimals (a millionth of a cent).
PROJECTED = Decimal("1e-12")
_DAY_US = 86_400_000_000
_SAMPLE_SQL = """
select x.ts, x.model, x.prompt_tokens, x.completion_tokens, x.cached_tokens, x.cache_write_tokens,
       x.cache_write_1h_tokens, x.reasoning_tokens, x.service_tier, x.total_cost, x.priced
from (select * from public.usage_logs where project_id = %(project)s and ts >= %(start)s and ts < %(end)s
      order by ts desc, id desc limit %(walk)s) x
where x.endpoint_name = %(endpoint)s and (%(model)s::text is null or x.model = %(model)s)
order by x.ts desc limit %(sample)s"""
_TOTALS_SQL = """
select coalesce(sum(requests), 0)::bigint as requests, coalesce(sum(unpriced_requests), 0)::bigint as unpriced,
       coalesce(sum(cost), 0) as cost
from public.usage_slices(%(project)s, %(start)s, %(end)s, %(model)s, %(endpoint)s, null, true)"""


@dataclass(frozen=True)
class Target:
    """What to simulate: a model name (resolved as ingest would) or a typed price (USD per 1K tokens)."""

    model: str | None = None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cached_input_price: Decimal | None = None

    def price(self, book: PriceBook, project: uuid.UUID) -> Price | None:
        if self.model is not None:
            return book.resolve(self.model, str(project))
        return Price("typed price", self.input_price, self.output_price, cached_input_price=self.cached_input_price)


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _usage(row: dict) -> Usage:
    return Usage(row["prompt_tokens"], row["completion_tokens"], row["cached_tokens"], row["cache_write_tokens"],
                 row["cache_write_1h_tokens"], row["service_tier"], row["reasoning_tokens"])


def simulate(conn: psycopg.Connection, project: uuid.UUID, endpoint: str, model_filter: str | None,
             start: datetime, end: datetime, target: Target, now: datetime | None = None) -> dict:
    """The endpoint's cost in the range and per month on its current models and on the target."""
    now = now or datetime.now(timezone.utc)
    args = {"project": project, "start": start, "end": end, "endpoint": endpoint, "model": model_filter,
            "walk": WALK, "sample": SAMPLE}
    totals = conn.execute(_TOTALS_SQL, args).fetchone()
    rows = conn.execute(_SAMPLE_SQL, args).fetchall()
    price = target.price(PriceBook(*load_rows(conn)), project)
    current = proposed = Decimal(0)
    compared = target_unpriced = 0
    prompt = cached = written = long_context = largest = 0
    thresholds = sorted(price.context_tiers) if price is not None else []
    for row in rows:
        prompt += row["prompt_tokens"]
        cached += row["cached_tokens"]
        written += row["cache_write_tokens"]
        largest = max(largest, row["prompt_tokens"])
        long_context += bool(thresholds) and row["prompt_tokens"] > thresholds[0]
        if not row["priced"]:
            continue  # no stored cost to compare with
        try:
            cost = price_request(price, _usage(row)).total_cost if price is not None else None
        except Unpriced:
            cost = None
        if cost is None:
            target_unpriced += 1
            continue
        current += row["total_cost"]
        proposed += cost
        compared += 1
    # A sample of the range's requests stands for all of them; a new endpoint's rate starts at its
    # first request. Integers until one division per figure: the span in microseconds, at least an hour.
    first = rows[-1]["ts"] if rows and len(rows) == totals["requests"] else start
    span_us = max((min(end, now) - max(first, start)) // timedelta(microseconds=1), _DAY_US // 24)
    n = len(rows) or 1

    def scaled(cost: Decimal, per_month: bool = False) -> str:
        """cost × the range's requests / the sample's; per month: × 30 days / the span."""
        numerator, denominator = cost * totals["requests"], Decimal(n)
        if per_month:
            numerator, denominator = numerator * MONTH_DAYS * _DAY_US, denominator * span_us
        return _money((numerator / denominator).quantize(PROJECTED))

    def side(cost: Decimal) -> dict:
        return {"sample_cost": _money(cost), "range_cost": scaled(cost), "monthly_cost": scaled(cost, True)}

    return {
        "endpoint_name": endpoint, "from": start.isoformat(), "to": end.isoformat(),
        "days": _money(round(Decimal(span_us) / _DAY_US, 4)),
        "range": {"requests": totals["requests"], "unpriced_requests": totals["unpriced"], "cost": _money(totals["cost"])},
        "sample": {"requests": len(rows), "compared": compared, "current_unpriced": sum(not r["priced"] for r in rows),
                   "target_unpriced": target_unpriced},
        "profile": {"avg_prompt_tokens": round(prompt / len(rows)) if rows else 0,
                    "cached_share": _money(round(Decimal(cached) / prompt, 4)) if prompt else "0",
                    "cache_write_share": _money(round(Decimal(written) / prompt, 4)) if prompt else "0",
                    "largest_prompt_tokens": largest, "long_context_requests": long_context,
                    "models": sorted({r["model"] for r in rows})},
        "current": side(current),
        "target": {"model": target.model, "priced_as": price.model if price is not None else None,
                   **({"input_price": _money(price.input_price or 0), "output_price": _money(price.output_price or 0)}
                      if price is not None else {}), **side(proposed)},
        "monthly_saving": scaled(current - proposed, True),
        "change": _money(round((proposed - current) / current, 4)) if current else None,
        # What shadow runs of this endpoint found on the target (SDK shadow mode; api/evidence.py).
        "evidence": shadow.for_target(shadow.evidence(conn, project, start, end, endpoint), target.model),
    }
