"""Cost arithmetic for each provider's usage convention, against pricing.md's list prices (per 1K)."""

from decimal import Decimal as D

import pytest

from tokenoptimizer_server.pricing import Price, Usage, price_request

GPT_4O = Price("gpt-4o", D("0.0025"), D("0.01"), cached_input_price=D("0.00125"))
O3 = Price("o3", D("0.002"), D("0.008"), cached_input_price=D("0.0005"))
SONNET_45 = Price("claude-sonnet-4-5", D("0.003"), D("0.015"), cached_input_price=D("0.0003"),
                  cache_write_price=D("0.00375"), cache_write_1h_price=D("0.006"))
HAIKU_3 = Price("claude-3-haiku-20240307", D("0.00025"), D("0.00125"), cached_input_price=D("0.00003"),
                cache_write_price=D("0.0003"))
SONNET_4 = Price("claude-sonnet-4-20250514", D("0.003"), D("0.015"), cached_input_price=D("0.0003"),
                 cache_write_price=D("0.00375"), long_context_threshold=200_000,
                 long_context_input_price=D("0.006"), long_context_output_price=D("0.0225"),
                 long_context_cached_input_price=D("0.0006"))
GEMINI_PRO = Price("gemini-2.5-pro", D("0.00125"), D("0.01"), cached_input_price=D("0.000125"),
                   long_context_threshold=200_000, long_context_input_price=D("0.0025"),
                   long_context_output_price=D("0.015"))
MISTRAL_SMALL = Price("mistral-small-latest", D("0.00015"), D("0.0006"), cached_input_price=D("0.000015"))
EMBED_SMALL = Price("text-embedding-3-small", D("0.00002"), D("0"))
GPT_41_TIERS = Price("gpt-4.1", D("0.002"), D("0.008"), cached_input_price=D("0.0005"),
                     service_tiers={"priority": {"input_price": D("0.0035"), "output_price": D("0.014")},
                                    "flex": {"input_price": D("0.001"), "output_price": D("0.004")}})
NO_CACHE_PRICE = Price("gpt-4", D("0.03"), D("0.06"))


@pytest.mark.parametrize("price, usage, input_cost, output_cost", [
    # OpenAI: cached_tokens is a subset of prompt_tokens, billed at the cached rate, never twice.
    (GPT_4O, Usage(1000, 200, cached_tokens=400), "0.002", "0.002"),
    (GPT_4O, Usage(10, 2), "0.000025", "0.00002"),
    # Reasoning tokens are part of completion_tokens: the whole completion is billed as output.
    (O3, Usage(100, 1000), "0.0002", "0.008"),
    # Anthropic normalised: input 10 + cache write 5 + cache read 3 = prompt 18.
    (SONNET_45, Usage(18, 2, cached_tokens=3, cache_write_tokens=5), "0.00004965", "0.00003"),
    # 1-hour cache writes at their own rate, not the 5-minute one.
    (SONNET_45, Usage(1000, 0, cache_write_tokens=1000, cache_write_1h_tokens=1000), "0.006", "0"),
    (SONNET_45, Usage(2000, 0, cache_write_tokens=2000, cache_write_1h_tokens=1000), "0.00975", "0"),
    (HAIKU_3, Usage(2000, 100, cached_tokens=1000, cache_write_tokens=500), "0.000305", "0.000125"),
    # Long context: above 200k prompt tokens ALL tokens use the higher rates; at exactly 200k, not.
    (SONNET_4, Usage(250_000, 1000), "1.5", "0.0225"),
    (SONNET_4, Usage(200_000, 1000), "0.6", "0.015"),
    (SONNET_4, Usage(250_000, 0, cached_tokens=50_000), "1.23", "0"),
    (GEMINI_PRO, Usage(300_000, 10, cached_tokens=100_000), "0.5125", "0.00015"),
    # Mistral reports like OpenAI.
    (MISTRAL_SMALL, Usage(10, 2), "0.0000015", "0.0000012"),
    (EMBED_SMALL, Usage(3, 0), "0.00000006", "0"),
    # Service tiers from the response's service_tier.
    (GPT_41_TIERS, Usage(1000, 1000, service_tier="priority"), "0.0035", "0.014"),
    (GPT_41_TIERS, Usage(1000, 1000, service_tier="flex"), "0.001", "0.004"),
    (GPT_41_TIERS, Usage(1000, 1000, service_tier="default"), "0.002", "0.008"),
    # A row without a cached price bills cached tokens at the input price.
    (NO_CACHE_PRICE, Usage(1000, 0, cached_tokens=500), "0.03", "0"),
])
def test_price_request(price, usage, input_cost, output_cost):
    cost = price_request(price, usage)
    assert cost.input_cost == D(input_cost)
    assert cost.output_cost == D(output_cost)
    assert cost.total_cost == D(input_cost) + D(output_cost)
    assert all(isinstance(v, D) for v in (cost.input_cost, cost.output_cost, cost.total_cost))


def test_costs_are_exact_at_scale():
    """A million small requests add up to the exact figure a float would miss."""
    one = price_request(MISTRAL_SMALL, Usage(7, 3)).total_cost
    assert one * 1_000_000 == D("2.85")
    assert sum([one] * 1000) == D("0.00285")
