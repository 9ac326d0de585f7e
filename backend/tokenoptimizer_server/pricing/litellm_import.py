"""Read LiteLLM's price JSON (USD per ONE token) into our rows: prices (USD per 1K tokens) and catalogue.

The whole file is understood: `alias_of` rows (chains too), non-model blocks, every
`_above_<N>k_tokens` threshold, service-tier suffixes (after a threshold too), reasoning rates,
numbers written as strings, `tiered_pricing` arrays, models billed in other units, and
duplicate or conflicting keys. Nothing here imports litellm: the file is plain JSON.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import catalogue_fields

_THOUSAND = Decimal(1000)
# LiteLLM's providers that are a model maker's own API → our provider name. Their keys are
# prefixed in the file ("mistral/…", "gemini/…", "xai/…") but requests name them bare. When two
# claim one bare name the earlier here wins: makers before the APIs that also serve others' models.
DIRECT_PROVIDERS = {
    "openai": "openai", "anthropic": "anthropic", "mistral": "mistral", "gemini": "google", "xai": "xai",
    "deepseek": "deepseek", "cohere_chat": "cohere", "cohere": "cohere", "moonshot": "moonshot", "zai": "zai",
    "minimax": "minimax", "ai21": "ai21", "text-completion-openai": "openai", "codestral": "mistral",
    "dashscope": "dashscope", "perplexity": "perplexity",
}
_RANK = {provider: i for i, provider in enumerate(DIRECT_PROVIDERS)}
NON_MODEL_KEYS = frozenset({"sample_spec", "fallback_generalizations"})
_INCLUSIVE_PROVIDERS = frozenset({"xai"})  # LiteLLM: xAI bills the higher tier from the threshold itself
_KINDS = {"input_cost_per_token": "input_price", "output_cost_per_token": "output_price",
          "cache_read_input_token_cost": "cached_input_price", "cache_creation_input_token_cost": "cache_write_price",
          "cache_creation_input_token_cost_above_1hr": "cache_write_1h_price",
          "output_cost_per_reasoning_token": "reasoning_price"}
_TIERS = {"priority": "priority", "flex": "flex", "batches": "batch", "ultrafast": "ultrafast",
          "balanced": "balanced", "decisions": "decisions"}
_RATE_KEY = re.compile(rf"^(?P<kind>{'|'.join(sorted(_KINDS, key=len, reverse=True))})"
                       rf"(?:_above_(?P<n>\d+)(?P<k>k?)_tokens)?(?:_(?P<tier>{'|'.join(_TIERS)}))?$")


@dataclass
class Catalogue:
    """Everything one LiteLLM file says, in our rows, and what it could not use."""

    prices: dict[str, dict[str, Any]] = field(default_factory=dict)     # model → model_pricing fields
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)    # model → model_catalogue fields
    aliases: dict[str, str] = field(default_factory=dict)               # alias name → model it prices like
    dangling: dict[str, str] = field(default_factory=dict)              # alias name → target missing from the file
    skipped: dict[str, str] = field(default_factory=dict)               # key → why it is not a model
    conflicts: list[str] = field(default_factory=list)                  # duplicate or conflicting keys
    model_count: int = 0                                                # model entries in the file (the sync guard)
    shadowed: dict[str, str] = field(default_factory=dict)              # key → the key that has its name


def litellm_json_path() -> Path:
    """The price file inside an installed litellm (or tokencost) package, found without importing it."""
    for package, name in (("litellm", "model_prices_and_context_window_backup.json"),
                          ("tokencost", "model_prices.json")):
        spec = importlib.util.find_spec(package)
        if spec and spec.submodule_search_locations:
            path = Path(list(spec.submodule_search_locations)[0]) / name
            if path.exists():
                return path
    raise FileNotFoundError("neither litellm nor tokencost is installed: `pip install litellm`, or pass a JSON file")


def parse_litellm(text: str | bytes) -> tuple[dict[str, Any], list[str]]:
    """The file's top-level dict (numbers as exact Decimals) and its duplicate keys that disagree."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out and out[key] != value:
                duplicates.append(key)
            out[key] = value  # the last one wins, as in json.loads
        return out

    data = json.loads(text, parse_float=Decimal, object_pairs_hook=pairs)
    if not isinstance(data, dict):
        raise ValueError("a LiteLLM price file is a JSON object of model name → entry")
    # Only top-level duplicates matter: nested hooks also report inner keys, so keep model keys.
    return data, [f"{k}: the key appears more than once with different entries" for k in dict.fromkeys(duplicates)
                  if k in data]


