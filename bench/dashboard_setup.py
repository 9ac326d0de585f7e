"""bench/dashboard.py's database: synthetic usage loaded with COPY, the rollups and the
conversations rollup built the way a bulk load must, and a signed-in dashboard user for the
fenced reads."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

import psycopg
from tqdm import tqdm

from tokenoptimizer_server.efficiency import rollup

UNPRICED = [("llama-3.1-70b-instruct", "together"), ("qwen2.5-72b-instruct", "together"),
            ("deepseek-chat", "deepseek"), ("acme-internal-7b", "acme")]
FEATURES = ["chat", "search", "summarize", "classify", "extract", "translate", "autocomplete", "rerank",
            "support-bot", "email-draft", "code-review", "sql-gen", "title", "tagging", "moderation"]
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


def fill_conversations(conn: psycopg.Connection, project: str) -> None:
    """The conversations rollup, built by the SQL the alerts job calls (efficiency.rollup.refresh ->
    public.refresh_conversations). COPY left it empty; rebuild_requested (what a settings change
    sets) makes the call rebuild the project from all its rows, in one transaction."""
    t = time.perf_counter()
    with conn.transaction():
        conn.execute("set local work_mem = '512MB'")
        conn.execute("insert into public.efficiency_settings (project_id, rebuild_requested) values (%s, true) "
                     "on conflict (project_id) do update set rebuild_requested = true", (project,))
        sessions = rollup.refresh(conn)
    took = time.perf_counter() - t
    n = conn.execute("select count(*) as n from public.conversations where project_id = %s", (project,)).fetchone()["n"]
    print(f"conversations built by public.refresh_conversations() (the alerts job's call, a full rebuild): "
          f"{sessions:,} sessions, {n:,} conversations in {took:.1f}s "
          f"({sessions / max(took, 1e-9):,.0f} sessions/s)", flush=True)
    conn.execute("vacuum analyze public.conversations")
    conn.execute("vacuum analyze public.conversation_refresh")


BENCH_USER = {"email": "dashboard-bench@bench.example", "password": "bench-only-password"}
OUTSIDER = {"email": "outsider-bench@bench.example", "password": "bench-only-password"}


def _signed_in(client, creds: dict) -> dict:
    """Sign up through the API (signed in at once), or sign in when the account exists (--reuse)."""
    answer = client.post("/api/auth/signup", json=creds)
    if answer.status_code == 409:
        answer = client.post("/api/auth/signin", json=creds)
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    return client.get("/api/auth/me").get_json()


def sign_in_member(client, conn: psycopg.Connection, project: str) -> str:
    """Sign the bench's dashboard user in on this test client (the session cookie stays in it) and
    make sure they are a member of the project's organisation; returns their role there.

    The sign-up flow does it on a fresh database: the first account owns the default organisation,
    where the bench's project lives. On a reused database whose default organisation already has
    an owner, the user joins it as a viewer, the way tests/backend/tenancy_world.py adds members."""
    me = _signed_in(client, BENCH_USER)
    roles = {p["id"]: o["role"] for o in me["organisations"] for p in o["projects"]}
    if project not in roles:
        conn.execute("insert into public.organisation_members (organisation_id, user_id, role) "
                     "select p.organisation_id, %s, 'viewer' from public.projects p where p.id = %s "
                     "on conflict do nothing", (me["user"]["id"], project))
        me = client.get("/api/auth/me").get_json()
        roles = {p["id"]: o["role"] for o in me["organisations"] for p in o["projects"]}
    return roles[project]


def check_fence(app, member_client, owner_client, project: str, window: dict) -> None:
    """The fenced reads are real: an outsider is refused the project, the member reads what the owner reads."""
    outsider = app.test_client()
    _signed_in(outsider, OUTSIDER)
    refused = outsider.get("/api/dashboard", query_string={"project": project, **window})
    assert refused.status_code == 404, f"an outsider read the project: {refused.status_code}"
    query = {"project": project, **window}
    member = member_client.get("/api/dashboard", query_string=query).get_json()
    owner = owner_client.get("/api/dashboard", query_string=query).get_json()
    assert member["totals"]["requests"] == owner["totals"]["requests"] > 0, (member["totals"], owner["totals"])
