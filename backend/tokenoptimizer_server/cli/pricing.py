"""`tokenoptimizer pricing list|set|import|sync|history|reprice`. Prices are USD per 1K tokens unless --per 1m."""

from __future__ import annotations

import getpass
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click
import requests

from ..pricing import catalogue, litellm_import, reprice as repricing, store, sync as sync_prices
from .database import with_db

_THOUSAND = Decimal(1000)


class _PriceType(click.ParamType):
    """A price as an exact decimal ≥ 0."""

    name = "PRICE"

    def convert(self, value, param, ctx):
        try:
            return store.parse_price(param.opts[0] if param else "price", value)
        except ValueError as err:
            self.fail(str(err), param, ctx)


PRICE = _PriceType()


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _fmt(value) -> str:
    return "-" if value is None else format(value, "f")


@click.group()
def pricing() -> None:
    """Model prices (USD per 1,000 tokens): list, set, import from LiteLLM, history, re-price."""


@pricing.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_db
def list_(conn, as_json: bool) -> None:
    """Every model's price per 1K tokens and when it was last updated."""
    rows = store.list_prices(conn)
    if as_json:
        click.echo(json.dumps(rows, default=lambda v: _fmt(v) if isinstance(v, Decimal) else str(v), indent=2))
        return
    click.echo(f"{'model':34} {'provider':10} {'input/1K':>12} {'output/1K':>12} {'cached/1K':>12}  updated     source")
    for r in rows:
        click.echo(f"{r['model'][:34]:34} {(r['provider'] or '-')[:10]:10} {_fmt(r['input_price']):>12} "
                   f"{_fmt(r['output_price']):>12} {_fmt(r['cached_input_price']):>12}  "
                   f"{r['last_updated']:%Y-%m-%d}  {r['source']}")
    click.echo(f"{len(rows)} models; prices in USD per 1,000 tokens.")


@pricing.command("set")
@click.argument("model")
@click.option("--input", "input_price", required=True, type=PRICE, help="Input price.")
@click.option("--output", "output_price", required=True, type=PRICE, help="Output price.")
@click.option("--per", type=click.Choice(["1k", "1m"]), default="1k", show_default=True,
              help="Unit of the prices given: per 1K or per 1M tokens (providers publish per 1M).")
@click.option("--cached", type=PRICE, help="Cached-input (cache read) price.")
@click.option("--cache-write", type=PRICE, help="Cache-write price (5-minute).")
@click.option("--provider", help="openai, anthropic, mistral, …")
@click.option("--project", help="Only for this project (by name): its own rate wins over the list price.")
@with_db
def set_(conn, model, input_price, output_price, per, cached, cache_write, provider, project) -> None:
    """Set MODEL's price (for everyone, or one --project); the next event for it is priced with no restart."""
    scale = _THOUSAND if per == "1m" else Decimal(1)
    fields = {"input_price": input_price / scale, "output_price": output_price / scale, "source": "manual"}
    if cached is not None:
        fields["cached_input_price"] = cached / scale
    if cache_write is not None:
        fields["cache_write_price"] = cache_write / scale
    if provider:
        fields["provider"] = provider
    project_id = None
    if project:
        found = conn.execute("select id from public.projects where name = %s", (project,)).fetchone()
        if found is None:
            raise click.BadParameter(f"no project named {project!r}", param_hint="--project")
        project_id = str(found["id"])
    try:
        row = store.set_price(conn, model, fields, _actor(), project_id)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    click.echo(f"{model}{f' (project {project})' if project else ''}: input {_fmt(row['input_price'])}, "
               f"output {_fmt(row['output_price'])} USD per 1K tokens (version {row['version']}).")


