"""The issue's mixed traffic (two weeks of gpt-4o, gpt-4.1, claude-3-5-sonnet and mistral-large over
five endpoints, with tools, JSON output and images): no option the plan offers fails a rule.

Each offered candidate is checked here against the shipped catalogue by this test's own reading of
the rules (docs/api.md), not by the advice code: its context window holds the endpoint's largest
prompt, it does not retire within 60 days, its generation is not older, it supports what the
endpoint uses, and it is at most one rung down the provider's ladder of current tiers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from .test_analytics import get, new_project, post

NOW = datetime.now(timezone.utc).replace(microsecond=0)
# endpoint: (model, provider, per day, prompt, cached, completion, features)
MIXED = {
    "classify": ("gpt-4o", "openai", 6, 1_200, 0, 20, {"json_output": True, "tools": 0, "images": 0}),
    "agent": ("gpt-4.1", "openai", 4, 6_000, 4_000, 400, {"tools": 3, "json_output": False, "images": 0}),
    "summarize": ("claude-3-5-sonnet-20241022", "anthropic", 3, 30_000, 0, 800, {"tools": 0, "json_output": False, "images": 0}),
    "vision": ("gpt-4o", "openai", 3, 2_500, 0, 150, {"images": 2, "tools": 0, "json_output": False}),
    "extract": ("mistral-large-latest", "mistral", 4, 3_000, 0, 300, {"json_output": True, "tools": 0, "images": 0}),
}
LARGEST = {"summarize": 150_000}  # one long document a day on summarize
FLAGS = {"tools": "function_calling", "json_output": "response_schema", "images": "vision"}
RANK = {"large": 3, None: 3, "medium": 2, "small": 1}


def mixed_events() -> list[dict]:
    events = []
    for day in range(14):
        for endpoint, (model, provider, per_day, prompt, cached, completion, features) in MIXED.items():
            for k in range(per_day):
                big = endpoint in LARGEST and k == 0
                events.append({"timestamp": (NOW - timedelta(days=day, hours=k + 1)).isoformat(), "model": model,
                               "provider": provider, "endpoint_name": endpoint,
                               "prompt_tokens": LARGEST[endpoint] if big else prompt, "cached_tokens": cached,
                               "completion_tokens": completion, **features})
    return events


@pytest.fixture(scope="module")
def plan(app, database_url):
    key, project = new_project(database_url)
    client = app.test_client()
    events = mixed_events()
    for i in range(0, len(events), 500):
        post(client, key, events[i:i + 500])
    return get(client, "/api/optimization", project, **{"from": (NOW - timedelta(days=14)).isoformat(),
                                                          "to": (NOW + timedelta(minutes=1)).isoformat()})


def _catalogue(db) -> dict:
    return {r["model"]: r for r in db.execute(
        "select model, provider, family, tier, generation::float8 as generation, max_input_tokens, supports, "
        "deprecation_date from public.model_catalogue where coalesce(mode, 'chat') = 'chat'").fetchall()}


def _ladder(catalogue: dict, provider: str) -> list[int]:
    return sorted({RANK.get(r["tier"], 3) for r in catalogue.values() if r["provider"] == provider
                   and (r["deprecation_date"] is None or r["deprecation_date"] > date.today())})


def test_every_endpoint_has_a_plan_and_no_option_fails_a_rule(plan, db):
    catalogue = _catalogue(db)
    assert sorted(p["endpoint_name"] for p in plan["plans"]) == sorted(MIXED)
    offered = 0
    for p in plan["plans"]:
        model, provider, _, prompt, _, _, features = MIXED[p["endpoint_name"]]
        current_family = db.execute("select family from public.model_catalogue where model = %s",
                                    (model,)).fetchone()
        family = current_family["family"] if current_family else model.rsplit("-2024", 1)[0]
        current_generation = db.execute("select public.model_generation(%s, %s)::float8 as g",
                                        (provider, family)).fetchone()["g"]
        # A model the catalogue dropped is sized by its name (sonnet: mid), as the catalogue sizes others.
        current_rank = RANK[catalogue[model]["tier"]] if model in catalogue else (2 if "sonnet" in model else 3)
        ladder = _ladder(catalogue, provider)
        for o in [p["best"], *p["alternatives"], *p["other_advice"]]:
            if o is None or o["type"] != "cheaper_model":
                continue
            offered += 1
            c = catalogue[o["suggested_model"]]
            name = f"{p['endpoint_name']}: {model} → {c['model']}"
            assert c["provider"] == provider, name
            assert c["max_input_tokens"] is None or c["max_input_tokens"] >= LARGEST.get(p["endpoint_name"], prompt), name
            assert c["deprecation_date"] is None or c["deprecation_date"] > date.today() + timedelta(days=60), name
            assert c["generation"] is None or current_generation is None or c["generation"] >= current_generation, name
            for feature, flag in FLAGS.items():
                if features[feature]:
                    assert c["supports"].get(flag), f"{name} lacks {flag}"
                    assert feature in {r["rule"] for r in o["rules_passed"]}, name
            steps = len([r for r in ladder if RANK.get(c["tier"], 3) <= r < current_rank])
            assert steps <= 1, f"{name}: {steps} tiers down"
            assert Decimal(o["monthly_saving"]) > 0, name
    assert offered >= 5


def test_the_issues_bad_advice_is_refused_or_absent(plan):
    """claude-3-5-sonnet → claude-3-haiku (older, smaller) and gpt-4o → gpt-4.1-nano (retired) are never offered."""
    suggested = {(p["endpoint_name"], o["suggested_model"]) for p in plan["plans"]
                 for o in [p["best"], *p["alternatives"]] if o}
    assert not {s for s in suggested if s[1] in ("claude-3-haiku-20240307", "gpt-4.1-nano")}
    refused = {(p["endpoint_name"], r["candidate_model"]): r["rule"] for p in plan["plans"] for r in p["refused"]}
    assert refused[("classify", "gpt-4.1-nano")] == "deprecation"


def test_the_total_counts_each_endpoint_once_largest_first(plan):
    savings = [Decimal(p["monthly_saving"]) for p in plan["plans"]]
    assert savings == sorted(savings, reverse=True)
    assert Decimal(plan["monthly_saving"]) == sum(savings)
    assert all(p["monthly_saving"] == (p["best"]["monthly_saving"] if p["best"] else "0") for p in plan["plans"])

