"""GET /api/export streams 1,000,000 rows through the real server (gunicorn) in flat memory.

Its own database (bulk-loaded with COPY, rollups rebuilt), so the million rows slow no other
test. Memory is each gunicorn process's peak resident size (VmHWM) before and after the
download: a server that held the rows, or the answer, would grow by far more than the bound.
"""

from __future__ import annotations

import io
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
import requests

from tests.conftest import LOCAL_ADMIN_URL, free_port, start_server, stop_server
from tokenoptimizer_server.db import connect
from tokenoptimizer_server.migrate import migrate
from tokenoptimizer_server.settings import supabase_dir

ROWS = 1_000_000
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
COLUMNS = ("id", "project_id", "ts", "model", "provider", "endpoint_name", "prompt_tokens", "completion_tokens",
           "total_tokens", "latency_ms", "status", "input_cost", "output_cost", "total_cost", "priced", "session_id")
GROWTH_BOUND_KB = 64 * 1024  # the download is ~400 MB; a buffered answer would grow a worker by that much


def _lines(project: str, start: int, count: int) -> str:
    """COPY text for rows start..start+count: a minute apart, two models, one endpoint in three."""
    out = io.StringIO()
    for i in range(start, start + count):
        ts = (T0 + timedelta(seconds=i * 0.6)).isoformat()
        model = "gpt-4o" if i % 2 else "gpt-4o-mini"
        out.write(f"{uuid.UUID(int=i + 1)}\t{project}\t{ts}\t{model}\topenai\tep-{i % 3}\t{i % 1000}\t{i % 300}\t"
                  f"{i % 1000 + i % 300}\t{i % 5000}.5\t{'error' if i % 50 == 0 else 'ok'}\t0.0001\t0.0002\t0.0003\t"
                  f"t\ts-{i // 10}\n")
    return out.getvalue()


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory):
    """A fresh database with one project of ROWS usage rows; yields (url, project id)."""
    name = f"tokenoptimizer_export_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(LOCAL_ADMIN_URL, dbname=name)
    try:
        with connect(url) as conn:
            migrate(conn, supabase_dir())
            project = str(conn.execute("insert into public.projects (name) values ('export') returning id")
                          .fetchone()["id"])
            with conn.cursor().copy(f"copy public.usage_logs ({', '.join(COLUMNS)}) from stdin") as copy:
                for start in range(0, ROWS, 50_000):
                    copy.write(_lines(project, start, 50_000))
            conn.execute("select public.rebuild_usage_rollups()")
            conn.commit()
        yield url, project
    finally:
        with psycopg.connect(LOCAL_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def _descendants(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.mark.slow
def test_export_of_a_million_rows_streams_in_flat_memory(million_rows, tmp_path):
    url, project = million_rows
    port = free_port()
    server = start_server(url, tmp_path, port, 1)  # one worker: it serves the whole download
    try:
        base = f"http://127.0.0.1:{port}"
        requests.get(f"{base}/api/export", params={"project": project, "format": "jsonl", "from": T0.isoformat(),
                                                   "to": (T0 + timedelta(hours=1)).isoformat()}, timeout=60)
        processes = _descendants(server.pid)
        before = {pid: _peak_kb(pid) for pid in processes}
        lines = size = 0
        params = {"project": project, "format": "jsonl", "from": T0.isoformat(),
                  "to": (T0 + timedelta(days=8)).isoformat()}
        with requests.get(f"{base}/api/export", params=params, stream=True, timeout=600) as answer:
            assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/x-ndjson"
            for chunk in answer.iter_content(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
        growth = {pid: _peak_kb(pid) - before[pid] for pid in processes}
    finally:
        stop_server(server)
    assert lines == ROWS and size > 300_000_000
    assert max(growth.values()) < GROWTH_BOUND_KB, f"peak resident growth per process (KB): {growth}"
    print(f"\nexported {lines} rows, {size / 1e6:.0f} MB; peak RSS growth per process (KB): {growth}; "
          f"before: {before}")
