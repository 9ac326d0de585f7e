"""Ingestion throughput: the real server (gunicorn, 2 workers) on a temporary database.

Concurrent clients post batches of 1, 100 and 500 events over loopback; the script prints
events/s and p50/p99 request latency, then Postgres's raw COPY rate for the same rows on the
same machine and our rate as a fraction of it.

The load comes from wrk (C, with a Lua script that makes every event id unique) when it is
installed, so the client does not eat the 2 cores the server needs; else from Python client
processes (`--python-clients`), which post gzip bodies like the SDK does.

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 24] [--batches 1,100,500] [--worker-class gevent]
                                     [--alerts-every S] [--keep]

`--alerts-every S` sets TOKENOPTIMIZER_ALERTS_EVERY_S for the server (default: the server's own
default, 5 s; 3600 keeps the alerts job, and its conversations refresh, out of the run). The
alerts job's runs and the time Postgres spent in `refresh_conversations` are printed after the load.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.database import bench_database  # noqa: E402
from tests.conftest import free_port, start_server, stop_server  # noqa: E402
from tokenoptimizer_server import keys  # noqa: E402
from tokenoptimizer_server.db import connect  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import supabase_dir  # noqa: E402

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "claude-sonnet-4-5", "mistral-small-latest", "new-model-x"]
ENDPOINTS = ["chat", "summarize", "search", "classify", "extract"]


def make_event(rng: random.Random) -> dict:
    prompt = rng.randint(50, 4000)
    return {"id": str(uuid.uuid4()), "timestamp": datetime.now(timezone.utc).isoformat(),
            "model": rng.choice(MODELS), "endpoint_name": rng.choice(ENDPOINTS), "prompt_tokens": prompt,
            "completion_tokens": rng.randint(1, 800), "cached_tokens": rng.choice([0, 0, prompt // 2]),
            "latency_ms": round(rng.uniform(80, 4000), 1), "session_id": f"s-{rng.randint(1, 500)}",
            "sdk": {"name": "tokenoptimizer-python", "version": "bench"}}


def client(url: str, key: str, batch: int, seconds: float, seed: int, out: mp.Queue) -> None:
    """Post pre-built gzip bodies for `seconds`; report (events sent, latencies in s)."""
    rng = random.Random(seed)
    per_s = 40_000 if batch > 1 else 2_000
    n_bodies = max(50, int(per_s * seconds / batch / 2))
    bodies = [gzip.compress(json.dumps({"events": [make_event(rng) for _ in range(batch)]} if batch > 1
                                       else make_event(rng)).encode(), 1) for _ in range(n_bodies)]
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    latencies, sent, errors = [], 0, 0
    deadline = time.perf_counter() + seconds
    for body in bodies:
        if time.perf_counter() >= deadline:
            break
        t0 = time.perf_counter()
        res = session.post(url, data=body, headers=headers)
        latencies.append(time.perf_counter() - t0)
        if res.status_code == 202:
            sent += batch
        else:
            errors += 1
    out.put((sent, latencies, errors))


def run_load(url: str, key: str, batch: int, clients: int, seconds: float) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=client, args=(url, key, batch, seconds, i * 7919 + batch, out)) for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]  # arrives after each client's own building and sending
    for p in procs:
        p.join()
    sent = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[1])
    return {"batch": batch, "events": sent, "errors": sum(r[2] for r in results),
            "events_per_s": sent / seconds, "requests": len(lat),
            "p50_ms": statistics.median(lat) * 1000, "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000}


WRK_SCRIPT = r"""
local batch = tonumber(os.getenv("BATCH"))
local models = {"gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "claude-sonnet-4-5", "mistral-small-latest", "new-model-x"}
local endpoints = {"chat", "summarize", "search", "classify", "extract"}
local n = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) math.randomseed(tid * 7919 + os.time()) end
request = function()
  local events = {}
  for i = 1, batch do
    n = n + 1
    local prompt = math.random(50, 4000)
    events[i] = string.format(
      '{"id":"%08x-%04x-4%03x-8%03x-%012x","model":"%s","endpoint_name":"%s","prompt_tokens":%d,'
      .. '"completion_tokens":%d,"cached_tokens":%d,"latency_ms":%d.5,"session_id":"s-%d"}',
      tid, n % 65536, math.floor(n / 65536) % 4096, i % 4096, math.random(0, 2^30),
      models[math.random(#models)], endpoints[math.random(#endpoints)], prompt, math.random(1, 800),
      math.random(0, 1) * math.floor(prompt / 2), math.random(80, 4000), math.random(1, 500))
  end
  local body = batch == 1 and events[1] or ('{"events":[' .. table.concat(events, ",") .. ']}')
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KEY")}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def run_wrk(url: str, key: str, batch: int, connections: int, seconds: float) -> dict:
    """Load from wrk: ids unique per event, so every event is really stored."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "-s", f.name, url],
                         capture_output=True, text=True, env={**os.environ, "BATCH": str(batch), "KEY": key}).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests_, duration_us, errors, p50, p99 = line.split()[1:]
    duration = int(duration_us) / 1e6
    ok = int(requests_) - int(errors)
    return {"batch": batch, "events": ok * batch, "errors": int(errors), "events_per_s": ok * batch / duration,
            "requests": int(requests_), "p50_ms": float(p50), "p99_ms": float(p99), "seconds": duration}


def framework_floor(url: str, connections: int, seconds: float) -> float:
    """Requests/s of the cheapest database-backed route under the same load: what any request costs here."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", url], capture_output=True, text=True).stdout
    return float(next(x for x in out.splitlines() if x.startswith("Requests/sec:")).split()[1])


