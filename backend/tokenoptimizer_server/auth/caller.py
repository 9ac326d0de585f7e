"""Who is calling, resolved once per request, and the database seeing the same caller.

A request carrying a session cookie (and no Bearer token: scripts and the CLI use the admin token)
is a signed-in user's; in hosted mode, so is one with a Supabase access token as its Bearer token
(HS256, signed with SUPABASE_JWT_SECRET, audience `authenticated`), whose claims go to Postgres as
they are, as PostgREST passes them. Every pooled connection such a request takes runs in one transaction as
`authenticated` with the user's claims, the way PostgREST runs a Supabase request, so the same
row-level security fences it (supabase/migrations/*_tenancy*.sql). `set local` ends with the
transaction, so nothing leaks into the next request, through a transaction pooler too.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import jwt
import psycopg
from flask_cors import CORS
from flask import current_app, g, has_request_context, request
from psycopg.pq import TransactionStatus

from .. import db
from ..api.access import bearer_token, is_admin_token
from ..errors import ApiError
from . import sessions


def resolve_caller() -> None:
    """before_request: the Supabase token's user (hosted), the session cookie's user (CSRF checked
    on writes, self-hosted), or nobody."""
    g.signed_in_user = None
    bearer = bearer_token()
    if bearer:
        g.signed_in_user = supabase_user(bearer)
        return
    token = request.cookies.get(sessions.SESSION_COOKIE)
    if not token or current_app.config["SETTINGS"].mode == "hosted":
        return
    with owner_connection() as conn:
        user = sessions.lookup(conn, token)
    if user is not None:
        sessions.check_csrf(user)
        g.signed_in_user = user


def supabase_user(token: str) -> dict | None:
    """Hosted mode: the user of a Supabase access token (a 401 saying why when it is expired or
    badly signed); None for any other Bearer token (the admin token)."""
    settings = current_app.config["SETTINGS"]
    if settings.mode != "hosted" or token.count(".") != 2 or is_admin_token(token):
        return None
    try:
        payload = jwt.decode(token, settings.supabase_jwt_secret, algorithms=["HS256"], audience="authenticated",
                             options={"require": ["exp", "sub", "aud"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "the Supabase access token has expired: sign in again",
                       [{"field": "Authorization", "message": "expired"}]) from None
    except jwt.InvalidTokenError as err:
        raise ApiError(401, "invalid_token", f"the Bearer token is not a valid Supabase access token: {err}",
                       [{"field": "Authorization", "message": str(err)}]) from None
    if payload.get("role") != "authenticated":
        raise ApiError(401, "invalid_token", "the Supabase access token is not a signed-in user's (role "
                       f"{payload.get('role')!r})", [{"field": "Authorization", "message": "not role authenticated"}])
    return {"id": payload["sub"], "email": payload.get("email") or "", "claims": payload}


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
    """request.jwt.claims as PostgREST sets them: a Supabase token's own, or the same shape for a session."""
    return json.dumps(user.get("claims") or
                      {"sub": str(user["id"]), "email": user["email"], "role": "authenticated", "aud": "authenticated"})


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


def _preflight():
    """A CORS preflight carries no token: answer it before any guard asks for one."""
    if request.method == "OPTIONS":
        return current_app.make_default_options_response()
    return None


def init_app(app) -> None:
    """Resolve the caller before every Flask route; make the pool run their requests as them."""
    settings = app.config["SETTINGS"]
    if settings.mode == "hosted" and settings.dashboard_url:
        # The dashboard is a static site on its own origin; it sends a Bearer token, never cookies.
        CORS(app, resources={r"/api/*": {"origins": [settings.dashboard_url]}}, supports_credentials=False,
             allow_headers=["Authorization", "Content-Type"], expose_headers=["Content-Disposition"], max_age=600)
        app.before_request(_preflight)
    app.before_request(resolve_caller)
    # What the fence refuses (a write the policies do not admit) is a 403, never a 500.
    app.register_error_handler(psycopg.errors.InsufficientPrivilege, lambda err: app.handle_user_exception(
        ApiError(403, "not_allowed", "your role in this organisation does not allow this")))
    if run_as_caller not in db.checkout_hooks:
        db.checkout_hooks.append(run_as_caller)
        db.checkin_hooks.append(back_to_owner)
