"""The importer understands the whole of LiteLLM's file: written to a real database, priced back exactly."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from tokenoptimizer_server.db import connect
from tokenoptimizer_server.pricing import PriceBook, Usage, litellm_import, quote
from tokenoptimizer_server.pricing.catalogue import apply_catalogue
from tokenoptimizer_server.pricing.store import load_rows

from .pricing_fixtures import fresh_database

# Per ONE token, as LiteLLM writes them. Costs below are per request, worked by hand.
FILE = """{
  "sample_spec": {"input_cost_per_token": 0.0, "litellm_provider": "one of ...", "mode": "one of ..."},
  "fallback_generalizations": {"rules": [{"pattern": "^claude-", "model_info": {"mode": "chat"}}]},
  "note": "not a model",
  "two-thresholds": {"litellm_provider": "openai", "mode": "chat",
    "input_cost_per_token": 1e-06, "output_cost_per_token": 4e-06, "cache_read_input_token_cost": 1e-07,
    "input_cost_per_token_above_128k_tokens": 2e-06, "output_cost_per_token_above_128k_tokens": 8e-06,
    "input_cost_per_token_above_272k_tokens": 3e-06, "output_cost_per_token_above_272k_tokens": 1.2e-05,
    "input_cost_per_token_priority": 2e-06, "output_cost_per_token_priority": 8e-06,
    "input_cost_per_token_above_272k_tokens_priority": 6e-06,
    "max_input_tokens": 1000000, "max_output_tokens": 128000, "deprecation_date": "2027-01-15",
    "successor_model": "openai/two-thresholds-next", "supports_vision": true, "supported_modalities": ["text", "image"]},
  "openai/two-thresholds-next": {"litellm_provider": "openai", "mode": "chat",
    "input_cost_per_token": "5e-7", "output_cost_per_token": "2e-6"},
  "reasoner": {"litellm_provider": "deepseek", "mode": "chat", "input_cost_per_token": 1e-06,
    "output_cost_per_token": 2e-06, "output_cost_per_reasoning_token": 5e-06},
  "dashscope/tiered": {"litellm_provider": "dashscope", "mode": "chat", "tiered_pricing": [
    {"input_cost_per_token": 4e-07, "output_cost_per_token": 1.2e-06, "range": [0, 256000.0]},
    {"input_cost_per_token": 1.2e-06, "output_cost_per_token": 3.6e-06, "range": [256000.0, 1000000.0]}]},
  "xai/grok-inclusive": {"litellm_provider": "xai", "mode": "chat", "input_cost_per_token": 2e-06,
    "output_cost_per_token": 1e-05, "input_cost_per_token_above_128k_tokens": 4e-06},
  "input-only": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 1e-07},
  "image-model": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
  "per-second": {"litellm_provider": "openai", "mode": "audio_transcription", "input_cost_per_second": 0.0001},
  "latest-name": {"alias_of": "middle-name"},
  "middle-name": {"alias_of": "two-thresholds"},
  "lost-alias": {"alias_of": "no-such-model"},
  "loop-a": {"alias_of": "loop-b"},
  "loop-b": {"alias_of": "loop-a"},
  "dupe": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
  "dupe": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06, "output_cost_per_token": 2e-06},
  "Case-Twin": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
  "case-twin": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 3e-06, "output_cost_per_token": 3e-06}
}"""


@pytest.fixture(scope="module")
def imported(database_url):
    """(catalogue, summary, price book, catalogue rows) after importing FILE into a fresh database."""
    data, duplicates = litellm_import.parse_litellm(FILE)
    cat = litellm_import.read_catalogue(data, "litellm:test.json", duplicates=duplicates)
    with fresh_database(database_url) as url, connect(url) as conn:
        summary = apply_catalogue(conn, cat, "test")
        entries = {r["model"]: r for r in conn.execute("select * from public.model_catalogue").fetchall()}
        yield cat, summary, PriceBook(*load_rows(conn)), entries


def cost(book, model, *args, **kw):
    q = quote(book.resolve(model), Usage(*args, **kw))
    return q.cost.total_cost if q.cost else (q.reason, q.detail)


def test_non_model_blocks_are_skipped_and_reported(imported):
    cat, summary, _, _ = imported
    assert set(summary.skipped) == {"sample_spec", "fallback_generalizations", "note"}
    assert "sample_spec" not in cat.entries


@pytest.mark.parametrize("usage, expected", [
    ((100_000, 1_000), D("0.1") + D("0.004")),                 # below both thresholds
    ((128_000, 1_000), D("0.128") + D("0.004")),               # at the threshold: not above it
    ((200_000, 1_000, 100_000), D("0.2") + D("0.01") + D("0.008")),  # above 128k: ALL tokens at 128k rates;
    # no long-context cache rate: cached tokens keep theirs (0.0001/1K)
    ((300_000, 1_000), D("0.9") + D("0.012")),                 # above 272k: the highest threshold wins
])
def test_every_threshold_applies_above_itself(imported, usage, expected):
    _, _, book, _ = imported
    assert cost(book, "two-thresholds", *usage) == expected


def test_service_tier_after_a_threshold(imported):
    _, _, book, _ = imported
    # priority, below 272k: the tier's own rates.
    assert cost(book, "two-thresholds", 100_000, 1_000, service_tier="priority") == D("0.2") + D("0.008")
    # priority above 272k: its input rate at that threshold; output falls back to the standard 272k rate.
    assert cost(book, "two-thresholds", 300_000, 1_000, service_tier="priority") == D("1.8") + D("0.012")
    # A tier the row has no rates for: unpriced, with the reason (never the standard price, never $0).
    assert cost(book, "two-thresholds", 100, 10, service_tier="flex") == ("service_tier_without_rate", "flex")
    assert cost(book, "two-thresholds", 100, 10, service_tier="default") == D("0.0001") + D("0.00004")


def test_reasoning_tokens_at_their_own_rate(imported):
    _, _, book, _ = imported
    # 1,000 completion tokens of which 800 reasoning: 200 × 2e-6 + 800 × 5e-6.
    assert cost(book, "reasoner", 1_000, 1_000, reasoning_tokens=800) == D("0.001") + D("0.0004") + D("0.004")
    assert cost(book, "two-thresholds", 1_000, 1_000, reasoning_tokens=800) == D("0.001") + D("0.004")


def test_numbers_written_as_strings_are_exact(imported):
    _, _, book, _ = imported
    price = book.resolve("two-thresholds-next")
    assert (price.input_price, price.output_price) == (D("0.0005"), D("0.002"))


def test_tiered_pricing_bills_the_whole_request_at_one_tier(imported):
    _, _, book, _ = imported
    assert cost(book, "tiered", 256_000, 1_000) == D("0.1024") + D("0.0012")
    assert cost(book, "tiered", 256_001, 1_000) == D("0.3072012") + D("0.0036")


def test_xai_thresholds_are_inclusive(imported):
    _, _, book, _ = imported
    assert cost(book, "grok-inclusive", 128_000, 0) == D("0.512")
    assert cost(book, "grok-inclusive", 127_999, 0) == D("0.255998")


def test_units_other_than_tokens_stay_unpriced_with_that_reason(imported):
    _, _, book, entries = imported
    assert entries["image-model"]["billing_unit"] == "image"
    assert entries["image-model"]["unit_prices"] == {"output_cost_per_image": "0.04"}
    assert entries["per-second"]["billing_unit"] == "second"
    assert cost(book, "image-model", 10, 0) == ("non_token_unit", "image")
    assert cost(book, "per-second", 10, 0) == ("non_token_unit", "second")


def test_a_missing_rate_for_a_token_kind_used_is_unpriced(imported):
    _, _, book, _ = imported
    assert cost(book, "input-only", 1_000, 0) == D("0.0001")
    assert cost(book, "input-only", 1_000, 5) == ("token_kind_without_rate", "output")


def test_aliases_chains_dangling_and_circular(imported):
    cat, summary, book, _ = imported
    assert cat.aliases == {"latest-name": "two-thresholds", "middle-name": "two-thresholds"}
    assert summary.dangling == {"lost-alias": "no-such-model", "loop-a": "loop-a (circular)",
                                "loop-b": "loop-b (circular)"}
    assert book.resolve("latest-name").model == "two-thresholds"
    assert cost(book, "latest-name", 300_000, 1_000) == cost(book, "two-thresholds", 300_000, 1_000)


def test_duplicate_and_conflicting_keys_are_reported(imported):
    cat, _, book, _ = imported
    assert any(c.startswith("dupe: the key appears more than once") for c in cat.conflicts)
    assert book.resolve("dupe").input_price == D("0.002")  # the last one wins, as in json.loads
    assert any("case-twin" in c and "Case-Twin" in c for c in cat.conflicts)


def test_catalogue_fields_are_stored(imported):
    _, _, _, entries = imported
    row = entries["two-thresholds"]
    assert (row["max_input_tokens"], row["max_output_tokens"]) == (1_000_000, 128_000)
    assert str(row["deprecation_date"]) == "2027-01-15" and row["successor_model"] == "two-thresholds-next"
    assert row["supports"] == {"vision": True} and row["input_modalities"] == ["text", "image"]
    assert row["provider"] == "openai" and row["billing_unit"] == "token"


def test_reimport_changes_nothing_and_keeps_manual_rows(database_url):
    data, duplicates = litellm_import.parse_litellm(FILE)
    cat = litellm_import.read_catalogue(data, "litellm:test.json", duplicates=duplicates)
    with fresh_database(database_url) as url, connect(url) as conn:
        first = apply_catalogue(conn, cat, "test")
        conn.execute("update public.model_pricing set input_price = 0.009, source = 'manual' where model = 'reasoner'")
        again = apply_catalogue(conn, litellm_import.read_catalogue(
            json.loads(FILE.replace("1e-06, \"output_cost_per_token\": 4e-06", "1.5e-06, \"output_cost_per_token\": 4e-06")),
            "litellm:test.json"), "test")
        reasoner = conn.execute("select input_price, source from public.model_pricing where model = 'reasoner'").fetchone()
        history = conn.execute("select source, changed_by from public.model_pricing_history "
                               "where model = 'two-thresholds' order by id").fetchall()
    assert len(first.added) == 8
    assert again.changed == ["two-thresholds"] and again.kept == ["reasoner"] and not again.added
    assert (reasoner["input_price"], reasoner["source"]) == (D("0.009"), "manual")
    assert [(h["source"], h["changed_by"]) for h in history] == [("litellm:test.json", "test")] * 2


def test_an_import_moves_the_price_version_twice_not_once_per_row(database_url):
    """All rows of one import share one version; one more bump after the commit makes workers reload."""
    data, duplicates = litellm_import.parse_litellm(FILE)
    cat = litellm_import.read_catalogue(data, "litellm:test.json", duplicates=duplicates)
    with fresh_database(database_url) as url, connect(url) as conn:
        before = conn.execute("select last_value from public.model_pricing_version_seq").fetchone()["last_value"]
        summary = apply_catalogue(conn, cat, "test")
        after = conn.execute("select last_value from public.model_pricing_version_seq").fetchone()["last_value"]
        versions = conn.execute("select distinct version from public.model_pricing where source = 'litellm:test.json'"
                                ).fetchall()
        history = conn.execute("select distinct version from public.model_pricing_history "
                               "where source = 'litellm:test.json'").fetchall()
    assert len(summary.added) == 8
    assert after == before + 2
    assert [v["version"] for v in versions] == [v["version"] for v in history] == [before + 1]
