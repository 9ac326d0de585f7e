"""Dashboard reads: parse query parameters, call the analytics SQL functions, pass their JSON through.

The SQL functions (supabase/migrations/*_analytics_*.sql) build the docs/api.md shapes, so the
hosted dashboard (supabase-js `rpc`) and this API return the same bytes for the same question.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import astuple, dataclass
from datetime import datetime, timezone

import psycopg
import psycopg.rows
from pydantic import ValidationError

from .api.params import QueryModel, ReadQuery, from_validation_error, path_text
from .errors import ApiError

EXPORT_CHUNK = 2000
EXPORT_FIRST = 500  # the first bytes of a download go out after 500 rows, not 2,000


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


def parse(model: type[QueryModel], args: Mapping[str, str]) -> QueryModel:
    """Raw query arguments through one of the api.params models; a refusal is a 400 naming the field."""
    try:
        return model.model_validate(dict(args))
    except ValidationError as err:
        raise from_validation_error(err) from None


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
    row = conn.execute("select id from public.default_project()").fetchone()
    if row is None:
        raise _bad("project", "is required: there is no project named 'default'")
    return row["id"]


def read_args(conn: psycopg.Connection, args: "Mapping[str, str] | ReadQuery") -> ReadArgs:
    """The range, the project and the filters of a parsed query (or of raw query arguments)."""
    if not isinstance(args, ReadQuery):
        args = parse(ReadQuery, args)
    return ReadArgs(project(conn, args.project and str(args.project)), args.start, args.end,
                    args.model, args.endpoint_name, args.provider)


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
    path_text("session_id", session_id)
    row = conn.execute("select public.usage_session(%s, %s) as body", (project_id, session_id)).fetchone()
    return None if not row["body"]["turns"] else json.dumps(row["body"], separators=(",", ":"))


def logs_page(conn: psycopg.Connection, read: ReadArgs, status: str | None, cursor: str | None, limit: int) -> str:
    """One page of usage rows, newest first, as JSON text."""
    return call_json(conn, "usage_logs_page", read, status, cursor, limit)


def export_rows(connect, read: ReadArgs, status: str | None) -> Iterator[list[bytes]]:
    """Every row of the range as usage_log_json text, newest first, EXPORT_CHUNK rows at a time.

    One server-side cursor in one transaction: a consistent snapshot, and memory that does not grow
    with the range. The connection is held for the download and returned when it ends or is cut.
    """
    with connect() as conn, conn.transaction(), \
            conn.cursor(name="export", row_factory=psycopg.rows.tuple_row) as cursor:
        cursor.execute(
            "select public.usage_log_json(l)::text from public.usage_logs l "
            "where l.project_id = %s and l.ts >= %s and l.ts < %s "
            "and (%s::text is null or l.model = %s) and (%s::text is null or l.endpoint_name = %s) "
            "and (%s::text is null or l.provider = %s) and (%s::text is null or l.status = %s) "
            "order by l.ts desc, l.id desc",
            (read.project, read.start, read.end, read.model, read.model, read.endpoint_name,
             read.endpoint_name, read.provider, read.provider, status, status))
        size = EXPORT_FIRST
        while chunk := cursor.fetchmany(size):
            yield [text.encode() for (text,) in chunk]
            size = EXPORT_CHUNK
