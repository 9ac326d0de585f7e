"""GET /api/optimization/evidence: shadow comparison verdicts aggregated per endpoint x candidate."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify
from pydantic import Field

from .. import analytics, db, shadow
from .access import require_admin
from .answers import Amount, Answer, Money
from .contract import ADMIN, answers, spec
from .params import ReadQuery

bp = Blueprint("evidence", __name__)
bp.before_request(require_admin)


class ShadowEvidence(Answer):
    """One endpoint x current model x candidate: how often the candidate agreed, how fast, at what cost."""

    endpoint_name: str
    current_model: str
    candidate_model: str
    candidate_provider: str
    runs: int = Field(description="Shadow calls recorded, errors included.")
    errors: int
    n: int = Field(description="Verdicts with a judgement (the agreement rate's denominator).")
    agreed: int
    agreement_rate: float | None = Field(description="agreed / n, 4 decimals; null when n is 0.")
    agreement_low: float | None = Field(description="Wilson 95% interval, lower bound.")
    agreement_high: float | None = Field(description="Wilson 95% interval, upper bound.")
    p95_latency_ms_candidate: float | None
    p95_latency_ms_current: float | None = Field(description="The current model on the same sampled calls.")
    cost_per_call_candidate: Money
    cost_per_call_current: Money
    shadow_spend: Amount = Field(description="What the priced shadow calls cost (not in the endpoint's totals).")
    unpriced_runs: int
    last_run: datetime


class ShadowSpend(Answer):
    runs: int
    cost: Amount
    unpriced_runs: int


class EvidenceAnswer(Answer):
    evidence: list[ShadowEvidence]
    spend: ShadowSpend = Field(description="Shadow calls in the range: their own spend, outside usage totals.")


@bp.get("/api/optimization/evidence")
@spec.validate(query=ReadQuery, resp=answers(EvidenceAnswer, 400, 401, 404), security=ADMIN)
def evidence(query: ReadQuery):
    """Shadow comparison evidence in the range, optionally for one endpoint_name."""
    with db.pool().connection() as conn:
        read = analytics.read_args(conn, query)
        body = shadow.evidence(conn, read.project, read.start, read.end, read.endpoint_name)
    return jsonify(body)
