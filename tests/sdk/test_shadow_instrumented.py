"""Shadow mode on instrumented clients (the real openai and anthropic SDKs against the fake provider):
a chat request whose shape is known is replayed on the candidates; other calls are left alone."""

from __future__ import annotations

import asyncio

import tokenoptimizer
from tokenoptimizer import _shadow

from tests.sdk.test_shadow import answers, usage_events, verdicts  # noqa: F401 - the fixture is used by name

MESSAGES = [{"role": "user", "content": "Is this review positive? 'Great phone.'"}]


def test_an_instrumented_openai_chat_call_is_shadowed_on_an_anthropic_candidate(clients, tracked, answers):  # noqa: F811
    answers["gpt-4o"], answers["claude-3-5-haiku-20241022"] = "Positive", "positive"
    client = tokenoptimizer.instrument(clients["openai"])
    tokenoptimizer.shadow("classify", ["claude-3-5-haiku-20241022"], sample=1.0, max_calls_per_day=5,
                          clients={"anthropic": clients["anthropic"]})
    with tokenoptimizer.context(endpoint_name="classify"):
        response = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=50)
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # endpoint "default": no plan
    assert response.choices[0].message.content == "Positive"
    [event] = verdicts(tracked)
    assert (event["model"], event["provider"], event["shadow"]["agreed"]) == ("claude-3-5-haiku-20241022", "anthropic", True)
    assert len(usage_events(tracked)) == 2  # the app's two calls; the shadow call is not usage


def test_an_instrumented_anthropic_call_keeps_its_system_prompt_on_an_openai_candidate(clients, tracked, answers,  # noqa: F811
                                                                                      fake_provider):
    answers["claude-3-5-sonnet-20241022"], answers["gpt-4.1-mini"] = "Negative", "Positive"
    client = tokenoptimizer.instrument(clients["anthropic"])
    tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5,
                          clients={"openai": clients["openai"]})
    with tokenoptimizer.context(endpoint_name="classify"):
        client.messages.create(model="claude-3-5-sonnet-20241022", system="Answer with one word.",
                               messages=MESSAGES, max_tokens=20)
    [event] = verdicts(tracked)
    assert (event["model"], event["shadow"]["current_model"], event["shadow"]["agreed"]) == (
        "gpt-4.1-mini", "claude-3-5-sonnet-20241022", False)
    replayed = [r["body"] for r in fake_provider.requests if r["body"].get("model") == "gpt-4.1-mini"]
    assert replayed[0]["messages"][0] == {"role": "system", "content": "Answer with one word."}
    assert replayed[0]["max_tokens"] == 20


def test_an_instrumented_async_call_and_a_responses_call(tracked, answers, fake_provider):  # noqa: F811
    openai_sync = fake_provider.client("openai")
    plan = tokenoptimizer.shadow("classify", ["gpt-4.1-mini"], sample=1.0, max_calls_per_day=5,
                                 clients={"openai": openai_sync})

    async def app_calls():
        async with fake_provider.async_client("openai") as client:
            tokenoptimizer.instrument(client)
            with tokenoptimizer.context(endpoint_name="classify"):
                await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
                await client.responses.create(model="gpt-4o", input="hello")  # not a chat request: left alone

    asyncio.run(app_calls())
    assert [e["model"] for e in verdicts(tracked)] == ["gpt-4.1-mini"]
    assert plan.stats()["sampled"] == 1
    openai_sync.close()
    _shadow.plans.clear()
