"""GET /api/optimization on known traffic: one plan per endpoint, cache-aware candidate costs priced
by ingest's resolver, model names that resolve (dated, aliased, provider-prefixed), summarise-history
and shorter-answers advice in the same plan, and no advice for the cheapest model.

Amounts are worked out by hand from the seeded prices (USD per 1K tokens: input / output / cached
input): gpt-4o 0.0025 / 0.01 / 0.00125, gpt-6-luna 0.0001 / 0.0005 / 0.00001, gpt-4o-mini
0.00015 / 0.0006, claude-3-5-haiku 0.0008 / 0.004, claude-haiku-5-5 0.0001 / 0.0005, gpt-4.1-nano
0.0001 / 0.0004 / 0.000025. Every range below is one hour with traffic from its first minute, so
a month is 30 days / 1 hour = x 720.
"""

from __future__ import annotations

from datetime import timedelta

from .test_analytics import T0, get, iso, new_project, post

HOUR = {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}


def call(minute: int, model: str, endpoint: str, prompt: int, completion: int, **fields) -> dict:
    return {"timestamp": iso(T0 + timedelta(minutes=minute)), "latency_ms": 100.0, "model": model,
            "endpoint_name": endpoint, "prompt_tokens": prompt, "completion_tokens": completion, **fields}


def plans(client, database_url, events: list[dict]) -> dict:
    key, project = new_project(database_url)
    sent = post(client, key, events)
    assert all(e["priced"] for e in sent)
    return get(client, "/api/optimization", project, **HOUR)


def options(plan: dict) -> list[dict]:
    return ([plan["best"]] if plan["best"] else []) + plan["alternatives"] + plan["other_advice"]


def test_cached_traffic_is_priced_with_cache_discounts(client, database_url):
    # 10,000 prompt tokens of which 8,000 cached, 1,000 completion tokens, on gpt-4o:
    # stored 2 x 0.0025 + 8 x 0.00125 + 1 x 0.01 = 0.025; on gpt-6-luna 2 x 0.0001 + 8 x 0.00001
    # + 1 x 0.0005 = 0.00078. Per month: 18 now, 0.5616 on gpt-6-luna, saving 0.02422 x 720 = 17.4384.
    body = plans(client, database_url, [call(0, "gpt-4o", "rag", 10_000, 1_000, cached_tokens=8_000)])
    (plan,) = body["plans"]
    best = plan["best"]
    assert (plan["cost"], plan["monthly_cost"]) == ("0.025", "18")
    assert (best["suggested_model"], best["priced_as"], best["current_monthly_cost"], best["suggested_monthly_cost"],
            best["monthly_saving"], best["saving_share"]) == ("gpt-6-luna", "gpt-6-luna", "18", "0.5616", "17.4384",
                                                              "0.9688")
    assert (body["monthly_saving"], body["monthly_cost"]) == ("17.4384", "18")
    savings = [o["monthly_saving"] for o in options(plan)]
    assert savings == sorted(savings, key=float, reverse=True) and len(plan["alternatives"]) == 2


def test_dated_aliased_and_prefixed_model_names_get_advice(client, database_url):
    body = plans(client, database_url, [
        call(0, "gpt-4o-2024-08-06", "dated", 1_000, 0),  # gpt-4o: 0.0025; gpt-6-luna 0.0001
        call(0, "claude-3-5-haiku-latest", "aliased", 1_000, 1_000),  # 0.0048; claude-haiku-5-5 0.0006
        call(0, "openai/gpt-4.1-mini", "prefixed", 1_000, 1_000),  # 0.0004 + 0.0016; gpt-6-luna 0.0006
    ])
    best = {p["endpoint_name"]: (p["best"]["model"], p["best"]["suggested_model"], p["best"]["monthly_saving"])
            for p in body["plans"]}
    assert best == {"dated": ("gpt-4o-2024-08-06", "gpt-6-luna", "1.728"),  # 0.0024 x 720
                    "aliased": ("claude-3-5-haiku-latest", "claude-haiku-5-5", "3.024"),  # 0.0042 x 720
                    "prefixed": ("openai/gpt-4.1-mini", "gpt-6-luna", "1.008")}  # 0.0014 x 720
    # Sorted by saving; the total counts each endpoint's best option once.
    assert [p["endpoint_name"] for p in body["plans"]] == ["aliased", "dated", "prefixed"]
    assert body["monthly_saving"] == "5.76"


def test_no_advice_for_the_cheapest_model(client, database_url):
    # gpt-4.1-nano: 4 x 0.0001 + 1 x 0.000025 + 0.5 x 0.0004 = 0.000625; gpt-6-luna would cost
    # 4 x 0.0001 + 1 x 0.00001 + 0.5 x 0.0005 = 0.00066, more. claude-haiku-5-5 is the cheapest Claude.
    body = plans(client, database_url, [call(0, "gpt-4.1-nano", "cheap", 5_000, 500, cached_tokens=1_000),
                                        call(1, "claude-haiku-5-5", "cheap", 5_000, 500)])
    (plan,) = body["plans"]
    assert (plan["best"], plan["alternatives"], plan["monthly_saving"], body["monthly_saving"]) == (None, [], "0", "0")


