"""Dashboard reads: summary, time series, breakdowns, logs, export, unpriced models, sessions and advice.

Each route parses its parameters and passes one SQL function's JSON through (docs/api.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Blueprint, Response, request, stream_with_context

from .. import analytics, db
from ..analytics import ReadArgs
from ..errors import ApiError
from .access import require_admin

bp = Blueprint("analytics", __name__)

CSV_COLUMNS = (
    "id", "timestamp", "model", "provider", "endpoint_name", "status", "error_type", "latency_ms",
    "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "cache_write_tokens",
    "reasoning_tokens", "input_cost", "output_cost", "total_cost", "priced", "session_id",
)
_EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                 "jsonl": "application/x-ndjson"}


def _json(body: str) -> Response:
    return Response(body, mimetype="application/json")


def _read(function: str, *extra_params: tuple[str, tuple[str, ...], str]) -> Response:
    """Guard, parse the common arguments plus choice parameters, call the function."""
    require_admin()
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, request.args)
        extra = [analytics.choice(request.args, name, allowed, default) for name, allowed, default in extra_params]
        return _json(analytics.call_json(conn, function, read, *extra))


@bp.get("/api/dashboard")
def dashboard():
    """Totals for the range, the previous period of equal length, and the change."""
    return _read("usage_summary")


@bp.get("/api/usage/timeseries")
def timeseries():
    return _read("usage_timeseries", ("bucket", ("hour", "day"), "day"))


@bp.get("/api/usage/breakdown")
def breakdown():
    return _read("usage_breakdown", ("by", ("model", "endpoint_name", "provider"), "model"))


@bp.get("/api/pricing/unpriced")
def unpriced():
    """Models seen in the range with no price, so an admin can add one."""
    return _read("unpriced_models")


@bp.get("/api/optimization")
def optimization():
    """Where the same tokens would have cost less, with the exact saving."""
    return _read("usage_optimization")


@bp.get("/api/alerts")
def alerts():
    return _read("usage_alerts")


@bp.get("/api/logs")
def logs():
    """One page of rows, newest first; `next` goes back as `cursor`."""
    require_admin()
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, request.args)
        status = analytics.choice(request.args, "status", ("ok", "error"), None)
        limit = analytics.integer(request.args, "limit", 100, 1, 500)
        return _json(analytics.logs_page(conn, read, status, request.args.get("cursor") or None, limit))


def _csv_lines(pages: Iterator[list[dict]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for rows in pages:
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            writer.writerow([_csv_value(row[c]) for c in CSV_COLUMNS])
        yield buffer.getvalue()


def _csv_value(value: object) -> object:
    # Same text as the dashboard's own CSV: true/false, empty for null, costs verbatim.
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _json_lines(pages: Iterator[list[dict]], as_array: bool) -> Iterator[str]:
    first = True
    if as_array:
        yield "["
    for rows in pages:
        for row in rows:
            text = json.dumps(row, separators=(",", ":"))
            yield (text + "\n") if not as_array else (text if first else "," + text)
            first = False
    if as_array:
        yield "]\n"


@bp.get("/api/export")
def export():
    """Every row of the range with the filters, streamed as CSV, a JSON array or JSON lines."""
    require_admin()
    fmt = analytics.choice(request.args, "format", tuple(_EXPORT_TYPES), "csv")
    status = analytics.choice(request.args, "status", ("ok", "error"), None)
    with db.pool().connection() as conn:
        read: ReadArgs = analytics.read_args(conn, request.args)
    pages = analytics.export_pages(db.pool().connection, read, status)
    body = _csv_lines(pages) if fmt == "csv" else _json_lines(pages, as_array=fmt == "json")
    name = f"tokenoptimizer-usage-{read.start:%Y%m%dT%H%M%S}-{read.end:%Y%m%dT%H%M%S}.{fmt}"
    return Response(stream_with_context(body), mimetype=_EXPORT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
