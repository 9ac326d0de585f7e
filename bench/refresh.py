"""The alerts job's conversations refresh on a steady stream (docs/benchmarks.md).

    .venv/bin/python bench/refresh.py [--rate 1000] [--history-minutes 20] [--step-seconds 5] [--steps 6]

Creates `tokenoptimizer_bench_<hex>`, applies supabase/migrations, stores --history-minutes of
traffic at --rate events/s in 500 sessions (one row per call, received_at set by the database as
ingest's rows are), builds the conversations once, then --steps times stores --step-seconds more of the
stream and times one `public.refresh_conversations()` call, the job's call every 5 s. Prints the
rows each call had to fold and its time. Run it from another checkout to compare versions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.database import bench_database  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import supabase_dir  # noqa: E402

STORE = """
    insert into public.usage_logs (id, project_id, ts, model, provider, endpoint_name, prompt_tokens,
      completion_tokens, total_tokens, session_id, priced, total_cost, input_cost, output_cost)
    select gen_random_uuid(), %(p)s, t, (array['gpt-4o','gpt-4o-mini','claude-haiku-4-5'])[1 + i %% 3], 'openai',
           'chat', 100 + i %% 900, 10 + i %% 90, 110 + i %% 900 + i %% 90, 's-' || (hashint4(i) & 511),
           true, 0.001, 0.0008, 0.0002
    from generate_series(1, %(n)s) i, lateral (select %(start)s::timestamptz + (i - 1) * %(span)s::interval / %(n)s as t) x"""


def store(conn: psycopg.Connection, project: uuid.UUID, seconds: float, rate: int, end_ago: float) -> int:
    """`seconds` of the stream at `rate`, ending `end_ago` seconds before now, stored in order."""
    n = int(seconds * rate)
    conn.execute(STORE, {"p": project, "n": n, "span": f"{seconds} seconds",
                         "start": conn.execute("select now() - make_interval(secs => %s)",
                                               (seconds + end_ago,)).fetchone()[0]})
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--history-minutes", type=float, default=20)
    parser.add_argument("--step-seconds", type=float, default=5)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    name = f"tokenoptimizer_bench_{uuid.uuid4().hex[:8]}"
    with bench_database(args.admin_url, name) as url, psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, supabase_dir())
        project = conn.execute("insert into public.projects (name) values ('refresh') returning id").fetchone()[0]
        history = args.history_minutes * 60
        n = store(conn, project, history, args.rate, args.step_seconds)
        conn.execute("analyze public.usage_logs")
        t = time.perf_counter()
        conn.execute("select public.refresh_conversations()")
        print(f"{n:,} rows over {args.history_minutes:g} min in 500 sessions; first build "
              f"{time.perf_counter() - t:.1f} s", flush=True)
        times = []
        for step in range(args.steps):
            new = store(conn, project, args.step_seconds, args.rate, 0)
            t = time.perf_counter()
            conn.execute("select public.refresh_conversations()")
            times.append((time.perf_counter() - t) * 1000)
            print(f"step {step + 1}: {new:,} new rows, refresh {times[-1]:,.0f} ms", flush=True)
            time.sleep(max(0.0, args.step_seconds - times[-1] / 1000))  # the stream's clock moves on
        turns = conn.execute("select sum(turns) from public.conversations").fetchone()[0]
        rows = conn.execute("select count(*) from public.usage_logs").fetchone()[0]
        print(f"refresh per call: median {statistics.median(times):,.0f} ms, max {max(times):,.0f} ms; "
              f"{turns:,} turns in conversations for {rows:,} rows stored", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
