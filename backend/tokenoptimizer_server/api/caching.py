"""GET /api/optimization/caching: where a repeated prompt prefix would be cheaper through the provider's cache.

Its own route beside /api/optimization so the per-endpoint plan can join it (caching.py has the rules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint, jsonify
from pydantic import Field

from .. import analytics, caching, db
from .access import require_admin
from .answers import Amount, Answer
from .contract import ADMIN, answers, spec
from .params import ReadQuery

bp = Blueprint("caching", __name__)
bp.before_request(require_admin)


class CachingRates(Answer):
    input_price: Amount = Field(description="USD per 1K input tokens, the rate the prefix is billed at today.")
    cached_input_price: Amount = Field(description="USD per 1K cached input tokens (a warm call's prefix).")
    cache_write_price: str | None = Field(description="USD per 1K tokens written to Anthropic's 5-minute cache; null for OpenAI (no premium).")


class CachingAdvice(Answer):
    """One endpoint x model x prefix that repeats, is large enough to cache and is never cached today."""

    endpoint_name: str
    model: str
    provider: Literal["openai", "anthropic"]
    prefix_hash: str = Field(description="The SDK's salted fingerprint of the prefix (never its text).")
    calls: int = Field(description="Calls in the window that carried this prefix.")
    prefix_chars: int
    prefix_tokens: int = Field(description="ceil(prefix_chars / 4), at most the smallest prompt that carried it.")
    minimum_tokens: int = Field(description="The provider's smallest cacheable prefix for this model.")
    cache_reads: int = Field(description="Calls within 5 minutes of the previous one: the prefix would be read from cache.")
    cache_writes: int = Field(description="Calls that would find the cache cold (the first, and after a 5-minute gap).")
    priced_as: str
    rates: CachingRates
    saving: Amount = Field(description="What caching would have saved on the window's calls.")
    monthly_saving: Amount = Field(description="30 days at the daily rate since the prefix's first call in the window.")
    days: str = Field(description="Days the monthly figure extrapolates from (at least an hour).")
    first_seen: datetime
    last_seen: datetime
    action: Literal["automatic", "cache_control"]
    how: str = Field(description="What to change in the request.")


class CachingWindow(Answer):
    from_: datetime = Field(alias="from")
    to: datetime
    requests: int = Field(description="Rows of the project read (at most 50,000, the most recent).")
    capped: bool = Field(description="The window held more rows than were read: it starts at the oldest one read.")


class CachingRules(Answer):
    chars_per_token: int
    min_calls: int
    ttl_minutes: int
    month_days: int


class CachingAnswer(Answer):
    from_: datetime = Field(alias="from")
    to: datetime
    window: CachingWindow = Field(description="The recent part of the range the advice reads: its last 7 days.")
    rules: CachingRules
    advice: list[CachingAdvice] = Field(description="Largest monthly saving first.")
    monthly_saving: Amount = Field(description="The advice's monthly savings summed (each prefix once).")


@bp.get("/api/optimization/caching")
@spec.validate(query=ReadQuery, resp=answers(CachingAnswer, 400, 401, 404), security=ADMIN)
def caching_advice(query: ReadQuery):
    """Repeated prompt prefixes that the provider's cache would make cheaper, and what to change."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        body = caching.caching_advice(conn, read.project, read.start, read.end, read.endpoint_name, read.model,
                                      read.provider)
    return jsonify(body)
