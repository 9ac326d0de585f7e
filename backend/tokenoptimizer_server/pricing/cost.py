"""The cost of one request, by the formula in DESIGN.md, in Decimal only; or why it has none.

The rate rules follow LiteLLM's cost calculator, so a stored cost equals `litellm.completion_cost`
for the same usage: the highest long-context threshold the prompt exceeds sets ALL rates of the
request; a service tier replaces the rates it lists; a missing cache rate is the input rate, a
missing 1-hour write rate the 5-minute one, a missing reasoning rate the output rate. Where
LiteLLM would quietly fall back to standard rates (a service tier the row has no rates for) or
to $0 (a rate the row lacks, a model billed per image), the request is unpriced, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .resolve import RATE_KINDS, Price

_THOUSAND = Decimal(1000)
_ZERO = Decimal(0)
# Service tiers billed at the row's standard rates, as providers name them in responses.
STANDARD_TIERS = frozenset({"", "default", "standard", "auto", "on_demand"})
_TIER_NAMES = {"fast": "priority", "batches": "batch"}  # LiteLLM bills "fast" at the priority rates

# Why a request has no cost (usage_logs.unpriced_reason). Their meaning and fix live in the
# public.unpriced_reasons table (20261202000310_unpriced_reasons.sql), read by every client.
UNPRICED_REASONS = ("no_price_row", "service_tier_without_rate", "non_token_unit", "token_kind_without_rate")


@dataclass(frozen=True, slots=True)
class Usage:
    """Normalised token counts (shared/reference/providers.md): cached and cache-write are subsets of
    prompt, reasoning a subset of completion."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    service_tier: str | None = None
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Cost:
    input_cost: Decimal
    output_cost: Decimal
    total_cost: Decimal


class Unpriced(Exception):
    """The request cannot be priced: `reason` is a key of UNPRICED_REASONS, `detail` says which tier/unit/kind."""

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(f"{reason}{f' ({detail})' if detail else ''}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Quote:
    """A request's cost, or why it has none (exactly one of the two is set)."""

    cost: Cost | None
    reason: str | None = None
    detail: str | None = None


def tier_name(service_tier: str | None) -> str:
    """The service tier as the price rows key it ('' for the standard rates)."""
    name = (service_tier or "").strip().lower()
    name = _TIER_NAMES.get(name, name)
    return "" if name in STANDARD_TIERS else name


def _exceeds(prompt_tokens: int, tier) -> bool:
    return prompt_tokens > tier.above or (tier.inclusive and prompt_tokens == tier.above)


def rates_for(price: Price, usage: Usage) -> dict[str, Decimal | None]:
    """The per-1K rates that apply to this request: service tier, then long-context tiers."""
    if price.billing_unit != "token":
        raise Unpriced("non_token_unit", price.billing_unit)
    tier_key = tier_name(usage.service_tier) if usage.service_tier else ""
    tier = price.service_tiers.get(tier_key) if tier_key else {}
    if tier is None:
        raise Unpriced("service_tier_without_rate", tier_key)
    standard = price.context_tiers
    if not tier and not standard:
        return price.base_rates  # the common case: nothing to override (callers only read it)
    rates = dict(price.base_rates)
    rates.update({k: v for k, v in tier.items() if k in RATE_KINDS and v is not None})
    tiered = {t.above: t for t in tier.get("long_context_tiers", ())}
    # Lowest threshold first: the highest one the prompt exceeds has the last word.
    for above in sorted(standard.keys() | tiered.keys()):
        std, own = standard.get(above), tiered.get(above)
        if not _exceeds(usage.prompt_tokens, own or std):
            continue
        for kind in RATE_KINDS:
            value = next((t.rates[kind] for t in (own, std) if t is not None and t.rates.get(kind) is not None), None)
            if value is not None:
                rates[kind] = value
    return rates


def _rate(rates: dict[str, Decimal | None], kind: str, *fallbacks: str) -> Decimal:
    """The rate for a token kind, else its fallbacks in order; a kind with none makes the request unpriced."""
    value = rates[kind]
    if value is not None:
        return value
    for name in fallbacks:
        if rates[name] is not None:
            return rates[name]
    raise Unpriced("token_kind_without_rate", kind.removesuffix("_price"))


def price_request(price: Price, usage: Usage) -> Cost:
    """Exact input, output and total cost of one request in USD; raises Unpriced when it has none."""
    return cost_at(rates_for(price, usage), usage)


def cost_at(r: dict[str, Decimal | None], usage: Usage) -> Cost:
    """The cost of `usage` at the given per-1K rates (a request's, or requests' that share them)."""
    uncached = usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens
    answer = usage.completion_tokens - usage.reasoning_tokens
    # Only the kinds a request used need a rate (a missing one makes it unpriced, never $0).
    input_cost = uncached * _rate(r, "input_price") if uncached else _ZERO
    if usage.cached_tokens:
        input_cost += usage.cached_tokens * _rate(r, "cached_input_price", "input_price")
    if usage.cache_write_tokens:
        write_5m = usage.cache_write_tokens - usage.cache_write_1h_tokens
        if write_5m:
            input_cost += write_5m * _rate(r, "cache_write_price", "input_price")
        if usage.cache_write_1h_tokens:
            input_cost += usage.cache_write_1h_tokens * _rate(r, "cache_write_1h_price", "cache_write_price",
                                                              "input_price")
    output_cost = answer * _rate(r, "output_price") if answer else _ZERO
    if usage.reasoning_tokens:
        output_cost += usage.reasoning_tokens * _rate(r, "reasoning_price", "output_price")
    input_cost, output_cost = input_cost / _THOUSAND, output_cost / _THOUSAND
    return Cost(input_cost, output_cost, input_cost + output_cost)


def list_cost(price: Price, prompt: int, completion: int, cached: int = 0) -> Decimal | None:
    """Many requests' summed tokens at the row's standard rates (a sum is not one long prompt: no
    long-context tier); None when the row cannot price them."""
    try:
        rates = rates_for(price, Usage(0, 0))
        cost = ((prompt - cached) * _rate(rates, "input_price") + (cached and cached * _rate(rates, "cached_input_price",
                "input_price")) + (completion and completion * _rate(rates, "output_price")))
    except Unpriced:
        return None
    return cost / _THOUSAND


def quote(price: Price | None, usage: Usage) -> Quote:
    """The cost of a request against the row its model resolved to (None: no row), or the reason it has none."""
    if price is None:
        return Quote(None, "no_price_row")
    try:
        return Quote(price_request(price, usage))
    except Unpriced as why:
        return Quote(None, why.reason, why.detail)
