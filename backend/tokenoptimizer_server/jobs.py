"""Background jobs: each named job runs in exactly one server process at a time.

    from tokenoptimizer_server import jobs
    jobs.register("price_sync", 86_400, sync_prices)   # fn() runs inside an app context

`start(app)` starts this process's runner (the gunicorn entry point `wsgi.py` calls it; tests
and the CLI never do unless they ask). Every runner tries each job's Postgres advisory lock on
a connection of its own; the runner that holds it runs the job every `every_s` seconds and keeps
the lock for as long as its process lives. When that process dies its connection closes, the
lock is free, and the next runner to try (within `every_s`, at most `TAKEOVER_S`) takes over.
Nothing here is on a request path. Each run is recorded in `public.job_runs`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from flask import Flask

log = logging.getLogger(__name__)

TAKEOVER_S = 5.0  # how often a runner without a job's lock tries to take it


@dataclass
class Job:
    """A named piece of work and how often it runs."""

    name: str
    every_s: float
    fn: Callable[[], None]


_REGISTRY: dict[str, Job] = {}


def register(name: str, every_s: float, fn: Callable[[], None]) -> None:
    """Add (or replace) a job; runners started afterwards run it."""
    if every_s <= 0:
        raise ValueError(f"job {name!r}: every_s must be positive, got {every_s}")
    _REGISTRY[name] = Job(name, float(every_s), fn)


def registered() -> dict[str, Job]:
    """The jobs registered so far, by name."""
    return dict(_REGISTRY)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    digest = hashlib.sha256(f"tokenoptimizer.job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class _Slot:
    job: Job
    conn: psycopg.Connection | None = None  # holds the advisory lock while open
    next_at: float = 0.0


@dataclass
class Runner:
    """Runs the jobs whose lock it wins, on one daemon thread."""

    app: Flask
    jobs: list[Job] = field(default_factory=lambda: list(_REGISTRY.values()))
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self) -> None:
        self._slots = [_Slot(job) for job in self.jobs]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Runner":
        """Start the thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="tokenoptimizer-jobs", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and give up every lock (another runner takes over)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for slot in self._slots:
            self._release(slot)

    def holds(self, name: str) -> bool:
        """Whether this runner currently holds the named job's lock."""
        return any(s.job.name == name and s.conn is not None for s in self._slots)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for slot in self._slots:
                if self._stop.is_set():
                    break
                if time.monotonic() >= slot.next_at:
                    self._tick(slot)
            wake = min((s.next_at for s in self._slots), default=time.monotonic() + TAKEOVER_S)
            self._stop.wait(max(0.05, wake - time.monotonic()))

    def _tick(self, slot: _Slot) -> None:
        """Run the job if we hold (or can take) its lock; schedule the next try either way."""
        try:
            if slot.conn is None and not self._acquire(slot):
                slot.next_at = time.monotonic() + min(slot.job.every_s, TAKEOVER_S)
                return
            self._run(slot)
        except psycopg.OperationalError as err:  # lost the database: drop the lock, retry later
            log.warning("job %s: database unavailable (%s); retrying", slot.job.name, err)
            self._release(slot)
        slot.next_at = time.monotonic() + slot.job.every_s

    def _acquire(self, slot: _Slot) -> bool:
        conn = psycopg.connect(self.app.config["SETTINGS"].database_url, autocommit=True,
                               application_name=f"tokenoptimizer-job-{slot.job.name}")
        won = conn.execute("select pg_try_advisory_lock(%s)", (lock_key(slot.job.name),)).fetchone()[0]
        if not won:
            conn.close()
            return False
        slot.conn = conn
        log.info("job %s: this process (%s) now runs it", slot.job.name, self.holder)
        return True

    def _release(self, slot: _Slot) -> None:
        if slot.conn is not None:
            try:
                slot.conn.close()  # closing the session frees its advisory lock
            except psycopg.Error:
                pass
            slot.conn = None

    def _run(self, slot: _Slot) -> None:
        """One run of the job in an app context, recorded in job_runs; a failure is logged, not raised."""
        name, conn = slot.job.name, slot.conn
        conn.execute(_RECORD_START, (name, self.holder))
        error = None
        try:
            with self.app.app_context():
                slot.job.fn()
        except Exception as err:  # noqa: BLE001 - a job's failure must not stop the runner
            error = f"{type(err).__name__}: {err}"
            log.exception("job %s failed", name)
        conn.execute(_RECORD_END, (error, name))


_RECORD_START = """
insert into public.job_runs (name, holder, last_started_at, runs) values (%s, %s, now(), 1)
on conflict (name) do update set holder = excluded.holder, last_started_at = now(),
  runs = public.job_runs.runs + 1"""
_RECORD_END = "update public.job_runs set last_finished_at = now(), last_error = %s where name = %s"

_process_runner: tuple[int, Runner] | None = None


def start(app: Flask) -> Runner:
    """This process's runner with every registered job, started once per process (after fork)."""
    global _process_runner
    if _process_runner is None or _process_runner[0] != os.getpid():
        _process_runner = (os.getpid(), Runner(app).start())
    return _process_runner[1]
