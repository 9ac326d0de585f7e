"""Upgrading a database from before organisations keeps its data: its projects join the default
organisation, and the first user to sign up owns it and reads the old usage through the fence."""

from __future__ import annotations

import json
import shutil
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from tokenoptimizer_server.auth import users
from tokenoptimizer_server.migrate import migrate
from tokenoptimizer_server.settings import supabase_dir


TENANCY = "20261202000900"  # the first tenancy migration's name starts so


@pytest.fixture
def old_then_new(tmp_path, database_url):
    """A fresh database migrated up to just before the tenancy migrations, and the full folder."""
    old = tmp_path / "supabase"
    shutil.copytree(supabase_dir(), old)
    for path in (old / "migrations").glob("*.sql"):  # the tenancy migrations and every later one
        if path.name >= TENANCY:
            path.unlink()
    name = f"tokenoptimizer_upgrade_{uuid.uuid4().hex[:8]}"
    server = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")  # the test run's server
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(database_url, dbname=name)
    try:
        yield url, old
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def test_old_projects_join_the_default_organisation_and_its_first_owner_reads_them(old_then_new):
    url, old = old_then_new
    with psycopg.connect(url, row_factory=dict_row) as conn:
        migrate(conn, old)
        project = conn.execute("insert into public.projects (name) values ('default') returning id").fetchone()["id"]
        conn.execute("select public.store_usage(%s::json)", (json.dumps([{
            "id": str(uuid.uuid4()), "project_id": str(project), "ts": "2026-11-30T12:00:00Z", "model": "gpt-4o",
            "provider": "openai", "endpoint_name": "chat", "prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
            "cached_tokens": 0, "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "reasoning_tokens": 0,
            "latency_ms": 10, "status": "ok", "stream": False, "input_cost": "0.000025", "output_cost": "0.00002",
            "total_cost": "0.000045", "priced": True}]),))
        conn.commit()
        applied = migrate(conn, supabase_dir())
        conn.commit()
        org = conn.execute("select o.name, o.is_default from public.projects p join public.organisations o "
                           "on o.id = p.organisation_id where p.id = %s", (project,)).fetchone()
        first = users.sign_up(conn, "first@upgrade.example", "a long enough password")
        second = users.sign_up(conn, "second@upgrade.example", "a long enough password")
        conn.execute("set role authenticated")
        totals = {}
        for who in (first, second):
            conn.execute("select set_config('request.jwt.claims', %s, false)", (json.dumps({"sub": str(who["id"])}),))
            totals[who["email"]] = conn.execute(
                "select public.usage_summary(%s, '2026-11-30', '2026-12-01') -> 'totals' ->> 'cost' as cost",
                (project,)).fetchone()["cost"]
        conn.execute("reset role")
    assert applied[:4] == ["20261202000900_tenancy.sql", "20261202000910_tenancy_functions.sql",
                           "20261202000920_project_names_per_organisation.sql", "20261202000990_tenancy_fence_sweep.sql"]
    assert applied == sorted(p.name for p in (supabase_dir() / "migrations").glob("*.sql") if p.name >= TENANCY)
    assert org == {"name": "Default", "is_default": True}
    assert totals == {"first@upgrade.example": "0.000045", "second@upgrade.example": "0"}
