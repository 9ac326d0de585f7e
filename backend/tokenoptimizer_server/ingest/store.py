"""Price validated events and store a batch in one statement (rows and rollups together)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import orjson
import psycopg
from psycopg.rows import tuple_row

from ..pricing import PriceBook, Usage, infer_provider, quote
from .event import UsageEvent
from .shadow import shadow_row, split

# One statement per batch: public.ingest_usage checks the keys and the price version, then
# store_usage inserts the rows and updates the rollups (supabase/migrations/*_ingest_*.sql).
_STORE = ("select project_id::text, id::text "
          "from public.ingest_usage(%s::json, %s::smallint, %s::bigint[], %s::uuid[])")
_STORE_SHADOW = "select project_id::text, id::text from public.store_shadow_runs(%s::json)"


class StalePrices(Exception):
    """The rows were priced with an older price version than the database's (`current`)."""

    def __init__(self, current: int):
        super().__init__(f"prices changed (now version {current})")
        self.current = current


class KeyRevoked(Exception):
    """A key the rows came in under was revoked after this process cached it."""


@dataclass(frozen=True, slots=True)
class PricedEvent:
    """What the 202 answer says about one stored event."""

    id: str  # canonical text, as stored and as answered
    total_cost: Decimal | None
    priced: bool
    pricing_model: str | None

    def to_json(self) -> dict:
        cost = None if self.total_cost is None else format(self.total_cost.normalize(), "f")
        return {"id": self.id, "total_cost": cost, "priced": self.priced, "pricing_model": self.pricing_model}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _row(event: UsageEvent, project_id: str, book: PriceBook, now: str) -> tuple[dict, PricedEvent]:
    """The usage_logs row for one event (JSON-ready: money as exact strings) and its 202 summary."""
    event_id = str(event.id or uuid.uuid4())
    matched = book.resolve(event.model, project_id)
    # No row, a tier or token kind without a rate, a non-token model: unpriced, with the reason.
    q = quote(matched, Usage(event.prompt_tokens, event.completion_tokens, event.cached_tokens, event.cache_write_tokens,
                             event.cache_write_1h_tokens, event.service_tier, event.reasoning_tokens))
    price = matched if q.cost is not None else None
    costs = (q.cost.input_cost, q.cost.output_cost, q.cost.total_cost) if q.cost else (None, None, None)
    provider = event.provider or infer_provider(event.model) or (matched.provider if matched else None) or "unknown"
    if event.shadow is not None:  # a verdict: its own table, never usage
        row = shadow_row(event, event_id, project_id, provider, book, now)
        return row, PricedEvent(event_id, costs[2], price is not None, price.model if price else None)
    sdk = event.sdk
    row = {
        "id": event_id, "project_id": project_id,
        "ts": event.timestamp.isoformat() if event.timestamp else now, "model": event.model,
        "provider": provider, "endpoint_name": event.endpoint_name, "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens, "total_tokens": event.prompt_tokens + event.completion_tokens,
        "cached_tokens": event.cached_tokens, "cache_write_tokens": event.cache_write_tokens,
        "cache_write_1h_tokens": event.cache_write_1h_tokens, "reasoning_tokens": event.reasoning_tokens,
        "latency_ms": event.latency_ms, "status": event.status, "error_type": event.error_type,
        "session_id": event.session_id, "user_id": event.user_id, "stream": event.stream,
        "service_tier": event.service_tier, "metadata": event.metadata,
        "sdk_name": sdk.name if sdk else None, "sdk_version": sdk.version if sdk else None,
        "input_cost": _money(costs[0]), "output_cost": _money(costs[1]), "total_cost": _money(costs[2]),
        "priced": price is not None, "pricing_model": price.model if price else None,
        "pricing_version": price.version if price else None, "unpriced_reason": q.reason,
        "tools": event.tools, "json_output": event.json_output, "images": event.images,
        "prefix_hash": event.prefix_hash, "prefix_chars": event.prefix_chars,
    }
    return row, PricedEvent(event_id, costs[2], price is not None, price.model if price else None)


def price_events(project_id: str, events: list[UsageEvent], book: PriceBook) -> tuple[list[dict], list[PricedEvent]]:
    """usage_logs rows (JSON-ready) and the 202 summaries for a request's valid events."""
    now = datetime.now(timezone.utc).isoformat()
    rows, priced = [], []
    for event in events:
        row, result = _row(event, project_id, book, now)
        rows.append(row)
        priced.append(result)
    return rows, priced


def write_rows(conn: psycopg.Connection, rows: list[dict], shard: int, price_versions: set[int],
               key_ids: set) -> set[tuple[str, str]]:
    """Insert rows idempotently (one statement, so atomically); return the (project_id, id) pairs newly stored.

    An id is unique within its project, so the pair says whose row it was when two projects in one
    group commit happen to send the same id.

    `shard` picks the rollup rows this writer adds to; concurrent writers pass different ones.
    Raises StalePrices or KeyRevoked (and stores nothing) when the rows were priced under an old
    price version or came in under a key that is no longer live.
    """
    if not rows:
        return set()
    rows, verdicts = split(rows)
    try:
        with conn.cursor(row_factory=tuple_row) as cur:  # plain strings: no UUID objects, no dicts
            stored = set(cur.execute(_STORE, (orjson.dumps(rows).decode(), shard, list(price_versions),
                                              list(key_ids))).fetchall())
            if verdicts:  # same transaction; ingest_usage above has checked the keys and prices
                stored |= set(cur.execute(_STORE_SHADOW, (orjson.dumps(verdicts).decode(),)).fetchall())
            return stored
    except psycopg.DatabaseError as err:
        if err.sqlstate == "TOPRC":
            raise StalePrices(int(err.diag.message_detail)) from None
        if err.sqlstate == "TOKEY":
            raise KeyRevoked() from None
        raise