def copy_rate(db_url: str, rows: int) -> tuple[float, float]:
    """Rows/s for COPY of the same stored rows: into usage_logs (its indexes) and into a bare copy."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        cols = [r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'public' "
            "and table_name = 'usage_logs' order by ordinal_position")]
        data = conn.execute(f"select {', '.join(cols)} from public.usage_logs limit %s", (rows,)).fetchall()
        n = len(data)
        conn.execute("create table public.bench_bare (like public.usage_logs)")
        rates = []
        for table in ("public.usage_logs", "public.bench_bare"):
            fresh = [(uuid.uuid4(), *r[1:]) for r in data]
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor().copy(f"copy {table} ({', '.join(cols)}) from stdin") as cp:
                for r in fresh:
                    cp.write_row(r)
            rates.append(n / (time.perf_counter() - t0))
        return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=24, help="concurrent connections (wrk)")
    parser.add_argument("--python-clients", type=int, default=0, help="use N Python client processes instead of wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gevent", choices=["gevent", "gthread"], help="gunicorn worker class")
    parser.add_argument("--batches", default="1,100,500", help="batch sizes to run, comma-separated")
    parser.add_argument("--alerts-every", type=int, default=None,
                        help="TOKENOPTIMIZER_ALERTS_EVERY_S for the server (default: the server's default, 5 s)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    args = parser.parse_args()
    if args.alerts_every is not None:
        os.environ["TOKENOPTIMIZER_ALERTS_EVERY_S"] = str(args.alerts_every)

    name = f"tokenoptimizer_bench_{uuid.uuid4().hex[:8]}"
    # track_functions: the time Postgres spends in refresh_conversations (the alerts job).
    with bench_database(args.admin_url, name, keep=args.keep, settings={"track_functions": "pl"}) as db_url:
        run(args, db_url)


def run(args, db_url: str) -> None:
    """Serve on db_url, load it batch by batch, then compare with COPY."""
    server = None
    try:
        with connect(db_url) as conn:
            migrate(conn, supabase_dir())
            key, _ = keys.create_key(conn, "bench")
        port = free_port()
        server = start_server(db_url, Path(tempfile.mkdtemp(prefix="tokenoptimizer-bench-")), port, args.workers,
                              "--worker-class", args.worker_class)
        t_served = time.perf_counter()
        url = f"http://127.0.0.1:{port}/api/log"
        requests.post(url, json=make_event(random.Random(0)), headers={"Authorization": f"Bearer {key}"})
        use_wrk = not args.python_clients and shutil.which("wrk")
        # Warm up (pool connections opened, statements prepared, caches filled); not counted.
        warm = run_wrk(url, key, 1, args.connections, 3)["events"] if use_wrk else 0
        load = f"wrk, {args.connections} connections" if use_wrk else f"{args.python_clients or 4} Python client processes"
        alerts_every = os.environ.get("TOKENOPTIMIZER_ALERTS_EVERY_S", "5 (default)")
        print(f"server: gunicorn {args.workers} {args.worker_class} workers; load: {load}; {args.seconds:.0f}s per run; "
              f"alerts job every {alerts_every} s")
        print(f"{'batch':>6} {'events/s':>10} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        results = []
        for batch in (int(b) for b in args.batches.split(",")):
            r = (run_wrk(url, key, batch, args.connections, args.seconds) if use_wrk
                 else run_load(url, key, batch, args.python_clients or 4, args.seconds))
            results.append(r)
            print(f"{batch:>6} {r['events_per_s']:>10,.0f} {r['requests'] / r.get('seconds', args.seconds):>11,.0f} "
                  f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>7}")
        if use_wrk and results[0]["batch"] == 1:
            floor = framework_floor(f"http://127.0.0.1:{port}/healthz", args.connections, args.seconds)
            print(f"framework floor, GET /healthz (Flask + gunicorn + one `select 1`): {floor:,.0f} requests/s; "
                  f"single events run at {results[0]['events_per_s'] / floor:.0%} of it")
        t_served = time.perf_counter() - t_served
        stop_server(server)
        server = None
        with psycopg.connect(db_url) as conn:
            stored = conn.execute("select count(*) from public.usage_logs").fetchone()[0]
            runs = conn.execute("select coalesce(sum(runs), 0) from public.job_runs where name = 'alerts'").fetchone()[0]
            fn = conn.execute("select coalesce(sum(calls), 0), coalesce(sum(total_time), 0) from pg_stat_user_functions "
                              "where funcname = 'refresh_conversations'").fetchone()
        print(f"alerts job: {runs} runs; refresh_conversations: {fn[0]} calls, {fn[1] / 1000:.1f} s in Postgres "
              f"over the server's {t_served:.0f} s ({fn[1] / 1000 / t_served:.0%} of one core)")
        answered = sum(r["events"] for r in results) + 1 + warm
        # wrk counts responses received before its clock stops; requests still in flight then are stored too.
        print(f"rows stored: {stored:,} (202 answers counted by the clients: {answered:,})")
        full, bare = copy_rate(db_url, 200_000)
        best = max(r["events_per_s"] for r in results)
        print(f"raw COPY into usage_logs (same indexes; rollups not updated): {full:,.0f} rows/s")
        print(f"raw COPY into a bare copy of the table (no indexes, no trigger): {bare:,.0f} rows/s")
        print(f"best API rate {best:,.0f} events/s = {best / full:.0%} of COPY into usage_logs, "
              f"{best / bare:.0%} of bare COPY")
    finally:
        if server:
            stop_server(server)


if __name__ == "__main__":
    main()
