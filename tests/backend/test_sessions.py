"""Conversation efficiency: Zimmer Tokens, score, rating and status on hand-computed sessions
(the original's included), the inactivity split, settings, keyset pages and the metrics.

Events go in through POST /api/log; the evaluator's refresh is called directly (the job runs it in
the server); every figure is computed here by hand from what was sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tokenoptimizer_server import efficiency

from .test_analytics import T0, get, iso, new_project, post

RANGE = {"from": iso(T0 - timedelta(days=1)), "to": iso(T0 + timedelta(days=2))}


def turns(session: str, tokens: list[int], start_minute: float = 0, step: float = 1, model: str = "gpt-4o-mini",
          base: datetime = T0) -> list[dict]:
    """One turn per entry of tokens (prompt = 80%, completion = the rest), `step` minutes apart."""
    return [{"timestamp": iso(base + timedelta(minutes=start_minute + i * step)), "model": model,
             "session_id": session, "prompt_tokens": t * 4 // 5, "completion_tokens": t - t * 4 // 5}
            for i, t in enumerate(tokens)]


def cost_of(sent: list[dict], session: str) -> Decimal:
    return sum((Decimal(e["total_cost"]) for e in sent if e["session_id"] == session), Decimal(0))


@pytest.fixture(scope="module")
def original(app, database_url):
    """The original's example sessions, plus row 3's tokens over 6 turns."""
    key, project = new_project(database_url)
    events = (turns("session_001", [100, 160, 200, 180, 220]) + turns("session_002", [1200, 1500], 10)
              + turns("session_003", [250, 250, 300, 300, 300, 300], 20))
    sent = post(app.test_client(), key, events)
    from tokenoptimizer_server.db import connect
    with connect(database_url, autocommit=True) as conn:
        efficiency.refresh(conn)
    return project, sent


def by_id(body):
    return {s["session_id"]: s for s in body["sessions"]}


def test_the_originals_examples(client, original):
    project, sent = original
    got = by_id(get(client, "/api/tokens/sessions", project, **RANGE))
    s1, s2, s3 = got["session_001"], got["session_002"], got["session_003"]
    # 860 tokens / 5 turns = 172 Zimmer; 100 x (1 - 172/300) = 42.666... -> 42.7; <= 200 rates Excellent, 42.7 is Fair.
    assert (s1["turns"], s1["total_tokens"], s1["zimmer_tokens"], s1["efficiency_score"]) == (5, 860, 172, 42.7)
    assert (s1["rating"], s1["status"]) == ("Excellent", "Fair")
    # 2,700 / 2 = 1,350; 1 - 1350/300 < 0 -> 0.0; Poor either way.
    assert (s2["turns"], s2["total_tokens"], s2["zimmer_tokens"], s2["efficiency_score"]) == (2, 2700, 1350, 0.0)
    assert (s2["rating"], s2["status"]) == ("Poor", "Poor")
    # Row 3's 1,700 tokens over 6 turns: 283.33 Zimmer (Good), 100 x (1 - 283.33/300) = 5.6 (Poor), not 0.0.
    assert (s3["zimmer_tokens"], s3["efficiency_score"], s3["rating"], s3["status"]) == (283.33, 5.6, "Good", "Poor")
    assert s1["cost"] == str(cost_of(sent, "session_001").normalize())
    assert s1["duration_s"] == 240.0 and s1["models"] == ["gpt-4o-mini"]


def test_one_session_with_metrics_and_timeline(client, original):
    project, sent = original
    body = get(client, "/api/session/session_001", project)
    assert [t["total_tokens"] for t in body["turns"]] == [100, 160, 200, 180, 220]
    assert body["metrics"]["zimmer_tokens"] == 172 and body["metrics"]["efficiency_score"] == 42.7
    assert body["metrics"]["status"] == "Fair" and body["metrics"]["turns"] == 5
    assert len(body["conversations"]) == 1 and body["conversations"][0]["started_at"] == sent[0]["timestamp"]
    missing = client.get(f"/api/session/nope?project={project}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_metrics_per_conversation_and_cost_per_zimmer_token(client, original):
    project, sent = original
    conv = get(client, "/api/tokens/metrics", project, **RANGE)["conversations"]
    zimmer = Decimal(172) + Decimal(1350) + Decimal("283.33")
    cost = sum((Decimal(e["total_cost"]) for e in sent), Decimal(0))
    assert conv["sample_size"] == 3 and conv["tokens_per_conversation"] == round((860 + 2700 + 1700) / 3, 2)
    assert Decimal(str(conv["total_zimmer_tokens"])) == zimmer
    assert conv["zimmer_per_conversation"] == float(round(zimmer / 3, 2))
    assert conv["avg_efficiency_score"] == round((42.7 + 0.0 + 5.6) / 3, 1)
    assert Decimal(conv["cost_per_zimmer_token"]) == round(cost / zimmer, 12)
    assert Decimal(conv["cost_per_conversation"]) == round(cost / 3, 12)
    histogram = {(b["min"], b["max"]): b["conversations"] for b in conv["tokens_histogram"]}
    assert histogram[(500, 1000)] == 1 and histogram[(1000, 2000)] == 1 and histogram[(2000, 4000)] == 1
    assert sum(histogram.values()) == 3


def test_thirty_minutes_of_silence_splits_a_session(client, database_url, db, app):
    key, project = new_project(database_url)
    # gaps: 10 min, exactly 30 min (same conversation), 31 min (a new one)
    events = [turns("s", [100], m)[0] for m in (0, 10, 40, 71)]
    post(app.test_client(), key, events)
    efficiency.refresh(db)
    body = get(client, "/api/session/s", project)
    assert [(c["turns"], c["total_tokens"]) for c in body["conversations"]] == [(3, 300), (1, 100)]
    assert body["metrics"]["turns"] == 4 and body["metrics"]["zimmer_tokens"] == 100
    listed = get(client, "/api/tokens/sessions", project, **RANGE)["sessions"]
    assert [(s["session_id"], s["turns"]) for s in listed] == [("s", 1), ("s", 3)]  # newest first

    # A 20-minute gap, set for this project only, splits 10 -> 40 as well (after the job's rebuild).
    answer = client.put(f"/api/efficiency/settings?project={project}", json={
        "session_gap_minutes": 20, "model_multipliers": {"gpt-4o-mini": "1.5"}})
    assert answer.status_code == 200 and answer.get_json()["session_gap_minutes"] == 20
    efficiency.refresh(db)
    body = get(client, "/api/session/s", project)
    assert [c["turns"] for c in body["conversations"]] == [2, 1, 1]
    assert [c["zimmer_tokens"] for c in body["conversations"]] == [150, 150, 150]  # 100 tokens x 1.5 per turn
    assert body["conversations"][0]["efficiency_score"] == 50.0


def test_new_turns_join_their_conversation_incrementally(client, database_url, db, app):
    key, project = new_project(database_url)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    client_ = app.test_client()
    post(client_, key, turns("live", [300, 300], -20, 5, base=now))
    efficiency.refresh(db)
    post(client_, key, turns("live", [600], -3, base=now))
    efficiency.refresh(db)
    recent = {"from": iso(now - timedelta(hours=1)), "to": iso(now + timedelta(minutes=1))}
    [live] = get(client, "/api/tokens/sessions", project, **recent)["sessions"]
    assert (live["turns"], live["total_tokens"], live["zimmer_tokens"]) == (3, 1200, 400)
    assert (live["rating"], live["efficiency_score"], live["status"]) == ("Good", 0.0, "Poor")


@pytest.mark.parametrize("sort,key", [("recent", "ended_at"), ("cost", "cost"), ("tokens", "total_tokens"),
                                      ("turns", "turns"), ("score", "efficiency_score")])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_keyset_pages_cover_every_conversation_once_in_order(client, database_url, db, app, sort, key, order):
    project = _paging_project(app, database_url, db)
    seen, cursor = [], None
    while True:
        body = get(client, "/api/tokens/sessions", project, sort=sort, order=order, limit=3,
                   **({"cursor": cursor} if cursor else {}), **RANGE)
        seen += body["sessions"]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(s["session_id"] for s in seen) == sorted(f"p{i:02d}" for i in range(10))
    value = (lambda s: Decimal(s[key])) if key == "cost" else (lambda s: s[key])
    keys = [(value(s), s["session_id"]) for s in seen]
    assert keys == sorted(keys, reverse=order == "desc")


_PAGING: dict[str, str] = {}


def _paging_project(app, database_url, db) -> str:
    """Ten sessions with ties on every key (tokens and turns repeat), built once per run."""
    if "project" not in _PAGING:
        key, project = new_project(database_url)
        events = []
        for i in range(10):
            events += turns(f"p{i:02d}", [100 * (1 + i % 3)] * (1 + i % 4), 3 * i)
        post(app.test_client(), key, events)
        efficiency.refresh(db)
        _PAGING["project"] = project
    return _PAGING["project"]


@pytest.mark.parametrize("params,field", [({"sort": "price"}, "sort"), ({"order": "up"}, "order"),
                                          ({"limit": "0"}, "limit"), ({"cursor": "not-a-cursor"}, "cursor")])
def test_bad_page_parameters_name_the_field(client, original, params, field):
    project, _ = original
    answer = client.get("/api/tokens/sessions", query_string={"project": project, **params, **RANGE})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"][0]["field"] == field


def test_bad_settings_are_refused_by_field(client, original):
    project, _ = original
    answer = client.put(f"/api/efficiency/settings?project={project}", json={"session_gap_minutes": 0})
    assert answer.status_code == 400 and answer.get_json()["error"]["details"][0]["field"] == "session_gap_minutes"
    assert get(client, "/api/efficiency/settings", project)["session_gap_minutes"] == 30


def test_dashboard_and_metrics_carry_this_months_projection(client, database_url, app):
    key, project = new_project(database_url)
    now = datetime.now(timezone.utc)
    sent = post(app.test_client(), key, turns("today", [2000], base=now - timedelta(minutes=1)))
    spent = Decimal(sent[0]["total_cost"])
    projection = get(client, "/api/dashboard", project)["projection"]
    assert projection["month"] == now.strftime("%Y-%m") and Decimal(projection["month_to_date"]) == spent
    # All of it in the last minutes: the rate is spent per day of existence (since the first hour used).
    assert Decimal(projection["projected"]) >= spent
    assert get(client, "/api/tokens/metrics", project)["projection"]["month_to_date"] == projection["month_to_date"]


def test_a_narrow_filter_pages_within_the_window_and_still_sorts(client, database_url, db, app):
    """A filter matching few conversations: the page comes from the range's most recent ones, sorted."""
    key, project = new_project(database_url)
    events = turns("a", [300, 300]) + turns("b", [100], 5, model="gpt-4o") + turns("c", [900], 6, model="gpt-4o")
    post(app.test_client(), key, events)
    efficiency.refresh(db)
    body = get(client, "/api/tokens/sessions", project, model="gpt-4o", sort="tokens", **RANGE)
    assert [s["session_id"] for s in body["sessions"]] == ["c", "b"] and body["next"] is None
    exact = get(client, "/api/tokens/sessions", project, sort="tokens", **RANGE)
    assert [s["session_id"] for s in exact["sessions"]] == ["c", "a", "b"] and exact["window"] is None


