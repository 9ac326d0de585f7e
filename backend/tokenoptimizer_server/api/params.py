"""Read parameters, parsed once: pydantic models for the query strings, one rule for path parameters.

Every route's query model is declared on the route (`@spec.validate(query=...)`), so the same
model validates the request and describes it in /api/openapi.json. A refused value is a 400
naming the parameter in `details`, in the one error shape (errors.ApiError).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      StringConstraints, ValidationError, WithJsonSchema, model_validator)

from ..errors import ApiError

DEFAULT_RANGE = timedelta(days=7)
# What reads can show (public.check_read_args in the analytics migration says the same).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


class ParameterError(ValueError):
    """A check across parameters that still names the one to change."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def invalid(field: str, message: str) -> ApiError:
    """The 400 for one bad parameter."""
    return ApiError(400, "invalid_parameter", f"{field}: {message}", [{"field": field, "message": message}])


def from_validation_error(err: ValidationError) -> ApiError:
    """A pydantic failure as our 400: each problem under the parameter's public name."""
    details = []
    for problem in err.errors(include_url=False):
        cause = problem.get("ctx", {}).get("error")
        field = cause.field if isinstance(cause, ParameterError) else ".".join(map(str, problem["loc"])) or "query"
        details.append({"field": field, "message": problem["msg"].removeprefix("Value error, ")})
    first = details[0]
    return ApiError(400, "invalid_parameter", f"{first['field']}: {first['message']}", details)


def _refuse_nul(value: str) -> str:
    # Postgres text cannot hold NUL: refuse it here rather than fail in the query.
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _iso_time(value: object) -> object:
    """ISO 8601 (a trailing Z is fine); a time without zone is UTC; only what reads can show."""
    if value == "" or not isinstance(value, str):
        return value or None
    try:
        parsed = datetime.fromisoformat(_refuse_nul(value).strip())
    except ValueError:
        raise ValueError(f"must be an ISO 8601 time such as 2026-11-23T16:00:00Z, got {value!r}") from None
    parsed = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError("must lie between 1970-01-01 and 2200-01-01")
    return parsed


Text = Annotated[str, StringConstraints(max_length=200), AfterValidator(_refuse_nul)]
Filter = Annotated[Text | None, BeforeValidator(_blank_is_none), Field(description="Exact match; at most 200 characters.")]
Time = Annotated[datetime | None, BeforeValidator(_iso_time), WithJsonSchema({"type": "string", "format": "date-time"})]


class QueryModel(BaseModel):
    """Query strings: unknown parameters are ignored, blanks mean 'not given'."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class ProjectQuery(QueryModel):
    project: Annotated[uuid.UUID | None, BeforeValidator(_blank_is_none)] = Field(
        None, description="A project id; default: the project named 'default'.")


class ReadQuery(ProjectQuery):
    """What every read takes: the range (default the last 7 days), the project, the filters."""

    from_: Time = Field(None, alias="from", description="Start (ISO 8601); default 7 days before `to`.")
    to: Time = Field(None, description="End (ISO 8601); default now, or 7 days after `from` when that is later.")
    model: Filter = None
    endpoint_name: Filter = None
    provider: Filter = None
    _start: datetime = PrivateAttr()
    _end: datetime = PrivateAttr()

    @model_validator(mode="after")
    def _range(self):
        """Fill the default range and keep both ends inside what reads can show."""
        now = datetime.now(timezone.utc)
        start, end = self.from_, self.to
        end = end or (now if start is None or start < now else start + DEFAULT_RANGE)
        start = start or end - DEFAULT_RANGE
        if end > LATEST:
            raise ParameterError("from", "is too late: the range it implies ends after 2200-01-01")
        if start < EARLIEST:
            raise ParameterError("to", "is too early: the range it implies starts before 1970-01-01")
        if start >= end:
            raise ParameterError("from", "must be before to")
        self._start, self._end = start, end
        return self

    @property
    def start(self) -> datetime:
        return self._start

    @property
    def end(self) -> datetime:
        return self._end


class TimeseriesQuery(ReadQuery):
    bucket: Literal["hour", "day"] = "day"


class BreakdownQuery(ReadQuery):
    by: Literal["model", "endpoint_name", "provider"] = "model"


class SessionsQuery(ReadQuery):
    limit: int = Field(50, ge=1, le=500)


class LogsQuery(ReadQuery):
    status: Literal["ok", "error"] | None = None
    cursor: Annotated[Text | None, BeforeValidator(_blank_is_none)] = Field(
        None, description="The `next` of the previous page.")
    limit: int = Field(100, ge=1, le=500)


class ExportQuery(ReadQuery):
    format: Literal["csv", "json", "jsonl"] = "csv"
    status: Literal["ok", "error"] | None = None


class SimulateQuery(ReadQuery):
    """An endpoint's traffic in the range, re-priced on a target model or on a typed price (per 1M tokens)."""

    target_model: Filter = Field(None, description="The model to price the traffic on, resolved as ingest resolves names.")
    input_price: Decimal | None = Field(None, ge=0, le=100_000, description="Typed price instead of a model: USD per 1M input tokens.")
    output_price: Decimal | None = Field(None, ge=0, le=100_000, description="USD per 1M output tokens (with input_price).")
    cached_input_price: Decimal | None = Field(None, ge=0, le=100_000, description="USD per 1M cached input tokens; default: input_price.")

    @model_validator(mode="after")
    def _target(self):
        if not self.endpoint_name:
            raise ParameterError("endpoint_name", "is required: the endpoint whose traffic to re-price")
        typed = self.input_price is not None or self.output_price is not None
        if (self.target_model is None) == (not typed):
            raise ParameterError("target_model", "give either target_model or input_price and output_price")
        if typed and (self.input_price is None or self.output_price is None):
            raise ParameterError("output_price" if self.output_price is None else "input_price",
                                 "a typed price needs both input_price and output_price")
        return self


def path_text(field: str, value: str, max_length: int = 200) -> str:
    """A text path parameter (a session id, a model name): 1 to max_length characters, no NUL."""
    if "\x00" in value:
        raise invalid(field, "must not contain a NUL character")
    if not 1 <= len(value) <= max_length:
        raise invalid(field, f"must be 1 to {max_length} characters")
    return value