def load_litellm_file(path: Path) -> dict[str, Any]:
    """The file's dict, numbers exact (prices like 2.5e-06 stay exact)."""
    return parse_litellm(path.read_bytes())[0]


def money(value: Any) -> Decimal | None:
    """A LiteLLM per-token number (a JSON number or a string such as "3e-7") as USD per 1K tokens."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return (number * _THOUSAND).normalize() if number.is_finite() and number >= 0 else None


def _is_model(key: str, entry: Any) -> str | None:
    """Why a top-level key is not a model entry, or None when it is one."""
    if key in NON_MODEL_KEYS:
        return "a non-model block of the file"
    if not isinstance(entry, dict):
        return "not an object"
    if "alias_of" not in entry and "litellm_provider" not in entry and "mode" not in entry:
        return "no provider, mode or alias_of: not a model entry"
    return None


def _names(data: dict[str, Any], models: list[str], cat: Catalogue) -> dict[str, str]:
    """LiteLLM key → our model name: direct providers' prefixes dropped; a name claimed twice is reported."""
    def provider_of(key: str) -> str | None:
        entry = data[key]
        if "alias_of" in entry:  # an alias row names no provider: its target's
            target, seen = entry["alias_of"], {key}
            while isinstance(data.get(target), dict) and "alias_of" in data[target] and target not in seen:
                seen.add(target)
                target = data[target]["alias_of"]
            return (data.get(target) or {}).get("litellm_provider") if isinstance(data.get(target), dict) else None
        return entry.get("litellm_provider")

    wanted: dict[str, str] = {}
    for key in models:
        provider = provider_of(key)
        # Only a bare model name drops the prefix: "perplexity/anthropic/claude-…" is Perplexity's resale.
        direct = provider in DIRECT_PROVIDERS and key.startswith(f"{provider}/") and key.count("/") == 1
        wanted[key] = key[len(provider) + 1:] if direct else key
    owners: dict[str, str] = {}
    # Direct providers first, so a bare name goes to the maker's own entry (gemini/x before Vertex's x).
    for key in sorted(models, key=lambda k: (provider_of(k) not in DIRECT_PROVIDERS, wanted[k] != k,
                                             _RANK.get(provider_of(k), 99), k)):
        lower = wanted[key].lower()
        if lower in owners and key.lower() not in owners:
            wanted[key], lower = key, key.lower()  # the bare name is taken: keep the prefixed key
        if lower in owners:
            cat.shadowed[key] = owners[lower]
            wanted[key] = ""
        else:
            owners[lower] = key
    return wanted


def _rates(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[int, dict], dict[str, dict], dict[tuple, dict]]:
    """Base rates, long-context tiers, service-tier rates and service-tier long-context tiers of an entry."""
    base: dict[str, Any] = {}
    above: dict[int, dict] = {}
    tiers: dict[str, dict] = {}
    tier_above: dict[tuple, dict] = {}
    for key, value in entry.items():
        m = _RATE_KEY.match(key)
        rate = money(value) if m else None
        if rate is None:
            continue
        kind = _KINDS[m["kind"]]
        n = int(m["n"]) * (1000 if m["k"] else 1) if m["n"] else None
        tier = _TIERS[m["tier"]] if m["tier"] else None
        target = (base if n is None else above.setdefault(n, {})) if tier is None else (
            tiers.setdefault(tier, {}) if n is None else tier_above.setdefault((tier, n), {}))
        target[kind] = rate
    return base, above, tiers, tier_above


def _tier_json(n: int, rates: dict[str, Decimal], inclusive: bool) -> dict[str, Any]:
    return {"above": n, **{k: format(v, "f") for k, v in sorted(rates.items())}, **({"inclusive": True} if inclusive else {})}


def _tiered_pricing(entry: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[int, dict]]] | None:
    """`tiered_pricing` (one tier bills the whole request, chosen by input tokens): base rates and higher tiers."""
    tiers = []
    for tier in entry.get("tiered_pricing") or ():
        try:
            start = int(Decimal(str(tier["range"][0])))
        except (KeyError, IndexError, TypeError, InvalidOperation):
            continue
        if not isinstance(tier, dict) or money(tier.get("input_cost_per_token")) is None:
            continue  # LiteLLM ignores a tier without an input rate
        inp = money(tier["input_cost_per_token"])
        out = money(tier.get("output_cost_per_token", entry.get("output_cost_per_token")))
        rates = {"input_price": inp, "output_price": out,
                 "cached_input_price": money(tier.get("cache_read_input_token_cost")) or inp,
                 "cache_write_price": money(tier.get("cache_creation_input_token_cost")) or inp,
                 "reasoning_price": money(tier.get("output_cost_per_reasoning_token")) or out}
        tiers.append((start, {k: v for k, v in rates.items() if v is not None}))
    if not tiers:
        return None
    tiers.sort(key=lambda t: t[0])
    return tiers[0][1], tiers[1:]


