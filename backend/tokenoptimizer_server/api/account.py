"""Self-hosted sign-up, sign-in, sign-out and who am I (docs/security.md).

A session lives in an http-only cookie; writes made with it must carry the CSRF token
(auth/sessions.py). Sign-up and sign-in take JSON only, so a form on another site cannot post them.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, make_response
from pydantic import BaseModel, ConfigDict, Field

from .. import db
from ..auth import require_user, sessions, users
from ..auth.caller import owner_connection
from ..errors import ApiError
from .answers import Answer
from .contract import PUBLIC, answers, spec

bp = Blueprint("account", __name__)
EMAIL = r"^[^@\s\x00]+@[^@\s\x00]+$"  # as the invitations table checks it; the link in the mail proves the rest


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320, pattern=EMAIL)
    password: str = Field(min_length=1, max_length=1000)


class User(Answer):
    id: uuid.UUID
    email: str


class SignedIn(Answer):
    user: User
    csrf_token: str = Field(description="Send it back as X-CSRF-Token on every write (also in the to_csrf cookie).")


class MeProject(Answer):
    id: uuid.UUID
    name: str


class MeOrganisation(Answer):
    id: uuid.UUID
    name: str
    role: str
    projects: list[MeProject]


class Me(Answer):
    user: User
    platform_admin: bool
    organisations: list[MeOrganisation]


def body(parsed: BaseModel | None):
    """The parsed JSON body; spectree passes None when there is none (or it is not JSON)."""
    if parsed is None:
        raise ApiError(400, "invalid_json", "the body must be a JSON object", [{"field": "body", "message": "missing"}])
    return parsed


def _not_hosted() -> None:
    """Hosted mode: Supabase Auth signs people up and in (its auth.users is GoTrue's, not ours)."""
    if current_app.config["SETTINGS"].mode == "hosted":
        raise ApiError(404, "not_here", "hosted mode: sign up and in through Supabase Auth")


def _signed_in(conn, user: dict, status: int):
    response = make_response()
    csrf = sessions.start(conn, user["id"], response)
    response.set_data(jsonify({"user": {"id": str(user["id"]), "email": user["email"]}, "csrf_token": csrf}).get_data())
    response.status_code, response.mimetype = status, "application/json"
    return response


@bp.post("/api/auth/signup")
@spec.validate(json=Credentials, resp=answers(SignedIn, 400, 404, 409, status=201), security=PUBLIC)
def sign_up(json: Credentials):
    """A new account, signed in; the first account owns the default organisation."""
    _not_hosted()
    json = body(json)
    with owner_connection() as conn:
        user = users.sign_up(conn, json.email, json.password)
        return _signed_in(conn, user, 201)


@bp.post("/api/auth/signin")
@spec.validate(json=Credentials, resp=answers(SignedIn, 400, 401, 404), security=PUBLIC)
def sign_in(json: Credentials):
    """Email and password in, a session cookie out."""
    _not_hosted()
    json = body(json)
    with owner_connection() as conn:
        user = users.check_password(conn, json.email, json.password)
        if user is None:
            raise ApiError(401, "bad_credentials", "wrong email or password")
        return _signed_in(conn, user, 200)


@bp.post("/api/auth/signout")
@spec.validate(resp=answers(None, 403, status=204), security=PUBLIC)
def sign_out():
    """The session ends on the server, and its cookies in the browser."""
    response = make_response("", 204)
    with owner_connection() as conn:
        sessions.end(conn, response)
    return response


@bp.get("/api/auth/me")
@spec.validate(resp=answers(Me, 401), security=PUBLIC)
def me():
    """The signed-in user with their organisations, roles and projects (read as the user, under RLS)."""
    user = require_user()
    with db.pool().connection() as conn:
        orgs = conn.execute(
            "select o.id, o.name, m.role::text as role, coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name) "
            "order by p.name) filter (where p.id is not null), '[]') as projects "
            "from public.organisations o join public.organisation_members m on m.organisation_id = o.id "
            "and m.user_id = (select auth.uid()) left join public.projects p on p.organisation_id = o.id "
            "group by o.id, o.name, m.role order by o.name").fetchall()
        admin = conn.execute("select public.is_platform_admin() as yes").fetchone()["yes"]
    return jsonify({"user": {"id": str(user["id"]), "email": user["email"]}, "platform_admin": admin, "organisations": orgs})
