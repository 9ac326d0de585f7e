"""Our migration runner: applies supabase/migrations in order, tracked in a table, then seeds prices.

The same files go to Supabase with `supabase db push`; on plain Postgres a local shim first
provides what Supabase would (roles, the auth schema).
"""

from __future__ import annotations

import hashlib
import logging
from importlib import resources
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

_LOCK_KEY = 7_438_201  # advisory lock: two workers or CLIs starting at once migrate one at a time

_TRACKING = """
create table if not exists public.tokenoptimizer_migrations (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
)"""


def migration_files(supabase_dir: Path) -> list[Path]:
    """The migration files in the order they apply (their names start with a timestamp)."""
    return sorted((supabase_dir / "migrations").glob("*.sql"))


def _is_supabase(conn: psycopg.Connection) -> bool:
    row = conn.execute("select to_regprocedure('auth.uid()') is not null and "
                       "exists (select from pg_namespace where nspname = 'supabase_functions') as yes").fetchone()
    return bool(row["yes"] if isinstance(row, dict) else row[0])


def migrate(conn: psycopg.Connection, supabase_dir: Path, *, seed: bool = True) -> list[str]:
    """Apply pending migrations (and the seed into an empty price table); return the names applied."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        if not _is_supabase(conn):
            conn.execute(resources.files(__package__).joinpath("sql/supabase_shim.sql").read_text())
        conn.execute(_TRACKING)
        done = {r["name"] if isinstance(r, dict) else r[0]: r for r in
                conn.execute("select name, checksum from public.tokenoptimizer_migrations").fetchall()}
        pushed = _pushed_with_supabase_cli(conn)
        for path in migration_files(supabase_dir):
            sql = path.read_text()
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if path.name not in done and path.name.split("_", 1)[0] in pushed:
                # `supabase db push` applied it already: record it here too, do not run it twice.
                conn.execute("insert into public.tokenoptimizer_migrations (name, checksum) values (%s, %s)",
                             (path.name, checksum))
                continue
            if path.name in done:
                row = done[path.name]
                old = row["checksum"] if isinstance(row, dict) else row[1]
                if old != checksum:
                    log.warning("migration %s changed after it was applied; not re-applying", path.name)
                continue
            log.info("applying %s", path.name)
            conn.execute(sql)
            conn.execute("insert into public.tokenoptimizer_migrations (name, checksum) values (%s, %s)",
                         (path.name, checksum))
            applied.append(path.name)
        if seed:
            seed_prices(conn, supabase_dir)
    return applied


def _pushed_with_supabase_cli(conn: psycopg.Connection) -> set[str]:
    """Versions `supabase db push` recorded (its own table), so a database deployed with the CLI
    and then served by the backend is not migrated twice."""
    row = conn.execute("select to_regclass('supabase_migrations.schema_migrations') is not null as yes").fetchone()
    if not (row["yes"] if isinstance(row, dict) else row[0]):
        return set()
    rows = conn.execute("select version from supabase_migrations.schema_migrations").fetchall()
    return {r["version"] if isinstance(r, dict) else r[0] for r in rows}


def seed_prices(conn: psycopg.Connection, supabase_dir: Path) -> bool:
    """Load seed.sql into an empty model_pricing table; a table with rows is the admins' and is left alone."""
    row = conn.execute("select exists (select from public.model_pricing) as any").fetchone()
    if (row["any"] if isinstance(row, dict) else row[0]):
        return False
    conn.execute("set local tokenoptimizer.actor = 'seed'")
    conn.execute((supabase_dir / "seed.sql").read_text())
    return True
