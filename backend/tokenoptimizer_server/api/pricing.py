"""Pricing admin: list every model's price, set or delete one (admin), read its history."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import db
from ..errors import ApiError
from ..pricing import store
from .access import require_admin

bp = Blueprint("pricing", __name__)
UNIT = "USD per 1K tokens"


@bp.get("/api/pricing")
def list_pricing():
    """Every global price row, unit stated."""
    require_admin()
    with db.pool().connection() as conn:
        return jsonify({"unit": UNIT, "models": store.list_prices(conn)})


@bp.get("/api/pricing/<path:model>/history")
def price_history(model: str):
    require_admin()
    with db.pool().connection() as conn:
        return jsonify({"model": model, "unit": UNIT, "history": store.history(conn, model)})


@bp.put("/api/pricing/<path:model>")
def put_price(model: str):
    """Create or change a price; the next event for that model uses it on every worker."""
    require_admin()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "body must be a JSON object of pricing fields")
    if not 1 <= len(model) <= 200:
        raise ApiError(400, "invalid_model", "model must be 1 to 200 characters",
                       [{"field": "model", "message": "must be 1 to 200 characters"}])
    actor = "admin-token" if request.headers.get("Authorization") else f"dashboard@{request.remote_addr}"
    try:
        with db.pool().connection() as conn:
            row = store.set_price(conn, model, body, actor)
    except ValueError as err:
        field = next((f for f in store.EDITABLE if str(err).startswith(f)), "pricing")
        raise ApiError(400, "invalid_price", str(err), [{"field": field, "message": str(err)}]) from None
    return jsonify({"unit": UNIT, "model": row})


@bp.delete("/api/pricing/<path:model>")
def delete_price(model: str):
    require_admin()
    actor = "admin-token" if request.headers.get("Authorization") else f"dashboard@{request.remote_addr}"
    with db.pool().connection() as conn:
        if not store.delete_price(conn, model, actor):
            raise ApiError(404, "not_found", f"no price row for {model!r}")
    return "", 204
