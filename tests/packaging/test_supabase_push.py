"""A database deployed with `supabase db push` (docs/deploy.md) and then served by the backend, whose
start runs `migrate`: the migrations the CLI applied are not run twice, and the seed still loads.

The Supabase CLI cannot run here; what it leaves behind is its ledger,
`supabase_migrations.schema_migrations (version, statements, name)`, one row per file it applied,
and each file's SQL run as written. That is what this test lays down before calling our runner.
"""

from __future__ import annotations

import os
import uuid
from importlib import resources

import psycopg
import pytest

from tokenoptimizer_server.migrate import migrate, migration_files
from tokenoptimizer_server.settings import supabase_dir

from ..conftest import LOCAL_ADMIN_URL


@pytest.fixture
def pushed_database():
    """A fresh database with every migration applied and recorded the way `supabase db push` does."""
    name = f"tokenoptimizer_pushed_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(LOCAL_ADMIN_URL, dbname=name)
    with psycopg.connect(url, autocommit=True) as conn:
        # What a Supabase database has before any migration (plain Postgres lacks it: our shim).
        conn.execute(resources.files("tokenoptimizer_server").joinpath("sql/supabase_shim.sql").read_text())
        conn.execute("create schema supabase_migrations; create table supabase_migrations.schema_migrations "
                     "(version text primary key, statements text[], name text)")
        for path in migration_files(supabase_dir()):
            version, label = path.stem.split("_", 1)
            with conn.transaction():
                conn.execute(path.read_text())
                conn.execute("insert into supabase_migrations.schema_migrations values (%s, %s, %s)",
                             (version, [path.read_text()], label))
    yield url
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def test_migrate_after_supabase_db_push_records_instead_of_rerunning(pushed_database):
    files = [p.name for p in migration_files(supabase_dir())]
    with psycopg.connect(pushed_database) as conn:
        assert migrate(conn, supabase_dir()) == []  # nothing ran twice (it would fail: tables exist)
        recorded = [r[0] for r in conn.execute("select name from public.tokenoptimizer_migrations order by name")]
        prices = conn.execute("select count(*) from public.model_pricing").fetchone()[0]
    assert recorded == files
    assert prices > 0  # `supabase db push` without --include-seed: the backend seeds the empty price table
    with psycopg.connect(pushed_database) as conn:
        assert migrate(conn, supabase_dir()) == []  # and the next start finds everything in its own ledger
