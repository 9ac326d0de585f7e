"""Prometheus metrics. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by `serve`) sums all workers."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest, multiprocess)

from .api.access import require_operator
from .api.contract import ADMIN, answers, documented

EVENTS = Counter("tokenoptimizer_events_total", "Usage events by outcome", ["outcome"])
SDK_DROPPED = Counter("tokenoptimizer_sdk_dropped_events_total", "Events SDKs reported dropping (queue full)")
REQUEST_SECONDS = Histogram("tokenoptimizer_request_seconds", "HTTP request latency", ["endpoint", "status"],
                            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
OTLP_SPANS = Counter("tokenoptimizer_otlp_spans_total", "OTLP spans received, by what became of them",
                     ["outcome"])
OTLP_CONTENT_DROPPED = Counter("tokenoptimizer_otlp_content_dropped_total",
                               "Span attributes and events carrying message text, dropped before storage")
POOL = Gauge("tokenoptimizer_db_pool", "Database pool state", ["stat"], multiprocess_mode="livesum")
UNPRICED = Counter("tokenoptimizer_unpriced_events_total", "Stored events without a cost, by why (pricing/cost.py)",
                   ["reason"])


def count_events(accepted: int, duplicates: int, rejected: int) -> None:
    for outcome, n in (("accepted", accepted), ("duplicate", duplicates), ("rejected", rejected)):
        if n:  # each increment is a locked write to a shared file under gunicorn
            EVENTS.labels(outcome).inc(n)


def count_unpriced(rows: list[dict], stored_ids: set) -> None:
    """The stored rows (not the duplicates) that have no cost, by their unpriced_reason."""
    reasons: dict[str, int] = {}
    for row in rows:
        if row.get("unpriced_reason") and row["id"] in stored_ids:
            reasons[row["unpriced_reason"]] = reasons.get(row["unpriced_reason"], 0) + 1
    for reason, n in reasons.items():
        UNPRICED.labels(reason).inc(n)


def count_spans(events: int, without_usage: int, rejected: int) -> None:
    """One OTLP export: spans that became usage events, that had no usage, that were rejected."""
    for outcome, n in (("event", events), ("no_usage", without_usage), ("rejected", rejected)):
        if n:
            OTLP_SPANS.labels(outcome).inc(n)


@documented(resp=answers(None, 401, description="Prometheus text exposition format."), security=ADMIN)
def _render() -> Response:
    """The admin token only (local mode: loopback): the counters span every organisation on this server."""
    require_operator()
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    pool = current_app.extensions["db_pool"]
    if not pool.closed:
        stats = pool.get_stats()
        for stat in ("pool_size", "pool_available", "requests_waiting"):
            POOL.labels(stat).set(stats.get(stat, 0))
    # CONTENT_TYPE_LATEST names its charset and Werkzeug adds one to text/*: say it once.
    return Response(generate_latest(registry) if registry else generate_latest(),
                    content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time every request and serve /metrics."""

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("started", None)
        if started is not None and request.url_rule is not None:
            REQUEST_SECONDS.labels(request.url_rule.rule, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response

    app.add_url_rule("/metrics", "metrics", _render)
