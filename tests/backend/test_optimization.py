"""GET /api/optimization on known traffic: cache-aware suggested costs, model names that resolve
(dated, aliased, provider-prefixed), both options in order, and no advice for the cheapest model.

Expected amounts are worked out by hand from the seeded prices (USD per 1K tokens: input /
output / cached input): gpt-4o 0.0025 / 0.01 / 0.00125, gpt-6-sol 0.002 / 0.01 / 0.0002,
gpt-6-luna 0.0001 / 0.0005 / 0.00001, gpt-4.1-mini 0.0004 / 0.0016, gpt-5.4-nano 0.0002 / 0.00125,
gpt-4.1-nano 0.0001 / 0.0004 / 0.000025, claude-3-5-haiku 0.0008 / 0.004, claude-3-haiku 0.00025 /
0.00125, claude-haiku-5-5 0.0001 / 0.0005. Not candidates: models retiring within 60 days of the
range's end (the traffic is on 2026-11-10: gpt-5-nano retires on 2026-12-11, gpt-4.1-nano retired
on 2026-10-23), fine-tunes (ft:gpt-4o-mini-…) and special-purpose builds (…-audio-preview, …-search-…).
"""

from __future__ import annotations

from datetime import timedelta

from .test_analytics import T0, get, iso, new_project, post

HOUR = {"from": iso(T0), "to": iso(T0 + timedelta(hours=1))}


def call(minute: int, model: str, endpoint: str, prompt: int, completion: int, **fields) -> dict:
    return {"timestamp": iso(T0 + timedelta(minutes=minute)), "latency_ms": 100.0, "model": model,
            "endpoint_name": endpoint, "prompt_tokens": prompt, "completion_tokens": completion, **fields}


def advice(client, database_url, events: list[dict]) -> list[dict]:
    key, project = new_project(database_url)
    sent = post(client, key, events)
    assert all(e["priced"] for e in sent)
    return get(client, "/api/optimization", project, **HOUR)["recommendations"]


def summary(recs: list[dict]) -> list[tuple]:
    return [(r["endpoint_name"], r["model"], r["option"], r["suggested_model"], r["current_cost"],
             r["suggested_cost"], r["savings"]) for r in recs]


def test_cached_traffic_is_priced_with_cache_discounts_and_both_options_ordered(client, database_url):
    # 10,000 prompt tokens of which 8,000 cached, 1,000 completion tokens, on gpt-4o:
    # recorded 2 x 0.0025 + 8 x 0.00125 + 1 x 0.01 = 0.025.
    # gpt-6-luna: 2 x 0.0001 + 8 x 0.00001 + 1 x 0.0005 = 0.00078.
    # gpt-6-sol:  2 x 0.002  + 8 x 0.0002  + 1 x 0.01   = 0.0156 (list prices only: 0.03, dearer
    #             than what was paid, so no advice at all without the cache).
    recs = advice(client, database_url, [call(0, "gpt-4o", "rag", 10_000, 1_000, cached_tokens=8_000)])
    assert summary(recs) == [
        ("rag", "gpt-4o", "cheapest", "gpt-6-luna", "0.025", "0.00078", "0.02422"),
        ("rag", "gpt-4o", "next_cheaper", "gpt-6-sol", "0.025", "0.0156", "0.0094"),
    ]
    assert recs[0]["savings_share"] == 0.9688 and recs[1]["savings_share"] == 0.376
    assert recs[1]["message"] == "Route rag from gpt-4o to gpt-6-sol: the same tokens would have cost $0.0156 instead of $0.025."
    assert {k: recs[0][k] for k in ("type", "provider", "requests", "prompt_tokens", "completion_tokens")} == {
        "type": "cheaper_model", "provider": "openai", "requests": 1, "prompt_tokens": 10_000, "completion_tokens": 1_000}


def test_dated_aliased_and_prefixed_model_names_get_advice(client, database_url):
    recs = advice(client, database_url, [
        # Dated: priced as gpt-4o. 1,000 prompt tokens: 0.0025; gpt-6-sol 0.002; gpt-6-luna 0.0001.
        call(0, "gpt-4o-2024-08-06", "dated", 1_000, 0),
        # Alias of claude-3-5-haiku-20241022: 0.0008 + 0.004; cheapest claude-haiku-5-5 0.0001 +
        # 0.0005, next cheaper (the dearest with no dearer price) claude-3-haiku 0.00025 + 0.00125.
        call(1, "claude-3-5-haiku-latest", "aliased", 1_000, 1_000),
        # Provider prefix: gpt-4.1-mini 0.0004 + 0.0016; next cheaper gpt-5.4-nano 0.0002 + 0.00125.
        call(2, "openai/gpt-4.1-mini", "prefixed", 1_000, 1_000),
    ])
    assert summary(recs) == [
        ("aliased", "claude-3-5-haiku-latest", "cheapest", "claude-haiku-5-5", "0.0048", "0.0006", "0.0042"),
        ("aliased", "claude-3-5-haiku-latest", "next_cheaper", "claude-3-haiku-20240307", "0.0048", "0.0015", "0.0033"),
        ("dated", "gpt-4o-2024-08-06", "cheapest", "gpt-6-luna", "0.0025", "0.0001", "0.0024"),
        ("prefixed", "openai/gpt-4.1-mini", "cheapest", "gpt-6-luna", "0.002", "0.0006", "0.0014"),
        ("prefixed", "openai/gpt-4.1-mini", "next_cheaper", "gpt-5.4-nano", "0.002", "0.00145", "0.00055"),
        ("dated", "gpt-4o-2024-08-06", "next_cheaper", "gpt-6-sol", "0.0025", "0.002", "0.0005"),
    ]