def test_retiring_fine_tuned_and_special_purpose_models_are_never_suggested(client, database_url):
    body = plans(client, database_url, [call(0, "gpt-4o", "any", 100_000, 10_000),
                                        call(1, "gpt-4.1", "any", 100_000, 10_000)])
    suggested = {o["suggested_model"] for p in body["plans"] for o in options(p)}
    assert suggested and not {m for m in suggested if m.startswith("ft:") or "preview" in m or "audio" in m}
    refused = {r["candidate_model"]: r["rule"] for p in body["plans"] for r in p["refused"]}
    assert refused["gpt-5-nano"] == "deprecation"  # retires 2026-12-11, within 60 days of today


def test_summarising_growing_conversations(client, database_url):
    grow = [(0, "gpt-4o", 100), (1, "gpt-4o", 200), (2, "gpt-4o", 400), (3, "gpt-4o", 700), (4, "gpt-4o-mini", 1100)]
    body = plans(client, database_url, [
        *[call(m, model, "support", prompt, 10, session_id="s-grow") for m, model, prompt in grow],
        # Not growing every turn, and too short: no summary advice.
        *[call(10 + i, "gpt-4o", "support", p, 10, session_id="s-flat") for i, p in enumerate([100, 300, 200, 500])],
        *[call(20 + i, "gpt-4o", "support", p, 10, session_id="s-short") for i, p in enumerate([100, 300, 900])],
    ])
    (plan,) = body["plans"]
    summaries = sorted((o["model"], o["tokens_saved"], o["monthly_saving"]) for o in options(plan)
                       if o["type"] == "summarise_history")
    # Turns 4 and 5 at turn 3's 400 prompt tokens: gpt-4o saves 300 x 0.0025 / 1K = 0.00075 (x 720
    # = 0.54), gpt-4o-mini 700 x 0.00015 / 1K = 0.000105 (x 720 = 0.0756).
    assert summaries == [("gpt-4o", 300, "0.54"), ("gpt-4o-mini", 700, "0.0756")]


def test_overlong_answers_get_a_cap_at_twice_the_median(client, database_url):
    # support: 18 answers of 100 completion tokens and 2 of 1,000 on gpt-4o-mini (output 0.0006):
    # median 100, cap 200; cut there the 2 long ones are 1,600 tokens shorter: 1.6 x 0.0006 =
    # 0.00096, x 720 = 0.6912 a month. steady: 20 equal answers; rare: 1 long answer in 30 (under 5%).
    events = ([call(i % 60, "gpt-4o-mini", "support", 50, 100) for i in range(18)]
              + [call(i, "gpt-4o-mini", "support", 50, 1_000) for i in (20, 40)]
              + [call(i, "gpt-4o-mini", "steady", 50, 300) for i in range(20)]
              + [call(i, "gpt-4o-mini", "rare", 50, 100) for i in range(29)] + [call(59, "gpt-4o-mini", "rare", 50, 5_000)])
    body = plans(client, database_url, events)
    shorter = [(p["endpoint_name"], o["tokens_saved"], o["monthly_saving"]) for p in body["plans"]
               for o in options(p) if o["type"] == "shorter_answers"]
    assert shorter == [("support", 1_600, "0.6912")]
    (support,) = [p for p in body["plans"] if p["endpoint_name"] == "support"]
    message = next(o["message"] for o in options(support) if o["type"] == "shorter_answers")
    assert message.startswith("Ask for shorter answers on support, or cap them at 200 tokens (twice the median): "
                              "2 of 20 recent answers were longer")


def test_summary_advice_counts_the_whole_range_not_its_sample(client, database_url):
    # 55 conversations growing 100, 200, 400, 700, 1,100 on gpt-4o: turns 4 and 5 at turn 3's 400
    # save 300 + 700 = 1,000 prompt tokens each. The advice reads the 50 most recent (250 of the
    # range's 275 requests), so it scales by 275 / 250: 55,000 tokens x 0.0025 / 1K = 0.1375, x 720 = 99.
    events = [{"timestamp": iso(T0 + timedelta(minutes=i, seconds=turn)), "latency_ms": 100.0, "model": "gpt-4o",
               "endpoint_name": "support", "prompt_tokens": prompt, "completion_tokens": 10, "session_id": f"s{i}"}
              for i in range(55) for turn, prompt in enumerate([100, 200, 400, 700, 1_100])]
    (plan,) = plans(client, database_url, events)["plans"]
    (summary,) = [o for o in options(plan) if o["type"] == "summarise_history"]
    assert (summary["tokens_saved"], summary["monthly_saving"]) == (50_000, "99")
