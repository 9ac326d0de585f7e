"""Browser sessions of the self-hosted API: a random token in an http-only, SameSite=Strict cookie,
stored only as a hash (auth.sessions), and a CSRF token bound to the session.

CSRF: every write (POST, PUT, PATCH, DELETE) that a session cookie authenticates must repeat the
session's CSRF token in the X-CSRF-Token header (the dashboard reads it from the `to_csrf` cookie,
which a page on another site cannot). Synchronizer token of OWASP's cheat sheet, compared in
constant time; with server-side sessions it is a few lines, so no library (Flask-WTF's CSRFProtect
wants Flask's signed cookie session, which we do not use).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import psycopg
from flask import Response, current_app, g, request

from ..errors import ApiError

SESSION_COOKIE = "to_session"
CSRF_COOKIE = "to_csrf"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME = timedelta(days=14)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(conn: psycopg.Connection, user_id, response: Response) -> str:
    """A new session for the user, its cookies set on the response; returns the CSRF token."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute("delete from auth.sessions where user_id = %s and not_after < now()", (user_id,))
    conn.execute("insert into auth.sessions (user_id, token_hash, csrf_hash, not_after) values (%s, %s, %s, now() + %s)",
                 (user_id, _hash(token), _hash(csrf), LIFETIME))
    secure = cookies_secure()
    age = int(LIFETIME.total_seconds())
    response.set_cookie(SESSION_COOKIE, token, max_age=age, httponly=True, secure=secure, samesite="Strict", path="/")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, httponly=False, secure=secure, samesite="Strict", path="/")
    return csrf


def end(conn: psycopg.Connection, response: Response) -> None:
    """Sign out: the session row goes, and both cookies."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        conn.execute("delete from auth.sessions where token_hash = %s", (_hash(token),))
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=cookies_secure(), samesite="Strict")


def cookies_secure() -> bool:
    """Secure cookies unless the public URL is plain http (a test or a LAN setup on http)."""
    url = current_app.config["SETTINGS"].public_base_url or ""
    return not url.startswith("http://")


def lookup(conn: psycopg.Connection, token: str) -> dict | None:
    """The signed-in user of a session token, or None when it is unknown or expired."""
    return conn.execute(
        "select u.id, u.email, s.csrf_hash from auth.sessions s join auth.users u on u.id = s.user_id "
        "where s.token_hash = %s and s.not_after > now()", (_hash(token),)).fetchone()


def check_csrf(user: dict) -> None:
    """Refuse a cookie-authenticated write without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    offered = request.headers.get(CSRF_HEADER, "")
    if not offered or not hmac.compare_digest(_hash(offered), user["csrf_hash"]):
        raise ApiError(403, "csrf_failed", f"a signed-in write needs the {CSRF_HEADER} header (the {CSRF_COOKIE} cookie)",
                       [{"field": CSRF_HEADER, "message": "missing or not this session's"}])


def signed_in_user() -> dict | None:
    """This request's signed-in user (resolved once per request by auth.resolve_caller)."""
    return g.get("signed_in_user")
