"""What-if simulator (GET /api/optimization/simulate): an endpoint's real traffic re-priced on another
model, per month, against figures worked out by hand from the seeded list prices (per 1K tokens):
gpt-4o 0.0025 in / 0.00125 cached / 0.01 out; gpt-4o-mini 0.00015 / 0.000075 / 0.0006."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tokenoptimizer_server import simulate

from .test_analytics import T0, iso, new_project, post

# 1,000 prompt tokens (400 cached) + 200 completion: on gpt-4o 600 x 0.0025 + 400 x 0.00125 + 200 x 0.01
# = 1.5 + 0.5 + 2 = 4 per 1K = $0.004; on gpt-4o-mini 600 x 0.00015 + 400 x 0.000075 + 200 x 0.0006
# = 0.09 + 0.03 + 0.12 = 0.24 per 1K = $0.00024.
TURN = {"model": "gpt-4o", "endpoint_name": "classify", "prompt_tokens": 1000, "cached_tokens": 400,
        "completion_tokens": 200}
RANGE = {"from": iso(T0), "to": iso(T0 + timedelta(days=2))}


@pytest.fixture
def classify(app, database_url):
    """Four classify requests 8 h apart from T0 + 12 h (so 1.5 days of traffic to the range's end)."""
    key, project = new_project(database_url)
    client = app.test_client()
    post(client, key, [{**TURN, "timestamp": iso(T0 + timedelta(hours=12 + 8 * i))} for i in range(4)]
         + [{**TURN, "endpoint_name": "other", "timestamp": iso(T0 + timedelta(hours=1))}])
    return client, project


def simulate_get(client, project, **params):
    return client.get("/api/optimization/simulate", query_string={"project": project, **RANGE, **params})


def test_a_cheaper_model_per_month_worked_out_by_hand(classify):
    client, project = classify
    answer = simulate_get(client, project, endpoint_name="classify", target_model="gpt-4o-mini")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    # 4 requests: $0.016 as stored, $0.00096 on gpt-4o-mini; 1.5 days of traffic -> x 30 / 1.5 = x 20.
    assert body["range"] == {"requests": 4, "unpriced_requests": 0, "cost": "0.016"}
    assert body["days"] == "1.5"
    assert body["current"] == {"sample_cost": "0.016", "range_cost": "0.016", "monthly_cost": "0.32"}
    assert {k: body["target"][k] for k in ("priced_as", "sample_cost", "monthly_cost")} == {
        "priced_as": "gpt-4o-mini", "sample_cost": "0.00096", "monthly_cost": "0.0192"}
    assert (body["monthly_saving"], body["change"]) == ("0.3008", "-0.94")
    assert body["profile"] == {"avg_prompt_tokens": 1000, "cached_share": "0.4", "cache_write_share": "0",
                               "largest_prompt_tokens": 1000, "long_context_requests": 0, "models": ["gpt-4o"]}
    assert body["sample"] == {"requests": 4, "compared": 4, "current_unpriced": 0, "target_unpriced": 0}
    assert body["evidence"] == []


def test_a_typed_price_that_costs_more(classify):
    """$2.50 / $10 per 1M like gpt-4o, but no cached rate: the 400 cached tokens cost the input rate."""
    client, project = classify
    body = simulate_get(client, project, endpoint_name="classify", input_price="2.5", output_price="10").get_json()
    # Per request 1,000 x 0.0025 + 200 x 0.01 = 4.5 per 1K = $0.0045; x 4 = $0.018; x 20 per month = $0.36.
    assert (body["target"]["sample_cost"], body["target"]["monthly_cost"]) == ("0.018", "0.36")
    assert (body["monthly_saving"], body["change"]) == ("-0.04", "0.125")


def test_a_sample_stands_for_the_whole_range(classify, monkeypatch):
    """With room for 2 of the 4 requests the 2 newest are scaled x 2, over the whole 2-day range."""
    monkeypatch.setattr(simulate, "SAMPLE", 2)
    client, project = classify
    body = simulate_get(client, project, endpoint_name="classify", target_model="gpt-4o-mini").get_json()
    assert (body["sample"]["requests"], body["days"]) == (2, "2")
    assert body["current"] == {"sample_cost": "0.008", "range_cost": "0.016", "monthly_cost": "0.24"}


def test_traffic_minutes_old_counts_as_an_hour_and_stays_exact(app, database_url):
    """Two requests a minute ago: their hour's rate × 24 × 30, with no float left in the figure."""
    key, project = new_project(database_url)
    client = app.test_client()
    now = datetime.now(timezone.utc)
    post(client, key, [{**TURN, "timestamp": iso(now - timedelta(minutes=1))} for _ in range(2)])
    body = client.get("/api/optimization/simulate",
                      query_string={"project": project, "endpoint_name": "classify", "target_model": "gpt-4o-mini"}).get_json()
    # $0.008 in an hour → × 720 = $5.76; on gpt-4o-mini $0.00048 → $0.3456.
    assert (body["days"], body["current"]["monthly_cost"], body["target"]["monthly_cost"]) == ("0.0417", "5.76", "0.3456")
    assert body["monthly_saving"] == "5.4144"


@pytest.mark.parametrize("params,field", [
    ({"target_model": "gpt-4o-mini"}, "endpoint_name"),
    ({"endpoint_name": "classify"}, "target_model"),
    ({"endpoint_name": "classify", "target_model": "gpt-4o-mini", "input_price": "1", "output_price": "2"}, "target_model"),
    ({"endpoint_name": "classify", "input_price": "1"}, "output_price"),
    ({"endpoint_name": "classify", "input_price": "-1", "output_price": "2"}, "input_price"),
    ({"endpoint_name": "classify", "target_model": "acme-llm-9"}, "target_model"),
])
def test_refusals_name_the_parameter(classify, params, field):
    client, project = classify
    answer = simulate_get(client, project, **params)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["details"][0]["field"] == field
