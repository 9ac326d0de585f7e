"""Two organisations with everything a project can hold, for the tenancy tests; run as a client.

Organisation A: owner_a (owner), viewer_a (viewer), extra_a (viewer; the row members tests act on).
Organisation B: owner_b (owner), admin_b (admin), extra_b (viewer). Each has one project with usage
(priced and unpriced, in sessions), a key, a project price, efficiency settings, an alert rule and
alert, conversations and an invitation. Built once per test run as the tables' owner.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

USERS = ("owner_a", "viewer_a", "extra_a", "owner_b", "admin_b", "extra_b", "stranger", "platform")
ROLES = {"A": {"owner_a": "owner", "viewer_a": "viewer", "extra_a": "viewer"},
         "B": {"owner_b": "owner", "admin_b": "admin", "extra_b": "viewer"}}


@dataclass
class World:
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)
    projects: dict[str, uuid.UUID] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)

    def role(self, user: str, org: str) -> str | None:
        return ROLES[org].get(user)


def _event(project: uuid.UUID, n: int, ts: datetime, session: str, priced: bool) -> dict:
    return {"id": str(uuid.uuid4()), "project_id": str(project), "ts": ts.isoformat(), "model": "gpt-4o" if priced else "mystery-1",
            "provider": "openai", "endpoint_name": "chat", "prompt_tokens": 100 * (n + 1), "completion_tokens": 20,
            "total_tokens": 100 * (n + 1) + 20, "cached_tokens": 0, "cache_write_tokens": 0, "cache_write_1h_tokens": 0,
            "reasoning_tokens": 0, "latency_ms": 100 + n, "status": "ok", "stream": False, "session_id": session,
            "input_cost": "0.00025" if priced else None, "output_cost": "0.0002" if priced else None,
            "total_cost": "0.00045" if priced else None, "priced": priced,
            "unpriced_reason": None if priced else "no_price_row"}


def _fill_project(conn: psycopg.Connection, world: World, org: str) -> None:
    """Usage, a key, prices, settings, an alert rule and alert, conversations and an invitation."""
    project = world.projects[org]
    session = world.sessions[org]
    start = conn.execute("select date_trunc('minute', now()) - interval '2 hours' as t").fetchone()["t"]
    # Five turns a minute apart (one conversation), the fourth of an unknown model (unpriced).
    events = [_event(project, n, start + timedelta(minutes=n), session, priced=n != 3) for n in range(5)]
    conn.execute("select public.store_usage(%s::json)", (json.dumps(events),))
    conn.execute("insert into public.api_keys (project_id, name, key_hash, display_prefix) values (%s, 'k', %s, 'to_matrix')",
                 (project, uuid.uuid4().hex))
    conn.execute("insert into public.project_model_pricing (project_id, model, input_price, output_price, source) "
                 "values (%s, 'gpt-4o', 0.001, 0.002, 'manual')", (project,))
    conn.execute("insert into public.efficiency_settings (project_id) values (%s)", (project,))
    conn.execute("insert into public.model_equivalences (project_id, endpoint_name, model, candidate_model) "
                 "values (%s, 'chat', 'gpt-4o', 'gpt-4.1-mini')", (project,))
    # Webhooks to a loopback alias nothing listens on, and an outbox row already sent: the alerts job
    # of any server on this database must never post one of these anywhere.
    rule = conn.execute("insert into public.alert_rules (project_id, kind, name, threshold, webhook_url, webhook_secret) "
                        "values (%s, 'daily_spend', 'spend', 1, 'http://127.0.0.2:9/hook', 's3cret') returning id",
                        (project,)).fetchone()["id"]
    alert = conn.execute(
        "insert into public.alerts (project_id, rule_id, subject, state, first_seen, last_seen, message, evidence) "
        "values (%s, %s, 'today', 'firing', now(), now(), 'over budget', '{}') returning id", (project, rule)).fetchone()["id"]
    conn.execute("insert into public.alert_outbox (project_id, rule_id, alert_id, transition, url, format, payload, sent_at) "
                 "values (%s, %s, %s, 'firing', 'http://127.0.0.2:9/hook', 'slack', '{}', now())", (project, rule, alert))
    conn.execute("insert into public.alert_defaults (project_id) values (%s)", (project,))
    conn.execute("insert into public.invitations (organisation_id, email, role, token_hash, expires_at) "
                 "values (%s, %s, 'viewer', %s, now() + interval '1 day')",
                 (world.orgs[org], f"invitee-{org.lower()}@matrix.example", uuid.uuid4().hex))
    conn.execute("insert into public.model_pricing_history (project_id, model, operation, changed_by) "
                 "values (%s, 'gpt-4o', 'insert', 'matrix')", (project,))
    conn.execute("select public.store_shadow_runs(%s::json)", (json.dumps([{  # a shadow comparison verdict
        "project_id": str(project), "id": str(uuid.uuid4()), "ts": start.isoformat(), "endpoint_name": "chat",
        "sampled_call_id": str(uuid.uuid4()), "current_model": "gpt-4o", "candidate_model": "gpt-4.1-mini",
        "candidate_provider": "openai", "status": "ok", "prompt_tokens": 10, "completion_tokens": 2,
        "current_prompt_tokens": 10, "current_completion_tokens": 2, "latency_ms": 5, "current_latency_ms": 9,
        "cached_tokens": 0, "cache_write_tokens": 0, "current_cached_tokens": 0, "current_cache_write_tokens": 0,
        "score": 1, "agreed": True, "comparator": "exact_label", "candidate_cost": "0.0000072"}]),))


def _fill_global(conn: psycopg.Connection) -> None:
    """A row in each backend-only or reference table that a fresh database leaves empty."""
    conn.execute("insert into public.model_catalogue (model, source) values ('matrix-model', 'matrix') on conflict do nothing")
    conn.execute("insert into public.price_sync_state (url, model_count) values ('file:///matrix', 1) on conflict do nothing")
    conn.execute("insert into public.job_runs (name, holder, last_started_at) values ('matrix', 'test', now()) on conflict do nothing")
    conn.execute("insert into public.reprice_audit (ran_by, since, scope, rows_changed, cost_before, cost_after, "
                 "unpriced_before, unpriced_after) values ('matrix', now(), 'all', 0, 0, 0, 0, 0)")


def build(conn: psycopg.Connection) -> World:
    """Create the world (committed: the test database is this run's own)."""
    world = World()
    tag = uuid.uuid4().hex[:8]
    for name in USERS:
        world.users[name] = conn.execute("insert into auth.users (email) values (%s) returning id",
                                         (f"{name}-{tag}@matrix.example",)).fetchone()["id"]
    conn.execute("insert into public.platform_admins (user_id) values (%s)", (world.users["platform"],))
    for org, members in ROLES.items():
        world.orgs[org] = conn.execute("insert into public.organisations (name) values (%s) returning id",
                                       (f"org {org} {tag}",)).fetchone()["id"]
        for user, role in members.items():
            conn.execute("insert into public.organisation_members (organisation_id, user_id, role) values (%s, %s, %s)",
                         (world.orgs[org], world.users[user], role))
        world.projects[org] = conn.execute("insert into public.projects (name, organisation_id) values (%s, %s) returning id",
                                           (f"matrix {org} {tag}", world.orgs[org])).fetchone()["id"]
        world.sessions[org] = f"session-{org}-{tag}"
        _fill_project(conn, world, org)
    conn.execute("select public.refresh_conversations()")
    _fill_global(conn)
    return world


def claims(world: World, user: str | None) -> str | None:
    """request.jwt.claims of a signed-in user, as PostgREST and the self-hosted API set them."""
    if user is None:
        return None
    return json.dumps({"sub": str(world.users[user]), "role": "authenticated", "email": f"{user}@matrix.example"})


@contextmanager
def as_client(conn: psycopg.Connection, world: World, user: str | None):
    """A transaction run as `authenticated` with the user's claims (anon when user is None), rolled back."""
    with conn.transaction(force_rollback=True):
        become(conn, world, user)
        yield conn


def become(conn: psycopg.Connection, world: World, user: str | None) -> None:
    """Switch the current transaction to this user (set local: gone at its end)."""
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier("anon" if user is None else "authenticated")))
    conn.execute("select set_config('request.jwt.claims', %s, true)", (claims(world, user) or "",))
