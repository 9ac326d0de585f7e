"""Write a LiteLLM catalogue into Postgres: prices (history by trigger), aliases, catalogue rows.

One transaction per import. Rows set by hand (source 'manual') are never overwritten; the
summary says what was added, changed, left alone and kept, and what the file could not say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from .litellm_import import Catalogue

# What an import writes on a model_pricing row. The original single-threshold columns are cleared:
# an imported row keeps every threshold in long_context_tiers.
_PRICE_COLUMNS = ("provider", "input_price", "output_price", "cached_input_price", "cache_write_price",
                  "cache_write_1h_price", "reasoning_price", "long_context_tiers", "service_tiers", "aliases",
                  "long_context_threshold", "long_context_input_price", "long_context_output_price",
                  "long_context_cached_input_price", "source")
_CATALOGUE_COLUMNS = ("model", "provider", "litellm_provider", "family", "tier", "mode", "max_input_tokens",
                      "max_output_tokens", "input_modalities", "output_modalities", "supports", "deprecation_date",
                      "successor_model", "billing_unit", "unit_prices", "source")
_JSON = {"long_context_tiers", "service_tiers", "supports", "unit_prices"}


@dataclass
class ImportSummary:
    """What one import did (or would do, on a dry run)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)          # set by hand: left as they are
    aliases: int = 0
    catalogue: int = 0
    dangling: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"added": len(self.added), "changed": len(self.changed), "unchanged": self.unchanged,
                "kept": len(self.kept), "aliases": self.aliases, "catalogue": self.catalogue,
                "dangling": len(self.dangling), "conflicts": len(self.conflicts),
                "changed_models": self.changed[:50], "added_models": self.added[:50]}


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    if isinstance(new, (list, dict)) or isinstance(old, (list, dict)):
        return json.loads(json.dumps(old or type(new)(), default=str)) == json.loads(json.dumps(new, default=str))
    return old == new


_LEGACY = {"input_price": "long_context_input_price", "output_price": "long_context_output_price",
           "cached_input_price": "long_context_cached_input_price"}


def _row(model: str, fields: dict[str, Any], aliases: list[str]) -> dict[str, Any]:
    """The model_pricing values an import writes: the lowest threshold in the original long_context_*
    columns, further thresholds (and kinds those columns lack) in long_context_tiers."""
    row = {k: fields.get(k) for k in _PRICE_COLUMNS}
    row.update(aliases=aliases, long_context_threshold=None, **{c: None for c in _LEGACY.values()})
    tiers = [dict(t) for t in fields.get("long_context_tiers") or ()]
    if tiers and not tiers[0].get("inclusive"):
        first = tiers[0]
        row["long_context_threshold"] = first.pop("above")
        for kind, column in _LEGACY.items():
            row[column] = Decimal(first.pop(kind)) if kind in first else None
        tiers = ([{"above": row["long_context_threshold"], **first}] if first else []) + tiers[1:]
    row["long_context_tiers"] = tiers
    return row


def _plan(conn: psycopg.Connection, cat: Catalogue, summary: ImportSummary) -> tuple[list, list]:
    """The rows to insert and to update; manual rows and unchanged ones are counted, not written."""
    existing = {r["model"]: r for r in conn.execute("select * from public.model_pricing").fetchall()}
    by_target: dict[str, list[str]] = {}
    for alias, target in cat.aliases.items():
        by_target.setdefault(target, []).append(alias)
    inserts, updates = [], []
    for model, fields in cat.prices.items():
        old = existing.get(model)
        if old is not None and old["source"] == "manual":
            summary.kept.append(model)
            continue
        aliases = sorted({*(old["aliases"] if old else ()), *by_target.get(model, ())} - {model})
        summary.aliases += len(by_target.get(model, ()))
        row = _row(model, fields, aliases)
        if old is None:
            inserts.append((model, row))
            summary.added.append(model)
        elif all(_same(old.get(k), v) for k, v in row.items() if k != "source"):
            summary.unchanged += 1
        else:
            updates.append((model, row))
            summary.changed.append(model)
    return inserts, updates


def _param(key: str, value: Any) -> Any:
    return json.dumps(value, default=str) if key in _JSON else value


def announce_prices(conn: psycopg.Connection) -> None:
    """Move the price version once more after an import committed: every worker reloads, seeing its rows."""
    conn.execute("select nextval('public.model_pricing_version_seq')")


def apply_catalogue(conn: psycopg.Connection, cat: Catalogue, actor: str, *, dry_run: bool = False,
                    last_updated: datetime | None = None, announce: bool = True) -> ImportSummary:
    """Import a catalogue in one transaction (nothing on a dry run), all rows under one price version;
    every change lands in the history. With announce=False the caller calls announce_prices after its commit."""
    summary = ImportSummary(dangling=dict(cat.dangling), conflicts=list(cat.conflicts), skipped=dict(cat.skipped))
    with conn.transaction():
        _write(conn, cat, actor, summary, dry_run, last_updated)
    if announce and not dry_run:
        announce_prices(conn)
    return summary


def _write(conn: psycopg.Connection, cat: Catalogue, actor: str, summary: ImportSummary, dry_run: bool,
           last_updated: datetime | None) -> None:
    """Plan, then write the rows (one version for all: the sequence moves once, not per row)."""
    conn.execute("select set_config('tokenoptimizer.actor', %s, true)", (actor,))
    inserts, updates = _plan(conn, cat, summary)
    summary.catalogue = len(cat.entries)
    if dry_run:
        return
    conn.execute("select set_config('tokenoptimizer.price_version', "
                 "nextval('public.model_pricing_version_seq')::text, true)")
    stamp = {"last_updated": last_updated} if last_updated else {}
    with conn.cursor() as cur:
        if inserts:
            cols = ["model", *_PRICE_COLUMNS, *stamp]
            cur.executemany(f"insert into public.model_pricing ({', '.join(cols)}) values "
                            f"({', '.join(['%s'] * len(cols))})",
                            [[m, *(_param(k, r[k]) for k in _PRICE_COLUMNS), *stamp.values()] for m, r in inserts])
        if updates:
            sets = ", ".join(f"{k} = %s" for k in (*_PRICE_COLUMNS, *stamp))
            cur.executemany(f"update public.model_pricing set {sets} where model = %s",
                            [[*(_param(k, r[k]) for k in _PRICE_COLUMNS), *stamp.values(), m] for m, r in updates])
        _write_entries(cur, cat, last_updated)


def _write_entries(cur: psycopg.Cursor, cat: Catalogue, last_updated: datetime | None) -> None:
    """Upsert the catalogue rows (metadata, not prices: rows set by hand get them too)."""
    if not cat.entries:
        return
    cols = [*_CATALOGUE_COLUMNS, "last_updated"]
    sets = ", ".join(f"{k} = excluded.{k}" for k in cols[1:])
    cur.executemany(
        f"insert into public.model_catalogue ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))}) "
        f"on conflict (model) do update set {sets}",
        [[*(_param(k, e.get(k)) for k in _CATALOGUE_COLUMNS), last_updated or datetime.now().astimezone()]
         for e in cat.entries.values()])
