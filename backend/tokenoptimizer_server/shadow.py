"""Shadow comparison evidence: what the SDK's shadow mode found, per endpoint x candidate.

The aggregation is one SQL function (public.shadow_evidence: agreement with a Wilson 95% interval,
n, p95 latency of both sides, cost per call of each), so the hosted dashboard reads the same
figures through supabase-js under the same row-level security.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg


def evidence(conn: psycopg.Connection, project: uuid.UUID, start: datetime, end: datetime,
             endpoint_name: str | None = None) -> dict:
    """{"evidence": [per endpoint x current model x candidate], "spend": {runs, cost, unpriced_runs}}."""
    row = conn.execute("select public.shadow_evidence(%s, %s, %s, %s) as body",
                       (project, start, end, endpoint_name)).fetchone()
    return row["body"]


def for_target(body: dict, model: str | None) -> list[dict]:
    """The evidence rows a what-if on `model` can cite: its own candidate runs (all of them for a typed price)."""
    rows = body["evidence"]
    return rows if model is None else [r for r in rows if r["candidate_model"] == model]
