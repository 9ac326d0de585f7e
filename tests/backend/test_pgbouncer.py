"""Through a transaction pooler (a real pgbouncer in transaction mode, as Supabase's pooler on
port 6543 is): migrations, ingest and reads through a real `tokenoptimizer serve` (gunicorn).

In transaction mode consecutive transactions of one client run on different server sessions, so
server-side prepared statements (psycopg prepares a query after 5 runs) and `set` do not carry
over. pgbouncer here keeps 2 server connections for 2 workers' pools, so clients share them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests

from ..conftest import LOCAL_ADMIN_URL, free_port, start_server, stop_server

PASSWORD = "pooler-test-password"
SERVER_TZ = "America/New_York"  # the server sessions' own zone: answers must not depend on it


def _pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
                                              if os.access(p, os.X_OK)), None)


def _wait_listening(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {proc.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not listen on {port}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def pooled_url(tmp_path_factory):
    """A fresh, empty database behind a pgbouncer of our own in transaction mode: its URL."""
    binary = _pgbouncer_binary()
    if binary is None:
        pytest.skip("pgbouncer is not installed and could not be (the Makefile's `pgbouncer` target installs it)")
    name = f"tokenoptimizer_pooler_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    work = tmp_path_factory.mktemp("pgbouncer")
    work.chmod(0o755)  # run as root, pgbouncer drops to `nobody`, which must read its files
    port = free_port()
    (work / "userlist.txt").write_text(f'"postgres" "{PASSWORD}"\n')
    (work / "pgbouncer.ini").write_text(f"""[databases]
{name} = host=127.0.0.1 port=5432 dbname={name} timezone={SERVER_TZ}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = md5
auth_file = {work / 'userlist.txt'}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
server_reset_query =
""")
    for f in work.iterdir():
        f.chmod(0o644)
    log_path = work / "pgbouncer.log"
    with open(log_path, "w") as log:
        user = ["-u", "nobody"] if os.geteuid() == 0 else []  # pgbouncer refuses to run as root
        proc = subprocess.Popen([binary, *user, str(work / "pgbouncer.ini")], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc, log_path)
        yield f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/{name}"
    finally:
        proc.terminate()
        proc.wait(10)
        with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def pooled_server(pooled_url, tmp_path_factory):
    """`serve` (2 gevent workers) whose every connection goes through pgbouncer: base URL, data dir."""
    data_dir = tmp_path_factory.mktemp("pooled-serve")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TOKENOPTIMIZER_DB_POOLER", "transaction")
        proc = start_server(pooled_url, data_dir, free_port(), 2)
    port = proc.args[proc.args.index("--port") + 1]
    yield f"http://127.0.0.1:{port}", data_dir
    stop_server(proc)


def _direct(pooled_url: str) -> psycopg.Connection:
    """A direct connection to the same database (not through pgbouncer), for the assertions."""
    name = psycopg.conninfo.conninfo_to_dict(pooled_url)["dbname"]
    return psycopg.connect(psycopg.conninfo.make_conninfo(LOCAL_ADMIN_URL, dbname=name), autocommit=True)


def _event(i: int, model: str = "gpt-4o-mini") -> dict:
    return {"id": str(uuid.uuid4()), "model": model, "endpoint_name": f"feature-{i % 3}",
            "timestamp": f"2026-11-20T{10 + i % 8:02d}:15:00Z", "prompt_tokens": 1000 + i, "completion_tokens": 100}


def test_serve_migrates_ingests_and_reads_through_pgbouncer(pooled_server, pooled_url):
    base, data_dir = pooled_server
    key = (data_dir / "api_key").read_text().strip()  # created by serve, through the pooler
    headers = {"Authorization": f"Bearer {key}"}
    singles = [_event(i) for i in range(300)]
    batches = [[_event(100 + 10 * b + i, "claude-3-5-sonnet-20241022") for i in range(10)] for b in range(8)]
    # Many more runs of each statement than psycopg's prepare threshold (5), from concurrent requests.
    with ThreadPoolExecutor(8) as ex:
        answers = list(ex.map(lambda e: requests.post(f"{base}/api/log", json=e, headers=headers, timeout=30), singles))
        answers += list(ex.map(lambda b: requests.post(f"{base}/api/log", json={"events": b}, headers=headers,
                                                       timeout=30), batches))
    assert [a.status_code for a in answers] == [202] * len(answers), {a.text for a in answers if a.status_code != 202}
    assert sum(a.json()["accepted"] for a in answers) == 380

    with _direct(pooled_url) as db:
        migrations = db.execute("select count(*) from public.tokenoptimizer_migrations").fetchone()[0]
        prices = db.execute("select count(*) from public.model_pricing").fetchone()[0]
        stored, tokens, cost = db.execute(
            "select count(*), sum(prompt_tokens + completion_tokens), sum(total_cost) from public.usage_logs"
        ).fetchone()
    assert migrations == len(list((Path(__file__).parents[2] / "supabase" / "migrations").glob("*.sql")))
    assert prices > 0
    assert stored == 380

    window = {"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}
    for _ in range(24):  # repeated reads: past the prepare threshold on every pooled connection
        summary = requests.get(f"{base}/api/dashboard", params=window, timeout=30)
        assert summary.status_code == 200, summary.text
        totals = summary.json()["totals"]
        assert (totals["requests"], totals["total_tokens"], Decimal(totals["cost"])) == (380, tokens, cost)
    series = requests.get(f"{base}/api/usage/timeseries", params={**window, "bucket": "hour"}, timeout=30).json()
    busy = [p for p in series["points"] if p["requests"]]
    assert sum(p["requests"] for p in busy) == 380
    # Buckets are UTC hours whatever the server session's zone (pgbouncer gives it America/New_York).
    assert {p["t"] for p in busy} == {f"2026-11-20T{h:02d}:00:00+00:00" for h in range(10, 18)}
    groups = requests.get(f"{base}/api/usage/breakdown", params={**window, "by": "endpoint_name"}, timeout=30).json()
    sent = singles + [e for b in batches for e in b]
    assert {g["key"]: g["requests"] for g in groups["groups"]} == Counter(e["endpoint_name"] for e in sent)
    page = requests.get(f"{base}/api/logs", params={**window, "limit": 500}, timeout=30).json()
    assert len(page["rows"]) == 380
    export = requests.get(f"{base}/api/export", params={**window, "format": "jsonl"}, timeout=30)
    assert export.status_code == 200 and len(export.text.splitlines()) == 380
    assert requests.get(f"{base}/healthz", timeout=30).json() == {"status": "ok", "database": "ok"}
