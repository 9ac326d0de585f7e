"""GET /healthz: is the database reachable?"""

from __future__ import annotations

import psycopg
from flask import Blueprint, jsonify
from psycopg_pool import PoolTimeout

from .. import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with db.pool().connection() as conn:
            conn.execute("select 1")
    except (psycopg.Error, PoolTimeout) as err:
        return jsonify({"status": "error", "database": f"unreachable: {type(err).__name__}"}), 503
    return jsonify({"status": "ok", "database": "ok"})
