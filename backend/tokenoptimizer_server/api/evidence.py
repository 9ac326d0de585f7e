"""GET /api/optimization/evidence: shadow comparison verdicts aggregated per endpoint x candidate."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import analytics, db, shadow
from .access import require_admin
from .answers import EvidenceAnswer
from .contract import ADMIN, answers, spec
from .params import ReadQuery

bp = Blueprint("evidence", __name__)
bp.before_request(require_admin)


@bp.get("/api/optimization/evidence")
@spec.validate(query=ReadQuery, resp=answers(EvidenceAnswer, 400, 401, 404), security=ADMIN)
def evidence(query: ReadQuery):
    """Shadow comparison evidence in the range, optionally for one endpoint_name."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        body = shadow.evidence(conn, read.project, read.start, read.end, read.endpoint_name)
    return jsonify(body)
