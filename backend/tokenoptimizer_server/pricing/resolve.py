"""Model name → pricing row: exact, aliases, cloud routes and prefixes, match patterns, date suffixes.

Most specific first, and at every step a project's own row before the global one. A miss is
None, which the caller stores as unpriced: never $0.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable

from tokenoptimizer.integrations import provider_for_model

_PROVIDER_PREFIX = re.compile(r"^(?P<provider>[a-z0-9_.-]+)/(?P<rest>.+)$")
# Bedrock / Vertex routes: "eu.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku@20240307".
_CLOUD_ROUTE = re.compile(r"^(?:(?:us|eu|apac|global|us-gov|jp|au)\.)?(?P<vendor>anthropic|mistral|meta|amazon|cohere)\.")
_CLOUD_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_VERTEX_DATE = re.compile(r"@(\d{8})$")
_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")

PRICE_FIELDS = ("input_price", "output_price", "cached_input_price", "cache_write_price", "cache_write_1h_price",
                "long_context_input_price", "long_context_output_price", "long_context_cached_input_price",
                "reasoning_price")
# The rates one request is billed at, per token kind (a long-context or service tier lists some of them).
RATE_KINDS = ("input_price", "output_price", "cached_input_price", "cache_write_price", "cache_write_1h_price",
              "reasoning_price")


@functools.lru_cache(maxsize=4096)
def infer_provider(model: str) -> str | None:
    """The provider a model name belongs to, from its prefix or its family name."""
    name = model.lower()
    m = _PROVIDER_PREFIX.match(name)
    if m:
        return {"gemini": "google", "vertex_ai": "google", "bedrock": "anthropic"}.get(m["provider"], m["provider"])
    m = _CLOUD_ROUTE.match(name)
    if m:
        return m["vendor"]
    # Family names: the SDK's provider registry owns the prefix table (one home per provider).
    return provider_for_model(name)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class LongContextTier:
    """Above `above` prompt tokens (at `above` too when inclusive) ALL tokens use these rates."""

    above: int
    rates: dict[str, Decimal]
    inclusive: bool = False


def _tiers(items: Iterable[dict[str, Any]] | None) -> tuple[LongContextTier, ...]:
    """Long-context tiers from their JSON form, lowest threshold first."""
    tiers = [LongContextTier(int(t["above"]), {k: Decimal(str(v)) for k, v in t.items() if k in RATE_KINDS
                                                and v is not None}, bool(t.get("inclusive")))
             for t in items or ()]
    return tuple(sorted(tiers, key=lambda t: t.above))


@dataclass(frozen=True)
class Price:
    """One pricing row, USD per 1,000 tokens; a rate is None when the row has none for that token kind."""

    model: str
    input_price: Decimal | None
    output_price: Decimal | None
    version: int = 0
    project_id: str | None = None
    provider: str | None = None
    cached_input_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    cache_write_1h_price: Decimal | None = None
    long_context_threshold: int | None = None
    long_context_input_price: Decimal | None = None
    long_context_output_price: Decimal | None = None
    long_context_cached_input_price: Decimal | None = None
    service_tiers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    match_pattern: str | None = None
    reasoning_price: Decimal | None = None
    long_context_tiers: tuple[LongContextTier, ...] = ()
    # Models billed per image, second, character…: known, never priced by tokens (unpriced, with that reason).
    billing_unit: str = "token"

    @functools.cached_property
    def base_rates(self) -> dict[str, Decimal | None]:
        """The standard rate of every token kind (computed once per row; never mutated)."""
        return {k: getattr(self, k) for k in RATE_KINDS}

    @functools.cached_property
    def context_tiers(self) -> dict[int, LongContextTier]:
        """Every long-context tier by threshold, lowest first: the original columns, then the JSON list
        (computed once per row: the price book lives for many requests)."""
        merged: dict[int, LongContextTier] = {}
        if self.long_context_threshold is not None:
            rates = {"input_price": self.long_context_input_price, "output_price": self.long_context_output_price,
                     "cached_input_price": self.long_context_cached_input_price}
            merged[self.long_context_threshold] = LongContextTier(
                self.long_context_threshold, {k: v for k, v in rates.items() if v is not None})
        for tier in self.long_context_tiers:  # at the same threshold, the list adds to (and wins over) the columns
            old = merged.get(tier.above)
            merged[tier.above] = LongContextTier(tier.above, {**(old.rates if old else {}), **tier.rates},
                                                 tier.inclusive)
        return {k: merged[k] for k in sorted(merged)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Price":
        tiers = {tier: {**{k: Decimal(str(v)) for k, v in rates.items() if k in PRICE_FIELDS and v is not None},
                        **({"long_context_tiers": _tiers(rates["long_context_tiers"])}
                           if rates.get("long_context_tiers") else {})}
                 for tier, rates in (row.get("service_tiers") or {}).items()}
        return cls(
            model=row["model"], version=row.get("version") or 0,
            project_id=str(row["project_id"]) if row.get("project_id") else None,
            provider=row.get("provider"), input_price=_dec(row.get("input_price")),
            output_price=_dec(row.get("output_price")), **{k: _dec(row.get(k)) for k in PRICE_FIELDS[2:]},
            long_context_threshold=row.get("long_context_threshold"), service_tiers=tiers,
            long_context_tiers=_tiers(row.get("long_context_tiers")), billing_unit=row.get("billing_unit") or "token",
            aliases=tuple(a.lower() for a in row.get("aliases") or ()), match_pattern=row.get("match_pattern"))


def candidate_names(model: str) -> list[str]:
    """Names to try in order, from the most specific (the name as given) to the least (no date)."""
    name = model.strip().lower()
    out = [name]
    m = _PROVIDER_PREFIX.match(name)
    if m:
        name = m["rest"]
        out.append(name)
    routed = _CLOUD_VERSION.sub("", _CLOUD_ROUTE.sub("", name))
    routed = _VERTEX_DATE.sub(r"-\1", routed)
    if routed != name:
        out.append(routed)
        name = routed
    undated = _DATE_SUFFIX.sub("", name)
    if undated != name:
        out += [undated, undated + "-latest"]
    return list(dict.fromkeys(out))


class PriceBook:
    """All price rows of one version, with a resolution cache; swapped whole when prices change."""

    def __init__(self, rows: Iterable[dict[str, Any]], version: int):
        self.version = version
        self._exact: dict[tuple[str | None, str], Price] = {}
        self._patterns: list[tuple[str | None, re.Pattern[str], Price]] = []
        self._cache: dict[tuple[str | None, str], Price | None] = {}
        for row in rows:
            price = Price.from_row(row)
            scope = price.project_id
            for name in (price.model.lower(), *price.aliases):
                self._exact.setdefault((scope, name), price)
            if price.match_pattern:
                self._patterns.append((scope, re.compile(price.match_pattern, re.IGNORECASE), price))
        # Exact names win over aliases: re-put them last so they overwrite.
        for (scope, name), price in list(self._exact.items()):
            if price.model.lower() == name:
                self._exact[(scope, name)] = price

    def long_context_thresholds(self) -> list[int]:
        """Every prompt size at which some row's rates change (long-context tiers, service tiers' too)."""
        found = set()
        for price in {id(p): p for p in self._exact.values()}.values():
            found.update(price.context_tiers)
            for tier in price.service_tiers.values():
                found.update(t.above for t in tier.get("long_context_tiers", ()))
        return sorted(found)

    def resolve(self, model: str, project_id: str | None = None) -> Price | None:
        """The price row for a model name, or None when nothing matches (unpriced)."""
        key = (project_id, model)
        if key in self._cache:
            return self._cache[key]
        price = self._resolve(model, project_id)
        if len(self._cache) < 100_000:  # model names come from clients: bound the cache
            self._cache[key] = price
        return price

    def _resolve(self, model: str, project_id: str | None) -> Price | None:
        names = candidate_names(model)
        scopes = (project_id, None) if project_id else (None,)
        # The name as given (and without a provider prefix) beats any pattern; patterns beat
        # the looser cloud-route and date-suffix forms.
        specific = names[:2] if _PROVIDER_PREFIX.match(names[0]) else names[:1]
        for name in specific:
            for scope in scopes:
                if (scope, name) in self._exact:
                    return self._exact[(scope, name)]
        for scope in scopes:
            for pscope, pattern, price in self._patterns:
                if pscope == scope and pattern.search(model):
                    return price
        for name in names:
            for scope in scopes:
                if (scope, name) in self._exact:
                    return self._exact[(scope, name)]
        return None


class PriceCache:
    """A process-wide PriceBook, reloaded when the database's price version moves on."""

    def __init__(self) -> None:
        self._book: PriceBook | None = None
        self._lock = threading.Lock()

    def book(self, current_version: int, load: Callable[[], tuple[list[dict[str, Any]], int]]) -> PriceBook:
        """The book for current_version; `load` (rows, version) runs only if this process has an older one."""
        book = self._book
        if book is not None and book.version >= current_version:  # versions only grow
            return book
        with self._lock:
            if self._book is None or self._book.version < current_version:
                rows, version = load()
                self._book = PriceBook(rows, version)
            return self._book

    def latest(self, load: Callable[[], tuple[list[dict[str, Any]], int]]) -> PriceBook:
        """The book this process has (loaded if none): the write checks it is still current."""
        book = self._book
        if book is not None:
            return book
        with self._lock:
            if self._book is None:
                rows, version = load()
                self._book = PriceBook(rows, version)
            return self._book
