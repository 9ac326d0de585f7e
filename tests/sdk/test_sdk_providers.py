"""The provider registry, Gemini's usage rule and OpenAI-compatible services named from a base URL.

Base URLs of real services are only parsed here, never sent to.
"""

from __future__ import annotations

import openai
import pytest

import tokenoptimizer
from tokenoptimizer import integrations
from tokenoptimizer.integrations import Integration, register
from tokenoptimizer.integrations.gemini import parse_usage as gemini_usage
from tokenoptimizer.integrations.openai_compatible import provider_from_base_url

USER = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize("base_url,provider", [
    ("https://api.openai.com/v1", "openai"),
    ("https://openrouter.ai/api/v1", "openrouter"),
    ("https://api.groq.com/openai/v1", "groq"),
    ("https://api.deepseek.com", "deepseek"),
    ("https://api.together.xyz/v1", "together_ai"),
    ("https://api.fireworks.ai/inference/v1", "fireworks_ai"),
    ("https://my-resource.openai.azure.com/openai/deployments/gpt4o", "azure"),
    ("http://localhost:11434/v1", "ollama"),
    ("http://127.0.0.1:8000/v1", "vllm"),
    ("http://127.0.0.1:54321/v1", "openai"),  # an unknown local server (the fake provider)
    ("not a url", "openai"),
])
def test_provider_from_base_url(base_url, provider):
    assert provider_from_base_url(base_url) == provider


def test_an_openai_client_for_openrouter_carries_that_provider_without_sending():
    client = openai.OpenAI(base_url="https://openrouter.ai/api/v1", api_key="x")
    assert integrations.get("openai").provider_of_client(client) == "openrouter"
    assert integrations.for_client(client).name == "openai"
    client.close()


def test_openrouter_model_names_keep_their_string_and_carry_the_provider(clients, tracked, fake_provider):
    tokenoptimizer.tracked_completion("openai/gpt-4o-mini", USER, client=clients["openai"], provider="openrouter")
    tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
    got = [(e["model"], e["provider"]) for e in tracked.events]
    assert got == [("openai/gpt-4o-mini", "openrouter"), ("gpt-4o-mini", "openai")]
    assert fake_provider.requests[0]["body"]["model"] == "openai/gpt-4o-mini"


def test_gemini_usage_rule():
    usage = {"prompt_token_count": 1200, "candidates_token_count": 300, "cached_content_token_count": 1000,
             "thoughts_token_count": 500, "total_token_count": 2000}
    assert gemini_usage(usage) == {
        "prompt_tokens": 1200, "completion_tokens": 800, "total_tokens": 2000, "cached_tokens": 1000,
        "cache_write_tokens": None, "reasoning_tokens": 500, "cache_write_1h_tokens": None}
    with_tools = {"prompt_token_count": 10, "candidates_token_count": 2, "tool_use_prompt_token_count": 7}
    assert gemini_usage(with_tools)["prompt_tokens"] == 17
    assert gemini_usage({"total_token_count": 3}) is None


def test_gemini_names_route_and_report_google(clients, tracked):
    messages = [{"role": "system", "content": "be brief"}, *USER]
    tokenoptimizer.tracked_completion("gemini-2.5-flash", messages, client=clients["gemini"], max_tokens=9)
    tokenoptimizer.tracked_completion("gemini-2.5-flash", USER, client=clients["gemini"], provider="gemini")
    assert [e["provider"] for e in tracked.events] == ["google", "google"]


def test_gemini_request_mapping(clients, tracked, fake_provider):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "hi"}, {"role": "user", "content": "more"}]
    tokenoptimizer.tracked_completion("gemini-2.5-flash", messages, client=clients["gemini"], max_tokens=9,
                                      temperature=0.5, stop="END")
    body = fake_provider.requests[0]["body"]
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["systemInstruction"]["parts"][0]["text"] == "be brief"
    assert body["generationConfig"] == {"maxOutputTokens": 9, "temperature": 0.5, "stopSequences": ["END"]}


def test_a_provider_is_one_registered_file(clients, tracked):
    """What a new provider needs: an Integration subclass that registers itself."""
    class Acme(Integration):
        name = provider = package = "acme"
        model_prefixes = ("acme-",)

        def parse_usage(self, usage):
            from tokenoptimizer._event import usage_fields
            return usage_fields(usage["in"], usage["out"])

    register(Acme())
    try:
        assert integrations.provider_for_model("acme-large") == "acme"
        from tokenoptimizer_server.pricing import infer_provider
        assert infer_provider("acme-large-2") == "acme"  # the backend reads the same table
        tokenoptimizer.track_usage({"model": "acme-large", "usage": {"in": 5, "out": 6}})
        event, = tracked.events
        assert (event["provider"], event["prompt_tokens"], event["total_tokens"]) == ("acme", 5, 11)
    finally:
        integrations.unregister("acme")
    assert integrations.provider_for_model("acme-large") is None


def test_unknown_provider_names_the_known_ones():
    with pytest.raises(ValueError, match="gemini"):
        tokenoptimizer.tracked_completion("x", USER, provider="nobody")
