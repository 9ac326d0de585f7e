"""Advice reads: optimization (sessions and metrics: test_sessions.py; alert rules: test_alerts.py).

Known events go in through POST /api/log; every number that comes out is checked against what
was sent (and, for advice, against the price table the database holds at the time).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from .test_analytics import T0, get, iso, money, new_project, post


def turn(minute: int, **fields) -> dict:
    return {"timestamp": iso(T0 + timedelta(minutes=minute)), "latency_ms": 100.0, "completion_tokens": 50,
            **fields}


@pytest.fixture(scope="module")
def talk(app, database_url):
    """Three conversations, plain calls and a failing endpoint, in the first hour after T0."""
    key, project = new_project(database_url)
    events = [
        turn(0, session_id="s-1", model="gpt-4o", endpoint_name="chat", prompt_tokens=100),
        turn(1, session_id="s-1", model="gpt-4o", endpoint_name="chat", prompt_tokens=300),
        turn(2, session_id="s-1", model="gpt-4o", endpoint_name="chat", prompt_tokens=600),
        turn(10, session_id="s-2", model="gpt-4o-mini", endpoint_name="search", prompt_tokens=1000),
        turn(11, session_id="s-2", model="gpt-4o-mini", endpoint_name="search", prompt_tokens=1200),
        turn(20, session_id="s-3", model="acme-llm-1", endpoint_name="chat", prompt_tokens=10),
        *[turn(30 + i, model="gpt-4o-mini", endpoint_name="flaky", prompt_tokens=20,
               **({"status": "error", "error_type": "APITimeoutError", "completion_tokens": 0} if i < 5 else {}))
          for i in range(6)],
    ]
    return project, post(app.test_client(), key, events)


HOUR = {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}


# Names of special-purpose builds that are never suggested (as in *_savings_candidates.sql).
VARIANT = re.compile(r"audio|realtime|search|preview|transcribe|tts", re.IGNORECASE)


def alternatives(db, model: str) -> dict:
    """The rules the SQL documents, over the same provider's chat models (no cached tokens here):
    the cheapest for the tokens, and the next cheaper (no dearer price, highest price below).
    Candidates are chat models by the catalogue, not retiring within 60 days of the range's end, not fine-tunes or
    special-purpose variants."""
    rows = db.execute("select m.model, m.provider, m.input_price, m.output_price, c.mode, c.deprecation_date "
                      "from public.model_pricing m left join public.model_catalogue c using (model)").fetchall()
    cur = next(r for r in rows if r["model"] == model)
    soon = (T0 + timedelta(hours=1)).date() + timedelta(days=60)  # 60 days after the range's end
    chat = [r for r in rows if r["provider"] == cur["provider"] and r["model"] != model
            and (r["output_price"] or 0) > 0 and "embedding" not in r["model"] and (r["mode"] or "chat") == "chat"
            and (r["deprecation_date"] is None or r["deprecation_date"] > soon)
            and not r["model"].startswith("ft:") and not VARIANT.search(r["model"])]
    steps = [r for r in chat if r["input_price"] <= cur["input_price"] and r["output_price"] <= cur["output_price"]
             and (r["input_price"], r["output_price"]) != (cur["input_price"], cur["output_price"])]
    return {"chat": chat, "next": min(steps, key=lambda r: (-(r["input_price"] + r["output_price"]),
                                                            len(r["model"]), r["model"]))}


def test_optimization_savings_are_exact(client, db, talk):
    project, sent = talk
    body = get(client, "/api/optimization", project, **HOUR)
    recs = {(r["endpoint_name"], r["model"], r["option"]): r for r in body["recommendations"]}
    expected = {}
    for endpoint, model in {("chat", "gpt-4o"), ("search", "gpt-4o-mini"), ("flaky", "gpt-4o-mini")}:
        mine = [e for e in sent if e["endpoint_name"] == endpoint and e["model"] == model]
        prompt, completion = sum(e["prompt_tokens"] for e in mine), sum(e["completion_tokens"] for e in mine)
        current = sum(Decimal(e["total_cost"]) for e in mine)
        options = alternatives(db, model)
        cost = {r["model"]: Decimal(prompt) / 1000 * r["input_price"] + Decimal(completion) / 1000 * r["output_price"]
                for r in options["chat"]}
        cheapest = min(cost, key=lambda m: (cost[m], len(m), m))
        picks = {"cheapest": cheapest, "next_cheaper": options["next"]["model"]}
        for option, alt in picks.items():
            if (option == "cheapest" or alt != cheapest) and cost[alt] < current:
                expected[(endpoint, model, option)] = (alt, len(mine), prompt, completion, current, cost[alt])
    assert set(recs) == set(expected) == {("chat", "gpt-4o", "cheapest"), ("chat", "gpt-4o", "next_cheaper"),
                                          ("search", "gpt-4o-mini", "cheapest"), ("flaky", "gpt-4o-mini", "cheapest")}
    for key, (alt, requests, prompt, completion, current, suggested) in expected.items():
        rec = recs[key]
        assert rec["suggested_model"] == alt and rec["requests"] == requests
        assert (rec["prompt_tokens"], rec["completion_tokens"]) == (prompt, completion)
        assert Decimal(rec["current_cost"]) == current and Decimal(rec["suggested_cost"]) == suggested
        assert Decimal(rec["savings"]) == current - suggested > 0
    savings = [Decimal(r["savings"]) for r in body["recommendations"]]
    assert savings == sorted(savings, reverse=True)
