"""Dashboard reads: summary, time series, breakdowns, logs, unpriced models, sessions and advice.

Each route declares its query and answer models (api.contract) and passes one SQL function's JSON
through (docs/api.md).
"""

from __future__ import annotations

from flask import Blueprint, Response

from .. import analytics, db
from ..errors import ApiError
from . import answers as a
from .access import require_admin
from .contract import ADMIN, answers, spec
from .params import (BreakdownQuery, LogsQuery, ProjectQuery, ReadQuery, SessionsQuery,
                     TimeseriesQuery, path_text)

bp = Blueprint("analytics", __name__)
bp.before_request(require_admin)  # every route here is a dashboard read or an admin write


def read(answer: type, query_model: type[ReadQuery] = ReadQuery):
    """The declaration every dashboard read shares: admin only, a 400 for bad parameters."""
    return spec.validate(query=query_model, resp=answers(answer, 400, 401, 404), security=ADMIN)


def _json(body: str) -> Response:
    return Response(body, mimetype="application/json")


def _read(function: str, query: ReadQuery, *extra: object) -> Response:
    """Resolve the project and call the function (the blueprint guards every route)."""
    with db.pool().connection() as conn:
        return _json(analytics.call_json(conn, function, analytics.read_args(conn, query), *extra))


@bp.get("/api/dashboard")
@read(a.DashboardAnswer)
def dashboard(query: ReadQuery):
    """Totals for the range, the previous period of equal length, the change, and this month's projection."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        summary = analytics.call_json(conn, "usage_summary", read)
        projection = conn.execute("select public.month_projection(%s)::text as p", (read.project,)).fetchone()["p"]
    return _json(summary[:-1] + ',"projection":' + projection + "}")  # both are JSON objects from SQL


@bp.get("/api/usage/timeseries")
@read(a.TimeseriesAnswer, TimeseriesQuery)
def timeseries(query: TimeseriesQuery):
    """Tokens, cost and requests per hour or day."""
    return _read("usage_timeseries", query, query.bucket)


@bp.get("/api/usage/breakdown")
@read(a.BreakdownAnswer, BreakdownQuery)
def breakdown(query: BreakdownQuery):
    """Per model, endpoint or provider, with latency p50/p95."""
    return _read("usage_breakdown", query, query.by)


@bp.get("/api/pricing/unpriced")
@read(a.UnpricedAnswer)
def unpriced(query: ReadQuery):
    """Models seen in the range with no price, so an admin can add one."""
    return _read("unpriced_models", query)


@bp.get("/api/optimization")
@read(a.OptimizationAnswer)
def optimization(query: ReadQuery):
    """Where the same tokens would have cost less, with the exact saving."""
    return _read("usage_optimization", query)


@bp.get("/api/logs")
@read(a.LogsPage, LogsQuery)
def logs(query: LogsQuery):
    """One page of rows, newest first; `next` goes back as `cursor`."""
    return _read("usage_logs_page", query, query.status, query.cursor, query.limit)
