"""The tenancy fence, cell by cell, against real Postgres (issue 10, docs/security.md).

Users (owner of A, viewer of A, admin of B, a stranger who belongs to nothing, and anon) x the two
organisations x every table x select, insert, update and delete, plus every client-callable function
that takes a project or an organisation. Each cell runs as `authenticated` with the user's
request.jwt.claims (or as `anon`) in a transaction that rolls back, and is allowed or denied exactly
as DESIGN says. A table or function with no design fails the test, so nothing joins unjudged.

Verdicts: a row seen, inserted, updated or deleted is "allowed"; none, or SQLSTATE 42501, is
"denied". An insert the policies admit but a constraint refuses (a unique key) is "allowed": the
fence let it through. A read function is "allowed" when it answers what the owner sees, "denied"
when it answers what it answers for a project that does not exist (an outsider learns nothing).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import sql

from . import tenancy_world
from .tenancy_world import as_client, become

V, A, O = "viewer", "admin", "owner"
SIGNED_IN, PLATFORM, NOBODY = "signed in", "platform admin", None
RANK = {V: 1, A: 2, O: 3}

# Per table: who may (select, insert, update, delete) the organisation's rows.
TENANT_TABLES = {
    "organisations": (V, NOBODY, O, O),
    "organisation_members": (V, NOBODY, A, A),
    "invitations": (A, NOBODY, NOBODY, A),
    "projects": (V, A, A, O),
    "api_keys": (A, A, A, A),
    "project_model_pricing": (V, A, A, A),
    "model_pricing_history": (V, NOBODY, NOBODY, NOBODY),
    "usage_logs": (V, NOBODY, NOBODY, NOBODY),
    "usage_rollups_hourly": (V, NOBODY, NOBODY, NOBODY),
    "usage_rollups_daily": (V, NOBODY, NOBODY, NOBODY),
    "usage_unpriced_hourly": (V, NOBODY, NOBODY, NOBODY),
    "usage_unpriced_daily": (V, NOBODY, NOBODY, NOBODY),
    "shadow_runs": (V, NOBODY, NOBODY, NOBODY),
    "conversations": (V, NOBODY, NOBODY, NOBODY),
    "conversation_refresh": (V, NOBODY, NOBODY, NOBODY),
    "efficiency_settings": (V, A, A, A),
    "alert_rules": (A, A, A, A),
    "model_equivalences": (V, A, A, A),
    "alerts": (V, NOBODY, NOBODY, NOBODY),
    "alert_defaults": (NOBODY, NOBODY, NOBODY, NOBODY),
    "alert_outbox": (NOBODY, NOBODY, NOBODY, NOBODY),
}
# Tables with no organisation: who may touch their rows at all.
GLOBAL_TABLES = {
    "model_pricing": (SIGNED_IN, PLATFORM, PLATFORM, PLATFORM),
    "model_catalogue": (SIGNED_IN, NOBODY, NOBODY, NOBODY),
    "unpriced_reasons": (SIGNED_IN, NOBODY, NOBODY, NOBODY),
    "platform_admins": (PLATFORM, NOBODY, NOBODY, NOBODY),  # the platform admin sees their own row
    "reprice_audit": (NOBODY, NOBODY, NOBODY, NOBODY),
    "price_sync_state": (NOBODY, NOBODY, NOBODY, NOBODY),
    "job_runs": (NOBODY, NOBODY, NOBODY, NOBODY),
    "tokenoptimizer_migrations": (NOBODY, NOBODY, NOBODY, NOBODY),
}
# The global rows of a tenant table (list-price history), judged like a global table.
GLOBAL_ROWS = {"model_pricing_history": ("project_id is null", (SIGNED_IN, NOBODY, NOBODY, NOBODY))}
# Functions that take a project or organisation; reads not listed need the viewer role.
FUNCTIONS = {"create_api_key": A, "create_invitation": A}
# The fence's own helpers answer about the caller (true for a member) rather than about the tenant.
ANSWER_ABOUT_THE_CALLER = {"has_role_on_project", "has_role_on_organisation"}
MATRIX_USERS = ("owner_a", "viewer_a", "admin_b", "stranger", None)  # None: anon
OPERATIONS = ("select", "insert", "update", "delete")


def may(level: str | None, user: str | None, role: str | None) -> bool:
    """Whether the design admits this user (with this role in the row's organisation)."""
    if level is None or user is None:
        return False
    if level == SIGNED_IN:
        return True
    if level == PLATFORM:
        return user == "platform"
    return role is not None and RANK[role] >= RANK[level]


@pytest.fixture(scope="module")
def owner(database_url):
    """A connection as the tables' owner (the API's role), for building and reading the world."""
    with psycopg.connect(database_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        yield conn


@pytest.fixture(scope="module")
def world(owner):
    return tenancy_world.build(owner)


@pytest.fixture(scope="module")
def client_conn(database_url):
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        yield conn


@pytest.fixture(scope="module")
def results(request):
    """Every cell's verdict; printed at the end of the module as the matrix for the release note."""
    tally: list[tuple[str, str, str, str, bool]] = []
    yield tally
    if tally:
        with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
            print("\n" + "\n".join(matrix_lines(tally)))


def matrix_lines(tally: list[tuple[str, str, str, str, bool]]) -> list[str]:
    """N cases, allowed and denied, in total and per table or function."""
    by_object = Counter((r[0], r[4]) for r in tally)
    allowed = sum(1 for r in tally if r[4])
    lines = [f"tenancy matrix: {len(tally)} cases, {allowed} allowed, {len(tally) - allowed} denied, each as designed"]
    for obj in sorted({r[0] for r in tally}):
        lines.append(f"  {obj:<40} allowed {by_object[(obj, True)]:>3}   denied {by_object[(obj, False)]:>3}")
    return lines


def _table_facts(conn, table: str) -> dict:
    """Columns, primary key, insertable columns, a unique column to vary and a column to update."""
    rel = f"public.{table}"
    cols = conn.execute(
        "select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attidentity <> '' or a.attgenerated <> '' as generated "
        "from pg_attribute a where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (rel,)).fetchall()
    pk = [r["name"] for r in conn.execute(
        "select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
        "where i.indrelid = %s::regclass and i.indisprimary", (rel,)).fetchall()]
    fk = {r["name"] for r in conn.execute(
        "select a.attname as name from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey) "
        "where c.conrelid = %s::regclass and c.contype = 'f'", (rel,)).fetchall()}
    unique = [r["name"] for r in conn.execute(
        "select distinct on (i.indexrelid) a.attname as name from pg_index i "
        "join lateral unnest(i.indkey) with ordinality k(attnum, n) on true "
        "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum "
        "where i.indrelid = %s::regclass and i.indisunique and a.attname <> all(%s) order by i.indexrelid, k.n",
        (rel, list(fk))).fetchall()]
    updatable = [c["name"] for c in cols if c["name"] not in pk and conn.execute(
        "select has_column_privilege('authenticated', %s, %s, 'UPDATE') and has_column_privilege('authenticated', %s, %s, 'SELECT') as ok",
        (rel, c["name"], rel, c["name"])).fetchone()["ok"]]
    return {"cols": cols, "pk": pk, "vary": unique,
            "update": (updatable or [c["name"] for c in cols if c["name"] not in pk])[0]}


def _target(conn, table: str, where: str, params: dict) -> dict:
    """One row of the table matching `where`, as JSON (read as the owner)."""
    row = conn.execute(sql.SQL("select to_jsonb(t) as row from {} t where " + where + " limit 1").format(
        sql.Identifier("public", table)), params).fetchone()
    assert row is not None, f"the test world has no {table} row where {where}"
    return row["row"]


def _copy(row: dict, facts: dict) -> dict:
    """The row with its unique columns varied, for an insert that only the fence can refuse."""
    new = dict(row)
    for name in facts["vary"]:
        col = next(c for c in facts["cols"] if c["name"] == name)
        if col["type"] == "uuid":
            new[name] = str(uuid.uuid4())
        elif col["type"] == "text":
            new[name] = f"{row[name]}-copy"
        elif col["type"].startswith("timestamp"):
            new[name] = (datetime.fromisoformat(row[name]) + timedelta(days=1)).isoformat()
    return new


def _statement(op: str, table: str, facts: dict, row: dict):
    """The SQL of one cell and its parameters; the row is named by its primary key."""
    ident = sql.Identifier("public", table)
    key = sql.SQL(" and ").join(sql.SQL("{} = (%s::jsonb ->> {})::{}").format(
        sql.Identifier(k), sql.Literal(k), sql.SQL(next(c["type"] for c in facts["cols"] if c["name"] == k)))
        for k in facts["pk"])
    keys = [json.dumps(row)] * len(facts["pk"])
    if op == "select":
        return sql.SQL("select count(*) as n from {} where {}").format(ident, key), keys
    if op == "update":
        col = sql.Identifier(facts["update"])
        return sql.SQL("update {} set {} = {} where {}").format(ident, col, col, key), keys
    if op == "delete":
        return sql.SQL("delete from {} where {}").format(ident, key), keys
    cols = sql.SQL(", ").join(sql.Identifier(c["name"]) for c in facts["cols"] if not c["generated"])
    return (sql.SQL("insert into {} ({}) select {} from jsonb_populate_record(null::{}, %s::jsonb)").format(
        ident, cols, cols, ident), [json.dumps(_copy(row, facts))])


def _run_cell(conn, world, user, op, table, facts, row) -> bool:
    """Allowed (True) or denied (False), as defined in the module docstring."""
    statement, params = _statement(op, table, facts, row)
    try:
        with as_client(conn, world, user):
            cur = conn.execute(statement, params)
            return (cur.fetchone()["n"] if op == "select" else cur.rowcount) > 0
    except psycopg.errors.InsufficientPrivilege:
        return False
    except psycopg.errors.IntegrityError:
        return op == "insert" or pytest.fail(f"{user} {op} {table}: a constraint refused a write")


def _client_tables(conn) -> set[str]:
    return {r["relname"] for r in conn.execute(
        "select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')").fetchall()}


def test_every_table_has_a_design(owner):
    """A new table must be added to the design (and given policies) before the fence passes."""
    assert _client_tables(owner) == set(TENANT_TABLES) | set(GLOBAL_TABLES)


@pytest.mark.parametrize("table", sorted(TENANT_TABLES))
def test_tenant_table(owner, client_conn, world, results, table):
    """3 users + stranger + anon x both organisations x 4 operations."""
    facts = _table_facts(owner, table)
    for org in ("A", "B"):
        where = {"organisations": "id = %(org)s",
                 "organisation_members": "organisation_id = %(org)s and user_id = %(extra)s",
                 "invitations": "organisation_id = %(org)s", "projects": "id = %(project)s"}.get(
                    table, "project_id = %(project)s")
        row = _target(owner, table, where, {"org": world.orgs[org], "project": world.projects[org],
                                         "extra": world.users[f"extra_{org.lower()}"]})
        for user in MATRIX_USERS:
            role = world.role(user, org) if user else None
            for op, level in zip(OPERATIONS, TENANT_TABLES[table]):
                got = _run_cell(client_conn, world, user, op, table, facts, row)
                results.append((table, f"org {org}", user or "anon", op, got))
                assert got == may(level, user, role), f"{user or 'anon'} ({role}) {op} {table} of org {org}: {got}"


@pytest.mark.parametrize("table", sorted(GLOBAL_TABLES) + sorted(GLOBAL_ROWS))
def test_global_table(owner, client_conn, world, results, table):
    """Every user (and the platform admin) x 4 operations on a row with no organisation."""
    where, design = GLOBAL_ROWS.get(table) or (
        {"model_pricing": "model = 'gpt-4o'", "platform_admins": "user_id = %(platform)s"}.get(table, "true"),
        GLOBAL_TABLES[table])
    facts = _table_facts(owner, table)
    row = _target(owner, table, where, {"platform": world.users["platform"]})
    for user in MATRIX_USERS + ("platform",):
        for op, level in zip(OPERATIONS, design):
            got = _run_cell(client_conn, world, user, op, table, facts, row)
            results.append((table, "global", user or "anon", op, got))
            assert got == may(level, user, None), f"{user or 'anon'} {op} {table} (global row): {got}"


def _tenant_functions(conn) -> list[dict]:
    """Client-callable functions whose first argument is a project or an organisation."""
    return conn.execute(
        "select p.oid::regprocedure::text as signature, p.proname as name, p.provolatile as volatility, "
        "p.proargnames as args, p.pronargs - p.pronargdefaults as required, p.proretset as set, "
        "p.proargnames[1] as tenant from pg_proc p "
        "where p.pronamespace = 'public'::regnamespace and p.prokind = 'f' and p.prorettype <> 'void'::regtype "
        "and (has_function_privilege('authenticated', p.oid, 'execute') or has_function_privilege('anon', p.oid, 'execute')) "
        "and p.proargnames[1] in ('p_project', 'p_organisation') and p.proargtypes[0] = 'uuid'::regtype "
        "order by p.proname").fetchall()


def _arguments(fn: dict, world, org: str, tenant: uuid.UUID, when: datetime) -> tuple[sql.Composable, list]:
    """Named arguments: the tenant, a range around the world's usage, its session; defaults elsewhere."""
    known = {"p_project": tenant, "p_organisation": tenant, "p_from": when - timedelta(days=3),
             "p_to": when + timedelta(hours=1), "p_now": when, "p_session_id": world.sessions[org],
             "p_days": True, "p_by": "model", "p_email": "someone@matrix.example", "p_name": "matrix"}
    names = [n for i, n in enumerate(fn["args"]) if n in known or i < fn["required"]]
    parts = [sql.SQL("{} => %s").format(sql.Identifier(n)) for n in names]
    return sql.SQL(", ").join(parts), [known.get(n) for n in names]


def _call(conn, fn: dict, args: sql.Composable, params: list):
    """The function's whole answer as JSON, so answers compare exactly."""
    call = sql.SQL("{}({})").format(sql.SQL(fn["signature"].split("(")[0]), args)
    return conn.execute(sql.SQL("select coalesce(jsonb_agg(to_jsonb(r)), '[]'::jsonb) as answer from {} r").format(call),
                        params).fetchone()["answer"]


def _verdict(conn, world, user, fn, org, when) -> bool:
    """Allowed: the answer the organisation's owner gets; denied: 42501, or the answer for a tenant
    that does not exist. One transaction for all four calls, so now() is the same in each."""
    tenant = world.projects[org] if fn["tenant"] == "p_project" else world.orgs[org]
    args, params = _arguments(fn, world, org, tenant, when)
    nowhere_args, nowhere = _arguments(fn, world, org, uuid.uuid4(), when)
    with as_client(conn, world, f"owner_{org.lower()}"):
        owners = None if fn["volatility"] == "v" else _call(conn, fn, args, params)
        owners_absent = None if fn["volatility"] == "v" else _call(conn, fn, nowhere_args, nowhere)
        try:
            with conn.transaction():
                become(conn, world, user)
                got = _call(conn, fn, args, params)
                absent = None if fn["volatility"] == "v" else _call(conn, fn, nowhere_args, nowhere)
        except psycopg.errors.InsufficientPrivilege:
            return False
    if fn["volatility"] == "v":  # a write that went through
        return True
    if fn["name"] in ANSWER_ABOUT_THE_CALLER:  # the helpers: "is the caller a member here?"
        return got == [True]
    assert owners != owners_absent, f"{fn['name']}: the test world gives it nothing to show for org {org}"
    assert got in (owners, absent) and absent == owners_absent, f"{user} {fn['name']}: a partial answer {got}"
    return got == owners


def test_client_functions(owner, client_conn, world, results):
    """Every client-callable function of a project or organisation x users x both organisations."""
    functions = _tenant_functions(owner)
    assert {"usage_summary", "usage_logs_page", "create_api_key", "organisation_member_list"} <= {f["name"] for f in functions}
    when = datetime.now(timezone.utc).replace(microsecond=0)
    for fn in functions:
        for org in ("A", "B"):
            for user in MATRIX_USERS:
                role = world.role(user, org) if user else None
                got = _verdict(client_conn, world, user, fn, org, when)
                results.append((f"{fn['name']}()", f"org {org}", user or "anon", "call", got))
                assert got == may(FUNCTIONS.get(fn["name"], V), user, role), \
                    f"{user or 'anon'} ({role}) calling {fn['signature']} on org {org}: {got}"
