"""GET /api/export: every row of the range with the filters, as CSV, a JSON array or JSON lines.

Everything is checked before the first byte (a bad parameter is a JSON 400, never a broken
download); then rows stream from a server-side cursor, so memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import orjson
from flask import Blueprint, Response, stream_with_context

from .. import analytics, db
from .access import require_admin
from .contract import ADMIN, answers, documented, parse_query
from .params import ExportQuery

bp = Blueprint("export", __name__)
bp.before_request(require_admin)  # every route here is a dashboard read or an admin write

CSV_COLUMNS = (
    "id", "timestamp", "model", "provider", "endpoint_name", "status", "error_type", "latency_ms",
    "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "cache_write_tokens",
    "reasoning_tokens", "input_cost", "output_cost", "total_cost", "priced", "session_id",
)
# Werkzeug adds "; charset=utf-8" to text/* itself: naming it here too said it twice.
_TYPES = {"csv": "text/csv", "json": "application/json", "jsonl": "application/x-ndjson"}
# OWASP's list: a spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as the dashboard's CSV writes it: true/false, empty for null, formulas defused with a '."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(rows: Iterator[list[bytes]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for chunk in rows:
        for text in chunk:
            row = orjson.loads(text)
            writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _jsonl(rows: Iterator[list[bytes]]) -> Iterator[bytes]:
    for chunk in rows:
        yield b"\n".join(chunk) + b"\n"


def _json_array(rows: Iterator[list[bytes]]) -> Iterator[bytes]:
    yield b"["
    separator = b""
    for chunk in rows:
        yield separator + b",".join(chunk)
        separator = b","
    yield b"]\n"


_WRITERS = {"csv": _csv, "jsonl": _jsonl, "json": _json_array}


@bp.get("/api/export")
@documented(query=ExportQuery, security=ADMIN, resp=answers(
    None, 400, 401, 404, description="The rows as text/csv, application/json (an array) or "
                                     "application/x-ndjson, as an attachment."))
def export():
    """Every row of the range with the filters, streamed as CSV, a JSON array or JSON lines."""
    query: ExportQuery = parse_query(ExportQuery)
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)  # the project exists: nothing can fail after the first byte
    rows = analytics.export_rows(db.pool().connection, read, query.status)
    name = f"tokenoptimizer-usage-{read.start:%Y%m%dT%H%M%S}-{read.end:%Y%m%dT%H%M%S}.{query.format}"
    return Response(stream_with_context(_WRITERS[query.format](rows)), mimetype=_TYPES[query.format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