@pricing.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from-litellm", is_flag=True, help="Read the copy inside the installed litellm package.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@with_db
def import_(conn, file: Path | None, from_litellm: bool, dry_run: bool) -> None:
    """Import prices in LiteLLM's JSON format. Rows set by hand (source 'manual') are kept."""
    if bool(file) == from_litellm:
        raise click.UsageError("give a FILE or --from-litellm (one of them)")
    try:
        path = litellm_import.litellm_json_path() if from_litellm else file
        data, duplicates = litellm_import.parse_litellm(path.read_bytes())
    except (FileNotFoundError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    cat = litellm_import.read_catalogue(data, f"litellm:{path.name}", duplicates=duplicates)
    summary = catalogue.apply_catalogue(conn, cat, _actor(), dry_run=dry_run)
    echo_summary(summary, dry_run, f"from {path}")


def echo_summary(summary: catalogue.ImportSummary, dry_run: bool, origin: str) -> None:
    """What an import or sync did: counts, then the reports the file needs a human for."""
    verb = "would be" if dry_run else "were"
    click.echo(f"{len(summary.added)} added, {len(summary.changed)} changed, {summary.unchanged} unchanged, "
               f"{len(summary.kept)} kept as set by hand, {summary.aliases} aliases, {summary.catalogue} catalogue "
               f"entries ({'dry run: nothing ' + verb + ' written' if dry_run else origin}).")
    for name in summary.changed[:20]:
        click.echo(f"  changed: {name}")
    if len(summary.changed) > 20:
        click.echo(f"  … and {len(summary.changed) - 20} more changed")
    for alias, target in sorted(summary.dangling.items()):
        click.echo(f"  alias without a target: {alias} → {target}")
    for conflict in summary.conflicts[:10]:
        click.echo(f"  conflict: {conflict}")
    if len(summary.conflicts) > 10:
        click.echo(f"  … and {len(summary.conflicts) - 10} more conflicts")
    if summary.skipped:
        click.echo(f"  skipped (not models): {', '.join(sorted(summary.skipped))}")


@pricing.command("sync")
@click.option("--url", default=sync_prices.DEFAULT_URL, show_default=True, help="Where LiteLLM's price JSON is.")
@click.option("--dry-run", is_flag=True, help="Download and show what would change; write nothing.")
@with_db
def sync(conn, url: str, dry_run: bool) -> None:
    """Fetch LiteLLM's current price file and import what changed (only when it changed: ETag)."""
    try:
        result = sync_prices.sync(conn, url, dry_run=dry_run, actor=_actor())
    except requests.RequestException as err:
        raise click.ClickException(f"could not download {url}: {err}") from None
    if result.status in ("not_modified", "refused"):
        click.echo(f"{url}: {result.message}")
        if result.status == "refused":
            raise SystemExit(1)
        return
    click.echo(f"{url}: {result.model_count} models in the file (the last one had {result.previous_count or '?'}).")
    echo_summary(result.summary, dry_run, "synced")


@pricing.command("history")
@click.argument("model")
@with_db
def history(conn, model: str) -> None:
    """Every change to MODEL's price: when, by whom, old and new (per 1K tokens)."""
    rows = store.history(conn, model)
    if not rows:
        raise click.ClickException(f"no price history for {model!r}; see `tokenoptimizer pricing list`")
    for r in rows:
        old, new = r["old_row"] or {}, r["new_row"] or {}
        click.echo(f"{r['changed_at']:%Y-%m-%d %H:%M:%S}  v{r['version']}  {r['operation']:6}  by {r['changed_by']}: "
                   f"input {old.get('input_price', '-')} → {new.get('input_price', '-')}, "
                   f"output {old.get('output_price', '-')} → {new.get('output_price', '-')}")


@pricing.command("reprice")
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Re-price requests from this date (UTC).")
@click.option("--model", help="Only this model.")
@click.option("--all", "all_rows", is_flag=True, help="Re-price priced rows too (default: only unpriced ones).")
@click.option("--dry-run", is_flag=True, help="Show the totals before and after; write nothing.")
@with_db
def reprice(conn, since: datetime, model: str | None, all_rows: bool, dry_run: bool) -> None:
    """Recompute past costs with today's prices; the real run leaves an audit record."""
    since = since.replace(tzinfo=timezone.utc)
    res = repricing.reprice(conn, since, model=model, all_rows=all_rows, dry_run=dry_run, actor=_actor())
    click.echo(f"{'Dry run: ' if dry_run else ''}{_plural(res.rows_seen, 'request')} since {since:%Y-%m-%d} "
               f"({'all' if all_rows else 'unpriced only'}{', model ' + model if model else ''}).")
    for name, (n, before, after) in sorted(res.by_model.items()):
        click.echo(f"  {name:34} {_plural(n, 'request'):>14}  ${_fmt(before)} → ${_fmt(after)}")
    click.echo(f"Before: ${_fmt(res.cost_before)} with {res.unpriced_before} unpriced.")
    click.echo(f"After:  ${_fmt(res.cost_after)} with {res.unpriced_after} unpriced.")
    click.echo(f"{_plural(res.rows_changed, 'row')} {'would change' if dry_run else 'changed (audited)'}.")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