def price_fields(entry: dict[str, Any]) -> dict[str, Any] | None:
    """Our model_pricing fields for an entry billed per token; None when it has no token rate."""
    base, above, tiers, tier_above = _rates(entry)
    tiered = _tiered_pricing(entry)
    if tiered is not None:
        base = {**base, **tiered[0]}
        above.update({n: rates for n, rates in tiered[1] if n not in above})
    if base.get("input_price") is None and base.get("output_price") is None:
        return None
    inclusive = entry.get("litellm_provider") in _INCLUSIVE_PROVIDERS
    service = {}
    for tier, rates in sorted(tiers.items()):
        own = sorted((n, r) for (t, n), r in tier_above.items() if t == tier)
        service[tier] = {**{k: format(v, "f") for k, v in sorted(rates.items())},
                         **({"long_context_tiers": [_tier_json(n, r, inclusive) for n, r in own]} if own else {})}
    for (tier, n), rates in sorted(tier_above.items()):  # a tier with threshold rates only
        if tier not in service:
            service[tier] = {"long_context_tiers": [_tier_json(n, r, inclusive)
                                                    for (t, n), r in sorted(tier_above.items()) if t == tier]}
    return {**{kind: base.get(kind) for kind in _KINDS.values()},
            "long_context_tiers": [_tier_json(n, r, inclusive) for n, r in sorted(above.items())],
            "service_tiers": service}


def read_catalogue(data: dict[str, Any], source: str, *, providers: set[str] | None = None,
                   duplicates: list[str] = ()) -> Catalogue:
    """Our rows for every model of the file (or of `providers`, LiteLLM's names), aliases resolved."""
    cat = Catalogue(conflicts=list(duplicates))
    models = []
    for key, entry in data.items():
        why = _is_model(key, entry)
        if why:
            cat.skipped[key] = why
        elif providers is None or "alias_of" in entry or entry.get("litellm_provider") in providers:
            models.append(key)
    cat.model_count = sum("alias_of" not in data[k] for k in models)
    names = _names(data, models, cat)
    for key in models:
        entry, name = data[key], names[key]
        if not name or "alias_of" in entry:
            continue
        prices = price_fields(entry)
        provider = entry.get("litellm_provider")
        meta = catalogue_fields.describe(name, entry, DIRECT_PROVIDERS.get(provider, provider), source)
        meta["billing_unit"] = "token" if prices is not None else meta["billing_unit"]
        cat.entries[name] = meta
        if prices is not None:
            cat.prices[name] = {"provider": meta["provider"], **prices, "source": source}
    for key, owner in cat.shadowed.items():  # two entries, one name: a conflict only when they disagree
        mine, theirs = price_fields(data[key]), cat.prices.get(names[owner])
        if mine is not None and theirs is not None and any(mine[k] != theirs.get(k) for k in mine):
            cat.conflicts.append(f"{key}: priced differently from {owner!r}, which has the name {names[owner]!r}; "
                                 f"kept {owner!r}")
    for key, name in names.items():
        if name and "alias_of" in data[key]:
            _resolve_alias(data, names, key, name, cat)
    for meta in cat.entries.values():  # a successor named by its LiteLLM key → our name for it
        if meta.get("successor_model") in names and names[meta["successor_model"]]:
            meta["successor_model"] = names[meta["successor_model"]]
    if providers is not None:  # aliases of models outside the selection are not ours to price
        cat.dangling = {a: t for a, t in cat.dangling.items() if t not in data}
    return cat


def _resolve_alias(data: dict[str, Any], names: dict[str, str], key: str, name: str, cat: Catalogue) -> None:
    """Follow an alias (and alias of an alias) to a model; a missing or circular target is reported."""
    target, seen = data[key]["alias_of"], {key}
    while isinstance(data.get(target), dict) and "alias_of" in data[target]:
        if target in seen:
            cat.dangling[name] = f"{target} (circular)"
            return
        seen.add(target)
        target = data[target]["alias_of"]
    ours = names.get(target)
    if ours and ours in cat.prices:
        cat.aliases[name] = ours
    elif target not in data or _is_model(target, data[target]):
        cat.dangling[name] = target
    elif ours and ours in cat.entries:
        cat.aliases[name] = ours  # an alias of a model billed in other units: known, not priced
