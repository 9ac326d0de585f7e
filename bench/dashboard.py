"""Dashboard reads at scale: fill a temporary database with synthetic usage, time every read endpoint.

    .venv/bin/python bench/dashboard.py                 # 10,000,000 rows, 20 timed runs per case
    .venv/bin/python bench/dashboard.py --rows 200000   # a quick run

Creates `tokenoptimizer_bench_<pid>` on the Postgres server at --admin-url, applies
supabase/migrations, loads rows over the last --days days with COPY, builds the rollups, then
calls each read through the real Flask app (test client: routing, parameter parsing, the pool,
the SQL functions, JSON) over 24h, 7d, 30d and 90d windows ending now, without and with a model
filter, and prints p50/p95 in milliseconds. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from tokenoptimizer_server import create_app, keys  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import Settings, supabase_dir  # noqa: E402

UNPRICED = [("llama-3.1-70b-instruct", "together"), ("qwen2.5-72b-instruct", "together"),
            ("deepseek-chat", "deepseek"), ("acme-internal-7b", "acme")]
FEATURES = ["chat", "search", "summarize", "classify", "extract", "translate", "autocomplete", "rerank",
            "support-bot", "email-draft", "code-review", "sql-gen", "title", "tagging", "moderation"]
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
COLUMNS = ("id", "project_id", "ts", "model", "provider", "endpoint_name", "prompt_tokens", "completion_tokens",
           "total_tokens", "latency_ms", "status", "error_type", "session_id", "input_cost", "output_cost",
           "total_cost", "priced", "pricing_model", "pricing_version")
NANO = 10**12  # costs are computed in integer picodollars, then written as exact decimals


def catalogue(conn: psycopg.Connection) -> list[dict]:
    """30 models: 26 with the seeded prices, 4 that have none."""
    rows = conn.execute("select model, provider, input_price, output_price, version from public.model_pricing "
                        "where output_price > 0 order by model").fetchall()[:26]
    models = [{"model": r["model"], "provider": r["provider"] or "unknown", "version": r["version"],
               # USD per 1K tokens x 1e9 = picodollars per token
               "in": int(r["input_price"] * 10**9), "out": int(r["output_price"] * 10**9)} for r in rows]
    models += [{"model": m, "provider": p, "version": None, "in": None, "out": None} for m, p in UNPRICED]
    assert len(models) == 30, f"expected 30 models, have {len(models)}"
    return models


def endpoints(models: list[dict], rng: random.Random) -> list[dict]:
    """50 features, each using 2-3 models (a main one and fallbacks), with skewed traffic."""
    out = []
    for i in range(50):
        name = FEATURES[i] if i < len(FEATURES) else f"{FEATURES[i % len(FEATURES)]}-{i // len(FEATURES)}"
        uses = rng.sample(models, rng.choice((2, 3)))
        out.append({"name": name, "models": uses, "model_weights": [70, 25, 5][:len(uses)],
                    "prompt": rng.choice((80, 300, 900, 2500, 6000)), "completion": rng.choice((10, 60, 250, 700))})
    return out


def _cost(tokens: int, pico_per_token: int) -> int:
    return tokens * pico_per_token


def _money(pico: int) -> str:
    return f"{pico // NANO}.{pico % NANO:012d}"


def rows(n: int, days: int, project: str, eps: list[dict], rng: random.Random, end: datetime):
    """Synthetic usage rows in time order, as COPY text lines, in chunks."""
    start_us = int((end - timedelta(days=days)).timestamp() * 1e6)
    span_us = days * 86_400 * 1_000_000
    weights = [1 / (i + 1) for i in range(len(eps))]  # a few features carry most of the traffic
    picks = rng.choices(eps, weights=weights, k=4096)
    chunk = []
    for k in range(n):
        ep = picks[k & 4095] if k & 1 else rng.choices(eps, weights=weights)[0]
        m = rng.choices(ep["models"], weights=ep["model_weights"])[0]
        ts_us = start_us + span_us * k // n + rng.randrange(0, max(1, span_us // n))
        error = rng.random() < 0.02
        prompt = max(1, int(ep["prompt"] * rng.lognormvariate(0, 0.5)))
        completion = 0 if error else max(1, int(ep["completion"] * rng.lognormvariate(0, 0.6)))
        latency = round(120 + completion * 12 * rng.lognormvariate(0, 0.4) + rng.expovariate(1 / 80), 1)
        ts = datetime.fromtimestamp(ts_us / 1e6, timezone.utc).isoformat()
        uid = f"{ts_us // 1000:012x}7{rng.getrandbits(76):019x}"
        uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        session = f"s{k // 40}-{k % 5}" if k % 5 == 0 else "\\N"
        if m["in"] is None:
            costs, priced, pricing = "\\N\t\\N\t\\N", "f", "\\N\t\\N"
        else:
            ci, co = _cost(prompt, m["in"]), _cost(completion, m["out"])
            costs, priced, pricing = f"{_money(ci)}\t{_money(co)}\t{_money(ci + co)}", "t", f"{m['model']}\t{m['version']}"
        chunk.append(f"{uid}\t{project}\t{ts}\t{m['model']}\t{m['provider']}\t{ep['name']}\t{prompt}\t{completion}\t"
                     f"{prompt + completion}\t{latency}\t{'error' if error else 'ok'}\t"
                     f"{'RateLimitError' if error else chr(92) + 'N'}\t{session}\t{costs}\t{priced}\t{pricing}\n")
        if len(chunk) == 10_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill(conn: psycopg.Connection, project: str, n: int, days: int, end: datetime, seed: int) -> float:
    """COPY n rows, then build the rollups the way bulk loads must (COPY bypasses store_usage)."""
    rng = random.Random(seed)
    eps = endpoints(catalogue(conn), rng)
    started = time.perf_counter()
    with conn.transaction():
        # Bulk load: replica mode skips the per-row FK check (the one project exists) and any
        # trigger; COPY bypasses public.store_usage, so the rollups are rebuilt afterwards.
        conn.execute("set local session_replication_role = replica")
        with conn.cursor().copy(f"copy public.usage_logs ({', '.join(COLUMNS)}) from stdin") as copy, \
                tqdm(total=n, unit="rows", unit_scale=True, desc="COPY usage_logs", mininterval=2) as bar:
            for chunk in rows(n, days, project, eps, rng, end):
                copy.write("".join(chunk))
                bar.update(len(chunk))
    copied = time.perf_counter() - started
    print(f"COPY {n:,} rows: {copied:.0f}s ({n / copied:,.0f} rows/s)", flush=True)
    t = time.perf_counter()
    with conn.transaction():
        conn.execute("set local work_mem = '512MB'")
        conn.execute("select public.rebuild_usage_rollups()")
    counts = conn.execute("select (select count(*) from public.usage_rollups_hourly) h, "
                          "(select count(*) from public.usage_rollups_daily) d").fetchone()
    print(f"rollups built by public.rebuild_usage_rollups() (the bulk-load path: one INSERT ... SELECT per table, "
          f"same math as ingest): {counts['h']:,} hourly, {counts['d']:,} daily rows in {time.perf_counter() - t:.0f}s",
          flush=True)
    conn.execute("vacuum analyze public.usage_logs")
    conn.execute("vacuum analyze public.usage_rollups_hourly")
    conn.execute("vacuum analyze public.usage_rollups_daily")
    return copied


def cases(project: str, model: str) -> list[tuple[str, str, dict]]:
    """(label, path, params) for every read endpoint; windows are filled in per call."""
    return [
        ("dashboard", "/api/dashboard", {}),
        ("timeseries", "/api/usage/timeseries", {}),
        ("breakdown by model", "/api/usage/breakdown", {"by": "model"}),
        ("breakdown by endpoint", "/api/usage/breakdown", {"by": "endpoint_name"}),
        ("breakdown by provider", "/api/usage/breakdown", {"by": "provider"}),
        ("logs page 1", "/api/logs", {"limit": "100"}),
        ("logs page 2", "/api/logs", {"limit": "100", "cursor": None}),
        ("unpriced models", "/api/pricing/unpriced", {}),
        ("sessions", "/api/tokens/sessions", {"limit": "50"}),
        ("token metrics", "/api/tokens/metrics", {}),
        ("optimization", "/api/optimization", {}),
        ("alerts", "/api/alerts", {}),
        ("export first 500 rows", "/api/export", {"format": "csv"}),
    ]


def _window(span: timedelta) -> dict:
    now = datetime.now(timezone.utc)
    return {"from": (now - span).isoformat(), "to": now.isoformat()}


def call(client, path: str, params: dict, span: timedelta) -> float:
    """One timed request; for export only the first chunk (time to first bytes of the download)."""
    query = {**params, **_window(span)}
    if span > RANGES["7d"] and path == "/api/usage/timeseries":
        query["bucket"] = "day"
    elif path == "/api/usage/timeseries":
        query["bucket"] = "hour"
    if "cursor" in query:
        first = client.get("/api/logs", query_string={k: v for k, v in query.items() if k != "cursor"}).get_json()
        query["cursor"] = first["next"]
    t = time.perf_counter()
    answer = client.get(path, query_string=query, buffered=path != "/api/export")
    if path == "/api/export":
        body = answer.response
        next(iter(body))  # header line
        next(iter(body))  # first page of rows
        answer.close()
    else:
        assert answer.status_code == 200, answer.get_data(as_text=True)
    return (time.perf_counter() - t) * 1000


def measure(app, project: str, model: str, runs: int) -> list[dict]:
    client = app.test_client()
    results = []
    for label, path, params in cases(project, model):
        for range_name, span in RANGES.items():
            for filt in ({}, {"model": model}):
                base = {"project": project, **params, **filt}
                call(client, path, base, span)  # warm-up, untimed
                times = sorted(call(client, path, base, span) for _ in range(runs))
                results.append({"endpoint": label, "range": range_name, "filter": "model" if filt else "-",
                                "p50": statistics.median(times), "p95": times[max(0, round(0.95 * runs) - 1)]})
                r = results[-1]
                print(f"{label:24} {range_name:>4} {r['filter']:>6}  p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms",
                      flush=True)
    return results


def export_full(app, project: str) -> None:
    """The whole 24h download, for scale (not a dashboard call)."""
    client = app.test_client()
    t = time.perf_counter()
    answer = client.get("/api/export", query_string={"project": project, "format": "csv", **_window(RANGES["24h"])})
    lines = answer.get_data().count(b"\n") - 1
    print(f"export csv, whole 24h window: {lines:,} rows in {time.perf_counter() - t:.1f}s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=20, help="timed calls per endpoint x range x filter")
    parser.add_argument("--admin-url", default=os.environ.get("TOKENOPTIMIZER_BENCH_ADMIN_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", metavar="DBNAME", help="time reads on a database a --keep run left (no fill)")
    args = parser.parse_args()

    name = args.reuse or f"tokenoptimizer_bench_{os.getpid()}"
    if not args.reuse:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(args.admin_url, dbname=name)
    print(f"database {name}; {args.rows:,} rows over {args.days} days; {args.runs} timed runs per case", flush=True)
    try:
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row, autocommit=True) as conn:
            migrate(conn, supabase_dir())
            project = str(keys.ensure_project(conn, "default")["id"])
            if not args.reuse:
                fill(conn, project, args.rows, args.days, datetime.now(timezone.utc), args.seed)
            size = conn.execute("select pg_size_pretty(pg_database_size(current_database())) s").fetchone()["s"]
            model = conn.execute("select model from public.usage_rollups_daily group by 1 "
                                 "order by sum(requests) desc offset 2 limit 1").fetchone()["model"]
        print(f"database size {size}; filter case uses model={model}", flush=True)
        with tempfile.TemporaryDirectory() as data_dir:
            app = create_app(Settings.from_env(database_url=url, mode="local", data_dir=Path(data_dir)))
            try:
                results = measure(app, project, model, args.runs)
                export_full(app, project)
            finally:
                app.extensions["db_pool"].close()
        worst = max(results, key=lambda r: r["p95"])
        over = [r for r in results if r["p95"] > 100]
        print(f"worst p95: {worst['p95']:.1f} ms ({worst['endpoint']}, {worst['range']}, filter {worst['filter']}); "
              f"{len(over)} of {len(results)} cases over 100 ms", flush=True)
    finally:
        if args.keep or args.reuse:
            print(f"kept database {name}: {url}")
        else:
            with psycopg.connect(args.admin_url, autocommit=True) as admin:
                admin.execute(f'drop database if exists "{name}" with (force)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
