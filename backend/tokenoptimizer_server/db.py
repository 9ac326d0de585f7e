"""The psycopg connection pool and its lifecycle: one pool per gunicorn worker, opened after fork."""

from __future__ import annotations

import psycopg
from flask import Flask, current_app
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def _configure(conn: psycopg.Connection) -> None:
    # Costs are fixed in UTC hour buckets; readers see timestamps in UTC too.
    conn.execute("set timezone = 'UTC'")


def init_app(app: Flask) -> None:
    """Attach a lazily opened pool to the app; opened on first use so it is per worker."""
    settings = app.config["SETTINGS"]
    app.extensions["db_pool"] = ConnectionPool(
        settings.database_url,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        timeout=settings.pool_timeout_s,
        configure=_configure,
        # Autocommit: each request's work is one statement (a batch is one store_usage call), so
        # no extra COMMIT round trip; multi-statement writes use `with conn.transaction()`.
        kwargs={"row_factory": dict_row, "autocommit": True},
        open=False,
        name="tokenoptimizer",
    )


def pool(app: Flask | None = None) -> ConnectionPool:
    """The app's pool (default: the current app's), opened on first use in this process."""
    p: ConnectionPool = (app or current_app).extensions["db_pool"]
    if p.closed:
        p.open(wait=False)
    return p


def connect(database_url: str, **kwargs) -> psycopg.Connection:
    """A single connection for the CLI and migrations."""
    conn = psycopg.connect(database_url, row_factory=dict_row, **kwargs)
    conn.execute("set timezone = 'UTC'")
    return conn
