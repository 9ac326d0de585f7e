"""`tokenoptimizer serve` in local mode, as a new user runs it: embedded Postgres, first key, Ctrl-C, restart."""

import os
import signal
import subprocess
import sys
import time

import psutil
import requests

from ..conftest import free_port, wait_healthy


def _serve(data_dir, port, log):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen([sys.executable, "-m", "tokenoptimizer_server.cli", "serve", "--port", str(port),
                             "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT, env=env)


def _postgres_of(data_dir):
    return [p for p in psutil.process_iter(["name", "cmdline"])
            if p.info["name"] == "postgres" and str(data_dir / "pgdata") in " ".join(p.info["cmdline"] or [])]


def _interrupt(proc):
    proc.send_signal(signal.SIGINT)  # `kill -INT` of serve alone, harder than a terminal's Ctrl-C
    assert proc.wait(60) == 0


def test_local_mode_first_start_ctrl_c_and_restart(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "first.log", "w") as log:
        proc = _serve(data_dir, port, log)
        try:
            wait_healthy(base)
            key = (data_dir / "api_key").read_text().strip()
            res = requests.post(f"{base}/api/log", json={"model": "gpt-4o-mini", "prompt_tokens": 1000,
                                                         "completion_tokens": 1000}, headers={"Authorization": f"Bearer {key}"})
            assert res.json()["events"][0]["total_cost"] == "0.00075"
            assert requests.get(f"{base}/api/config").json()["api_key"] == key
        finally:
            _interrupt(proc)
    out = (tmp_path / "first.log").read_text()
    assert "Created your first API key" in out and f'api_key="{key}"' in out and "TokenOptimizer stopped." in out
    time.sleep(1)
    assert _postgres_of(data_dir) == [], "embedded Postgres still running after Ctrl-C"
    assert (data_dir / "api_key").stat().st_mode & 0o777 == 0o600

    with open(tmp_path / "second.log", "w") as log:
        proc = _serve(data_dir, port, log)
        try:
            wait_healthy(base)
            totals = requests.get(f"{base}/api/dashboard").json()["totals"]
            assert (totals["requests"], totals["cost"]) == (1, "0.00075")
        finally:
            _interrupt(proc)
    second = (tmp_path / "second.log").read_text()
    assert "Created your first API key" not in second
    assert key not in second and f"API key: {key[:10]}…" in second  # printed once, on the first start only


def test_port_in_use_says_what_to_do(tmp_path, database_url):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", "serve", "--port", str(port),
                              "--database-url", database_url], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "already in use" in res.stderr and "--port" in res.stderr


def test_kill_int_stops_serve_started_in_the_background(tmp_path, database_url):
    """A script's `serve &` inherits SIGINT ignored; `kill -INT` must still stop it, gunicorn included."""
    port = free_port()
    with open(tmp_path / "bg.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tokenoptimizer_server.cli", "serve", "--port", str(port),
                                 "--database-url", database_url, "--data-dir", str(tmp_path)],
                                stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        try:
            wait_healthy(f"http://127.0.0.1:{port}")
            gunicorn = psutil.Process(proc.pid).children()
        finally:
            _interrupt(proc)
    assert gunicorn and not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in gunicorn)
