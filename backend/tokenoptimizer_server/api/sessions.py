"""Conversations: the sessions list (keyset pages, five sorts), one session, efficiency metrics, settings.

Each read passes one SQL function's JSON through (docs/api.md, docs/efficiency.md); routes declare
their query and answer models (api.contract), so /api/openapi.json and the dashboard's types follow.
"""

from __future__ import annotations

import json as json_module
from datetime import datetime
from typing import Annotated, Literal

from flask import Blueprint, Response, request
from pydantic import BaseModel, Field, ValidationError

from .. import analytics, db, efficiency
from ..efficiency.rollup import EfficiencySettings
from ..errors import ApiError
from .access import require_admin
from .answers import Answer, LogRow, Money, Projection
from .contract import ADMIN, answers, spec
from .params import ProjectQuery, ReadQuery, from_validation_error, path_text

bp = Blueprint("sessions", __name__)
bp.before_request(require_admin)  # every route here is a dashboard read or an admin write

Rating = Literal["Excellent", "Good", "Fair", "Poor"]


class SessionsPageQuery(ReadQuery):
    sort: Literal["recent", "cost", "tokens", "turns", "score"] = "recent"
    order: Literal["asc", "desc"] = "desc"
    cursor: Annotated[str | None, Field(None, max_length=2000, description="The `next` of the previous page.")]
    limit: int = Field(50, ge=1, le=500)


class Conversation(Answer):
    """A session's turns with no silence longer than the project's session gap (docs/efficiency.md)."""

    session_id: str
    started_at: datetime
    ended_at: datetime
    duration_s: float
    turns: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: Money
    unpriced_turns: int
    models: list[str]
    zimmer_tokens: float = Field(description="total_tokens / turns x the model multiplier.")
    efficiency_score: float = Field(description="100 x max(0, 1 - Zimmer / baseline), one decimal.")
    rating: Rating = Field(description="From Zimmer: Excellent <= 200 < Good <= 400 < Fair <= 600 < Poor.")
    status: Rating = Field(description="From the score: Excellent >= 80, Good >= 60, Fair >= 40, else Poor.")


class SessionsPage(Answer):
    sessions: list[Conversation]
    sort: str
    order: str
    refreshed_until: datetime | None = Field(description="The rollup holds rows up to about this time.")
    window: int | None = Field(None, description="Set when the page was sorted within the range's most recently "
                               "active conversations (this many) rather than read from the sort's index.")
    window_full: bool = Field(False, description="The range holds more conversations than the window.")
    next: str | None = Field(description="Send back as `cursor` for the next page; null on the last.")


class SessionMetrics(Answer):
    turns: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: Money
    unpriced_turns: int
    started_at: datetime
    ended_at: datetime
    zimmer_tokens: float
    efficiency_score: float
    rating: Rating
    status: Rating


class SessionAnswer(Answer):
    session_id: str
    metrics: SessionMetrics | None = Field(description="Over all the session's conversations; null until the rollup has it.")
    conversations: list[Conversation]
    turns: list[LogRow]
    truncated: bool
    refreshed_until: datetime | None


class HistogramBucket(Answer):
    min: int
    max: int | None
    conversations: int


class ConversationFigures(Answer):
    sample_size: int = Field(description="Conversations read: the most recently active, at most sample_limit.")
    sample_limit: int
    avg_turns: float | None
    tokens_per_conversation: float | None
    zimmer_per_conversation: float | None
    cost_per_conversation: Money
    avg_efficiency_score: float | None
    total_zimmer_tokens: float
    cost_per_zimmer_token: Money
    tokens_histogram: list[HistogramBucket]


class TokenMetricsAnswer(Answer):
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int
    avg_prompt_tokens: float | None
    avg_completion_tokens: float | None
    completion_to_prompt_ratio: float | None
    cached_prompt_share: float | None
    cost_per_request: Money
    conversations: ConversationFigures
    projection: Projection
    refreshed_until: datetime | None


def parse(model: type[BaseModel], values: dict) -> BaseModel:
    """Values through a pydantic model (for bodies read by hand); a refusal is our 400 naming each field."""
    try:
        return model.model_validate(values)
    except ValidationError as err:
        raise from_validation_error(err) from None


def json_text(body: dict) -> str:
    return json_module.dumps(body, separators=(",", ":"))


def _json(body: str) -> Response:
    return Response(body, mimetype="application/json")


@bp.get("/api/tokens/sessions")
@spec.validate(query=SessionsPageQuery, resp=answers(SessionsPage, 400, 401, 404), security=ADMIN)
def sessions(query: SessionsPageQuery):
    """Conversations in the range, one keyset page, sorted by recency, cost, tokens, turns or score."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        return _json(analytics.call_json(conn, "conversation_page", read, query.sort, query.order,
                                         query.cursor, query.limit))


@bp.get("/api/session/<path:session_id>")
@spec.validate(query=ProjectQuery, resp=answers(SessionAnswer, 400, 401, 404), security=ADMIN)
def session(session_id: str, query: ProjectQuery):
    """A session's conversations with their efficiency, and its turns oldest first."""
    path_text("session_id", session_id)
    with db.pool().connection() as conn:
        project = analytics.project(conn, query.project and str(query.project))
        row = conn.execute("select public.usage_session(%s, %s) as body", (project, session_id)).fetchone()
    if not row["body"]["turns"]:
        raise ApiError(404, "not_found", f"no turns for session {session_id!r} in this project")
    return _json(json_text(row["body"]))


@bp.get("/api/tokens/metrics")
@spec.validate(query=ReadQuery, resp=answers(TokenMetricsAnswer, 400, 401, 404), security=ADMIN)
def token_metrics(query: ReadQuery):
    """Per request and per conversation: tokens, Zimmer, cost, score, cost per Zimmer Token, projection."""
    with db.pool().connection() as conn:
        return _json(analytics.call_json(conn, "usage_token_metrics", analytics.read_args(conn, query)))


@bp.get("/api/efficiency/settings")
@spec.validate(query=ProjectQuery, resp=answers(EfficiencySettings, 400, 401, 404), security=ADMIN)
def get_settings(query: ProjectQuery):
    """The project's session gap, Zimmer baseline and model multipliers."""
    with db.pool().connection() as conn:
        project = analytics.project(conn, query.project and str(query.project))
        return _json(efficiency.get_settings(conn, project).model_dump_json())


@bp.put("/api/efficiency/settings")
@spec.validate(query=ProjectQuery, json=EfficiencySettings, resp=answers(EfficiencySettings, 400, 401, 404),
               security=ADMIN)
def put_settings(query: ProjectQuery, json: EfficiencySettings):
    """Change them; the evaluator job rebuilds the project's conversations with the new settings."""
    if not isinstance(request.get_json(silent=True), dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    with db.pool().connection() as conn:
        project = analytics.project(conn, query.project and str(query.project))
        return _json(efficiency.put_settings(conn, project, json).model_dump_json())
