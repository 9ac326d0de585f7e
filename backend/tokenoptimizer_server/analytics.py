"""Dashboard reads: parse query parameters, call the analytics SQL functions, pass their JSON through.

The SQL functions (supabase/migrations/*_analytics_*.sql) build the docs/api.md shapes, so the
hosted dashboard (supabase-js `rpc`) and this API return the same bytes for the same question.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta, timezone

import psycopg

from .errors import ApiError

DEFAULT_RANGE = timedelta(days=7)
EXPORT_PAGE = 500
_FILTERS = ("model", "endpoint_name", "provider")


@dataclass(frozen=True, slots=True)
class ReadArgs:
    """The arguments every read takes, in the SQL functions' order."""

    project: uuid.UUID
    start: datetime
    end: datetime
    model: str | None = None
    endpoint_name: str | None = None
    provider: str | None = None


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{field}: {message}", [{"field": field, "message": message}])


def parse_time(field: str, raw: str) -> datetime:
    """ISO 8601 (a trailing Z is fine); a time without zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise _bad(field, f"must be an ISO 8601 time such as 2026-11-23T16:00:00Z, got {raw!r}") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def choice(args: Mapping[str, str], field: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    """A parameter that must be one of a few words."""
    value = args.get(field) or default
    if value is not None and value not in allowed:
        raise _bad(field, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def integer(args: Mapping[str, str], field: str, default: int, low: int, high: int) -> int:
    raw = args.get(field)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(field, f"must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise _bad(field, f"must be between {low} and {high}, got {value}")
    return value


def project(conn: psycopg.Connection, raw: str | None) -> uuid.UUID:
    """The project asked for, or the one named 'default'."""
    if raw:
        try:
            project = uuid.UUID(raw)
        except ValueError:
            raise _bad("project", f"must be a project id (UUID), got {raw!r}") from None
        row = conn.execute("select id from public.projects where id = %s", (project,)).fetchone()
        if row is None:
            raise ApiError(404, "not_found", f"no project with id {raw}",
                           [{"field": "project", "message": "no such project"}])
        return project
    row = conn.execute("select id from public.projects where name = 'default'").fetchone()
    if row is None:
        raise _bad("project", "is required: there is no project named 'default'")
    return row["id"]


def read_args(conn: psycopg.Connection, args: Mapping[str, str], now: datetime | None = None) -> ReadArgs:
    """from/to (default: the last 7 days up to now), the project and the optional filters."""
    now = now or datetime.now(timezone.utc)
    end = parse_time("to", args["to"]) if args.get("to") else None
    start = parse_time("from", args["from"]) if args.get("from") else None
    end = end or (now if start is None or start < now else start + DEFAULT_RANGE)
    start = start or end - DEFAULT_RANGE
    if start >= end:
        raise _bad("from", "must be before to")
    filters = {}
    for field in _FILTERS:
        value = args.get(field) or None
        if value is not None and len(value) > 200:
            raise _bad(field, "must be at most 200 characters")
        filters[field] = value
    return ReadArgs(project(conn, args.get("project")), start, end, **filters)


def call_json(conn: psycopg.Connection, function: str, read: ReadArgs, *extra: object) -> str:
    """One analytics function's jsonb result as JSON text, passed through untouched."""
    params = (*astuple(read), *extra)
    placeholders = ", ".join(["%s"] * len(params))
    try:
        row = conn.execute(f"select public.{function}({placeholders})::text as body", params).fetchone()
    except psycopg.errors.InvalidParameterValue as err:
        field = err.diag.column_name or "query"
        raise _bad(field, err.diag.message_primary or str(err)) from None
    return row["body"]


def session(conn: psycopg.Connection, project_id: uuid.UUID, session_id: str) -> str | None:
    """A conversation's turns as JSON text, or None when the project has no such session."""
    if len(session_id) > 200:
        raise _bad("session_id", "must be at most 200 characters")
    row = conn.execute("select public.usage_session(%s, %s) as body", (project_id, session_id)).fetchone()
    return None if not row["body"]["turns"] else json.dumps(row["body"], separators=(",", ":"))


def logs_page(conn: psycopg.Connection, read: ReadArgs, status: str | None, cursor: str | None, limit: int) -> str:
    """One page of usage rows, newest first, as JSON text."""
    return call_json(conn, "usage_logs_page", read, status, cursor, limit)


def export_pages(connect, read: ReadArgs, status: str | None) -> Iterator[list[dict]]:
    """Every row of the range, a page at a time; a connection is held per page, not per download."""
    cursor = None
    while True:
        with connect() as conn:
            row = conn.execute(
                "select public.usage_logs_page(%s, %s, %s, %s, %s, %s, %s, %s, %s) as page",
                (*astuple(read), status, cursor, EXPORT_PAGE)).fetchone()
        page = row["page"]
        if page["rows"]:
            yield page["rows"]
        cursor = page["next"]
        if cursor is None:
            return
