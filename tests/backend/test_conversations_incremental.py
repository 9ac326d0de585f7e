"""The incremental conversations refresh (migration 20261205000100) against a full rebuild.

Traffic goes in through POST /api/log in rounds, with the refresh after each round, the way the
alerts job interleaves with ingestion: turns arrive in order, late (inside a stored conversation),
before a conversation, between two (joining them), and after a long gap. After every round the
rollup must equal what a rebuild from all rows gives, column for column.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import psycopg

from tokenoptimizer_server import efficiency
from tokenoptimizer_server.db import connect
from tokenoptimizer_server.ingest.event import parse_events
from tokenoptimizer_server.ingest.store import price_events, write_rows
from tokenoptimizer_server.pricing.resolve import PriceBook
from tokenoptimizer_server.pricing.store import load_rows

from .test_analytics import T0, iso, new_project, post

COLUMNS = ("session_id, started_at, ended_at, turns, errors, prompt_tokens, completion_tokens, total_tokens, "
           "weighted_tokens, cost, unpriced_turns, models, endpoints, providers, zimmer, score, rating, status")


def rollup(conn: psycopg.Connection, project) -> list[tuple]:
    return [tuple(r.values()) for r in conn.execute(
        f"select {COLUMNS} from public.conversations where project_id = %s order by session_id, started_at",
        (project,)).fetchall()]


def rebuilt(conn: psycopg.Connection, project) -> list[tuple]:
    """What a full rebuild gives, computed in a transaction that is rolled back."""
    with conn.transaction(force_rollback=True):
        conn.execute("insert into public.efficiency_settings (project_id, rebuild_requested) values (%s, true) "
                     "on conflict (project_id) do update set rebuild_requested = true", (project,))
        efficiency.refresh(conn)
        return rollup(conn, project)


def event(rng: random.Random, session: str, minute: float) -> dict:
    model = rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku-20241022", "mystery-model-x"])
    return {"timestamp": iso(T0 + timedelta(minutes=minute)), "model": model, "session_id": session,
            "endpoint_name": rng.choice(["chat", "classify"]), "prompt_tokens": rng.randint(1, 900),
            "completion_tokens": rng.randint(0, 300), "status": "error" if rng.random() < 0.1 else "ok"}


def test_every_round_matches_a_rebuild(app, database_url):
    key, project = new_project(database_url)
    rng = random.Random(20261205)
    client = app.test_client()
    with connect(database_url, autocommit=True) as conn:
        conn.execute("insert into public.efficiency_settings (project_id, model_multipliers) values (%s, %s)",
                     (project, '{"gpt-4o": "1.5"}'))
        clock = {f"s{i}": 0.0 for i in range(8)}
        changed_total = 0
        for round_no in range(12):
            events = []
            for session in clock:
                for _ in range(rng.randint(0, 4)):
                    kind = rng.random()
                    if kind < 0.6:  # next turn, usually close, sometimes after a pause longer than the gap
                        clock[session] += rng.choice([0.5, 2, 7, 45]) if rng.random() < 0.9 else 120
                        minute = clock[session]
                    else:  # a late turn: anywhere in the session's past, before its start or in a gap
                        minute = rng.uniform(-40, clock[session])
                    events.append(event(rng, session, minute))
            rng.shuffle(events)
            post(client, key, events)
            changed_total += efficiency.refresh(conn)
            assert rollup(conn, project) == rebuilt(conn, project), f"round {round_no}"
        assert changed_total > 0
        assert len(rollup(conn, project)) > len(clock)  # long gaps split sessions into several conversations


def test_a_row_of_an_open_transaction_is_counted_once_it_commits(app, database_url):
    """The watermark stops at the oldest open transaction: a row it stores later is not skipped."""
    key, project = new_project(database_url)
    post(app.test_client(), key, [{"timestamp": iso(T0), "model": "gpt-4o-mini", "session_id": "w",
                                   "prompt_tokens": 10, "completion_tokens": 5}])
    with connect(database_url, autocommit=True) as job, connect(database_url) as writer:
        efficiency.refresh(job)
        # A transaction opens (its rows get received_at = its start) and stays open over a refresh.
        writer.execute("select 1")
        started = threading.Event()

        def store_late_then_commit():
            # Through ingest's own write (rows and rollups), in the transaction opened above.
            started.wait(30)
            book = PriceBook(*load_rows(writer))
            events, _ = parse_events([{"timestamp": iso(T0 + timedelta(minutes=1)), "model": "gpt-4o-mini",
                                       "session_id": "w", "prompt_tokens": 20, "completion_tokens": 5}])
            rows, _ = price_events(project, events, book)
            write_rows(writer, rows, 0, {book.version}, set())
            writer.commit()

        t = threading.Thread(target=store_late_then_commit)
        t.start()
        post(app.test_client(), key, [{"timestamp": iso(T0 + timedelta(minutes=2)), "model": "gpt-4o-mini",
                                       "session_id": "w", "prompt_tokens": 30, "completion_tokens": 5}])
        efficiency.refresh(job)  # the open transaction holds the watermark back
        held = job.execute("select turns from public.conversations where project_id = %s", (project,)).fetchone()
        started.set()
        t.join(30)
        efficiency.refresh(job)
        row = job.execute("select turns, total_tokens from public.conversations where project_id = %s",
                          (project,)).fetchone()
    assert held["turns"] == 1  # the row received after the open transaction's start waits for it
    assert (row["turns"], row["total_tokens"]) == (3, 15 + 25 + 35)


def rebuilds_during_refresh(conn: psycopg.Connection) -> int:
    """Refresh, and count the session rebuilds it called (track_functions counts per transaction)."""
    conn.execute("select pg_stat_force_next_flush()")  # earlier calls leave this backend's pending counts
    with conn.transaction():
        conn.execute("set local track_functions = 'all'")
        efficiency.refresh(conn)
        return conn.execute(
            "select coalesce(pg_stat_get_xact_function_calls('public.rebuild_session_conversations"
            "(uuid, text, timestamptz, timestamptz, interval, jsonb, numeric)'::regprocedure), 0) as n").fetchone()["n"]


def test_turns_after_or_inside_a_conversation_are_added_without_a_rebuild(app, database_url):
    key, project = new_project(database_url)
    client = app.test_client()
    turn = {"model": "gpt-4o-mini", "session_id": "fast", "prompt_tokens": 10, "completion_tokens": 5}
    with connect(database_url, autocommit=True) as conn:
        post(client, key, [{**turn, "timestamp": iso(T0 + timedelta(minutes=m))} for m in (0, 10)])
        efficiency.refresh(conn)  # the project's first build
        post(client, key, [{**turn, "timestamp": iso(T0 + timedelta(minutes=m))} for m in (12, 5, 100)])
        assert rebuilds_during_refresh(conn) == 0  # 12 joins, 5 is inside, 100 starts a new conversation
        spans = conn.execute("select turns, started_at, ended_at from public.conversations "
                             "where project_id = %s order by started_at", (project,)).fetchall()
        assert [(s["turns"], s["started_at"], s["ended_at"]) for s in spans] == [
            (4, T0, T0 + timedelta(minutes=12)), (1, T0 + timedelta(minutes=100), T0 + timedelta(minutes=100))]
        # A turn before the first conversation, then one that joins the two: each rebuilds that session.
        post(client, key, [{**turn, "timestamp": iso(T0 - timedelta(minutes=20))}])
        assert rebuilds_during_refresh(conn) == 1
        post(client, key, [{**turn, "timestamp": iso(T0 + timedelta(minutes=m))} for m in (40, 70)])
        assert rebuilds_during_refresh(conn) == 1
        assert [r["turns"] for r in conn.execute("select turns from public.conversations where project_id = %s",
                                                 (project,)).fetchall()] == [8]
        assert rollup(conn, project) == rebuilt(conn, project)
