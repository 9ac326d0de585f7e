"""Candidates priced on the summed tokens equal the same requests priced one by one (advice/candidates.py)."""

from __future__ import annotations

import random
from decimal import Decimal

from tokenoptimizer_server.advice.candidates import Shape, cost_on, summed
from tokenoptimizer_server.pricing import PriceBook, Unpriced, Usage, price_request
from tokenoptimizer_server.pricing.store import load_rows


def shapes(seed: int, n: int = 300) -> list[Shape]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        prompt = rng.randint(1, 300_000)
        cached = rng.choice([0, prompt // 2])
        written = rng.choice([0, (prompt - cached) // 3])
        completion = rng.randint(0, 4_000)
        out.append(Shape(1, Usage(prompt, completion, cached, written, written // 2, None, completion // 4),
                         Decimal(0), prompt, prompt))
    return out


def one_by_one(price, rows: list[Shape]) -> Decimal | None:
    """Each request through ingest's own price_request."""
    try:
        return sum((price_request(price, s.usage).total_cost for s in rows), Decimal(0))
    except Unpriced:
        return None


def test_the_sum_prices_exactly_as_request_by_request(db):
    book = PriceBook(*load_rows(db))
    rows = shapes(1)
    total = summed(rows)
    compared = 0
    for model in ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "mistral-large-latest",
                  "gemini-2.5-pro", "gpt-4.1"):
        price = book.resolve(model, None)
        assert price is not None, model
        fast, slow = cost_on(price, rows, total), one_by_one(price, rows)
        assert fast == slow, model
        compared += fast is not None
    assert compared >= 5


def test_a_service_tier_or_long_context_tiers_price_request_by_request(db):
    book = PriceBook(*load_rows(db))
    rows = shapes(2)
    tiered = rows + [Shape(1, Usage(1_000, 10, service_tier="flex"), Decimal(0), 1_000, 1_000)]
    assert summed(tiered) is None
    long_context = [book.resolve(m, None) for m in ("gemini-2.5-pro", "claude-sonnet-4-5", "gpt-4.1")]
    long_context = [p for p in long_context if p is not None and p.context_tiers]
    assert long_context, "the seed has models with long-context tiers"
    for price in long_context:  # 300k-token prompts cross their thresholds: the sum would be wrong
        assert cost_on(price, rows, summed(rows)) == one_by_one(price, rows)


def test_a_group_is_priced_on_its_sum_unless_it_straddles_a_threshold(db):
    book = PriceBook(*load_rows(db))
    price = next(p for p in (book.resolve(m, None) for m in ("gemini-2.5-pro", "claude-sonnet-4-5", "gpt-4.1"))
                 if p is not None and p.context_tiers)
    above = next(iter(price.context_tiers))
    small = [Usage(1_000 + i, 100) for i in range(3)]
    group = Shape(3, Usage(sum(u.prompt_tokens for u in small), 300), Decimal(0), 1_000, 1_002)
    assert cost_on(price, [group]) == sum(price_request(price, u).total_cost for u in small)
    straddling = Shape(2, Usage(above * 2, 200), Decimal(0), above - 10, above + 10)
    assert cost_on(price, [straddling]) is None
    assert above in book.long_context_thresholds()
