"""Prompt-caching advice (issue 13 item 5) through the real ingest and GET /api/optimization/caching:
savings worked out by hand for an OpenAI and an Anthropic endpoint; no advice where the prefix is
already cached, too small for the provider, does not repeat, or where cache writes would cost more
than the reads save."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from .test_analytics import get, new_project, post

NOW = datetime.now(timezone.utc)
T = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
RANGE = {"from": (T - timedelta(hours=1)).isoformat(), "to": (T + timedelta(hours=2)).isoformat()}


def _prices(db, tag: str) -> dict[str, str]:
    """Own rows (USD per 1K): gpt-4o's and claude-sonnet-4-5's list rates, a Haiku with a 2,048 minimum."""
    m = {"openai": f"gpt-cachetest-{tag}", "anthropic": f"claude-sonnet-cachetest-{tag}",
         "haiku": f"claude-haiku-cachetest-{tag}"}
    db.execute("insert into public.model_pricing (model, provider, input_price, output_price, cached_input_price, "
               "cache_write_price, source) values (%s, 'openai', 0.0025, 0.01, 0.00125, null, 'manual'), "
               "(%s, 'anthropic', 0.003, 0.015, 0.0003, 0.00375, 'manual'), "
               "(%s, 'anthropic', 0.001, 0.005, 0.0001, 0.00125, 'manual')",
               (m["openai"], m["anthropic"], m["haiku"]))
    return m


def _calls(model: str, provider: str, endpoint: str, minutes: list[float], prompt: int, chars: int,
           cached: int = 0, prefix: str | None = None) -> list[dict]:
    return [{"model": model, "provider": provider, "endpoint_name": endpoint, "prompt_tokens": prompt,
             "completion_tokens": 100, "cached_tokens": cached,
             "prefix_hash": prefix or uuid.uuid4().hex[:16], "prefix_chars": chars,
             "timestamp": (T + timedelta(minutes=m)).isoformat()} for m in minutes]


def _world(client, db, database_url):
    key, project = new_project(database_url)
    m = _prices(db, uuid.uuid4().hex[:8])
    h = {name: uuid.uuid4().hex for name in ("support", "agent", "cached", "small", "haiku", "sparse")}
    # support: 30 calls 2 minutes apart but a 10-minute pause before the 21st: 2 cold, 28 warm.
    support = [2 * i for i in range(20)] + [38 + 10 + 2 * i for i in range(10)]
    post(client, key, [
        *_calls(m["openai"], "openai", "support", support, 1800, 6000, prefix=h["support"]),
        # agent: 20 calls a minute apart from minute 10: 1 write, 19 reads.
        *_calls(m["anthropic"], "anthropic", "agent", [10 + i for i in range(20)], 2500, 8000, prefix=h["agent"]),
        # Already cached on every call.
        *_calls(m["openai"], "openai", "cached", [i for i in range(15)], 1800, 6000, cached=1536, prefix=h["cached"]),
        # 2,000 chars = 500 tokens: under OpenAI's 1,024.
        *_calls(m["openai"], "openai", "small", [i for i in range(15)], 1800, 2000, prefix=h["small"]),
        # 1,500 tokens: enough for Sonnet, under Haiku's 2,048.
        *_calls(m["haiku"], "anthropic", "haiku", [i for i in range(15)], 2500, 6000, prefix=h["haiku"]),
        # Every call 10 minutes after the last: all cold, so caching would only add write premiums.
        *_calls(m["anthropic"], "anthropic", "sparse", [10 * i for i in range(12)], 2500, 8000, prefix=h["sparse"]),
        # A different prefix on every call: nothing repeats.
        *_calls(m["openai"], "openai", "unique", [i for i in range(15)], 1800, 6000),
    ])
    return project, m, h


def test_savings_match_the_hand_computed_figures(client, db, database_url):
    project, m, h = _world(client, db, database_url)
    body = get(client, "/api/optimization/caching", project, **RANGE)
    assert [(a["endpoint_name"], a["model"]) for a in body["advice"]] == [("agent", m["anthropic"]), ("support", m["openai"])]
    agent, support = body["advice"]

    # OpenAI: 6,000 chars -> 1,500 tokens; a warm call pays 0.00125 instead of 0.0025 per 1K on them:
    # 1500/1000 * 0.00125 = 0.001875 a call, x 28 warm calls = 0.0525; a cold call costs what it costs now.
    assert (support["prefix_tokens"], support["minimum_tokens"], support["cache_reads"], support["cache_writes"]) == (1500, 1024, 28, 2)
    assert support["saving"] == "0.0525"
    # First call at T, range ends at T + 2h: 2 hours of traffic, x 360 for 30 days.
    assert (support["days"], support["monthly_saving"]) == ("0.0833", "18.9")
    assert (support["action"], support["rates"]["cache_write_price"]) == ("automatic", None)
    assert "byte-identical" in support["how"] and "first" in support["how"]

    # Anthropic: 8,000 chars -> 2,000 tokens. Warm: 2 * (0.003 - 0.0003) = 0.0054 saved, x 19 = 0.1026;
    # the cold call writes them at 0.00375 instead of 0.003: 2 * 0.00075 = 0.0015 more. 0.1026 - 0.0015 = 0.1011.
    assert (agent["prefix_tokens"], agent["cache_reads"], agent["cache_writes"]) == (2000, 19, 1)
    assert agent["saving"] == "0.1011"
    # First call at T + 10 min: 110 minutes. 0.1011 * 30 * 1440 / 110 = 39.70472727...
    assert agent["monthly_saving"] == "39.704727272727"
    assert D(agent["monthly_saving"]) == (D("0.1011") * 30 * 1440 / 110).quantize(D("1e-12"))
    assert agent["rates"] == {"input_price": "0.003", "cached_input_price": "0.0003", "cache_write_price": "0.00375"}
    assert agent["action"] == "cache_control" and "cache_control" in agent["how"]
    assert agent["prefix_hash"] == h["agent"] and agent["calls"] == 20

    assert body["monthly_saving"] == "58.604727272727"
    assert body["rules"] == {"chars_per_token": 4, "min_calls": 10, "ttl_minutes": 5, "month_days": 30}
    assert body["window"]["requests"] == 30 + 20 + 15 * 4 + 12 and not body["window"]["capped"]


def test_filters_and_the_recent_window(client, db, database_url):
    project, m, _ = _world(client, db, database_url)
    only = get(client, "/api/optimization/caching", project, endpoint_name="support", **RANGE)
    assert [a["endpoint_name"] for a in only["advice"]] == ["support"]
    by_provider = get(client, "/api/optimization/caching", project, provider="anthropic", **RANGE)
    assert [a["endpoint_name"] for a in by_provider["advice"]] == ["agent"]
    # Traffic 10 days old that would qualify lies outside the recent window (the range's last 7 days).
    key, old_project = new_project(database_url)
    post(client, key, _calls(m["openai"], "openai", "support", [-8 * 1440 + 2 * i for i in range(30)], 1800, 6000,
                             prefix=uuid.uuid4().hex))
    whole = {"from": (T - timedelta(days=9)).isoformat(), "to": NOW.isoformat()}
    assert get(client, "/api/optimization/caching", old_project, **RANGE | {"from": (T - timedelta(days=9)).isoformat(),
                                                                          "to": (T - timedelta(days=7)).isoformat()})["advice"]
    late = get(client, "/api/optimization/caching", old_project, **whole)
    assert late["advice"] == [] and late["window"]["requests"] == 0


def test_refuses_a_bad_parameter(client, db, database_url):
    _, project = new_project(database_url)
    answer = client.get("/api/optimization/caching", query_string={"project": project, "from": "yesterday"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"][0]["field"] == "from"
