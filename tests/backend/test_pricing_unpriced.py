"""Unpriced with a reason, through the real ingest; the counts by reason in the API and /metrics;
retirement notices for models in traffic with what each endpoint would cost on the successor."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

from .test_analytics import get, new_project, post


def _metric(client, reason: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    m = re.search(rf'^tokenoptimizer_unpriced_events_total{{reason="{reason}"}} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(m[1]) if m else 0.0


def _models(db, tag: str) -> dict[str, str]:
    """Price rows of this test's own: a row without tiers, an input-only row, a model billed per image."""
    names = {k: f"{k}-{tag}" for k in ("tiered", "input-only", "image", "priced")}
    db.execute("insert into public.model_pricing (model, input_price, output_price, source) values "
               "(%s, 0.001, 0.002, 'manual'), (%s, 0.0001, null, 'manual'), (%s, 0.003, 0.004, 'manual')",
               (names["tiered"], names["input-only"], names["priced"]))
    db.execute("insert into public.model_catalogue (model, provider, mode, billing_unit, unit_prices, source) "
               "values (%s, 'openai', 'image_generation', 'image', '{\"output_cost_per_image\": \"0.04\"}', 'test')",
               (names["image"],))
    return names


def test_every_unpriced_request_carries_its_reason(client, db, database_url):
    key, project = new_project(database_url)
    m = _models(db, uuid.uuid4().hex[:8])
    before = {r: _metric(client, r) for r in ("no_price_row", "service_tier_without_rate", "non_token_unit",
                                              "token_kind_without_rate")}
    sent = post(client, key, [
        {"model": f"nobody-prices-{uuid.uuid4().hex[:6]}", "prompt_tokens": 10, "completion_tokens": 5},
        {"model": m["tiered"], "prompt_tokens": 10, "completion_tokens": 5, "service_tier": "priority"},
        {"model": m["tiered"], "prompt_tokens": 10, "completion_tokens": 5, "service_tier": "default"},
        {"model": m["image"], "prompt_tokens": 10, "completion_tokens": 0},
        {"model": m["input-only"], "prompt_tokens": 1000, "completion_tokens": 5},
        {"model": m["input-only"], "prompt_tokens": 1000, "completion_tokens": 0},
        {"model": m["priced"], "prompt_tokens": 1000, "completion_tokens": 1000},
    ])
    assert [s["priced"] for s in sent] == [False, False, True, False, False, True, True]
    assert [s["total_cost"] for s in sent] == [None, None, "0.00002", None, None, "0.0001", "0.007"]
    rows = db.execute("select model, service_tier, unpriced_reason, total_cost from public.usage_logs "
                      "where project_id = %s order by unpriced_reason nulls last, model", (project,)).fetchall()
    assert [r["unpriced_reason"] for r in rows] == [
        "no_price_row", "non_token_unit", "service_tier_without_rate", "token_kind_without_rate", None, None, None]
    assert all((r["unpriced_reason"] is None) == (r["total_cost"] is not None) for r in rows)

    body = get(client, "/api/pricing/unpriced/reasons", project)
    by_reason = {r["reason"]: r for r in body["reasons"]}
    assert {r: v["requests"] for r, v in by_reason.items()} == {
        "no_price_row": 1, "service_tier_without_rate": 1, "non_token_unit": 1, "token_kind_without_rate": 1}
    assert by_reason["service_tier_without_rate"]["models"][0]["model"] == m["tiered"]
    assert "service_tiers" in by_reason["service_tier_without_rate"]["fix"]
    for reason in by_reason:
        assert _metric(client, reason) == before[reason] + 1


def test_repricing_after_a_fix_clears_the_reason(client, db, database_url):
    from tokenoptimizer_server.db import connect
    from tokenoptimizer_server.pricing.reprice import reprice
    from tokenoptimizer_server.pricing.store import set_price

    key, project = new_project(database_url)
    m = _models(db, uuid.uuid4().hex[:8])
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    post(client, key, [{"model": m["input-only"], "prompt_tokens": 1000, "completion_tokens": 500}])
    with connect(database_url) as conn:
        set_price(conn, m["input-only"], {"output_price": "0.002"}, "test")
        result = reprice(conn, since, model=m["input-only"], dry_run=False)
    row = db.execute("select priced, total_cost, unpriced_reason from public.usage_logs where project_id = %s",
                     (project,)).fetchone()
    assert result.rows_changed == 1 and result.unpriced_after == 0
    assert (row["priced"], row["total_cost"], row["unpriced_reason"]) == (True, D("0.0011"), None)


def test_models_retiring_soon_show_their_successor_and_its_cost(client, db, database_url):
    key, project = new_project(database_url)
    tag = uuid.uuid4().hex[:8]
    old, new, later = f"old-model-{tag}", f"new-model-{tag}", f"later-model-{tag}"
    db.execute("insert into public.model_pricing (model, input_price, output_price, source) values "
               "(%s, 0.01, 0.03, 'manual'), (%s, 0.002, 0.008, 'manual'), (%s, 0.001, 0.001, 'manual')",
               (old, new, later))
    db.execute("insert into public.model_catalogue (model, deprecation_date, successor_model, billing_unit, source) "
               "values (%s, %s, %s, 'token', 'test'), (%s, %s, null, 'token', 'test')",
               (old, date.today() + timedelta(days=30), new, later, date.today() + timedelta(days=90)))
    post(client, key, [
        {"model": old, "endpoint_name": "chat", "prompt_tokens": 10_000, "completion_tokens": 1_000},
        {"model": old, "endpoint_name": "chat", "prompt_tokens": 10_000, "completion_tokens": 1_000},
        {"model": old, "endpoint_name": "search", "prompt_tokens": 1_000, "completion_tokens": 0},
        {"model": later, "endpoint_name": "chat", "prompt_tokens": 10, "completion_tokens": 10},
    ])
    body = get(client, "/api/pricing/deprecations", project)
    assert body["notice_days"] == 60
    assert [n["model"] for n in body["models"]] == [old]  # 90 days away: no notice yet
    notice = body["models"][0]
    assert (notice["successor_model"], notice["days_left"], notice["successor_priced"]) == (new, 30, True)
    assert notice["endpoints"] == [
        {"endpoint_name": "chat", "requests": 2, "cost": "0.26", "successor_cost": "0.056"},
        {"endpoint_name": "search", "requests": 1, "cost": "0.01", "successor_cost": "0.002"},
    ]
