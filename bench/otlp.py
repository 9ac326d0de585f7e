"""OTLP ingestion beside /api/log: the real server (gunicorn, 2 workers) on a temporary database, one run.

For each batch size, Python client processes post for `--seconds` to /api/log (gzip JSON events, as the
SDK sends: bench/ingest.py's client) and then to /v1/traces (gzip protobuf export requests, as the
OTel exporters send). An OTLP request holds `batch` GenAI spans and, by default, as many plain spans
(an HTTP span around each model call, as instrumented apps export), which are counted and dropped.
Prints spans/s and events/s (rows stored, counted in Postgres) for OTLP, events/s for /api/log, and the
ratio of the two events/s. Both paths get the same client processes, so the clients' CPU cost weighs on
both alike.

    .venv/bin/python bench/otlp.py [--seconds 10] [--clients 4] [--batches 1,100] [--plain-spans 1]
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ingest import ENDPOINTS, MODELS, run_load  # noqa: E402
from bench.database import bench_database  # noqa: E402
from tests.conftest import free_port, start_server, stop_server  # noqa: E402
from tokenoptimizer_server import keys  # noqa: E402
from tokenoptimizer_server.db import connect  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import supabase_dir  # noqa: E402


def _kv(key: str, value) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(int_value=value) if isinstance(value, int) else AnyValue(string_value=value))


def make_export(rng: random.Random, calls: int, plain: int) -> bytes:
    """One gzip protobuf export request: `calls` GenAI spans, each with `plain` non-GenAI spans beside it."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.append(_kv("service.name", "bench"))
    scope_spans = resource_spans.scope_spans.add()
    scope_spans.scope.name = "bench.otlp"
    now = time.time_ns()
    for _ in range(calls):
        trace_id, prompt = os.urandom(16), rng.randint(50, 4000)
        model = rng.choice(MODELS)
        span = scope_spans.spans.add(trace_id=trace_id, span_id=os.urandom(8), name=f"chat {model}", kind=3,
                                     start_time_unix_nano=now, end_time_unix_nano=now + rng.randint(80, 4000) * 10**6)
        span.attributes.extend([
            _kv("gen_ai.operation.name", "chat"), _kv("gen_ai.request.model", model),
            _kv("gen_ai.usage.input_tokens", prompt), _kv("gen_ai.usage.output_tokens", rng.randint(1, 800)),
            _kv("gen_ai.usage.cache_read.input_tokens", rng.choice([0, 0, prompt // 2])),
            _kv("gen_ai.conversation.id", f"s-{rng.randint(1, 500)}"),
            _kv("tokenoptimizer.endpoint_name", rng.choice(ENDPOINTS))])
        for _ in range(plain):
            other = scope_spans.spans.add(trace_id=trace_id, span_id=os.urandom(8), name="POST /chat", kind=2,
                                          start_time_unix_nano=now, end_time_unix_nano=now + 5 * 10**6)
            other.attributes.extend([_kv("http.request.method", "POST"), _kv("http.response.status_code", 200)])
    return gzip.compress(request.SerializeToString(), 1)


def otlp_client(url: str, key: str, calls: int, plain: int, seconds: float, seed: int, out: mp.Queue) -> None:
    """Post pre-built export requests for `seconds`; report (spans answered 200, latencies in s, errors)."""
    rng = random.Random(seed)
    n_bodies = max(50, int((40_000 if calls > 1 else 2_000) * seconds / calls / 2))
    bodies = [make_export(rng, calls, plain) for _ in range(n_bodies)]
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
    latencies, spans, errors = [], 0, 0
    deadline = time.perf_counter() + seconds
    for body in bodies:
        if time.perf_counter() >= deadline:
            break
        t0 = time.perf_counter()
        res = session.post(url, data=body, headers=headers)
        latencies.append(time.perf_counter() - t0)
        if res.status_code == 200:
            spans += calls * (1 + plain)
        else:
            errors += 1
    out.put((spans, latencies, errors))


def run_otlp(url: str, key: str, calls: int, plain: int, clients: int, seconds: float) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=otlp_client, args=(url, key, calls, plain, seconds, i * 7919 + calls, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[1])
    return {"spans": sum(r[0] for r in results), "errors": sum(r[2] for r in results), "requests": len(lat),
            "p50_ms": statistics.median(lat) * 1000, "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000}


def stored(db_url: str) -> int:
    with psycopg.connect(db_url) as conn:
        return conn.execute("select count(*) from public.usage_logs").fetchone()[0]


def measure(db_url: str, load) -> tuple[dict, int]:
    """Run one load; (its result, the rows it stored)."""
    before = stored(db_url)
    result = load()
    return result, stored(db_url) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4, help="Python client processes per run")
    parser.add_argument("--batches", default="1,100", help="GenAI spans (and /api/log events) per request")
    parser.add_argument("--plain-spans", type=int, default=1, help="non-GenAI spans sent beside each GenAI span")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gevent", choices=["gevent", "gthread"])
    args = parser.parse_args()

    with bench_database(args.admin_url, f"tokenoptimizer_bench_{uuid.uuid4().hex[:8]}") as db_url:
        run(args, db_url)


def run(args, db_url: str) -> None:
    """Serve on db_url and load /api/log, then /v1/traces, batch by batch."""
    server = None
    try:
        with connect(db_url) as conn:
            migrate(conn, supabase_dir())
            key, _ = keys.create_key(conn, "bench")
        port = free_port()
        server = start_server(db_url, Path(tempfile.mkdtemp(prefix="tokenoptimizer-bench-")), port, args.workers,
                              "--worker-class", args.worker_class)
        base = f"http://127.0.0.1:{port}"
        run_load(f"{base}/api/log", key, 1, args.clients, 2)  # warm-up: connections, statements, caches
        run_otlp(f"{base}/v1/traces", key, 1, args.plain_spans, args.clients, 2)
        print(f"server: gunicorn {args.workers} {args.worker_class} workers; load: {args.clients} Python client "
              f"processes; {args.seconds:.0f}s per run; {args.plain_spans} plain span(s) beside each GenAI span")
        print(f"{'batch':>6} {'path':>11} {'spans/s':>9} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
        for batch in (int(b) for b in args.batches.split(",")):
            log_result, log_rows = measure(db_url, lambda: run_load(f"{base}/api/log", key, batch, args.clients,
                                                                       args.seconds))
            otlp_result, otlp_rows = measure(db_url, lambda: run_otlp(f"{base}/v1/traces", key, batch,
                                                                         args.plain_spans, args.clients, args.seconds))
            log_rate, otlp_rate = log_rows / args.seconds, otlp_rows / args.seconds
            print(f"{batch:>6} {'/api/log':>11} {'':>9} {log_rate:>9,.0f} {log_result['p50_ms']:>7.1f} "
                  f"{log_result['p99_ms']:>7.1f} {log_result['errors']:>6}")
            print(f"{batch:>6} {'/v1/traces':>11} {otlp_result['spans'] / args.seconds:>9,.0f} {otlp_rate:>9,.0f} "
                  f"{otlp_result['p50_ms']:>7.1f} {otlp_result['p99_ms']:>7.1f} {otlp_result['errors']:>6}")
            print(f"{batch:>6} {'ratio':>11} {'':>9} {otlp_rate / log_rate:>9.0%}  (OTLP events/s ÷ /api/log events/s)")
    finally:
        if server:
            stop_server(server)


if __name__ == "__main__":
    main()
