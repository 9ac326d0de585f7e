"""Dashboard reads at scale: fill a temporary database with synthetic usage, time every read endpoint.

    .venv/bin/python bench/dashboard.py                 # 10,000,000 rows, 20 timed runs per case
    .venv/bin/python bench/dashboard.py --rows 200000   # a quick run

Creates `tokenoptimizer_bench_<pid>` on the Postgres server at --admin-url, applies
supabase/migrations, loads rows over the last --days days with COPY, builds the usage rollups and
the conversations rollup (bench/dashboard_setup.py), then calls each read the dashboard makes
(frontend/src/data/api-source.ts) through the real Flask app (test client: routing, parameter
parsing, the pool, the SQL functions, JSON) over 24h, 7d, 30d and 90d windows ending now, without
and with a model filter, and prints p50/p95 in milliseconds.

--mode both (default) times every case twice, side by side, one right after the other:
- local: local mode, the API's connection as the tables' owner (row-level security not applied);
- fenced: self-hosted mode as a signed-in member of the project's organisation (signed up through
  /api/auth/signup, session cookie), so each request runs in one transaction as `authenticated`
  with the user's request.jwt.claims under row-level security, as a dashboard user's request does.
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.database import bench_database  # noqa: E402
from tokenoptimizer_server import create_app, keys  # noqa: E402
from tokenoptimizer_server.migrate import migrate  # noqa: E402
from tokenoptimizer_server.settings import Settings, supabase_dir  # noqa: E402

from dashboard_setup import check_fence, fill, fill_conversations, sign_in_member  # noqa: E402

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
NO_MATCH = "no-such-model"  # a model filter that matches no conversation: the list's slowest case (docs/efficiency.md)
SORTS = ("recent", "cost", "tokens", "turns", "score")


def cases() -> list[tuple[str, str, dict, tuple[str, ...]]]:
    """(label, path, params, filters) for every read over a range; windows are filled in per call.
    Filters: "-" none, "model" the third busiest model, "nomatch" a model no conversation used."""
    both, conv = ("-", "model"), ("-", "model", "nomatch")
    sessions = [(f"sessions {sort} {order}", "/api/tokens/sessions", {"limit": "50", "sort": sort, "order": order}, conv)
                for sort in SORTS for order in ("desc", "asc") if (sort, order) != ("recent", "desc")]
    return [
        ("dashboard", "/api/dashboard", {}, both),
        ("timeseries", "/api/usage/timeseries", {}, both),
        ("breakdown by model", "/api/usage/breakdown", {"by": "model"}, both),
        ("breakdown by endpoint", "/api/usage/breakdown", {"by": "endpoint_name"}, both),
        ("breakdown by provider", "/api/usage/breakdown", {"by": "provider"}, both),
        ("logs page 1", "/api/logs", {"limit": "100"}, both),
        ("logs page 2", "/api/logs", {"limit": "100", "cursor": None}, both),
        ("unpriced models", "/api/pricing/unpriced", {}, both),
        ("unpriced reasons", "/api/pricing/unpriced/reasons", {}, both),
        ("retirements", "/api/pricing/deprecations", {}, both),
        ("sessions", "/api/tokens/sessions", {"limit": "50"}, conv),  # recent desc: newest first, the default
        ("sessions page 2", "/api/tokens/sessions", {"limit": "50", "cursor": None}, both),
        *sessions,
        ("token metrics", "/api/tokens/metrics", {}, conv),
        ("optimization", "/api/optimization", {}, both),
        ("caching advice", "/api/optimization/caching", {}, both),  # walks the window's last 50,000 rows at most
        ("alerts", "/api/alerts", {}, both),
        ("export first 500 rows", "/api/export", {"format": "csv"}, both),
    ]


def once_cases(session_id: str, model: str) -> list[tuple[str, str, dict]]:
    """The dashboard's reads that take no range: its pages' other calls (one project, no filter)."""
    return [
        ("config", "/api/config", {}),
        ("budget (month projection)", "/api/budget", {}),
        ("alerts firing", "/api/alerts", {"state": "firing"}),
        ("alert rules", "/api/alerts/rules", {}),
        ("efficiency settings", "/api/efficiency/settings", {}),
        ("one session", f"/api/session/{session_id}", {}),
        ("pricing", "/api/pricing", {}),
        ("price history", f"/api/pricing/{model}/history", {}),
    ]


def _window(span: timedelta) -> dict:
    now = datetime.now(timezone.utc)
    return {"from": (now - span).isoformat(), "to": now.isoformat()}


def call(client, path: str, params: dict, span: timedelta | None) -> float:
    """One timed request; for export only the first chunk (time to first bytes of the download)."""
    query = {**params, **(_window(span) if span else {})}
    if path == "/api/usage/timeseries":
        query["bucket"] = "day" if span > RANGES["7d"] else "hour"
    if "cursor" in query:  # page 2: follow page 1's `next` (untimed); a range of one page has none
        query["cursor"] = client.get(path, query_string={k: v for k, v in query.items() if k != "cursor"}).get_json()["next"]
    t = time.perf_counter()
    answer = client.get(path, query_string=query, buffered=path != "/api/export")
    if path == "/api/export":
        next(iter(answer.response))  # the CSV's first chunk: its header and first EXPORT_FIRST rows
        answer.close()
    elif answer.status_code != 200:  # reported in the table and the summary, not timed
        raise Refused(f"HTTP {answer.status_code} {(answer.get_json(silent=True) or {}).get('error', {}).get('code')}")
    return (time.perf_counter() - t) * 1000


class Refused(Exception):
    """A read that did not answer 200."""


def timed(client, path: str, params: dict, span: timedelta | None, runs: int) -> tuple[float, float] | str:
    try:
        call(client, path, params, span)  # warm-up, untimed
    except Refused as err:
        return str(err)
    times = sorted(call(client, path, params, span) for _ in range(runs))
    return statistics.median(times), times[max(0, round(0.95 * runs) - 1)]


def _cell(value) -> str:
    return f"  {value:>25}" if isinstance(value, str) else f"  {value[0]:9.1f} ms {value[1]:9.1f} ms"


def measure(clients: dict, project: str, model: str, session_id: str, runs: int) -> list[dict]:
    """Every case in each mode, the modes one right after the other (same cache, same load)."""
    filters = {"-": {}, "model": {"model": model}, "nomatch": {"model": NO_MATCH}}
    plan = [(label, path, params, name, span, filt) for label, path, params, filts in cases()
            for name, span in RANGES.items() for filt in filts]
    plan += [(label, path, params, "-", None, "-") for label, path, params in once_cases(session_id, model)]
    heads = "".join(f"  {mode + ' p50':>12} {mode + ' p95':>12}" for mode in clients)
    print(f"{'endpoint':30} {'range':>5} {'filter':>7}{heads}", flush=True)
    results = []
    for label, path, params, range_name, span, filt in plan:
        base = {"project": project, **params, **filters[filt]}
        row = {"endpoint": label, "range": range_name, "filter": filt}
        for mode, client in clients.items():
            row[mode] = timed(client, path, base, span, runs)
        results.append(row)
        cells = "".join(_cell(row[m]) for m in clients)
        print(f"{label:30} {range_name:>5} {filt:>7}{cells}", flush=True)
    return results


def export_full(client, project: str) -> None:
    """The whole 24h download, for scale (not a dashboard call)."""
    t = time.perf_counter()
    answer = client.get("/api/export", query_string={"project": project, "format": "csv", **_window(RANGES["24h"])})
    lines = answer.get_data().count(b"\n") - 1
    print(f"export csv, whole 24h window: {lines:,} rows in {time.perf_counter() - t:.1f}s", flush=True)


def summary(results: list[dict], modes: list[str]) -> None:
    for mode in modes:
        ok = [r for r in results if not isinstance(r[mode], str)]
        worst = max(ok, key=lambda r: r[mode][1])
        over = [r for r in ok if r[mode][1] > 100]
        print(f"{mode}: worst p95 {worst[mode][1]:.1f} ms ({worst['endpoint']}, {worst['range']}, filter "
              f"{worst['filter']}); {len(over)} of {len(ok)} timed cases over 100 ms; "
              f"{len(results) - len(ok)} refused"
              + "".join(f"\n  over: {r['endpoint']} {r['range']} {r['filter']} p95 {r[mode][1]:.1f} ms" for r in over)
              + "".join(f"\n  refused: {r['endpoint']} {r['range']} {r['filter']}: {r[mode]}"
                        for r in results if isinstance(r[mode], str)), flush=True)


def apps(url: str, data_dir: Path, modes: list[str]) -> dict:
    out = {}
    if "local" in modes:
        out["local"] = create_app(Settings.from_env(database_url=url, mode="local", data_dir=data_dir))
    if "fenced" in modes:  # plain-http public URL: the session cookie is not Secure-only, the test client sends it
        out["fenced"] = create_app(Settings.from_env(
            database_url=url, mode="selfhosted", data_dir=data_dir, admin_token=secrets.token_urlsafe(24),
            public_base_url="http://127.0.0.1"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=20, help="timed calls per endpoint x range x filter")
    parser.add_argument("--mode", choices=("both", "local", "fenced"), default="both",
                        help="local: as the tables' owner; fenced: a signed-in member under row-level security")
    parser.add_argument("--admin-url", default=os.environ.get("TOKENOPTIMIZER_BENCH_ADMIN_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--reuse", metavar="DBNAME", help="time reads on a database a --keep run left (no fill)")
    args = parser.parse_args()
    modes = ["local", "fenced"] if args.mode == "both" else [args.mode]

    name = args.reuse or f"tokenoptimizer_bench_{os.getpid()}"
    print(f"database {name}; {args.rows:,} rows over {args.days} days; {args.runs} timed runs per case; "
          f"modes {', '.join(modes)}", flush=True)
    with bench_database(args.admin_url, name, reuse=bool(args.reuse), keep=args.keep) as url:
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row, autocommit=True) as conn:
            migrate(conn, supabase_dir())
            project = str(keys.ensure_project(conn, "default")["id"])
            if not args.reuse:
                fill(conn, project, args.rows, args.days, datetime.now(timezone.utc), args.seed)
                fill_conversations(conn, project)
            size = conn.execute("select pg_size_pretty(pg_database_size(current_database())) s").fetchone()["s"]
            model = conn.execute("select model from public.usage_rollups_daily group by 1 "
                                 "order by sum(requests) desc offset 2 limit 1").fetchone()["model"]
            session_id = conn.execute("select session_id from public.conversations where project_id = %s "
                                      "order by ended_at desc limit 1", (project,)).fetchone()["session_id"]
            print(f"database size {size}; filter cases use model={model} and model={NO_MATCH}", flush=True)
            with tempfile.TemporaryDirectory() as data_dir:
                found = apps(url, Path(data_dir), ["local", "fenced"] if "fenced" in modes else modes)
                clients = {mode: found[mode].test_client() for mode in modes}
                try:
                    if "fenced" in clients:
                        role = sign_in_member(clients["fenced"], conn, project)
                        check_fence(found["fenced"], clients["fenced"], found["local"].test_client(), project,
                                    _window(RANGES["24h"]))
                        print(f"fenced: signed in with role {role} in the project's organisation; an outsider gets 404, "
                              f"the member reads what the owner reads", flush=True)
                    results = measure(clients, project, model, session_id, args.runs)
                    for mode, client in clients.items():
                        print(f"{mode}: ", end="")
                        export_full(client, project)
                finally:
                    for app in found.values():
                        app.extensions["db_pool"].close()
        summary(results, modes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
