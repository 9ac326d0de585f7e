"""Each advice rule on a catalogue built for it, through GET /api/optimization, with savings by hand.

Provider `ruleprov` exists only here. Prices (USD per 1K tokens, input / output):
  rp-large-2 (current)  0.01   / 0.03     large,  generation 2
  rp-large-3            0.005  / 0.015    large,  generation 3          -> passes
  rp-medium-3           0.002  / 0.006    medium, generation 3          -> passes (one tier down)
  rp-small-3            0.0005 / 0.0015   small                         -> refused: two tiers down
  rp-medium-short-3     0.002  / 0.006    context window 1,000 tokens   -> refused: context
  rp-medium-old-1       0.002  / 0.006    generation 1                  -> refused: generation
  rp-medium-retiring-3  0.002  / 0.006    retires in 10 days            -> refused: deprecation
  rp-medium-notools-3   0.002  / 0.006    no function calling           -> refused: tools
Traffic: 4 `agent` requests with tools, each 2,000 prompt + 500 completion tokens, in the first
minutes of a one-hour range: the month is 30 days / 1 hour = x 720.
  current:     2 x 0.01   + 0.5 x 0.03   = 0.035 a request,   x 4 = 0.14,   x 720 = 100.8 a month
  rp-large-3:  2 x 0.005  + 0.5 x 0.015  = 0.0175,            x 4 = 0.07  -> saves 0.07 x 720 = 50.4
  rp-medium-3: 2 x 0.002  + 0.5 x 0.006  = 0.007,             x 4 = 0.028 -> saves 0.112 x 720 = 80.64
  rp-small-3:  2 x 0.0005 + 0.5 x 0.0015 = 0.00175,           x 4 = 0.007 -> saves 0.133 x 720 = 95.76
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tokenoptimizer_server.advice.rules import Entry, Profile, judge, ladder
from tokenoptimizer_server.db import connect

from .test_analytics import T0, get, iso, new_project, post

HOUR = {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}
TOOLS = {"function_calling": True, "response_schema": True}
MODELS = [  # model, input, output, tier, max_input_tokens, supports, retires in (days)
    ("rp-large-2", "0.01", "0.03", "large", 100_000, TOOLS, None),
    ("rp-large-3", "0.005", "0.015", "large", 100_000, TOOLS, None),
    ("rp-medium-3", "0.002", "0.006", "medium", 100_000, TOOLS, None),
    ("rp-small-3", "0.0005", "0.0015", "small", 100_000, TOOLS, None),
    ("rp-medium-short-3", "0.002", "0.006", "medium", 1_000, TOOLS, None),
    ("rp-medium-old-1", "0.002", "0.006", "medium", 100_000, TOOLS, None),
    ("rp-medium-retiring-3", "0.002", "0.006", "medium", 100_000, TOOLS, 10),
    ("rp-medium-notools-3", "0.002", "0.006", "medium", 100_000, {}, None),
]


@pytest.fixture(scope="module")
def catalogue(database_url):
    with connect(database_url, autocommit=True) as conn:
        for model, inp, out, tier, window, supports, retires in MODELS:
            conn.execute("insert into public.model_pricing (model, provider, input_price, output_price, source) "
                         "values (%s, 'ruleprov', %s, %s, 'test') on conflict (model) do nothing", (model, inp, out))
            conn.execute(
                "insert into public.model_catalogue (model, provider, family, tier, mode, max_input_tokens, supports, "
                "deprecation_date, billing_unit, source) values (%s, 'ruleprov', %s, %s, 'chat', %s, %s, "
                "current_date + %s::integer, 'token', 'test') on conflict (model) do nothing",
                (model, model, tier, window, json.dumps(supports), retires))


@pytest.fixture
def agent(client, database_url, catalogue):
    key, project = new_project(database_url)
    post(client, key, [{"timestamp": iso(T0 + timedelta(minutes=i)), "model": "rp-large-2", "provider": "ruleprov",
                        "endpoint_name": "agent", "prompt_tokens": 2000, "completion_tokens": 500, "tools": 1,
                        "json_output": False, "images": 0} for i in range(4)])
    return project


def test_each_rule_refuses_its_candidate_with_the_reason(client, agent):
    body = get(client, "/api/optimization", agent, **HOUR)
    (plan,) = body["plans"]
    assert (plan["endpoint_name"], plan["cost"], plan["monthly_cost"]) == ("agent", "0.14", "100.8")
    refused = {r["candidate_model"]: (r["rule"], r["detail"]) for r in plan["refused"]}
    retires = (date.today() + timedelta(days=10)).isoformat()
    assert refused == {
        "rp-small-3": ("tier", "2 tiers down (flagship → small) without shadow evidence; at most one tier without it"),
        "rp-medium-short-3": ("context", "its context window (1,000 tokens) is smaller than the largest recent "
                                         "prompt (2,000)"),
        "rp-medium-old-1": ("generation", "an older generation (rp-medium-old-1, 1) than rp-large-2 (2)"),
        "rp-medium-retiring-3": ("deprecation", f"retired or retiring on {retires}"),
        "rp-medium-notools-3": ("tools", "the endpoint uses tool calls; the catalogue does not list "
                                         "function_calling for it"),
    }


def test_candidates_that_pass_are_priced_by_hand_and_say_which_rules_they_passed(client, agent):
    body = get(client, "/api/optimization", agent, **HOUR)
    (plan,) = body["plans"]
    best, (alternative,) = plan["best"], plan["alternatives"]
    assert (best["suggested_model"], best["monthly_saving"], best["current_monthly_cost"],
            best["suggested_monthly_cost"]) == ("rp-medium-3", "80.64", "100.8", "20.16")
    assert (alternative["suggested_model"], alternative["monthly_saving"]) == ("rp-large-3", "50.4")
    assert [r["rule"] for r in best["rules_passed"]] == ["context", "deprecation", "tools", "generation", "tier"]
    assert best["rules_passed"][-1]["detail"] == "one tier down (flagship → mid)"
    assert (body["monthly_saving"], plan["monthly_saving"]) == ("80.64", "80.64")


def test_the_equivalence_map_overrides_the_tier_limit(client, agent):
    added = client.post("/api/optimization/equivalences", query_string={"project": agent},
                        json={"model": "rp-large-2", "candidate_model": "rp-small-3", "endpoint_name": "agent"})
    assert added.status_code == 201, added.get_json()
    again = client.post("/api/optimization/equivalences", query_string={"project": agent},
                        json={"model": "rp-large-2", "candidate_model": "rp-small-3", "endpoint_name": "agent"})
    assert again.status_code == 409
    (plan,) = get(client, "/api/optimization", agent, **HOUR)["plans"]
    assert (plan["best"]["suggested_model"], plan["best"]["monthly_saving"], plan["best"]["equivalence"]) == (
        "rp-small-3", "95.76", True)
    assert plan["best"]["rules_passed"][0]["rule"] == "equivalence"
    assert "rp-small-3" not in {r["candidate_model"] for r in plan["refused"]}
    listed = get(client, "/api/optimization/equivalences", agent)["equivalences"]
    assert [(e["model"], e["candidate_model"], e["endpoint_name"]) for e in listed] == [
        ("rp-large-2", "rp-small-3", "agent")]
    changed = client.put(f"/api/optimization/equivalences/{listed[0]['id']}", query_string={"project": agent},
                         json={"model": "rp-large-2", "candidate_model": "rp-small-3", "endpoint_name": "agent",
                               "note": "checked by hand on 50 tickets"})
    assert changed.status_code == 200 and changed.get_json()["note"] == "checked by hand on 50 tickets"
    gone = client.delete(f"/api/optimization/equivalences/{listed[0]['id']}", query_string={"project": agent})
    assert gone.status_code == 204
    (plan,) = get(client, "/api/optimization", agent, **HOUR)["plans"]
    assert plan["best"]["suggested_model"] == "rp-medium-3"
    missing = client.put(f"/api/optimization/equivalences/{listed[0]['id']}", query_string={"project": agent},
                         json={"model": "rp-large-2", "candidate_model": "rp-small-3"})
    assert missing.status_code == 404


def test_a_bad_equivalence_names_the_field(client, agent):
    answer = client.post("/api/optimization/equivalences", query_string={"project": agent},
                         json={"model": "rp-large-2", "candidate_model": ""})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"][0]["field"] == "candidate_model"


CURRENT = Entry("big-2", "p", "big-2", "large", 2.0, 100_000, TOOLS)
SMALL = Entry("tiny-3", "p", "tiny-3", "small", 3.0, 100_000, TOOLS)
TODAY = date(2026, 12, 4)


def test_shadow_evidence_lifts_the_one_tier_limit_only_when_it_agrees_enough():
    profile = Profile(largest_prompt=10)
    assert judge(CURRENT, SMALL, profile, TODAY).refused["rule"] == "tier"
    weak = {"agreement_low": 0.7, "n": 200, "agreed": 150}
    few = {"agreement_low": 0.95, "n": 10, "agreed": 10}
    strong = {"agreement_low": 0.93, "n": 212, "agreed": 204}
    assert judge(CURRENT, SMALL, profile, TODAY, weak).refused["rule"] == "tier"
    assert judge(CURRENT, SMALL, profile, TODAY, few).refused["rule"] == "tier"
    verdict = judge(CURRENT, SMALL, profile, TODAY, strong)
    assert verdict.refused is None
    assert verdict.passed[-1] == {"rule": "tier", "detail": "2 tiers down (flagship → small), allowed by shadow "
                                                            "evidence: agreed on 204 of 212 calls"}


def test_images_and_json_need_the_catalogue_flags():
    no_vision = Entry("v-3", "p", "v-3", "large", 3.0, 100_000, TOOLS)
    assert judge(CURRENT, no_vision, Profile(10, uses_images=True), TODAY).refused["rule"] == "images"
    no_schema = Entry("j-3", "p", "j-3", "large", 3.0, 100_000, {"function_calling": True})
    assert judge(CURRENT, no_schema, Profile(10, uses_json=True), TODAY).refused["rule"] == "json_output"
    assert judge(CURRENT, no_schema, Profile(10), TODAY).refused is None


def test_a_step_is_a_rung_of_the_providers_own_ladder():
    """A provider with no current mid tier (OpenAI today): flagship -> small is one step."""
    entries = [CURRENT, SMALL, Entry("old-mid", "p", "old-mid", "medium", 1.0, deprecation_date=date(2026, 1, 1))]
    rungs = ladder(entries, "p", TODAY)
    assert rungs == (1, 3)
    verdict = judge(CURRENT, SMALL, Profile(10), TODAY, rungs=rungs)
    assert verdict.refused is None and verdict.passed[-1]["detail"] == "one tier down (flagship → small)"


def test_request_features_are_stored_with_the_row(client, database_url, db):
    """The event contract's request features reach usage_logs as sent; absent ones stay null."""
    key, project = new_project(database_url)
    post(client, key, [{"model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 1, "tools": 2, "json_output": True,
                        "images": 1, "prefix_hash": "0123456789abcdef0123456789abcdef", "prefix_chars": 5120},
                       {"model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 1}])
    rows = db.execute("select tools, json_output, images, prefix_hash, prefix_chars from public.usage_logs "
                      "where project_id = %s order by tools nulls last", (project,)).fetchall()
    assert [tuple(r.values()) for r in rows] == [(2, True, 1, "0123456789abcdef0123456789abcdef", 5120),
                                                (None, None, None, None, None)]
    refused = client.post("/api/log", headers={"Authorization": f"Bearer {key}"},
                          json={"model": "gpt-4o", "prompt_tokens": 1, "completion_tokens": 1, "prefix_chars": 10})
    assert refused.status_code == 400
    assert "prefix_chars" in refused.get_json()["error"]["details"][0]["message"]