def test_no_advice_for_the_cheapest_model(client, database_url):
    # gpt-4.1-nano: 4 x 0.0001 + 1 x 0.000025 + 0.5 x 0.0004 = 0.000625; gpt-6-luna would cost
    # 4 x 0.0001 + 1 x 0.00001 + 0.5 x 0.0005 = 0.00066, more. claude-haiku-5-5 is the cheapest Claude.
    recs = advice(client, database_url, [
        call(0, "gpt-4.1-nano", "cheap", 5_000, 500, cached_tokens=1_000),
        call(1, "claude-haiku-5-5", "cheap", 5_000, 500),
    ])
    assert recs == []


def test_retiring_fine_tuned_and_special_purpose_models_are_never_suggested(client, database_url):
    recs = advice(client, database_url, [call(0, "gpt-4o", "any", 100_000, 10_000),
                                         call(1, "gpt-4.1", "any", 100_000, 10_000)])
    suggested = {r["suggested_model"] for r in recs if r["type"] == "cheaper_model"}
    assert suggested and not {m for m in suggested if m.startswith("ft:") or "preview" in m or "audio" in m}
    # gpt-5-nano (0.00005 / 0.0004) would be the cheapest, but it retires 31 days after this traffic.
    assert suggested == {"gpt-6-luna", "gpt-6-sol", "gpt-6.1-terra"}


def test_summarising_growing_conversations(client, database_url):
    grow = [(0, "gpt-4o", 100), (1, "gpt-4o", 200), (2, "gpt-4o", 400), (3, "gpt-4o", 700), (4, "gpt-4o-mini", 1100)]
    recs = advice(client, database_url, [
        *[call(m, model, "support", prompt, 10, session_id="s-grow") for m, model, prompt in grow],
        # Not growing every turn, and too short: no summary advice.
        *[call(10 + i, "gpt-4o", "support", p, 10, session_id="s-flat") for i, p in enumerate([100, 300, 200, 500])],
        *[call(20 + i, "gpt-4o", "support", p, 10, session_id="s-short") for i, p in enumerate([100, 300, 900])],
    ])
    summaries = [r for r in recs if r["type"] == "summarise_history"]
    # Turns 4 and 5 at turn 3's 400 prompt tokens: 700 x 0.0025 + 1,100 x 0.00015 = 0.001915 per 1K
    # becomes 400 x 0.0025 + 400 x 0.00015 = 0.00106.
    assert summaries == [{
        "type": "summarise_history", "endpoint_name": "support", "sessions": 1, "requests": 2,
        "prompt_tokens": 1_800, "tokens_saved": 1_000, "current_cost": "0.001915", "suggested_cost": "0.00106",
        "savings": "0.000855", "savings_share": summaries[0]["savings_share"],
        "message": "Summarise the history of conversations on support: if every turn after the 3rd had carried the "
                   "3rd turn's prompt size, 1 of the recent conversations would have sent 1000 fewer prompt tokens, "
                   "$0.000855 less at list input prices."}]
    assert abs(summaries[0]["savings_share"] - 0.000855 / 0.001915) < 1e-12
    savings = [float(r["savings"]) for r in recs]
    assert savings == sorted(savings, reverse=True)


def test_overlong_answers_get_a_cap_at_twice_the_median(client, database_url):
    # support: 18 answers of 100 completion tokens and 2 of 1,000 on gpt-4o-mini (output 0.0006):
    # median 100, cap 200; the 2 long ones cost 2 x 1,000 / 1000 x 0.0006 = 0.0012, cut at 200
    # tokens 2 x 200 / 1000 x 0.0006 = 0.00024: saving 0.00096 (80%), 1,600 tokens.
    # steady: 20 equal answers; rare: 1 long answer in 30 (under 5%): no advice for either.
    events = ([call(i % 60, "gpt-4o-mini", "support", 50, 100) for i in range(18)]
              + [call(i, "gpt-4o-mini", "support", 50, 1_000) for i in (20, 40)]
              + [call(i, "gpt-4o-mini", "steady", 50, 300) for i in range(20)]
              + [call(i, "gpt-4o-mini", "rare", 50, 100) for i in range(29)] + [call(59, "gpt-4o-mini", "rare", 50, 5_000)])
    recs = [r for r in advice(client, database_url, events) if r["type"] == "shorter_answers"]
    assert [{k: r[k] for k in ("endpoint_name", "model", "requests", "long_answers", "cap_tokens", "tokens_saved",
                              "current_cost", "suggested_cost", "savings", "savings_share")} for r in recs] == [
        {"endpoint_name": "support", "model": "gpt-4o-mini", "requests": 20, "long_answers": 2, "cap_tokens": 200,
         "tokens_saved": 1_600, "current_cost": "0.0012", "suggested_cost": "0.00024", "savings": "0.00096",
         "savings_share": 0.8}]
    assert recs[0]["message"].startswith("Ask for shorter answers on support (gpt-4o-mini), or cap them with "
                                         "max_tokens at 200 tokens (twice the median): 2 of 20 recent answers")
