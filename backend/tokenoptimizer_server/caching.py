"""Prompt-caching advice: where a large stable prefix repeats on an endpoint and nothing is cached.

The SDK sends, per call, `prefix_hash` (a salted fingerprint of the system prompt + tool
definitions, never the text) and `prefix_chars` (its size). A prefix that repeats on many recent
calls of one endpoint x model, above the provider's minimum cacheable size, with no cached or
cache-write tokens on any of those calls, is money left on the table: this module prices what the
provider's cache would save, with the resolver and cost rule ingest uses (pricing.PriceBook,
pricing.price_request), and says what to change.

Rules (docs/api.md, "Prompt-caching advice"):
- tokens of a prefix = ceil(prefix_chars / 4), at most the smallest prompt of its calls;
- a call more than TTL after the previous call with the same prefix finds the cache cold: it is a
  cache write (Anthropic: at the cache-write rate; OpenAI: at the input rate, no premium), every
  other call reads the prefix at the cached-input rate;
- per month: the window's saving at its daily rate since the prefix's first call, for 30 days.
Reads stay bounded: at most WALK of the range's most recent rows within its last WINDOW.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg

from .pricing import Price, PriceBook, Unpriced, Usage, price_request
from .pricing.store import load_rows

WINDOW = timedelta(days=7)  # "recent": the range's last 7 days
WALK = 50_000  # at most this many of the window's most recent rows (about 65 ms at 100,000 on 2 vCPUs)
MIN_CALLS = 10  # a prefix seen on fewer calls in the window does not repeat
CHARS_PER_TOKEN = 4  # OpenAI's rule of thumb for English text and JSON; tokens are not counted SDK-side
TTL = timedelta(minutes=5)  # both providers keep a prefix at least 5 minutes after its last use
MONTH_DAYS = 30
PROJECTED = Decimal("1e-12")  # a per-month figure is a quotient: 12 decimals
_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US

# How each provider caches: the minimum prefix, and what to change in the request.
HOW = {
    "openai": ("automatic",
               "Put the stable part first (system prompt, then tool definitions) and keep it byte-identical "
               "between calls: move timestamps, user names and other per-call values after it. OpenAI caches "
               "a repeated prefix of 1,024 tokens or more by itself."),
    "anthropic": ("cache_control",
                  "Add a cache_control breakpoint ({\"type\": \"ephemeral\"}) on the last tool definition and "
                  "the last system block, and keep everything before it byte-identical between calls."),
}

_WINDOW_SQL = """
  select ts, endpoint_name, model, provider, prefix_hash, prefix_chars, prompt_tokens, cached_tokens,
         cache_write_tokens, priced, status
  from public.usage_logs
  where project_id = %(project)s and ts >= %(start)s and ts < %(end)s
  order by ts desc limit %(walk)s"""
# The repeated prefixes among the window's rows (the walk is referenced once, so it is not materialised).
_GROUPS_SQL = f"""
with p as (
  select w.*, w.ts - lag(w.ts) over (partition by w.endpoint_name, w.model, w.prefix_hash order by w.ts) as gap
  from ({_WINDOW_SQL}) w
  where w.prefix_hash is not null and w.provider = any(%(providers)s) and w.status = 'ok'
    and (%(endpoint)s::text is null or w.endpoint_name = %(endpoint)s)
    and (%(model)s::text is null or w.model = %(model)s)
    and (%(provider)s::text is null or w.provider = %(provider)s)
)
select endpoint_name, model, provider, prefix_hash, count(*) as calls, max(prefix_chars) as prefix_chars,
       min(prompt_tokens) as min_prompt, round(avg(prompt_tokens))::int as avg_prompt,
       sum(cached_tokens) as cached, sum(cache_write_tokens) as written,
       count(*) filter (where gap is null or gap > %(ttl)s) as cold, count(*) filter (where not priced) as unpriced,
       min(ts) as first_seen, max(ts) as last_seen
from p
group by 1, 2, 3, 4
having count(*) >= %(min_calls)s"""
# How much of the window the walk covered: an index-only scan of the same rows.
_WALKED_SQL = """
select count(*) as n, min(ts) as oldest from (
  select ts from public.usage_logs where project_id = %(project)s and ts >= %(start)s and ts < %(end)s
  order by ts desc limit %(walk)s) w"""


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def minimum_tokens(provider: str, model: str) -> int:
    """The smallest prefix the provider caches: 1,024 tokens, 2,048 for Anthropic's Haiku models."""
    return 2048 if provider == "anthropic" and "haiku" in model.lower() else 1024


