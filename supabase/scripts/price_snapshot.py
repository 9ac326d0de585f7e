"""Regenerate the price snapshot in supabase/seed.sql from the installed litellm's price file.

    pip install litellm            # a dev dependency: `pip install -e ".[dev]"` has it
    python supabase/scripts/price_snapshot.py [--date 2026-12-02]

Rewrites everything after the GENERATED marker of seed.sql: every model of the direct providers
(OpenAI, Anthropic, Mistral, Google Gemini, xAI, DeepSeek, …) that LiteLLM prices per token, with
its catalogue row, each stamped with the litellm version and the date. The hand-checked rows
above the marker are left as they are and win: the snapshot only fills in rates they leave empty
(service tiers, reasoning, long-context cache rates). Reads the JSON file; never imports litellm.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tokenoptimizer_server.pricing import litellm_import
from tokenoptimizer_server.pricing.catalogue import _CATALOGUE_COLUMNS, _PRICE_COLUMNS, _row

SEED = Path(__file__).resolve().parents[1] / "seed.sql"
MARKER = "-- GENERATED PRICE SNAPSHOT: everything below is written by supabase/scripts/price_snapshot.py"
_PRICES = ("model", *_PRICE_COLUMNS, "last_updated")
# A hand-checked row keeps every rate it states; the snapshot fills the ones it leaves empty.
_M = "public.model_pricing"
_FILL = f"""on conflict (model) do update set
  cached_input_price = coalesce({_M}.cached_input_price, excluded.cached_input_price),
  cache_write_price = coalesce({_M}.cache_write_price, excluded.cache_write_price),
  cache_write_1h_price = coalesce({_M}.cache_write_1h_price, excluded.cache_write_1h_price),
  reasoning_price = coalesce({_M}.reasoning_price, excluded.reasoning_price),
  service_tiers = case when {_M}.service_tiers = '{{}}'::jsonb then excluded.service_tiers else {_M}.service_tiers end,
  long_context_threshold = coalesce({_M}.long_context_threshold, excluded.long_context_threshold),
  long_context_input_price = case when {_M}.long_context_threshold is null then excluded.long_context_input_price
                                  else {_M}.long_context_input_price end,
  long_context_output_price = case when {_M}.long_context_threshold is null then excluded.long_context_output_price
                                   else {_M}.long_context_output_price end,
  long_context_cached_input_price = case when {_M}.long_context_threshold is not distinct from excluded.long_context_threshold
                                              or {_M}.long_context_threshold is null
                                         then coalesce({_M}.long_context_cached_input_price, excluded.long_context_cached_input_price)
                                         else {_M}.long_context_cached_input_price end,
  long_context_tiers = case when {_M}.long_context_tiers = '[]'::jsonb
                             and ({_M}.long_context_threshold is null
                                  or {_M}.long_context_threshold is not distinct from excluded.long_context_threshold)
                            then excluded.long_context_tiers else {_M}.long_context_tiers end"""


def sql(value: Any) -> str:
    """A SQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, tuple):  # text[] (aliases, modalities); lists and dicts are jsonb
        return "array[" + ", ".join(sql(v) for v in value) + "]::text[]" if value else "'{}'::text[]"
    if isinstance(value, (dict, list)):
        return sql(json.dumps(value, sort_keys=True, default=str)) + "::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def snapshot(data: dict[str, Any], version: str, day: date) -> tuple[litellm_import.Catalogue, str]:
    """The catalogue of the direct providers and the SQL that seeds it."""
    source = f"litellm-{version}"
    cat = litellm_import.read_catalogue(data, source, providers=set(litellm_import.DIRECT_PROVIDERS))
    by_target: dict[str, list[str]] = {}
    for alias, target in cat.aliases.items():
        by_target.setdefault(target, []).append(alias)
    stamp = f"{day.isoformat()}T00:00:00Z"
    rows = {model: _row(model, fields, sorted(by_target.get(model, []))) for model, fields in cat.prices.items()}
    prices = [[model, *(tuple(v) if k == "aliases" else v for k in _PRICE_COLUMNS for v in [row[k]]), stamp]
              for model, row in sorted(rows.items())]
    entries = [[*(tuple(v) if isinstance(v := e.get(k), list) else v for k in _CATALOGUE_COLUMNS), stamp]
               for _, e in sorted(cat.entries.items())]
    lines = [MARKER, f"-- Source: LiteLLM's model_prices_and_context_window_backup.json in litellm {version}, taken {day}.",
             f"-- {len(prices)} priced models, {len(entries)} catalogue entries, {len(cat.aliases)} aliases.", ""]
    lines += _insert("public.model_pricing", _PRICES, prices, _FILL)
    lines += _insert("public.model_catalogue", (*_CATALOGUE_COLUMNS, "last_updated"), entries,
                     "on conflict (model) do nothing")
    # The sync guard compares a downloaded file with the whole file this snapshot was cut from.
    whole = litellm_import.read_catalogue(data, source).model_count
    lines += [f"insert into public.price_sync_state (url, model_count, summary) values "
              f"({sql('snapshot:' + source)}, {whole}, {sql({'snapshot_date': day.isoformat()})}) "
              f"on conflict (url) do nothing;", ""]
    return cat, "\n".join(lines)


def _insert(table: str, columns: tuple[str, ...], rows: list[list[Any]], conflict: str) -> list[str]:
    values = ",\n".join("  (" + ", ".join(sql(v) for v in row) + ")" for row in rows)
    return [f"insert into {table} ({', '.join(columns)}) values", values, conflict + ";", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=date.today(), help="the date stamped on each row")
    args = parser.parse_args()
    path = litellm_import.litellm_json_path()
    data, _ = litellm_import.parse_litellm(path.read_bytes())
    cat, generated = snapshot(data, importlib.metadata.version("litellm"), args.date)
    text = SEED.read_text()
    head = text.split(MARKER)[0].rstrip() + "\n\n"
    SEED.write_text(head + generated)
    print(f"{SEED}: {len(cat.prices)} priced models, {len(cat.entries)} catalogue entries from {path}")


if __name__ == "__main__":
    main()
