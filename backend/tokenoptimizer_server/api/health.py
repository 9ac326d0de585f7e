"""GET /healthz: is the database reachable?"""

from __future__ import annotations

import psycopg
from flask import Blueprint, jsonify
from psycopg_pool import PoolTimeout

from .. import db
from .answers import HealthAnswer
from .contract import PUBLIC, answers, spec

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@spec.validate(resp=answers(HealthAnswer, 503), security=PUBLIC)
def healthz():
    """200 when a pooled connection answers; else 503 + Retry-After in the error shape."""
    try:
        _ping()
    except psycopg.OperationalError:
        # One connection died under us (a failover between the pool's check and the query): the
        # pool has dropped it, and a second try tells whether the database itself is gone.
        _ping()
    return jsonify({"status": "ok", "database": "ok"})


def _ping() -> None:
    try:
        with db.pool().connection() as conn:
            conn.execute("select 1")
    except PoolTimeout as err:  # no connection could be opened in time: the database is down
        raise db.unavailable(err, down=True) from None
