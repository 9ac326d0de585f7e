"""The psycopg connection pool and its lifecycle: one pool per gunicorn worker, opened after fork.

Two things a long-lived pool must survive:
- **Connections the server dropped** (a failover, a restart, `pg_terminate_backend`, a pooler
  recycling its clients). The server says goodbye (a FATAL notice, then end of file) to an idle
  connection; `ServerPool` reads what has arrived before handing a connection out (a non-blocking
  read, 2-3 µs, no round trip) and replaces the ones the server closed. A connection
  that dies while in use fails its request with a 503 + Retry-After (`init_app`), never a 500.
- **A transaction pooler** (`TOKENOPTIMIZER_DB_POOLER=transaction`: pgbouncer, Supabase's
  pooler on port 6543): consecutive transactions may run on different server sessions, so no
  session state (no `set`) and no server-side prepared statements.
"""

from __future__ import annotations

import functools
import logging
import weakref

import psycopg
from flask import Flask, current_app
from psycopg import errors as pg_errors
from psycopg.pq import ConnStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .errors import ApiError
from .settings import db_pooler

log = logging.getLogger(__name__)
_RETRY_AFTER_S = "2"


def _configure(conn: psycopg.Connection, pooler: str) -> None:
    """Set up a new pooled connection: pin UTC when its session is ours alone."""
    if pooler != "transaction":
        # Readers see timestamps in UTC. (The SQL pins 'UTC' itself wherever it buckets or renders
        # times, so through a transaction pooler, where a `set` would leak, nothing depends on this.)
        conn.execute("set timezone = 'UTC'")


class _GoodbyeWatch:
    """Notice handler: an idle connection that receives a FATAL (server shutting down, backend
    terminated) is closing even before the end of file reaches us."""

    def __init__(self, conn: psycopg.Connection):
        conn._tokenoptimizer_goodbye = False
        self._conn = weakref.ref(conn)  # the connection holds its handlers: no cycle

    def __call__(self, diag: pg_errors.Diagnostic) -> None:
        conn = self._conn()
        if conn is not None and diag.severity_nonlocalized in ("FATAL", "PANIC"):
            conn._tokenoptimizer_goodbye = True


def closed_by_server(conn: psycopg.Connection) -> bool:
    """Whether the server has closed (or is closing) this idle connection, without a round trip.

    Reads whatever the socket holds (libpq's socket is non-blocking) and parses it: a goodbye
    notice or the end of file shows up here; a healthy idle connection has nothing to read.
    """
    if conn.closed or conn.broken:
        return True
    try:
        for _ in range(2):  # a read that returns the goodbye stops there: the next one sees the end of file
            conn.pgconn.consume_input()
            conn.pgconn.is_busy()  # parses what arrived: a FATAL on an idle connection reaches the notice handler
    except psycopg.OperationalError:
        return True
    return conn.pgconn.status != ConnStatus.OK or getattr(conn, "_tokenoptimizer_goodbye", False)


# Run on each connection as it is handed out and given back: auth/caller.py makes a signed-in
# user's request run as that user (`set local role authenticated`, their claims) and undoes it.
checkout_hooks: list = []
checkin_hooks: list = []


class ServerPool(ConnectionPool):
    """A pool that never hands out a connection the server has already closed."""

    def __init__(self, *args, configure=None, **kwargs):
        def setup(conn: psycopg.Connection) -> None:
            conn.add_notice_handler(_GoodbyeWatch(conn))
            if configure is not None:
                configure(conn)

        super().__init__(*args, configure=setup, **kwargs)

    def getconn(self, timeout: float | None = None) -> psycopg.Connection:
        """A live connection; dead ones found on the way are closed and replaced in the background."""
        for _ in range(self.max_size + 1):  # after a failover every idle connection may be dead
            conn = super().getconn(timeout)
            if not closed_by_server(conn):
                for hook in checkout_hooks:
                    hook(conn)
                return conn
            log.info("discarding a connection the server closed (pid %s)", conn.info.backend_pid)
            conn.close()
            self.putconn(conn)  # a closed connection is not kept: the pool opens a new one
        conn = super().getconn(timeout)
        for hook in checkout_hooks:
            hook(conn)
        return conn

    def putconn(self, conn: psycopg.Connection) -> None:
        for hook in checkin_hooks:
            hook(conn)
        super().putconn(conn)


def pool_settings(settings) -> dict:
    """Connection keyword arguments for the configured pooler."""
    kwargs = {"row_factory": dict_row, "autocommit": True}
    if settings.db_pooler == "transaction":
        kwargs["prepare_threshold"] = None  # a prepared statement lives in one server session
    return kwargs


def init_app(app: Flask) -> None:
    """Attach a lazily opened pool to the app (opened on first use, so per worker) and answer a
    lost database with 503 + Retry-After."""
    settings = app.config["SETTINGS"]
    app.extensions["db_pool"] = ServerPool(
        settings.database_url,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        timeout=settings.pool_timeout_s,
        configure=functools.partial(_configure, pooler=settings.db_pooler),
        # Autocommit: each request's work is one statement (a batch is one store_usage call), so
        # no extra COMMIT round trip; multi-statement writes use `with conn.transaction()`.
        kwargs=pool_settings(settings),
        open=False,
        name="tokenoptimizer",
    )

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_lost(err: Exception):
        # Rendered by the one ApiError handler (error shape, request id, log line).
        return app.handle_user_exception(unavailable(err))


def unavailable(err: Exception, down: bool | None = None) -> ApiError:
    """The answer to a request whose database went away (retry shortly, the pool is healing), or
    429 when a pool timeout only means every connection is busy."""
    if down is None:
        down = not isinstance(err, PoolTimeout) or database_down(current_app.extensions["db_pool"])
    if not down:
        return ApiError(429, "busy", "the server is at capacity; retry shortly", headers={"Retry-After": "1"})
    return ApiError(503, "database_unavailable", "the database is unreachable; retry shortly",
                    [{"field": "database", "message": type(err).__name__}], headers={"Retry-After": _RETRY_AFTER_S})


def database_down(p: ConnectionPool) -> bool:
    """A pool that timed out while short of connections it failed to open means the database is
    down, not that we are busy (a busy pool is full)."""
    stats = p.get_stats()
    return stats.get("pool_size", 0) < stats.get("pool_max", 1) and stats.get("connections_errors", 0) > 0


def pool(app: Flask | None = None) -> ConnectionPool:
    """The app's pool (default: the current app's), opened on first use in this process."""
    p: ConnectionPool = (app or current_app).extensions["db_pool"]
    if p.closed:
        p.open(wait=False)
    return p


def connect(database_url: str, **kwargs) -> psycopg.Connection:
    """A single connection for the CLI and migrations."""
    if db_pooler() == "transaction":
        kwargs.setdefault("prepare_threshold", None)
        return psycopg.connect(database_url, row_factory=dict_row, **kwargs)
    conn = psycopg.connect(database_url, row_factory=dict_row, **kwargs)
    conn.execute("set timezone = 'UTC'")
    return conn
