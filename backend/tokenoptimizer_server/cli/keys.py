"""`tokenoptimizer keys create|list|revoke`."""

from __future__ import annotations

import click

from .. import keys as api_keys
from .database import with_db


@click.group()
def keys() -> None:
    """Project API keys (only their hash is stored: a key is shown once, when created)."""


@keys.command("create")
@click.option("--project", default="default", show_default=True, help="Project name; created if missing.")
@click.option("--name", default="default", show_default=True, help="A label to tell keys apart.")
@with_db
def create(conn, project: str, name: str) -> None:
    """Create a key. The key is printed alone on the last line, for scripts."""
    raw, row = api_keys.create_key(conn, project, name)
    click.echo(f"Created key {row['display_prefix']}… for project {row['project']!r}. Store it now: it is not shown again.",
               err=False)
    click.echo(raw)


@keys.command("list")
@click.option("--project", default=None, help="Only this project's keys.")
@with_db
def list_(conn, project: str | None) -> None:
    """List keys (prefix, project, created, last used, revoked)."""
    rows = api_keys.list_keys(conn, project)
    if not rows:
        click.echo("No keys yet: run `tokenoptimizer keys create`.")
        return
    click.echo(f"{'id':36}  {'prefix':12} {'project':16} {'name':12} {'created':19}  {'last used':19}  "
               f"{'SDK drops':>9}  status")
    for r in rows:
        status = "revoked " + r["revoked_at"].strftime("%Y-%m-%d %H:%M") if r["revoked_at"] else "active"
        last = r["last_used_at"].strftime("%Y-%m-%d %H:%M:%S") if r["last_used_at"] else "never"
        click.echo(f"{r['id']!s:36}  {r['display_prefix'] + '…':12} {r['project']:16} {r['name']:12} "
                   f"{r['created_at']:%Y-%m-%d %H:%M:%S}  {last:19}  {r['dropped_events']:>9}  {status}")


@keys.command("revoke")
@click.argument("key")
@with_db
def revoke(conn, key: str) -> None:
    """Revoke a key by its id, its display prefix, or the key itself."""
    count = api_keys.revoke_key(conn, key)
    if count == 0:
        raise click.ClickException(f"no active key matches {key!r}; see `tokenoptimizer keys list`")
    click.echo(f"Revoked {count} key{'s' if count > 1 else ''}. Requests with it now get 401.")
