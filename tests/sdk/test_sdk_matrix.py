"""The full matrix: 5 providers x (sync, async, stream) x (tracked_completion, track_usage, instrument).

"openrouter" is the openai client with a base URL, the provider named explicitly (tests never
reach the real service; recognition from a URL is tested in test_sdk_providers.py).

Every call goes through the real provider SDK to the fake provider; every event is read back
from what the SDK actually sent to the capturing backend, and its token numbers are exact.
"""

from __future__ import annotations

import asyncio

import pytest

import tokenoptimizer

# google-genai's async client subclasses aiohttp.ClientSession, which aiohttp warns about (theirs, not ours).
pytestmark = pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")

MESSAGES = [{"role": "system", "content": "SYSTEM-PROMPT-SECRET"},
            {"role": "user", "content": "USER-MESSAGE-SECRET"}]
CHAT_ONLY = MESSAGES[1:]
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-6", "mistral": "mistral-small-latest",
          "gemini": "gemini-2.5-flash", "openrouter": "openai/gpt-4o-mini"}
# The provider each event must carry (as the price catalogue names it).
EVENT_PROVIDER = {"gemini": "google"}
# The client a provider is called through.
CLIENT = {"openrouter": "openai"}

# Normalised per reference/providers.md. Anthropic prompt = 10 input + 5 cache write + 3 cache read.
EXPECTED = {
    ("openai", False): {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
                        "cached_tokens": 4, "reasoning_tokens": 0},
    ("openai", True): {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    ("anthropic", False): {"prompt_tokens": 18, "completion_tokens": 2, "total_tokens": 20,
                           "cached_tokens": 3, "cache_write_tokens": 5},
    ("mistral", False): {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
}
EXPECTED[("anthropic", True)] = EXPECTED[("anthropic", False)]
EXPECTED[("mistral", True)] = EXPECTED[("mistral", False)]
# Gemini prompt 12 includes 4 cached; completion = 3 candidates + 5 thoughts (thoughts are output).
EXPECTED[("gemini", False)] = EXPECTED[("gemini", True)] = {
    "prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20, "cached_tokens": 4, "reasoning_tokens": 5}
EXPECTED[("openrouter", False)] = EXPECTED[("openai", False)]
EXPECTED[("openrouter", True)] = EXPECTED[("openai", True)]
EXPLICIT = {"openrouter": {"provider": "openrouter"}}  # what the app passes to name the service
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
                "cache_write_tokens", "reasoning_tokens")


def text_of(provider: str, item) -> str:
    """The text an app would read from a response or a stream item."""
    if provider == "gemini":
        return item.text or ""
    if provider in ("openai", "openrouter"):
        if getattr(item, "object", "") == "chat.completion.chunk":
            return item.choices[0].delta.content or ""  # raises if the usage-only chunk leaks
        return item.choices[0].message.content
    if provider == "anthropic":
        if hasattr(item, "content"):
            return item.content[0].text
        return item.delta.text if item.type == "content_block_delta" else ""
    chunk = getattr(item, "data", item)
    if hasattr(chunk, "choices") and chunk.choices and hasattr(chunk.choices[0], "delta"):
        return chunk.choices[0].delta.content or ""
    return chunk.choices[0].message.content


def raw_call(provider, client, stream=False):
    """The app's own provider call (no tracking of ours involved)."""
    model = MODELS[provider]
    if provider == "gemini":
        config = {"system_instruction": "SYSTEM-PROMPT-SECRET"}
        call = client.models.generate_content_stream if stream else client.models.generate_content
        return call(model=model, contents="USER-MESSAGE-SECRET", config=config)
    if provider in ("openai", "openrouter"):
        return client.chat.completions.create(model=model, messages=MESSAGES, stream=stream or None)
    if provider == "anthropic":
        return client.messages.create(model=model, system="SYSTEM-PROMPT-SECRET", messages=CHAT_ONLY,
                                      max_tokens=64, **({"stream": True} if stream else {}))
    if stream:
        return client.chat.stream(model=model, messages=MESSAGES)
    return client.chat.complete(model=model, messages=MESSAGES)


async def raw_call_async(provider, client, stream=False):
    model = MODELS[provider]
    if provider == "gemini":
        config = {"system_instruction": "SYSTEM-PROMPT-SECRET"}
        call = client.models.generate_content_stream if stream else client.models.generate_content
        return await call(model=model, contents="USER-MESSAGE-SECRET", config=config)
    if provider in ("openai", "openrouter"):
        return await client.chat.completions.create(model=model, messages=MESSAGES, stream=stream or None)
    if provider == "anthropic":
        return await client.messages.create(model=model, system="SYSTEM-PROMPT-SECRET",
                                            messages=CHAT_ONLY, max_tokens=64,
                                            **({"stream": True} if stream else {}))
    if stream:
        return await client.chat.stream_async(model=model, messages=MESSAGES)
    return await client.chat.complete_async(model=model, messages=MESSAGES)


FAKE = None  # set by the test: the fake provider


def run_tracked_completion(provider, clients, mode, url):
    model, client, named = MODELS[provider], clients[CLIENT.get(provider, provider)], EXPLICIT.get(provider, {})
    if mode == "sync":
        return text_of(provider, tokenoptimizer.tracked_completion(model, MESSAGES, "matrix", client=client, **named))
    if mode == "async":
        async def go():
            async with FAKE.async_client(CLIENT.get(provider, provider)) as aclient:
                return await tokenoptimizer.atracked_completion(model, MESSAGES, "matrix", client=aclient, **named)
        return text_of(provider, asyncio.run(go()))
    stream = tokenoptimizer.tracked_completion(model, MESSAGES, "matrix", client=client, stream=True, **named)
    return "".join(text_of(provider, item) for item in stream)


def run_instrument(provider, clients, mode, url):
    named = EXPLICIT.get(provider, {})
    if mode == "async":
        async def go():
            async with FAKE.async_client(CLIENT.get(provider, provider)) as aclient:
                client = tokenoptimizer.instrument(aclient, **named)
                with tokenoptimizer.context(endpoint_name="matrix"):
                    return text_of(provider, await raw_call_async(provider, client))
        return asyncio.run(go())
    client = tokenoptimizer.instrument(clients[CLIENT.get(provider, provider)], **named)
    with tokenoptimizer.context(endpoint_name="matrix"):
        if mode == "sync":
            return text_of(provider, raw_call(provider, client))
        if provider == "anthropic":  # the stream helper, the way most apps stream Claude
            with client.messages.stream(model=MODELS[provider], system="SYSTEM-PROMPT-SECRET",
                                        messages=CHAT_ONLY, max_tokens=64) as stream:
                return "".join(stream.text_stream)
        return "".join(text_of(provider, item) for item in raw_call(provider, client, stream=True))


def run_track_usage(provider, clients, mode, url):
    named = EXPLICIT.get(provider, {})
    if mode == "sync":
        response = raw_call(provider, clients[CLIENT.get(provider, provider)])
        tokenoptimizer.track_usage(response, endpoint_name="matrix", latency_ms=12.5, **named)
        return text_of(provider, response)
    if mode == "async":
        async def go():
            async with FAKE.async_client(CLIENT.get(provider, provider)) as aclient:
                return await raw_call_async(provider, aclient)
        response = asyncio.run(go())
        tokenoptimizer.track_usage(response, endpoint_name="matrix", latency_ms=12.5, **named)
        return text_of(provider, response)
    client = clients[CLIENT.get(provider, provider)]
    if provider == "anthropic":
        with client.messages.stream(model=MODELS[provider], system="SYSTEM-PROMPT-SECRET",
                                    messages=CHAT_ONLY, max_tokens=64) as stream:
            text = "".join(stream.text_stream)
            tokenoptimizer.track_usage(stream.get_final_message(), endpoint_name="matrix", latency_ms=12.5)
        return text
    if provider in ("openai", "openrouter"):
        items = list(client.chat.completions.create(model=MODELS[provider], messages=MESSAGES, stream=True,
                                                    stream_options={"include_usage": True}))
        tokenoptimizer.track_usage(items[-1], endpoint_name="matrix", latency_ms=12.5, **named)
        return "".join(text_of(provider, i) for i in items if i.choices)
    items = list(raw_call(provider, client, stream=True))
    tokenoptimizer.track_usage(items[-1], endpoint_name="matrix", latency_ms=12.5)
    return "".join(text_of(provider, i) for i in items)


RUNNERS = {"tracked_completion": run_tracked_completion, "instrument": run_instrument,
           "track_usage": run_track_usage}


@pytest.mark.parametrize("api", list(RUNNERS))
@pytest.mark.parametrize("mode", ["sync", "async", "stream"])
@pytest.mark.parametrize("provider", ["openai", "anthropic", "mistral", "gemini", "openrouter"])
def test_matrix(provider, mode, api, clients, tracked, fake_provider):
    global FAKE
    FAKE = fake_provider
    text = RUNNERS[api](provider, clients, mode, fake_provider.url)

    assert text == "hi"  # the app got the provider's answer, unchanged
    events = tracked.events
    assert len(events) == 1, events
    event = events[0]
    streamed = mode == "stream"
    expected = EXPECTED[(provider, streamed)]
    assert {k: event[k] for k in TOKEN_FIELDS if k in event} == expected
    assert event["provider"] == EVENT_PROVIDER.get(provider, provider)
    assert event["model"] == MODELS[provider]
    assert event["endpoint_name"] == "matrix"
    assert event["status"] == "ok"
    assert event["sdk"] == {"name": "tokenoptimizer-python", "version": tokenoptimizer.__version__}
    if api == "track_usage":
        assert event["latency_ms"] == 12.5
        assert "stream" not in event
    else:
        assert event["stream"] is streamed
        assert 0 < event["latency_ms"] < 5000
    assert len(fake_provider.requests) == 1