def test_a_narrow_range_in_a_large_rollup_is_sorted_within_the_window(client, database_url, db):
    """50,100 older, dearer conversations fill the sort index's walk (50,000 rows, index only, without a filter);
    the page falls back to the window."""
    key, project = new_project(database_url)
    db.execute("""
        insert into public.conversations (project_id, session_id, started_at, ended_at, turns, errors, prompt_tokens,
          completion_tokens, total_tokens, weighted_tokens, cost, unpriced_turns, models, endpoints, providers,
          zimmer, score, rating, status)
        select %(p)s::uuid, 'old-' || g, %(t0)s - interval '30 days', %(t0)s - interval '30 days', 1, 0, 10, 0, 10, 10,
               1 + g, 0, '{gpt-4o}'::text[], '{chat}'::text[], '{openai}'::text[], 10, 96.7, 'Excellent', 'Excellent'
        from generate_series(1, 50100) g
        union all
        select %(p)s::uuid, 'new-' || g, %(t0)s + g * interval '1 minute', %(t0)s + g * interval '1 minute', 1, 0, 10, 0, 10, 10,
               g * 0.01, 0, '{gpt-4o}'::text[], '{chat}'::text[], '{openai}'::text[], 10, 96.7, 'Excellent', 'Excellent'
        from generate_series(1, 3) g""", {"p": project, "t0": T0})
    first = get(client, "/api/tokens/sessions", project, sort="cost", limit=2, **RANGE)
    assert [s["session_id"] for s in first["sessions"]] == ["new-3", "new-2"]
    assert (first["window"], first["window_full"]) == (20000, False)
    rest = get(client, "/api/tokens/sessions", project, sort="cost", limit=2, cursor=first["next"], **RANGE)
    assert [s["session_id"] for s in rest["sessions"]] == ["new-1"] and rest["next"] is None
