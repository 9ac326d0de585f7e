"""Streaming through the real SDKs: usage at the end, hidden extra chunk, abandoned and broken streams."""

from __future__ import annotations

import asyncio
import gc

import anthropic
import openai
import pytest

import tokenoptimizer

USER = [{"role": "user", "content": "hello"}]


def only_event(backend) -> dict:
    events = backend.events
    assert len(events) == 1, events
    return events[0]


def test_openai_stream_hides_usage_chunk_only_when_we_asked_for_it(clients, tracked, fake_provider):
    client = tokenoptimizer.instrument(clients["openai"])
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True))
    assert [len(c.choices) for c in chunks] == [1, 1]  # the usage-only chunk was hidden
    assert fake_provider.requests[0]["body"]["stream_options"] == {"include_usage": True}
    assert only_event(tracked)["total_tokens"] == 12

    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True,
                                                 stream_options={"include_usage": True}))
    assert [len(c.choices) for c in chunks] == [1, 1, 0]  # the app asked: the app sees it
    assert chunks[-1].usage.prompt_tokens == 10
    assert [e["total_tokens"] for e in tracked.events] == [12, 12]


def test_openai_stream_keeps_provider_type_and_context_manager(clients, tracked):
    client = tokenoptimizer.instrument(clients["openai"])
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True)
    assert isinstance(stream, openai.Stream)
    with stream as s:
        text = "".join(c.choices[0].delta.content or "" for c in s)
    assert text == "hi"
    event = only_event(tracked)
    assert (event["status"], event["prompt_tokens"], event["completion_tokens"]) == ("ok", 10, 2)


def test_user_disabling_include_usage_is_respected(clients, tracked, fake_provider):
    client = tokenoptimizer.instrument(clients["openai"])
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True,
                                                 stream_options={"include_usage": False}))
    assert len(chunks) == 2
    assert fake_provider.requests[0]["body"]["stream_options"] == {"include_usage": False}
    event = only_event(tracked)
    assert (event["status"], event["total_tokens"]) == ("ok", 0)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "mistral"])
def test_abandoned_stream_records_one_error_event(provider, clients, tracked):
    stream = tokenoptimizer.tracked_completion(
        {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-6", "mistral": "mistral-small-latest"}[provider],
        USER, "abandon", client=clients[provider], stream=True)
    next(iter(stream))
    del stream
    gc.collect()
    # The finalizer only queues the event: no I/O or locks inside the garbage collector, which
    # may run while this very thread holds a sender or urllib3 lock.
    assert tracked.events == []
    assert tokenoptimizer.flush(5)
    event = only_event(tracked)
    assert (event["status"], event["error_type"], event["endpoint_name"]) == ("error", "StreamAbandoned", "abandon")
    assert event["stream"] is True
    if provider == "anthropic":  # message_start already told us the input side
        assert (event["prompt_tokens"], event["cached_tokens"], event["cache_write_tokens"]) == (18, 3, 5)
        assert event["completion_tokens"] == 1
    else:
        assert event["total_tokens"] == 0


def test_closed_stream_records_abandoned_once(clients, tracked):
    stream = tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"], stream=True)
    next(stream)
    stream.close()
    del stream
    gc.collect()  # the finalizer only queues the event (no I/O inside the garbage collector)
    assert tokenoptimizer.flush(5)
    assert [e["error_type"] for e in tracked.events] == ["StreamAbandoned"]


@pytest.mark.parametrize("provider", ["openai", "anthropic", "mistral"])
def test_stream_breaking_midway_reaches_app_and_records_error(provider, clients, tracked, fake_provider):
    fake_provider.cut_stream = True
    stream = tokenoptimizer.tracked_completion(
        {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-6", "mistral": "mistral-small-latest"}[provider],
        USER, client=clients[provider], stream=True)
    with pytest.raises(Exception) as raised:
        for _ in stream:
            pass
    event = only_event(tracked)
    assert event["status"] == "error"
    assert event["error_type"] == type(raised.value).__name__
    assert event["latency_ms"] > 0


def test_anthropic_raw_stream_reads_message_start_and_delta(clients, tracked):
    client = tokenoptimizer.instrument(clients["anthropic"])
    stream = client.messages.create(model="claude-sonnet-4-6", max_tokens=10, messages=USER, stream=True)
    assert isinstance(stream, anthropic.Stream)
    kinds = [e.type for e in stream]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    event = only_event(tracked)
    assert {k: event[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
                                  "cache_write_tokens")} == {"prompt_tokens": 18, "completion_tokens": 2,
                                                             "total_tokens": 20, "cached_tokens": 3,
                                                             "cache_write_tokens": 5}


def test_anthropic_stream_helper_get_final_message(clients, tracked):
    tokenoptimizer.instrument()
    client = clients["anthropic"]
    with client.messages.stream(model="claude-sonnet-4-6", max_tokens=10, messages=USER) as stream:
        message = stream.get_final_message()
    assert message.usage.output_tokens == 2
    event = only_event(tracked)
    assert (event["prompt_tokens"], event["completion_tokens"], event["stream"]) == (18, 2, True)


def test_anthropic_stream_helper_left_early_is_an_error(clients, tracked):
    client = tokenoptimizer.instrument(clients["anthropic"])
    with client.messages.stream(model="claude-sonnet-4-6", max_tokens=10, messages=USER) as stream:
        next(iter(stream))
    event = only_event(tracked)
    assert (event["status"], event["error_type"], event["prompt_tokens"]) == ("error", "StreamAbandoned", 18)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "mistral"])
