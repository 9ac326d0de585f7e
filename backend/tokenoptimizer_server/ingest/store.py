"""Price validated events and store a batch in one statement; rollups follow by trigger."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import psycopg

from ..pricing import PriceBook, Usage, infer_provider, price_request
from .event import UsageEvent

_COLUMNS = (
    ("id", "uuid"), ("project_id", "uuid"), ("ts", "timestamptz"), ("model", "text"), ("provider", "text"),
    ("endpoint_name", "text"), ("prompt_tokens", "int4"), ("completion_tokens", "int4"), ("total_tokens", "int4"),
    ("cached_tokens", "int4"), ("cache_write_tokens", "int4"), ("cache_write_1h_tokens", "int4"),
    ("reasoning_tokens", "int4"), ("latency_ms", "float8"), ("status", "text"), ("error_type", "text"),
    ("session_id", "text"), ("user_id", "text"), ("stream", "bool"), ("service_tier", "text"),
    ("metadata", "jsonb"), ("sdk_name", "text"), ("sdk_version", "text"), ("input_cost", "numeric"),
    ("output_cost", "numeric"), ("total_cost", "numeric"), ("priced", "bool"), ("pricing_model", "text"),
    ("pricing_version", "int8"),
)
_INSERT = (
    f"insert into public.usage_logs ({', '.join(c for c, _ in _COLUMNS)}) "
    f"select * from unnest({', '.join(f'%s::{t}[]' for _, t in _COLUMNS)}) "
    "on conflict (id) do nothing returning id"
)


@dataclass(frozen=True, slots=True)
class PricedEvent:
    """What the 202 answer says about one stored event."""

    id: uuid.UUID
    total_cost: Decimal | None
    priced: bool
    pricing_model: str | None

    def to_json(self) -> dict:
        cost = None if self.total_cost is None else format(self.total_cost.normalize(), "f")
        return {"id": str(self.id), "total_cost": cost, "priced": self.priced, "pricing_model": self.pricing_model}


def _row(event: UsageEvent, project_id: str, book: PriceBook, now: datetime) -> tuple[tuple, PricedEvent]:
    event_id = event.id or uuid.uuid4()
    price = book.resolve(event.model, project_id)
    if price is not None:
        cost = price_request(price, Usage(event.prompt_tokens, event.completion_tokens, event.cached_tokens,
                                          event.cache_write_tokens, event.cache_write_1h_tokens, event.service_tier))
        costs = (cost.input_cost, cost.output_cost, cost.total_cost)
    else:
        costs = (None, None, None)
    provider = event.provider or infer_provider(event.model) or (price.provider if price else None) or "unknown"
    sdk = event.sdk
    row = (
        event_id, project_id, event.timestamp or now, event.model, provider, event.endpoint_name,
        event.prompt_tokens, event.completion_tokens, event.prompt_tokens + event.completion_tokens,
        event.cached_tokens, event.cache_write_tokens, event.cache_write_1h_tokens, event.reasoning_tokens,
        event.latency_ms, event.status, event.error_type, event.session_id, event.user_id, event.stream,
        event.service_tier, json.dumps(event.metadata) if event.metadata is not None else None,
        sdk.name if sdk else None, sdk.version if sdk else None, *costs, price is not None,
        price.model if price else None, price.version if price else None,
    )
    return row, PricedEvent(event_id, costs[2], price is not None, price.model if price else None)


def store_events(conn: psycopg.Connection, project_id: str, events: list[UsageEvent],
                 book: PriceBook) -> tuple[list[PricedEvent], set[uuid.UUID]]:
    """Insert priced events idempotently; return every event's pricing and the ids newly stored."""
    now = datetime.now(timezone.utc)
    rows, priced = [], []
    for event in events:
        row, result = _row(event, project_id, book, now)
        rows.append(row)
        priced.append(result)
    columns = [list(col) for col in zip(*rows)] if rows else [[] for _ in _COLUMNS]
    inserted = {r["id"] if isinstance(r, dict) else r[0] for r in conn.execute(_INSERT, columns).fetchall()}
    return priced, inserted
