"""Read LiteLLM's price JSON (USD per ONE token) into model_pricing rows (USD per 1K tokens)."""

from __future__ import annotations

import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

_MODES = {"chat", "completion", "embedding", "responses", None}
_BARE_PREFIXES = ("mistral/", "gemini/")  # LiteLLM keys these by provider; requests name them bare
_TIERS = {"priority": "_priority", "flex": "_flex", "batch": "_batches"}
_THOUSAND = Decimal(1000)


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


def _per_1k(entry: dict[str, Any], key: str) -> Decimal | None:
    value = entry.get(key)
    return None if value is None else (Decimal(str(value)) * _THOUSAND).normalize()


def _long_context(entry: dict[str, Any]) -> dict[str, Any]:
    for threshold in ("128k", "200k", "272k"):
        if entry.get(f"input_cost_per_token_above_{threshold}_tokens") is not None:
            return {"long_context_threshold": int(threshold[:-1]) * 1000,
                    "long_context_input_price": _per_1k(entry, f"input_cost_per_token_above_{threshold}_tokens"),
                    "long_context_output_price": _per_1k(entry, f"output_cost_per_token_above_{threshold}_tokens"),
                    "long_context_cached_input_price":
                        _per_1k(entry, f"cache_read_input_token_cost_above_{threshold}_tokens")}
    return {}


def rows_from_litellm(data: dict[str, Any], source: str) -> Iterator[dict[str, Any]]:
    """Our rows for every priced text model in LiteLLM's dict, keyed as requests name them."""
    keys = set(data)
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict) or entry.get("mode") not in _MODES:
            continue
        if entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token", 0) is None:
            continue
        model = key
        for prefix in _BARE_PREFIXES:
            if key.startswith(prefix) and key[len(prefix):] not in keys:
                model = key[len(prefix):]
        tiers = {}
        for tier, suffix in _TIERS.items():
            rates = {"input_price": _per_1k(entry, f"input_cost_per_token{suffix}"),
                     "output_price": _per_1k(entry, f"output_cost_per_token{suffix}")}
            if rates["input_price"] is not None or rates["output_price"] is not None:
                tiers[tier] = {k: format(v, "f") for k, v in rates.items() if v is not None}
        yield {
            "model": model, "provider": entry.get("litellm_provider"),
            "input_price": _per_1k(entry, "input_cost_per_token"),
            "output_price": _per_1k(entry, "output_cost_per_token") or Decimal(0),
            "cached_input_price": _per_1k(entry, "cache_read_input_token_cost"),
            "cache_write_price": _per_1k(entry, "cache_creation_input_token_cost"),
            "cache_write_1h_price": _per_1k(entry, "cache_creation_input_token_cost_above_1hr"),
            **_long_context(entry), "service_tiers": tiers, "source": source,
        }


def load_litellm_file(path: Path) -> dict[str, Any]:
    # parse_float=Decimal: prices like 2.5e-06 stay exact.
    return json.loads(path.read_text(), parse_float=Decimal)
