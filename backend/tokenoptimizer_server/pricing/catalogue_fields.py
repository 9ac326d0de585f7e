"""What a LiteLLM entry says about a model besides its token prices: the model_catalogue row.

Provider, family, mode, context window, modalities, supports_* flags, deprecation date and
successor, a size tier where the name says it, and for models billed in other units (images,
seconds, characters…) that unit and its prices, as LiteLLM gives them (USD per unit).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")
# Unit of the first per-unit cost field an entry without token rates has, in this order.
_UNITS = (("_per_image", "image"), ("_per_pixel", "image"), ("_per_second", "second"),
          ("_per_character", "character"), ("_per_page", "page"), ("_per_query", "request"),
          ("_per_request", "request"), ("_per_credit", "credit"))
_TIER_WORDS = (("small", ("nano", "mini", "lite", "haiku", "small", "tiny", "flash", "ministral")),
               ("large", ("opus", "large", "pro", "max", "ultra")),
               ("medium", ("sonnet", "medium", "plus", "turbo")))


def _int(value: Any) -> int | None:
    """A positive token count, else None (the file writes 0 for "not given" in places)."""
    try:
        number = int(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number > 0 else None


def _date(value: Any) -> str | None:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def family(model: str) -> str:
    """The model's name without provider prefix, date, `-latest` or `-preview`: 'gpt-4o-2024-08-06' → 'gpt-4o'."""
    name = model.rsplit("/", 1)[-1].lower()
    for _ in range(2):
        name = _DATE_SUFFIX.sub("", re.sub(r"-(latest|preview|exp)$", "", name))
    return name


def size_tier(model: str) -> str | None:
    """'small', 'medium' or 'large' when the family name says so (mini, haiku, flash / sonnet / opus, pro)."""
    words = set(re.split(r"[-_.:/ ]", family(model)))
    for tier, markers in _TIER_WORDS:
        if words & set(markers):
            return tier
    return None


def unit_prices(entry: dict[str, Any]) -> dict[str, str]:
    """Every non-token per-unit cost of an entry, as given (USD per unit)."""
    out = {}
    for key, value in entry.items():
        if "cost_per" in key and not key.endswith("_token") and "_token_" not in key and not isinstance(value, (dict, list, bool)):
            try:
                out[key] = format(Decimal(str(value)), "f")
            except InvalidOperation:
                continue
    return dict(sorted(out.items()))


def billing_unit(entry: dict[str, Any]) -> str | None:
    """The unit a model without token rates is billed in, from its cost fields; None when it has no price."""
    priced = [k for k, v in unit_prices(entry).items() if Decimal(v) > 0]
    for marker, unit in _UNITS:
        if any(marker in k for k in priced):
            return unit
    return None


def describe(model: str, entry: dict[str, Any], provider: str | None, source: str) -> dict[str, Any]:
    """The model_catalogue row for one entry (billing_unit 'token' is set by the caller when it has token rates)."""
    supports = {k.removeprefix("supports_"): v for k, v in sorted(entry.items())
                if k.startswith("supports_") and isinstance(v, bool)}
    modalities = entry.get("supported_modalities")
    outputs = entry.get("supported_output_modalities")
    return {
        "model": model, "provider": provider, "litellm_provider": entry.get("litellm_provider"),
        "family": family(model), "tier": size_tier(model), "mode": entry.get("mode"),
        "max_input_tokens": _int(entry.get("max_input_tokens")),
        "max_output_tokens": _int(entry.get("max_output_tokens") or entry.get("max_tokens")),
        "input_modalities": list(modalities) if isinstance(modalities, list) else None,
        "output_modalities": list(outputs) if isinstance(outputs, list) else None,
        "supports": supports, "deprecation_date": _date(entry.get("deprecation_date")),
        "successor_model": entry.get("successor_model") if isinstance(entry.get("successor_model"), str) else None,
        "billing_unit": billing_unit(entry), "unit_prices": unit_prices(entry), "source": source,
    }
