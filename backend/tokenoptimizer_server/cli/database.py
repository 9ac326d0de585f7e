"""How every CLI command finds its database: --database-url / DATABASE_URL, else the embedded one."""

from __future__ import annotations

import functools
from pathlib import Path

import click
import psycopg

from .. import db, embedded
from ..migrate import migrate
from ..settings import default_data_dir, supabase_dir


def database_options(fn):
    """Add --database-url and --data-dir to a command."""
    fn = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="TOKENOPTIMIZER_DATA_DIR",
                      default=default_data_dir, show_default="~/.local/share/tokenoptimizer",
                      help="Where the embedded database and the first API key live.")(fn)
    fn = click.option("--database-url", envvar="DATABASE_URL", metavar="URL",
                      help="Postgres to use instead of the embedded one (env: DATABASE_URL).")(fn)
    return fn


def resolve_url(database_url: str | None, data_dir: Path) -> str:
    """The URL to use, starting the embedded Postgres when none is given."""
    if database_url:
        return database_url
    try:
        return embedded.start(data_dir)
    except Exception as err:  # the wheel's errors are varied; say what to do instead
        raise click.ClickException(f"could not start the embedded Postgres in {data_dir}: {err}\n"
                                   "Pass --database-url postgresql://… to use another Postgres.") from err


def open_db(database_url: str | None, data_dir: Path, *, run_migrations: bool = True) -> psycopg.Connection:
    """A connection to a migrated database, with an error that says what to do when it fails."""
    url = resolve_url(database_url, data_dir)
    try:
        conn = db.connect(url)
    except psycopg.OperationalError as err:
        raise click.ClickException(f"cannot connect to the database: {str(err).strip()}\n"
                                   "Check --database-url / DATABASE_URL, or omit it to use the embedded Postgres.") from None
    if run_migrations:
        migrate(conn, supabase_dir())
    return conn


def with_db(fn):
    """Pass an open, migrated connection as `conn` and commit when the command succeeds."""
    @database_options
    @functools.wraps(fn)
    def wrapper(database_url, data_dir, **kwargs):
        with open_db(database_url, data_dir) as conn:
            return fn(conn=conn, **kwargs)
    return wrapper
