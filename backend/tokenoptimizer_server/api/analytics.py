"""Dashboard reads: summary, time series, breakdowns, logs, unpriced models, sessions and advice.

Each route declares its query and answer models (api.contract) and passes one SQL function's JSON
through (docs/api.md).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, Response, jsonify, request

from .. import analytics, db
from ..advice import build_plans
from ..advice import equivalences
from ..advice.answer import EquivalencesAnswer, Equivalence, OptimizationPlanAnswer
from .. import simulate as simulation
from ..errors import ApiError
from . import answers as a
from .access import require_admin
from .contract import ADMIN, answers, spec
from .params import (BreakdownQuery, LogsQuery, ProjectQuery, ReadQuery, SessionsQuery, SimulateQuery,
                     TimeseriesQuery, invalid, path_text)

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
@read(OptimizationPlanAnswer)
def optimization(query: ReadQuery):
    """One plan per endpoint: candidates that pass every rule, priced by ingest's resolver, per month."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        plan = build_plans(conn, read.project, read.start, read.end, read.model, read.endpoint_name, read.provider)
    return jsonify(plan)


@bp.get("/api/optimization/equivalences")
@spec.validate(query=ProjectQuery, resp=answers(EquivalencesAnswer, 400, 401, 404), security=ADMIN)
def list_equivalences():
    """The project's equivalence map: models the team says can do another model's job."""
    with db.pool().connection() as conn:
        rows = equivalences.list_all(conn, analytics.project(conn, request.args.get("project")))
    return jsonify({"equivalences": [equivalences.as_json(r) for r in rows]})


@bp.post("/api/optimization/equivalences")
@spec.validate(query=ProjectQuery, json=equivalences.EquivalenceIn,
               resp=answers(Equivalence, 400, 401, 404, 409, status=201), security=ADMIN)
def add_equivalence(json: equivalences.EquivalenceIn):
    """Add "candidate_model can do model's job" (on endpoint_name, or everywhere); admins only."""
    with db.pool().connection() as conn:
        row = equivalences.add(conn, analytics.project(conn, request.args.get("project")), json)
    if row is None:
        raise ApiError(409, "duplicate", f"{json.candidate_model} is already mapped for {json.model} there")
    return jsonify(equivalences.as_json(row)), 201


@bp.put("/api/optimization/equivalences/<uuid:entry_id>")
@spec.validate(query=ProjectQuery, json=equivalences.EquivalenceIn, resp=answers(Equivalence, 400, 401, 404),
               security=ADMIN)
def update_equivalence(entry_id: uuid.UUID, json: equivalences.EquivalenceIn):
    """Replace an entry of the map; admins only."""
    with db.pool().connection() as conn:
        row = equivalences.update(conn, analytics.project(conn, request.args.get("project")), entry_id, json)
    if row is None:
        raise ApiError(404, "not_found", f"no equivalence {entry_id} in this project")
    return jsonify(equivalences.as_json(row))


@bp.delete("/api/optimization/equivalences/<uuid:entry_id>")
@spec.validate(query=ProjectQuery, resp=answers(None, 400, 401, 404, status=204), security=ADMIN)
def delete_equivalence(entry_id: uuid.UUID):
    with db.pool().connection() as conn:
        if not equivalences.remove(conn, analytics.project(conn, request.args.get("project")), entry_id):
            raise ApiError(404, "not_found", f"no equivalence {entry_id} in this project")
    return "", 204


@bp.get("/api/optimization/simulate")
@read(a.SimulationAnswer, SimulateQuery)
def simulate(query: SimulateQuery):
    """What-if: the endpoint's traffic in the range on another model (or a typed price), per month."""
    per_1k = Decimal(1000)
    target = simulation.Target(query.target_model) if query.target_model else simulation.Target(
        None, query.input_price / per_1k, query.output_price / per_1k,
        (query.cached_input_price if query.cached_input_price is not None else query.input_price) / per_1k)
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        answer = simulation.simulate(conn, read.project, query.endpoint_name, query.model, query.start, query.end, target)
    if answer["target"]["priced_as"] is None:
        raise invalid("target_model", f"no price for {query.target_model}: add one, or type a price instead")
    return jsonify(answer)


@bp.get("/api/logs")
@read(a.LogsPage, LogsQuery)
def logs(query: LogsQuery):
    """One page of rows, newest first; `next` goes back as `cursor`."""
    return _read("usage_logs_page", query, query.status, query.cursor, query.limit)
