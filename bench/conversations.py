"""The conversation list and metrics SQL on 1,000,000 conversations of one project (docs/efficiency.md).

    .venv/bin/python bench/conversations.py            # 1,000,000 conversations, 20 timed runs per case

Creates `tokenoptimizer_convbench_<pid>` on 127.0.0.1, applies supabase/migrations, inserts the
conversations straight into public.conversations (over the last 90 days, 5 models, 4 endpoints)
and a few usage rows per model through public.store_usage (so the rollups know the models), then
times public.conversation_page (pages of 50) and public.usage_token_metrics as the tables' owner
over 24h, 7d, 30d and 90d windows ending now. Dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.database import bench_database  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import supabase_dir  # noqa: E402

MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "gemini-1.5-pro", "mistral-large-latest"]
RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
CASES = [("newest first", "recent", "desc", None), ("oldest first", "recent", "asc", None),
         ("cost desc", "cost", "desc", None), ("tokens desc", "tokens", "desc", None),
         ("turns desc", "turns", "desc", None), ("score desc", "score", "desc", None),
         ("model in usage, no conv.", "recent", "desc", MODELS[4]),
         ("model filter, no match", "recent", "desc", "no-such-model")]


def fill(conn: psycopg.Connection, project: uuid.UUID, n: int) -> None:
    now = datetime.now(timezone.utc)
    events = [{"id": str(uuid.uuid4()), "project_id": str(project), "ts": (now - timedelta(days=1, minutes=i)).isoformat(),
               "model": m, "provider": "openai", "endpoint_name": "chat", "prompt_tokens": 100, "completion_tokens": 10,
               "total_tokens": 110, "cached_tokens": 0, "cache_write_tokens": 0, "cache_write_1h_tokens": 0,
               "reasoning_tokens": 0, "latency_ms": 100, "status": "ok", "stream": False, "session_id": None,
               "priced": False, "unpriced_reason": "no_price_row"}
              for i, m in enumerate(MODELS)]
    conn.execute("select public.store_usage(%s::json)", (json.dumps(events),))
    t = time.perf_counter()
    conn.execute("""
        insert into public.conversations (project_id, session_id, started_at, ended_at, turns, errors, prompt_tokens,
          completion_tokens, total_tokens, weighted_tokens, cost, unpriced_turns, models, endpoints, providers,
          zimmer, score, rating, status)
        select %(p)s, 's' || i, s, s + (i %% 40) * interval '1 minute', t, 0, tok - tok / 5, tok / 5, tok, tok,
               tok * 0.000002, 0, array[(%(models)s::text[])[1 + i %% 4]], array['ep' || (i %% 4)], array['openai'],
               round(tok::numeric / t, 2), public.efficiency_score(round(tok::numeric / t, 2), 300),
               public.zimmer_rating(round(tok::numeric / t, 2)),
               public.efficiency_status(public.efficiency_score(round(tok::numeric / t, 2), 300))
        from generate_series(1, %(n)s) i,
             lateral (select now() - interval '90 days' + (i - 1) * interval '90 days' / %(n)s as s,
                             1 + (hashint4(i) & 15) as t, 50 + (hashint4(i * 7) & 8191) as tok) x""",
                 {"p": project, "n": n, "models": MODELS})
    conn.execute("insert into public.conversation_refresh (project_id, refreshed_until) values (%s, now())", (project,))
    conn.execute("vacuum analyze public.conversations")
    print(f"{n:,} conversations inserted in {time.perf_counter() - t:.0f}s", flush=True)


def measure(conn: psycopg.Connection, project: uuid.UUID, runs: int) -> None:
    def timed(sql: str, params: tuple) -> tuple[float, float, dict]:
        conn.execute(sql, params)  # warm-up
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            body = conn.execute(sql, params).fetchone()["b"]
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return statistics.median(times), times[max(0, round(0.95 * runs) - 1)], body

    page = "select public.conversation_page(%s, %s, %s, %s, null, null, %s, %s, null, 50) as b"
    metrics = "select public.usage_token_metrics(%s, %s, %s, null, null, null) as b"
    for label, sort, order, model in [*CASES, ("token metrics", None, None, None)]:
        cells, p50s, p95s = [], [], []
        for name, span in RANGES.items():
            now = datetime.now(timezone.utc)
            if sort:
                p50, p95, body = timed(page, (project, now - span, now, model, sort, order))
                note = f"{len(body['sessions'])}{'w' if body['window'] else ''}"
            else:
                p50, p95, body = timed(metrics, (project, now - span, now))
                note = str(body["conversations"]["sample_size"])
            p50s.append(p50)
            p95s.append(p95)
            cells.append(f"{name} {p50:6.1f}/{p95:6.1f} ({note})")
        print(f"{label:26} p50 {min(p50s):.0f}-{max(p50s):.0f} ms, p95 {min(p95s):.0f}-{max(p95s):.0f} ms | "
              + " | ".join(cells), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DBNAME", help="time a database a --keep run left (migrations applied first)")
    args = parser.parse_args()
    name = args.reuse or f"tokenoptimizer_convbench_{os.getpid()}"
    with bench_database(args.admin_url, name, reuse=bool(args.reuse), keep=args.keep) as url:
        with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
            migrate(conn, supabase_dir())
            project = conn.execute("insert into public.projects (name) values ('convbench') on conflict "
                                   "(organisation_id, name) do update set name = excluded.name returning id").fetchone()["id"]
            if not args.reuse:
                fill(conn, project, args.conversations)
            print(f"database {name}; p50/p95 ms per range (sessions on the page; w = from the window)", flush=True)
            measure(conn, project, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
