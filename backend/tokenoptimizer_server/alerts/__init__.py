"""Alerts: rule kinds (rules.py), evaluation (evaluate.py), webhook delivery (deliver.py), storage (store.py).

`init_app` registers the evaluator job (jobs.py), which runs in one server process at a time.
"""

from __future__ import annotations

from flask import Flask

from .. import db, efficiency, jobs
from .deliver import deliver_due
from .evaluate import evaluate

JOB_NAME = "alerts"


def run() -> None:
    """The job: conversations rollup up to date, every rule checked, due webhooks sent."""
    with db.pool().connection() as conn:
        efficiency.refresh(conn)
        evaluate(conn)
        deliver_due(conn)


def init_app(app: Flask) -> None:
    """Register the evaluator; it runs every TOKENOPTIMIZER_ALERTS_EVERY_S seconds where jobs are started."""
    jobs.register(JOB_NAME, app.config["SETTINGS"].alerts_every_s, run)
