"""Model name resolution: exact, case, prefixes, cloud routes, aliases, patterns, date suffixes, projects."""

from decimal import Decimal as D

import pytest

from tokenoptimizer_server.pricing import PriceBook, infer_provider
from tokenoptimizer_server.pricing.resolve import candidate_names


def row(model, inp="1", out="2", **extra):
    return {"model": model, "input_price": D(inp), "output_price": D(out), **extra}


BOOK = PriceBook([
    row("gpt-4o"), row("gpt-4o-mini"), row("gpt-4"), row("gpt-4.1"), row("o3"),
    row("claude-3-haiku-20240307", aliases=["claude-3-haiku"]),
    row("claude-sonnet-4-5"), row("mistral-small-latest"), row("mistral-large-latest"),
    row("ft-acme", match_pattern=r"^ft:gpt-4o-mini:acme:"),
    row("gpt-4o", project_id="11111111-1111-1111-1111-111111111111", inp="0.5"),
], version=1)


@pytest.mark.parametrize("name, expected", [
    ("gpt-4o", "gpt-4o"),
    ("GPT-4o", "gpt-4o"),
    ("gpt-4o-mini", "gpt-4o-mini"),
    ("gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("gpt-4-0613", "gpt-4"),
    ("gpt-4.1-2025-04-14", "gpt-4.1"),
    ("o3-2025-04-16", "o3"),
    ("openai/gpt-4o", "gpt-4o"),
    ("azure/gpt-4o-mini", "gpt-4o-mini"),
    ("claude-3-haiku", "claude-3-haiku-20240307"),
    ("anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
    ("eu.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
    ("claude-3-haiku@20240307", "claude-3-haiku-20240307"),
    ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("mistral/mistral-small-latest", "mistral-small-latest"),
    ("mistral-large-2407", "mistral-large-latest"),
    ("ft:gpt-4o-mini:acme::abc123", "ft-acme"),
    ("gpt-5-preview", None),
    ("llama-3-70b", None),
    ("", None),
])
def test_resolve_global(name, expected):
    price = BOOK.resolve(name)
    assert (price.model if price else None) == expected


def test_project_row_beats_global_only_for_that_project():
    assert BOOK.resolve("gpt-4o", "11111111-1111-1111-1111-111111111111").input_price == D("0.5")
    assert BOOK.resolve("gpt-4o-2024-08-06", "11111111-1111-1111-1111-111111111111").input_price == D("0.5")
    assert BOOK.resolve("gpt-4o", "22222222-2222-2222-2222-222222222222").input_price == D("1")


def test_exact_name_beats_pattern():
    book = PriceBook([row("gpt-4o-mini", inp="3"), row("catch-all", match_pattern="gpt")], version=1)
    assert book.resolve("gpt-4o-mini").model == "gpt-4o-mini"
    assert book.resolve("gpt-9").model == "catch-all"


def test_candidates_go_from_specific_to_general():
    assert candidate_names("openai/gpt-4o-2024-08-06") == [
        "openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "gpt-4o", "gpt-4o-latest"]


@pytest.mark.parametrize("name, provider", [
    ("gpt-4o", "openai"), ("o4-mini", "openai"), ("text-embedding-3-small", "openai"),
    ("claude-haiku-4-5", "anthropic"), ("eu.anthropic.claude-3-haiku-20240307-v1:0", "anthropic"),
    ("mistral-small-latest", "mistral"), ("codestral-latest", "mistral"), ("open-mistral-nemo", "mistral"),
    ("gemini-2.5-pro", "google"), ("gemini/gemini-2.5-flash", "google"), ("together/llama-3", "together"),
    ("llama-3-70b", None),
])
def test_infer_provider(name, provider):
    assert infer_provider(name) == provider
