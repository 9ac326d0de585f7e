"""Conversations: the sessions list (keyset pages, five sorts), one session, efficiency metrics, settings.

Each read passes one SQL function's JSON through (docs/api.md, docs/efficiency.md); the query
parameters of this blueprint are pydantic models, so a bad value is a 400 naming the field.
"""

from __future__ import annotations

import json
from typing import Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import analytics, db, efficiency
from ..errors import ApiError
from .access import require_admin

bp = Blueprint("sessions", __name__)


class SessionsPageQuery(BaseModel):
    """What /api/tokens/sessions takes besides the common range, project and filters."""

    model_config = ConfigDict(extra="ignore")

    sort: Literal["recent", "cost", "tokens", "turns", "score"] = "recent"
    order: Literal["asc", "desc"] = "desc"
    cursor: str | None = Field(None, max_length=2000, description="The `next` of the previous page.")
    limit: int = Field(50, ge=1, le=500)


def parse(model: type[BaseModel], values: dict) -> BaseModel:
    """Values through a pydantic model; a refusal is our 400 naming each field."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in ("", None)})
    except ValidationError as err:
        details = [{"field": ".".join(map(str, e["loc"])) or "body", "message": e["msg"]} for e in err.errors()]
        raise ApiError(400, "invalid_parameter", f"{details[0]['field']}: {details[0]['message']}", details) from None


def _json(body: str) -> Response:
    return Response(body, mimetype="application/json")


@bp.get("/api/tokens/sessions")
def sessions():
    """Conversations in the range, one keyset page, sorted by recency, cost, tokens, turns or score."""
    require_admin()
    page = parse(SessionsPageQuery, request.args.to_dict())
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, request.args)
        return _json(analytics.call_json(conn, "conversation_page", read, page.sort, page.order,
                                         page.cursor, page.limit))


@bp.get("/api/session/<path:session_id>")
def session(session_id: str):
    """A session's conversations with their efficiency, and its turns oldest first."""
    require_admin()
    if "\x00" in session_id or not 1 <= len(session_id) <= 200:
        raise ApiError(400, "invalid_parameter", "session_id: must be 1 to 200 characters, no NUL",
                       [{"field": "session_id", "message": "must be 1 to 200 characters, no NUL"}])
    with db.pool().connection() as conn:
        project = analytics.project(conn, request.args.get("project"))
        row = conn.execute("select public.usage_session(%s, %s)::text as body", (project, session_id)).fetchone()
    body = row["body"]
    if not json.loads(body)["turns"]:
        raise ApiError(404, "not_found", f"no turns for session {session_id!r} in this project")
    return _json(body)


@bp.get("/api/tokens/metrics")
def token_metrics():
    """Per request and per conversation: tokens, Zimmer, cost, score, cost per Zimmer Token, projection."""
    require_admin()
    with db.pool().connection() as conn:
        return _json(analytics.call_json(conn, "usage_token_metrics", analytics.read_args(conn, request.args)))


@bp.get("/api/efficiency/settings")
def get_settings():
    """The project's session gap, Zimmer baseline and model multipliers."""
    require_admin()
    with db.pool().connection() as conn:
        project = analytics.project(conn, request.args.get("project"))
        return _json(efficiency.get_settings(conn, project).model_dump_json())


@bp.put("/api/efficiency/settings")
def put_settings():
    """Change them; the evaluator job rebuilds the project's conversations with the new settings."""
    require_admin()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    settings = parse(efficiency.rollup.EfficiencySettings, body)
    with db.pool().connection() as conn:
        project = analytics.project(conn, request.args.get("project"))
        return _json(efficiency.put_settings(conn, project, settings).model_dump_json())
