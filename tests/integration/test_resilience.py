"""A burst of 20,000 events from concurrent clients while a worker is killed with SIGKILL and the
database is cut off for 10 seconds: every event the API acknowledged is stored exactly once."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import psycopg
import pytest
import requests

from tests.conftest import free_port, start_server, stop_server


class DatabaseCable:
    """A TCP relay between the server and Postgres that can be unplugged, like a failover: every
    open connection drops and new ones are refused until it is plugged back in."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.plugged = threading.Event()
        self.plugged.set()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.plugged.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def unplug(self) -> None:
        self.plugged.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def plug(self) -> None:
        self.plugged.set()

    def close(self) -> None:
        self.unplug()
        self.listener.close()


def _send_until_acknowledged(base_url: str, key: str, batch: list[dict], acked: set[str], deadline: float) -> int:
    """Post one batch like a careful client: retry the same ids until a 202; record what was acknowledged."""
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        try:
            res = requests.post(f"{base_url}/api/log", json={"events": batch}, timeout=30,
                                headers={"Authorization": f"Bearer {key}"})
        except requests.RequestException:
            res = None
        if res is not None and res.status_code == 202:
            body = res.json()
            assert body["rejected"] == []
            acked.update(e["id"] for e in body["events"])  # a retry after a lost answer lists them again
            return attempts
        assert res is None or res.status_code in (429, 500, 502, 503), res.text
        time.sleep(0.2)
    raise AssertionError("a batch was never acknowledged")


@pytest.mark.slow
def test_burst_with_a_killed_worker_and_a_database_cut_stores_each_acknowledged_event_once(
        database_url, project_key, db, tmp_path):
    key, project = project_key
    dsn = psycopg.conninfo.conninfo_to_dict(database_url)
    cable = DatabaseCable(int(dsn.get("port", 5432)))
    port = free_port()
    server = start_server(psycopg.conninfo.make_conninfo(database_url, host="127.0.0.1", port=cable.port),
                          tmp_path, port, 2)
    base_url = f"http://127.0.0.1:{port}"
    batches = [[{"id": str(uuid.uuid4()), "model": "gpt-4o-mini", "endpoint_name": "burst",
                 "prompt_tokens": 100, "completion_tokens": 20} for _ in range(100)] for _ in range(200)]
    acked: set[str] = set()
    events: dict[str, float] = {}

    def chaos(started: float) -> None:
        time.sleep(1.5)
        workers = psutil.Process(server.pid).children(recursive=True)
        gunicorn_workers = [p for p in workers if "gunicorn" in " ".join(p.cmdline()) and p.ppid() != server.pid]
        gunicorn_workers[0].kill()  # SIGKILL: no cleanup, mid-request
        events["killed"] = time.monotonic() - started
        time.sleep(2)
        cable.unplug()
        events["cut"] = time.monotonic() - started
        time.sleep(10)
        cable.plug()
        events["restored"] = time.monotonic() - started

    try:
        started = time.monotonic()
        chaos_thread = threading.Thread(target=chaos, args=(started,))
        chaos_thread.start()
        deadline = started + 240
        with ThreadPoolExecutor(8) as pool:
            # Paced so the load spans the kill and the cut: 200 batches over ~15 s from 8 clients.
            futures = []
            for i, batch in enumerate(batches):
                futures.append(pool.submit(_send_until_acknowledged, base_url, key, batch, acked, deadline))
                time.sleep(0.075)
            attempts = [f.result() for f in futures]
        chaos_thread.join()
    finally:
        stop_server(server)
        cable.close()
    stored = db.execute("select count(*) as n, count(distinct id) as ids from public.usage_logs where project_id = %s",
                        (project,)).fetchone()
    rollup = db.execute("select sum(requests) as n from public.usage_rollups_hourly where project_id = %s",
                        (project,)).fetchone()
    print(f"\nburst: 20,000 events in 200 batches; worker killed at {events['killed']:.1f} s, database cut "
          f"{events['cut']:.1f}-{events['restored']:.1f} s; {sum(attempts) - len(attempts)} retries; "
          f"acknowledged {len(acked)}, stored {stored['n']} ({stored['ids']} distinct), rollups {rollup['n']}")
    assert sum(a > 1 for a in attempts) > 0  # the chaos really hit some requests
    assert len(acked) == 20_000
    assert (stored["n"], stored["ids"], rollup["n"]) == (20_000, 20_000, 20_000)
    stored_ids = {str(r["id"]) for r in db.execute("select id from public.usage_logs where project_id = %s",
                                                   (project,)).fetchall()}
    assert stored_ids == acked
