"""Self-hosted users: sign-up and password checks (argon2id, argon2-cffi's recommended parameters).

Users live in auth.users, as on Supabase (locally the shim provides the table); the password hash
is in its encrypted_password column. On Supabase, Supabase Auth signs users in instead.
"""

from __future__ import annotations

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import ApiError

_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong address costs as long as a wrong password.
_UNKNOWN = _hasher.hash("an address nobody signed up with")
MIN_PASSWORD = 10


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_field", f"{field}: {message}", [{"field": field, "message": message}])


def sign_up(conn: psycopg.Connection, email: str, password: str) -> dict:
    """A new user (409 when the address is taken); the first one owns the default organisation."""
    if len(password) < MIN_PASSWORD:
        raise _bad("password", f"must be at least {MIN_PASSWORD} characters")
    with conn.transaction():
        user = conn.execute(
            "insert into auth.users (email, encrypted_password) values (lower(%s), %s) "
            "on conflict (lower(email)) do nothing returning id, email", (email, _hasher.hash(password))).fetchone()
        if user is None:
            raise ApiError(409, "email_taken", "an account with this email already exists",
                           [{"field": "email", "message": "already signed up"}])
        claim_default_organisation(conn, user["id"])
    return user


def claim_default_organisation(conn: psycopg.Connection, user_id) -> None:
    """The first user of an instance owns the default organisation (local mode's data) when it has no owner."""
    conn.execute("select pg_advisory_xact_lock(7438202)")  # two first sign-ups at once: one owner
    conn.execute(
        "insert into public.organisation_members (organisation_id, user_id, role) "
        "select o.id, %s, 'owner' from public.organisations o where o.is_default "
        "and not exists (select from public.organisation_members m where m.organisation_id = o.id)", (user_id,))


def check_password(conn: psycopg.Connection, email: str, password: str) -> dict | None:
    """The user when the password is right, else None (same work either way); rehashes old parameters."""
    user = conn.execute("select id, email, encrypted_password from auth.users where lower(email) = lower(%s)",
                        (email,)).fetchone()
    try:
        _hasher.verify(user["encrypted_password"] if user and user["encrypted_password"] else _UNKNOWN, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user["encrypted_password"]:
        return None
    if _hasher.check_needs_rehash(user["encrypted_password"]):
        conn.execute("update auth.users set encrypted_password = %s where id = %s", (_hasher.hash(password), user["id"]))
    conn.execute("update auth.users set last_sign_in_at = now() where id = %s", (user["id"],))
    return {"id": user["id"], "email": user["email"]}
