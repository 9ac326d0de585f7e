"""Pool health after the database drops the pool's connections (a failover, a restart, a pooler
recycling its clients): the next requests succeed, or get a 503 with Retry-After, never a 500,
and nothing the API accepted is lost. Real Postgres, real gunicorn (`tokenoptimizer serve`)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from tokenoptimizer_server.db import ServerPool, closed_by_server

from ..conftest import free_port, start_server, stop_server

APP_NAME = "tokenoptimizer-pool-health-test"  # only this server's connections are terminated


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    """`serve` with 2 gevent workers whose connections carry APP_NAME."""
    url = psycopg.conninfo.make_conninfo(database_url, application_name=APP_NAME)
    port = free_port()
    proc = start_server(url, tmp_path_factory.mktemp("pool-health"), port, 2)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def _terminate(db, wait: bool) -> int:
    """Kill every backend of the server under test, as a failover would; the count killed."""
    sql = ("select count(*) filter (where pg_terminate_backend(pid{})) as n from pg_stat_activity "
           "where application_name = %s and pid <> pg_backend_pid()").format(", 5000" if wait else "")
    return db.execute(sql, (APP_NAME,)).fetchone()["n"]


def _event(i: int) -> dict:
    return {"id": str(uuid.uuid4()), "model": "gpt-4o-mini", "endpoint_name": "pool-health",
            "prompt_tokens": 100 + i, "completion_tokens": 10}


def _warm(base: str, headers: dict, project: str) -> None:
    """Concurrent reads and writes, so both workers' pools hold several connections."""
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda _: requests.get(f"{base}/api/dashboard", params={"project": project}, timeout=30), range(24)))
        list(ex.map(lambda i: requests.post(f"{base}/api/log", json=_event(i), headers=headers, timeout=30), range(8)))


def _stored(db, project: str) -> int:
    return db.execute("select count(*) as n from public.usage_logs where project_id = %s", (project,)).fetchone()["n"]


def test_first_requests_after_backends_exit_succeed(server, db, project_key):
    key, project = project_key
    headers = {"Authorization": f"Bearer {key}"}
    _warm(server, headers, project)
    before = _stored(db, project)
    accepted = 0
    for round_ in range(4):  # gunicorn hands requests to either worker: several rounds reach both
        assert _terminate(db, wait=True) >= 1
        health = requests.get(f"{server}/healthz", timeout=30)
        assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})
        stored_now = _stored(db, project)
        summary = requests.get(f"{server}/api/dashboard", params={"project": project}, timeout=30)
        assert summary.status_code == 200, summary.text
        assert summary.json()["totals"]["requests"] == stored_now
        log = requests.post(f"{server}/api/log", json=_event(round_), headers=headers, timeout=30)
        assert log.status_code == 202, log.text
        assert log.json()["accepted"] == 1
        accepted += 1
    assert _stored(db, project) == before + accepted


def test_no_500_and_nothing_lost_when_backends_die_without_warning(server, db, project_key):
    """pg_terminate_backend without waiting: the goodbye may still be in flight when the next
    request checks its connection. Every answer is 2xx or 503 + Retry-After in the error shape;
    events answered 503 are sent again (as the SDK does) and every event is stored exactly once."""
    key, project = project_key
    headers = {"Authorization": f"Bearer {key}"}
    _warm(server, headers, project)
    before = _stored(db, project)
    statuses: list[int] = []
    sent = 0
    for round_ in range(5):
        assert _terminate(db, wait=False) >= 1
        for path in ("/healthz", "/api/dashboard"):
            answer = requests.get(f"{server}{path}", params={"project": project}, timeout=30)
            statuses.append(_checked(answer))
        event = _event(round_)
        for _attempt in range(5):
            answer = requests.post(f"{server}/api/log", json=event, headers=headers, timeout=30)
            statuses.append(_checked(answer))
            if answer.status_code == 202:
                sent += 1
                break
        else:
            pytest.fail("POST /api/log kept answering 503 after the pool had time to heal")
    assert 500 not in statuses
    assert _stored(db, project) == before + sent == before + 5


def _checked(answer: requests.Response) -> int:
    """A 2xx, or a 503 that tells the client when to come back."""
    if answer.status_code == 503:
        assert answer.headers.get("Retry-After"), answer.headers
        assert answer.json()["error"]["code"] == "database_unavailable"
    else:
        assert answer.status_code in (200, 202), answer.text
    return answer.status_code


def test_pool_replaces_connections_the_server_closed(database_url, db):
    """The pool alone: every idle connection killed, the next checkout is live and the dead ones
    are counted as closed by the server before any query is sent on them."""
    url = psycopg.conninfo.make_conninfo(database_url, application_name=APP_NAME + "-unit")
    with ServerPool(url, min_size=3, max_size=3, kwargs={"autocommit": True}, open=True) as pool:
        pool.wait()
        with pool.connection() as c1, pool.connection() as c2, pool.connection() as c3:
            pids = {c.info.backend_pid for c in (c1, c2, c3)}
        killed = db.execute("select count(*) filter (where pg_terminate_backend(pid, 5000)) as n "
                            "from pg_stat_activity where application_name = %s", (APP_NAME + "-unit",)).fetchone()
        assert killed["n"] == 3
        with pool.connection() as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            assert conn.info.backend_pid not in pids
            assert not closed_by_server(conn)
        assert pool.get_stats().get("returns_bad", 0) == 3