def prefix_tokens(prefix_chars: int, smallest_prompt: int) -> int:
    """Estimated tokens of a prefix: ceil(chars / 4), never more than the smallest prompt that carried it."""
    return min(math.ceil(prefix_chars / CHARS_PER_TOKEN), smallest_prompt)


def _per_call(price: Price, provider: str, prompt: int, prefix: int) -> tuple[Decimal, Decimal]:
    """(saving of a warm call, premium of a cold call) for one call of `prompt` tokens, in USD."""
    plain = price_request(price, Usage(prompt, 0)).total_cost
    warm = price_request(price, Usage(prompt, 0, cached_tokens=prefix)).total_cost
    # OpenAI bills a cold call as it bills it today; Anthropic bills the written prefix at its write rate.
    cold = price_request(price, Usage(prompt, 0, cache_write_tokens=prefix)).total_cost if provider == "anthropic" else plain
    return plain - warm, cold - plain


def _advice(group: dict, price: Price, end: datetime, now: datetime) -> dict | None:
    """One prefix's advice, or None when caching it would not pay (or nothing is known to price it)."""
    provider, calls, cold = group["provider"], group["calls"], group["cold"]
    tokens = prefix_tokens(group["prefix_chars"] or 0, group["min_prompt"])
    minimum = minimum_tokens(provider, group["model"])
    if tokens < minimum or group["cached"] or group["written"] or group["unpriced"]:
        return None  # too small to cache, already cached, or no stored price to compare with
    try:
        warm_saving, cold_premium = _per_call(price, provider, group["avg_prompt"], tokens)
    except Unpriced:
        return None
    saving = (calls - cold) * warm_saving - cold * cold_premium
    if saving <= 0:
        return None
    span_us = max((min(end, now) - group["first_seen"]) // timedelta(microseconds=1), _HOUR_US)
    monthly = (saving * MONTH_DAYS * _DAY_US / span_us).quantize(PROJECTED)
    action, how = HOW[provider]
    return {
        "endpoint_name": group["endpoint_name"], "model": group["model"], "provider": provider,
        "prefix_hash": group["prefix_hash"], "calls": calls, "prefix_chars": group["prefix_chars"],
        "prefix_tokens": tokens, "minimum_tokens": minimum, "cache_reads": calls - cold, "cache_writes": cold,
        "priced_as": price.model,
        "rates": {"input_price": _money(price.input_price or Decimal(0)),
                  "cached_input_price": _money(price.cached_input_price or price.input_price or Decimal(0)),
                  "cache_write_price": (_money(price.cache_write_price or price.input_price or Decimal(0))
                                        if provider == "anthropic" else None)},
        "saving": _money(saving), "monthly_saving": _money(monthly),
        "days": _money(round(Decimal(span_us) / _DAY_US, 4)),
        "first_seen": group["first_seen"].isoformat(), "last_seen": group["last_seen"].isoformat(),
        "action": action, "how": how,
    }


def caching_advice(conn: psycopg.Connection, project: uuid.UUID, start: datetime, end: datetime,
                   endpoint: str | None = None, model: str | None = None, provider: str | None = None,
                   now: datetime | None = None) -> dict:
    """Prefixes worth caching in the range's recent window, largest monthly saving first."""
    now = now or datetime.now(timezone.utc)
    window_start = max(start, min(end, now) - WINDOW)
    args = {"project": project, "start": window_start, "end": end, "walk": WALK, "endpoint": endpoint,
            "model": model, "provider": provider, "providers": list(HOW), "ttl": TTL, "min_calls": MIN_CALLS}
    walked = conn.execute(_WALKED_SQL, args).fetchone()
    groups = conn.execute(_GROUPS_SQL, args).fetchall()
    book = PriceBook(*load_rows(conn)) if groups else None
    advice = []
    for group in groups:
        price = book.resolve(group["model"], str(project))
        found = _advice(group, price, end, now) if price is not None else None
        if found:
            advice.append(found)
    advice.sort(key=lambda a: (-Decimal(a["monthly_saving"]), a["endpoint_name"], a["model"]))
    capped = walked["n"] >= WALK
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "window": {"from": (walked["oldest"] if capped else window_start).isoformat(), "to": end.isoformat(),
                   "requests": walked["n"], "capped": capped},
        "rules": {"chars_per_token": CHARS_PER_TOKEN, "min_calls": MIN_CALLS, "ttl_minutes": TTL // timedelta(minutes=1),
                  "month_days": MONTH_DAYS},
        "advice": advice,
        "monthly_saving": _money(sum((Decimal(a["monthly_saving"]) for a in advice), Decimal(0))),
    }
