"""The cost of one request, by the formula in DESIGN.md, in Decimal only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .resolve import Price

_THOUSAND = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Usage:
    """Normalised token counts (shared/reference/providers.md): cached and cache-write are subsets of prompt."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    service_tier: str | None = None


@dataclass(frozen=True, slots=True)
class Cost:
    input_cost: Decimal
    output_cost: Decimal
    total_cost: Decimal


def _rates(price: Price, usage: Usage) -> dict[str, Decimal | None]:
    """The per-1K rates that apply to this request: long-context tier, then service tier."""
    rates: dict[str, Decimal | None] = {
        "input_price": price.input_price,
        "output_price": price.output_price,
        "cached_input_price": price.cached_input_price,
        "cache_write_price": price.cache_write_price,
        "cache_write_1h_price": price.cache_write_1h_price,
    }
    # Above the threshold ALL tokens of the request use the long-context rates (LiteLLM's rule).
    if price.long_context_threshold is not None and usage.prompt_tokens > price.long_context_threshold:
        if price.long_context_input_price is not None:
            rates["input_price"] = price.long_context_input_price
        if price.long_context_output_price is not None:
            rates["output_price"] = price.long_context_output_price
        if price.long_context_cached_input_price is not None:
            rates["cached_input_price"] = price.long_context_cached_input_price
    tier = price.service_tiers.get(usage.service_tier or "")
    if tier:
        rates.update({k: v for k, v in tier.items() if k in rates})
    return rates


def price_request(price: Price, usage: Usage) -> Cost:
    """Exact input, output and total cost of one request in USD."""
    r = _rates(price, usage)
    base_in = r["input_price"]
    write_5m = usage.cache_write_tokens - usage.cache_write_1h_tokens
    uncached = usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens
    input_cost = (
        uncached * base_in
        + usage.cached_tokens * (r["cached_input_price"] if r["cached_input_price"] is not None else base_in)
        + write_5m * (r["cache_write_price"] if r["cache_write_price"] is not None else base_in)
        + usage.cache_write_1h_tokens * next(
            p for p in (r["cache_write_1h_price"], r["cache_write_price"], base_in) if p is not None)
    ) / _THOUSAND
    output_cost = usage.completion_tokens * r["output_price"] / _THOUSAND
    return Cost(input_cost, output_cost, input_cost + output_cost)
