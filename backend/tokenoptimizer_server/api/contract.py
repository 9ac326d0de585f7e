"""The API contract, declared on the routes: `spec` (spectree) reads each route's pydantic models.

A route says what it takes and what it answers:

    @bp.get("/api/dashboard")
    @spec.validate(query=ReadQuery, resp=answers(DashboardAnswer), security=ADMIN)
    def dashboard(query: ReadQuery): ...

The same models validate the request (a failure is our 400, naming the parameter), check the
answer (a mismatch is a logged 500: the tests catch a SQL function that drifted from its
model), and make /api/openapi.json, from which the dashboard's TypeScript types are generated.
Streamed or file answers use `@documented(...)`: described the same way, answered untouched.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from ..errors import ApiError
from .params import QueryModel, from_validation_error

ADMIN = {"admin": []}
PROJECT_KEY = {"projectKey": []}
PUBLIC: dict = {}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[FieldError]
    request_id: str | None = None


class ErrorAnswer(BaseModel):
    """Every error, on every route: {"error": {code, message, details[, request_id]}}."""

    error: ErrorBody


def _before(req, resp, req_validation_error, instance, model_adapter) -> None:
    """A request the models refuse is our 400 naming the parameter, not spectree's 422."""
    if req_validation_error is not None:
        raise from_validation_error(req_validation_error)


def _after(req, resp, resp_validation_error, instance, model_adapter) -> None:
    """An answer that does not match its declared model is a bug on our side: a logged 500."""
    if resp_validation_error is not None:
        detail = str(resp_validation_error).splitlines()[0:3]
        raise ApiError(500, "answer_out_of_contract", f"the answer did not match its schema: {' '.join(detail)}")


_NAMED: dict[str, type] = {}


def schema_name(model: type) -> str:
    """A model's name in the document (and in the generated TypeScript): its class name, unique."""
    name = getattr(model, "__name__", str(model))
    if _NAMED.setdefault(name, model) is not model:
        raise TypeError(f"two answer/query models are named {name}: rename one ({model.__module__})")
    return name


spec = SpecTree(
    "flask", mode="strict", title="TokenOptimizer API", version="1",
    description="Money is a decimal string; prices are USD per 1,000 tokens. Human reference: docs/api.md.",
    security_schemes=[
        SecurityScheme(name="admin", data=SecuritySchemeData(type="http", scheme="bearer", description=(
            "TOKENOPTIMIZER_ADMIN_TOKEN in selfhosted mode; local mode trusts loopback clients."))),
        SecurityScheme(name="projectKey", data=SecuritySchemeData(type="http", scheme="bearer",
                                                                  description="A project API key (ingest).")),
    ],
    before=_before, after=_after, validation_error_status=400, validation_error_model=ErrorAnswer,
    naming_strategy=schema_name, nested_naming_strategy=lambda _parent, child: child,
)


def answers(ok: Any = None, *errors: int, status: int = 200, description: str | None = None) -> Response:
    """The answers of a route: `ok` on success, ErrorAnswer for each error status, and on every route
    404/405 (a path that fits no route, or only the dashboard's GET catch-all) and 421 (Host refused)."""
    codes = {f"HTTP_{code}": ErrorAnswer for code in sorted({*errors, 404, 405, 421})}
    return Response(**{f"HTTP_{status}": (ok, description) if description else ok}, **codes)


def documented(**declared: Any):
    """Describe a route in the spec but answer untouched (spectree would buffer a streamed answer)."""
    def decorate(view):
        described = spec.validate(**declared)(view)

        @functools.wraps(view)
        def answer_untouched(*args, **kwargs):
            return view(*args, **kwargs)

        answer_untouched.__wrapped__ = described  # where spec generation finds the declaration
        return answer_untouched
    return decorate


def parse_query(model: type[QueryModel]) -> QueryModel:
    """This request's query string through `model` (for @documented routes)."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as err:
        raise from_validation_error(err) from None
