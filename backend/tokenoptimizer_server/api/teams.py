"""Organisations, projects, members, invitations and project keys, for signed-in users.

Access is declared once: the blueprint's before_request wants a signed-in user, and every
connection a route takes then runs as that user (auth/caller.py), so the database's row-level
security and team functions (supabase/migrations/*_tenancy*.sql) decide what each role may do.
A route only shapes the answer: what the fence hides is a 404, what it refuses a 403.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import psycopg
from flask import Blueprint, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from .. import db
from ..auth import invitations, signed_in_only
from ..errors import ApiError
from .account import EMAIL, body
from .answers import Answer
from .contract import PUBLIC, answers, spec

bp = Blueprint("teams", __name__)
bp.before_request(signed_in_only)
Role = Literal["owner", "admin", "viewer"]
Name = Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")


class NameBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Name


class InvitationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320, pattern=EMAIL)
    role: Role = "viewer"


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class Created(Answer):
    id: uuid.UUID
    name: str
    organisation_id: uuid.UUID | None = None


class Member(Answer):
    user_id: uuid.UUID
    email: str
    role: Role
    created_at: datetime


class Members(Answer):
    members: list[Member]


class Invitation(Answer):
    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime
    token: str = Field(description="Shown once: the invitee posts it to /api/invitations/accept.")
    link: str = Field(description="The dashboard's accept page with the token.")
    emailed: bool = Field(description="Hosted mode: whether Supabase Auth mailed the link.")
    email_note: str | None = Field(None, description="Why it was not mailed, when it was not.")


class Accepted(Answer):
    organisation_id: uuid.UUID


class Key(Answer):
    id: uuid.UUID
    name: str
    display_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    dropped_events: int


class Keys(Answer):
    keys: list[Key]


class NewKey(Answer):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    display_prefix: str
    created_at: datetime
    key: str = Field(description="Shown once; only its hash is stored.")


class Removed(Answer):
    removed: int


class Revoked(Answer):
    revoked: int


def _gone(what: str) -> ApiError:
    """The same answer whether it does not exist or the caller may not see it."""
    return ApiError(404, "not_found", f"no such {what}", [{"field": what, "message": "not found"}])


def _call(sql: str, *args) -> dict:
    """One team function as the caller; a refusal by the database is a 403."""
    with db.pool().connection() as conn:
        try:
            return conn.execute(sql, args).fetchone()
        except psycopg.errors.InsufficientPrivilege as err:
            raise ApiError(403, "not_allowed", str(err).split("\n")[0]) from None


@bp.post("/api/organisations")
@spec.validate(json=NameBody, resp=answers(Created, 400, 401, 403, status=201), security=PUBLIC)
def create_organisation(json: NameBody):
    """A new organisation, owned by the caller."""
    json = body(json)
    row = _call("select public.create_organisation(%s) as id", json.name)
    return jsonify({"id": row["id"], "name": json.name}), 201


@bp.post("/api/organisations/<uuid:organisation>/projects")
@spec.validate(json=NameBody, resp=answers(Created, 400, 401, 403, 409, status=201), security=PUBLIC)
def create_project(organisation: uuid.UUID, json: NameBody):
    """A project in the organisation (admins and owners)."""
    json = body(json)
    with db.pool().connection() as conn:
        if not conn.execute("select public.has_role_on_organisation(%s, 'admin') as ok", (organisation,)).fetchone()["ok"]:
            raise _gone("organisation")
        try:
            row = conn.execute("insert into public.projects (name, organisation_id) values (%s, %s) returning id, name, "
                               "organisation_id", (json.name, organisation)).fetchone()
        except psycopg.errors.UniqueViolation:
            raise ApiError(409, "name_taken", "a project with this name exists",
                           [{"field": "name", "message": "taken"}]) from None
    return jsonify(row), 201


@bp.get("/api/organisations/<uuid:organisation>/members")
@spec.validate(resp=answers(Members, 401, 404), security=PUBLIC)
def list_members(organisation: uuid.UUID):
    """Members with email and role (any member may look)."""
    with db.pool().connection() as conn:
        rows = conn.execute("select user_id, email, role::text as role, created_at from public.organisation_member_list(%s)",
                            (organisation,)).fetchall()
    if not rows:
        raise _gone("organisation")
    return jsonify({"members": rows})


@bp.delete("/api/organisations/<uuid:organisation>/members/<uuid:user>")
@spec.validate(resp=answers(Removed, 400, 401, 404), security=PUBLIC)
def remove_member(organisation: uuid.UUID, user: uuid.UUID):
    """Admins remove viewers and admins, owners anyone; anyone may leave. The last owner stays."""
    with db.pool().connection() as conn:
        try:
            removed = conn.execute("delete from public.organisation_members where organisation_id = %s and user_id = %s",
                                   (organisation, user)).rowcount
        except psycopg.errors.CheckViolation as err:
            raise ApiError(400, "last_owner", str(err).split("\n")[0], [{"field": "user", "message": "the last owner"}]) from None
    if not removed:
        raise _gone("member")
    return jsonify({"removed": removed})


@bp.post("/api/organisations/<uuid:organisation>/invitations")
@spec.validate(json=InvitationBody, resp=answers(Invitation, 400, 401, 403, status=201), security=PUBLIC)
def invite(organisation: uuid.UUID, json: InvitationBody):
    """An invitation by email; the token in the answer goes into the accept link (hosted: mailed too)."""
    json = body(json)
    inv = _call("select public.create_invitation(%s, %s, %s::public.organisation_role) as inv",
                organisation, json.email, json.role)["inv"]
    settings = current_app.config["SETTINGS"]
    link = invitations.accept_link(settings, inv["token"], request.host_url)
    emailed, note = invitations.send_by_email(settings, inv["email"], link)
    return jsonify({**inv, "link": link, "emailed": emailed, "email_note": note}), 201


@bp.post("/api/invitations/accept")
@spec.validate(json=AcceptBody, resp=answers(Accepted, 400, 401, 403), security=PUBLIC)
def accept(json: AcceptBody):
    """Join the organisation the invitation is for (it must be addressed to the caller's email)."""
    json = body(json)
    row = _call("select public.accept_invitation(%s) as organisation_id", json.token)
    return jsonify(row)


@bp.get("/api/projects/<uuid:project>/keys")
@spec.validate(resp=answers(Keys, 401, 404), security=PUBLIC)
def list_keys(project: uuid.UUID):
    """The project's keys, by prefix (admins and owners)."""
    with db.pool().connection() as conn:
        if not conn.execute("select public.has_role_on_project(%s, 'admin') as ok", (project,)).fetchone()["ok"]:
            raise _gone("project")
        rows = conn.execute("select id, name, display_prefix, created_at, last_used_at, revoked_at, dropped_events "
                            "from public.api_keys where project_id = %s order by created_at", (project,)).fetchall()
    return jsonify({"keys": rows})


@bp.post("/api/projects/<uuid:project>/keys")
@spec.validate(json=NameBody, resp=answers(NewKey, 400, 401, 403, status=201), security=PUBLIC)
def create_key(project: uuid.UUID, json: NameBody):
    """A new key; its raw value is in this answer only."""
    json = body(json)
    row = _call("select public.create_api_key(%s, %s) as key", project, json.name)
    return jsonify(row["key"]), 201


@bp.delete("/api/projects/<uuid:project>/keys/<uuid:key>")
@spec.validate(resp=answers(Revoked, 401, 404), security=PUBLIC)
def revoke_key(project: uuid.UUID, key: uuid.UUID):
    """Revoke a key: the next event sent with it is refused (401)."""
    with db.pool().connection() as conn:
        revoked = conn.execute("update public.api_keys set revoked_at = now() where project_id = %s and id = %s "
                               "and revoked_at is null", (project, key)).rowcount
    if not revoked:
        raise _gone("key")
    return jsonify({"revoked": revoked})
