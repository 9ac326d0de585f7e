"""Pricing admin: list every model's price, set or delete one (admin), read its history; unpriced
requests by reason and retirement notices for models in traffic."""

from __future__ import annotations

from dataclasses import astuple
import re
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, jsonify, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .. import analytics, db
from ..errors import ApiError
from ..pricing import deprecations, store
from ..pricing.resolve import PRICE_FIELDS, PriceBook
from . import answers as a
from .access import require_admin
from .contract import ADMIN, answers, spec
from .params import ReadQuery, path_text

bp = Blueprint("pricing", __name__)
bp.before_request(require_admin)  # every route here is a dashboard read or an admin write
UNIT = "USD per 1K tokens"


def _rate(value: str | float) -> str | float:
    """A price the table can hold: a finite decimal ≥ 0, below a billion dollars per 1K tokens."""
    price = store.parse_price("price", value)
    if price is not None and price >= 10**9:
        raise ValueError("must be below 1,000,000,000 (USD per 1K tokens)")
    return value


def _regex(value: str | None) -> str | None:
    # The price book compiles it on every worker: refuse one that does not compile.
    if value is not None:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"is not a regular expression: {err}") from None
    return value


# Not-null columns take no null: absent means "unchanged" (a default of None is never validated).
Rate = Annotated[str | float, AfterValidator(_rate), Field(description="USD per 1K tokens, a decimal string.")]
Price = Rate | None
Text = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
Name = Text | None
Tier = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[^\x00]*$")]


class PriceUpdate(BaseModel):
    """The editable part of a price row; a new model needs input_price and output_price."""

    model_config = ConfigDict(extra="forbid")
    input_price: Rate = None
    output_price: Rate = None
    cached_input_price: Price = None
    cache_write_price: Price = None
    cache_write_1h_price: Price = None
    long_context_input_price: Price = None
    long_context_output_price: Price = None
    long_context_cached_input_price: Price = None
    long_context_threshold: int | None = Field(None, gt=0, le=2_147_483_647)
    reasoning_price: Price = None
    long_context_tiers: list[dict[str, Price | int | bool]] | None = Field(
        None, description='Further thresholds: [{"above": 272000, "input_price": "0.002", "output_price": "0.0075"}].')
    provider: Name = None
    service_tiers: dict[Tier, dict[Literal[PRICE_FIELDS], Price]] = None
    aliases: list[Annotated[Text, StringConstraints(min_length=1)]] = None
    match_pattern: Annotated[Name, AfterValidator(_regex)] = None
    source: Text = None


def _actor() -> str:
    return "admin-token" if request.headers.get("Authorization") else f"dashboard@{request.remote_addr}"


@bp.get("/api/pricing")
@spec.validate(resp=answers(a.PricingAnswer, 401), security=ADMIN)
def list_pricing():
    """Every global price row, unit stated."""
    with db.pool().connection() as conn:
        return jsonify({"unit": UNIT, "models": store.list_prices(conn)})


@bp.get("/api/pricing/<path:model>/history")
@spec.validate(resp=answers(a.PriceHistoryAnswer, 400, 401), security=ADMIN)
def price_history(model: str):
    """Every change to a model's price, newest first."""
    path_text("model", model)
    with db.pool().connection() as conn:
        return jsonify({"model": model, "unit": UNIT, "history": store.history(conn, model)})


@bp.put("/api/pricing/<path:model>")
@spec.validate(json=PriceUpdate, resp=answers(a.PriceAnswer, 400, 401), security=ADMIN)
def put_price(model: str, json: PriceUpdate):
    """Create or change a price; the next event for that model uses it on every worker."""
    path_text("model", model)
    if not isinstance(request.get_json(silent=True), dict):
        raise ApiError(400, "invalid_json", "body must be a JSON object of pricing fields")
    fields: dict[str, Any] = json.model_dump(exclude_unset=True)
    try:
        with db.pool().connection() as conn:
            row = store.set_price(conn, model, fields, _actor())
    except ValueError as err:
        field = next((f for f in store.EDITABLE if str(err).startswith(f)), "pricing")
        raise ApiError(400, "invalid_price", str(err), [{"field": field, "message": str(err)}]) from None
    return jsonify({"unit": UNIT, "model": row})


@bp.delete("/api/pricing/<path:model>")
@spec.validate(resp=answers(None, 400, 401, 404, status=204), security=ADMIN)
def delete_price(model: str):
    """Delete a global price; past costs keep the price they were fixed with."""
    path_text("model", model)
    with db.pool().connection() as conn:
        if not store.delete_price(conn, model, _actor()):
            raise ApiError(404, "not_found", f"no price row for {model!r}")
    return "", 204


class UnpricedModelByReason(a.Answer):
    model: str
    requests: int
    last_seen: str


class UnpricedReason(a.Answer):
    reason: str
    meaning: str
    fix: str
    requests: int
    models: list[UnpricedModelByReason]


class UnpricedReasonsAnswer(a.Answer):
    reasons: list[UnpricedReason]


class EndpointOnSuccessor(a.Answer):
    endpoint_name: str
    requests: int
    cost: a.Money
    successor_cost: a.Money


class RetirementNotice(a.Answer):
    model: str
    pricing_model: str | None
    deprecation_date: str
    days_left: int
    successor_model: str | None
    successor_priced: bool
    endpoints: list[EndpointOnSuccessor]


class RetirementsAnswer(a.Answer):
    notice_days: int
    models: list[RetirementNotice]


@bp.get("/api/pricing/unpriced/reasons")
@spec.validate(query=ReadQuery, resp=answers(UnpricedReasonsAnswer, 400, 401, 404), security=ADMIN)
def unpriced_reasons(query: ReadQuery):
    """Unpriced requests of the range by reason (with what fixes it), then by model."""
    with db.pool().connection() as conn:
        body = analytics.call_json(conn, "unpriced_by_reason", analytics.read_args(conn, query))
    return Response(body, mimetype="application/json")


@bp.get("/api/pricing/deprecations")
@spec.validate(query=ReadQuery, resp=answers(RetirementsAnswer, 400, 401, 404), security=ADMIN)
def retirements(query: ReadQuery):
    """Models in the range's traffic that retire within 60 days: successor and each endpoint's cost on it."""
    with db.pool().connection() as conn:
        read = astuple(analytics.read_args(conn, query))
        book = PriceBook(*store.load_rows(conn))
        return jsonify({"notice_days": deprecations.NOTICE_DAYS, "models": deprecations.notices(conn, read, book)})
