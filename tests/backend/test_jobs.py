"""The background job runner: one runner at a time holds a job, another takes over when it goes."""

from __future__ import annotations

import threading
import time
import uuid

from tokenoptimizer_server import jobs


def _wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until condition() is true (a deadline for a hung test, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _job_row(db, name):
    return db.execute("select holder, runs, last_error from public.job_runs where name = %s", (name,)).fetchone()


def test_only_one_runner_runs_a_job_and_another_takes_over(app, db, monkeypatch):
    monkeypatch.setattr(jobs, "TAKEOVER_S", 0.05)
    name = f"test-{uuid.uuid4().hex[:8]}"
    ran: list[str] = []
    lock = threading.Lock()

    def make(holder):
        def fn():
            with lock:
                ran.append(holder)
        return jobs.Runner(app, [jobs.Job(name, 0.05, fn)], holder=holder)

    a, b = make("runner-a"), make("runner-b")
    a.start()
    _wait_for(lambda: len(ran) >= 1)
    b.start()
    _wait_for(lambda: len(ran) >= 10)
    assert set(ran) == {"runner-a"} and a.holds(name) and not b.holds(name)
    row = _job_row(db, name)
    assert row["holder"] == "runner-a" and row["runs"] >= 10 and row["last_error"] is None

    a.stop()  # as if its worker died: its lock connection closes
    seen = len(ran)
    _wait_for(lambda: "runner-b" in ran[seen:])
    b.stop()
    assert ran[seen:] and set(ran[seen:]) == {"runner-b"}
    assert _job_row(db, name)["holder"] == "runner-b"


def test_a_failing_job_is_recorded_and_keeps_running(app, db):
    name = f"test-{uuid.uuid4().hex[:8]}"
    calls = []

    def fn():
        calls.append(1)
        raise RuntimeError("price feed unreachable")

    runner = jobs.Runner(app, [jobs.Job(name, 0.05, fn)], holder="runner-x").start()
    try:
        _wait_for(lambda: len(calls) >= 3)
    finally:
        runner.stop()
    _wait_for(lambda: _job_row(db, name)["last_error"] is not None)
    assert _job_row(db, name)["last_error"] == "RuntimeError: price feed unreachable"


def test_register_rejects_a_non_positive_period_and_lock_keys_are_stable():
    try:
        jobs.register("never", 0, lambda: None)
    except ValueError as err:
        assert "every_s must be positive" in str(err)
    else:
        raise AssertionError("register accepted every_s=0")
    assert "never" not in jobs.registered()
    assert jobs.lock_key("alerts") == jobs.lock_key("alerts") != jobs.lock_key("price_sync")
    assert -(2 ** 63) <= jobs.lock_key("alerts") < 2 ** 63
