"""Who is calling, resolved once per request, and the database seeing the same caller.

A request carrying a session cookie (and no Bearer token: scripts and the CLI use the admin token)
is a signed-in user's. Every pooled connection such a request takes runs in one transaction as
`authenticated` with the user's claims, the way PostgREST runs a Supabase request, so the same
row-level security fences it (supabase/migrations/*_tenancy*.sql). `set local` ends with the
transaction, so nothing leaks into the next request, through a transaction pooler too.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import psycopg
from flask import g, has_request_context, request
from psycopg.pq import TransactionStatus

from .. import db
from ..api.access import bearer_token
from ..errors import ApiError
from . import sessions


def resolve_caller() -> None:
    """before_request: the session cookie's user (CSRF checked on writes), or nobody."""
    g.signed_in_user = None
    token = request.cookies.get(sessions.SESSION_COOKIE)
    if not token or bearer_token():
        return
    with owner_connection() as conn:
        user = sessions.lookup(conn, token)
    if user is not None:
        sessions.check_csrf(user)
        g.signed_in_user = user


def require_user() -> dict:
    """The signed-in user, or a 401 (declared once per blueprint as its before_request)."""
    user = g.get("signed_in_user")
    if user is None:
        raise ApiError(401, "not_signed_in", "sign in first (POST /api/auth/signin)")
    return user


def signed_in_only() -> None:
    """A blueprint's before_request: its routes are for signed-in users (returns nothing, so Flask goes on)."""
    require_user()


def claims(user: dict) -> str:
    """request.jwt.claims as PostgREST sets them from a Supabase access token."""
    return json.dumps({"sub": str(user["id"]), "email": user["email"], "role": "authenticated", "aud": "authenticated"})


@contextmanager
def owner_connection():
    """A connection as the tables' owner, for signing in and looking sessions up."""
    g.as_owner = True
    try:
        with db.pool().connection() as conn:
            yield conn
    finally:
        g.as_owner = False


def run_as_caller(conn: psycopg.Connection) -> None:
    """Checkout hook: a signed-in user's connection runs one transaction as that user."""
    if not has_request_context() or g.get("as_owner"):
        return
    user = g.get("signed_in_user")
    if user is None:
        return
    conn.autocommit = False
    conn.execute("set local role authenticated")
    # claim.sub too: record_price_change and older auth.uid() read the single-claim setting.
    conn.execute("select set_config('request.jwt.claims', %s, true), set_config('request.jwt.claim.sub', %s, true)",
                 (claims(user), str(user["id"])))
    conn._tokenoptimizer_caller = True


def back_to_owner(conn: psycopg.Connection) -> None:
    """Checkin hook: end the user's transaction (if the route did not) and restore autocommit."""
    if not getattr(conn, "_tokenoptimizer_caller", False):
        return
    conn._tokenoptimizer_caller = False
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = True
    except psycopg.Error:
        conn.close()  # a broken connection: the pool replaces it


def init_app(app) -> None:
    """Resolve the caller before every Flask route; make the pool run their requests as them."""
    app.before_request(resolve_caller)
    # What the fence refuses (a write the policies do not admit) is a 403, never a 500.
    app.register_error_handler(psycopg.errors.InsufficientPrivilege, lambda err: app.handle_user_exception(
        ApiError(403, "not_allowed", "your role in this organisation does not allow this")))
    if run_as_caller not in db.checkout_hooks:
        db.checkout_hooks.append(run_as_caller)
        db.checkin_hooks.append(back_to_owner)