def test_async_streams(provider, tracked, fake_provider):
    model = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-6", "mistral": "mistral-small-latest"}[provider]

    async def go():
        async with fake_provider.async_client(provider) as client:
            stream = await tokenoptimizer.atracked_completion(model, USER, "astream", client=client, stream=True)
            return [item async for item in stream]

    items = asyncio.run(go())
    assert len(items) >= 2
    event = only_event(tracked)
    assert (event["status"], event["stream"], event["endpoint_name"]) == ("ok", True, "astream")
    assert event["total_tokens"] == {"openai": 12, "anthropic": 20, "mistral": 12}[provider]


def test_async_anthropic_stream_helper_and_mistral_stream_async(tracked, fake_provider):
    tokenoptimizer.instrument()

    async def go():
        async with fake_provider.async_client("anthropic") as client:
            async with client.messages.stream(model="claude-sonnet-4-6", max_tokens=5, messages=USER) as s:
                text = "".join([t async for t in s.text_stream])
        async with fake_provider.async_client("mistral") as client:
            stream = await client.chat.stream_async(model="mistral-small-latest", messages=USER)
            events = [e async for e in stream]
        return text, events

    text, events = asyncio.run(go())
    assert text == "hi" and len(events) == 2
    assert [(e["provider"], e["total_tokens"]) for e in tracked.events] == [("anthropic", 20), ("mistral", 12)]


def test_openai_responses_and_embeddings(clients, tracked):
    client = tokenoptimizer.instrument(clients["openai"])
    client.responses.create(model="gpt-4o-mini", input="hello")
    list(client.responses.create(model="gpt-4o-mini", input="hello", stream=True))
    client.embeddings.create(model="text-embedding-3-small", input="hello")
    tokenoptimizer.tracked_completion("text-embedding-3-small", ["a", "b"], client=clients["openai"])
    got = [(e["model"], e["prompt_tokens"], e["completion_tokens"], e.get("cached_tokens"),
            e.get("reasoning_tokens"), e.get("service_tier")) for e in tracked.events]
    assert got == [
        ("gpt-4o-mini", 20, 7, 5, 3, "default"),
        ("gpt-4o-mini", 20, 7, 5, 3, "default"),
        ("text-embedding-3-small", 3, 0, None, None, None),
        ("text-embedding-3-small", 3, 0, None, None, None),
    ]
