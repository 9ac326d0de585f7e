"""Routing, default clients, context tags, instrument()/uninstrument() and track_usage shapes."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import anthropic
import openai
import pytest

import tokenoptimizer
from tokenoptimizer import integrations
from tokenoptimizer.integrations.mistral import _classes as mistral_classes

MistralChat = mistral_classes()[1]

USER = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize("model,provider", [
    ("gpt-4o-mini", "openai"), ("o1-mini", "openai"), ("o3", "openai"), ("o4-mini", "openai"),
    ("text-embedding-3-small", "openai"), ("claude-sonnet-4-6", "anthropic"),
    ("claude-3-5-haiku-latest", "anthropic"), ("mistral-large-latest", "mistral"),
    ("codestral-latest", "mistral"), ("open-mistral-nemo", "mistral"), ("gemini-2.5-flash", "google"),
    ("deepseek-chat", "deepseek"), ("llama-3", None),
])
def test_provider_inference(model, provider):
    assert integrations.provider_for_model(model) == provider


def normalise_usage(usage, provider=None):
    """Each provider parses its own usage; without a name, the shape says whose it is."""
    if provider is None:
        provider = "anthropic" if "input_tokens" in usage and "total_tokens" not in usage else "openai"
    return integrations.get(provider).parse_usage(usage)


def test_normalising_usage_rule():
    anthropic_usage = {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 5,
                       "cache_read_input_tokens": 3}
    assert normalise_usage(anthropic_usage) == {
        "prompt_tokens": 18, "completion_tokens": 2, "total_tokens": 20, "cached_tokens": 3,
        "cache_write_tokens": 5, "reasoning_tokens": None, "cache_write_1h_tokens": None}
    one_hour = {**anthropic_usage, "cache_creation": {"ephemeral_5m_input_tokens": 2,
                                                      "ephemeral_1h_input_tokens": 3}}
    assert normalise_usage(one_hour)["cache_write_1h_tokens"] == 3
    openai_usage = {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
                    "prompt_tokens_details": {"cached_tokens": 60},
                    "completion_tokens_details": {"reasoning_tokens": 30}}
    assert normalise_usage(openai_usage) == {
        "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150, "cached_tokens": 60,
        "cache_write_tokens": None, "reasoning_tokens": 30, "cache_write_1h_tokens": None}
    responses_usage = {"input_tokens": 20, "output_tokens": 7, "total_tokens": 27,
                       "input_tokens_details": {"cached_tokens": 5},
                       "output_tokens_details": {"reasoning_tokens": 3}}
    assert normalise_usage(responses_usage) == {
        "prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27, "cached_tokens": 5,
        "cache_write_tokens": None, "reasoning_tokens": 3, "cache_write_1h_tokens": None}


def test_track_usage_plain_dicts(tracked):
    tokenoptimizer.track_usage({"model": "claude-sonnet-4-6", "type": "message",
                                "usage": {"input_tokens": 1, "output_tokens": 2, "cache_read_input_tokens": 4}},
                               endpoint_name="dicts", session_id="s", latency_ms=3)
    tokenoptimizer.track_usage({"usage": {"prompt_tokens": 7, "completion_tokens": 1}}, model="mistral-tiny")
    got = [(e["provider"], e["model"], e["prompt_tokens"], e["total_tokens"], e.get("cached_tokens"))
           for e in tracked.events]
    assert got == [("anthropic", "claude-sonnet-4-6", 5, 7, 4), ("mistral", "mistral-tiny", 7, 8, None)]


def test_anthropic_mapping_moves_system_and_defaults_max_tokens(clients, tracked, fake_provider):
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello"}]
    tokenoptimizer.tracked_completion("claude-sonnet-4-6", messages, client=clients["anthropic"])
    tokenoptimizer.tracked_completion("claude-sonnet-4-6", messages, client=clients["anthropic"], max_tokens=7,
                                      stop="END")
    first, second = (r["body"] for r in fake_provider.requests)
    assert (first["system"], first["messages"], first["max_tokens"]) == ("be brief", messages[1:], 1024)
    assert (second["max_tokens"], second["stop_sequences"]) == (7, ["END"])


def test_default_clients_from_provider_environment(tracked, fake_provider, monkeypatch):
    from tokenoptimizer import _tracked

    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_provider.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "x")
    monkeypatch.setenv("MISTRAL_API_KEY", "x")
    monkeypatch.setenv("MISTRAL_SERVER_URL", fake_provider.url)
    monkeypatch.setenv("GEMINI_API_KEY", "x")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", fake_provider.url)
    _tracked._reset_clients()
    try:
        for model in ("gpt-4o-mini", "claude-sonnet-4-6", "mistral-small-latest", "gemini-2.5-flash"):
            tokenoptimizer.tracked_completion(model, USER)
        assert [e["provider"] for e in tracked.events] == ["openai", "anthropic", "mistral", "google"]
        assert fake_provider.requests[3]["headers"].get("x-goog-api-key") == "x"
        headers = {k.lower(): v for k, v in fake_provider.requests[1]["headers"].items()}
        assert headers.get("x-api-key") == "x" or headers.get("authorization") == "Bearer x"
    finally:
        for client in _tracked._sync_clients.values():
            getattr(client, "close", lambda: None)()
        _tracked._reset_clients()


def test_context_tags_nest_and_explicit_arguments_win(clients, tracked):
    with tokenoptimizer.context(endpoint_name="outer", session_id="s1", metadata={"a": 1}):
        with tokenoptimizer.context(endpoint_name="inner", metadata={"b": "2"}):
            tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
        tokenoptimizer.tracked_completion("gpt-4o-mini", USER, "explicit", client=clients["openai"],
                                          session_id="s2")
    tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
    got = [(e["endpoint_name"], e.get("session_id"), e.get("metadata")) for e in tracked.events]
    assert got == [("inner", "s1", {"a": 1, "b": "2"}), ("explicit", "s2", {"a": 1}), ("default", None, None)]


def test_context_follows_asyncio_tasks_and_copied_threads(tracked, fake_provider, clients):
    tokenoptimizer.instrument()

    async def one(name):
        with tokenoptimizer.context(endpoint_name=name):
            await asyncio.sleep(0)
            await client.chat.completions.create(model="gpt-4o-mini", messages=USER)

    async def main():
        global client
        async with fake_provider.async_client("openai") as client:
            await asyncio.gather(one("task-a"), one("task-b"))

    asyncio.run(main())
    with tokenoptimizer.context(endpoint_name="threaded"):
        ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(
        lambda: clients["openai"].chat.completions.create(model="gpt-4o-mini", messages=USER),))
    thread.start()
    thread.join()
    assert sorted(e["endpoint_name"] for e in tracked.events) == ["task-a", "task-b", "threaded"]


def test_instrument_all_and_uninstrument_restores(clients, tracked):
    originals = (openai.resources.chat.completions.Completions.create,
                 anthropic.resources.messages.Messages.create, MistralChat.complete)
    tokenoptimizer.instrument()
    tokenoptimizer.instrument()  # idempotent
    tokenoptimizer.instrument(clients["openai"])  # and no double counting with a client patch
    clients["openai"].chat.completions.create(model="gpt-4o-mini", messages=USER)
    clients["anthropic"].messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=USER)
    clients["mistral"].chat.complete(model="mistral-small-latest", messages=USER)
    tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
    assert [e["provider"] for e in tracked.events] == ["openai", "anthropic", "mistral", "openai"]

    tokenoptimizer.uninstrument()
    assert (openai.resources.chat.completions.Completions.create,
            anthropic.resources.messages.Messages.create, MistralChat.complete) == originals
    assert "create" not in vars(clients["openai"].chat.completions)
    clients["openai"].chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert len(tracked.events) == 4


def test_instrument_unknown_client_is_harmless(caplog):
    thing = object()
    assert tokenoptimizer.instrument(thing) is thing


@pytest.mark.parametrize("package,extra,model", [("openai", "openai", "gpt-4o-mini"),
                                                 ("anthropic", "anthropic", "claude-sonnet-4-6"),
                                                 ("mistralai", "mistral", "mistral-small-latest"),
                                                 ("google.genai", "gemini", "gemini-2.5-flash")])
def test_missing_provider_package_names_the_extra(package, extra, model):
    import subprocess
    import sys

    code = (f"import sys; sys.modules[{package!r}] = None\n"
            "import tokenoptimizer; tokenoptimizer.instrument()  # skips what is not installed\n"
            f"tokenoptimizer.tracked_completion({model!r}, [{{'role': 'user', 'content': 'x'}}])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"pip install 'tokenoptimizer[{extra}]'" in result.stderr


def test_bad_tags_never_break_the_call(clients, tracked):
    with tokenoptimizer.context(metadata={"a": 1}):
        response = tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"],
                                                     metadata="not a dict", user_id=12345)
    tokenoptimizer.track_usage(response, metadata=["x"], session_id=object())
    assert response.choices[0].message.content == "hi"
    first, second = tracked.events
    assert "metadata" not in first and len(first["user_id"]) == 64
    assert "metadata" not in second and "session_id" in second


def test_async_default_client_per_event_loop(tracked, fake_provider, monkeypatch):
    import gc

    from tokenoptimizer import _tracked

    monkeypatch.setenv("OPENAI_BASE_URL", fake_provider.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    _tracked._reset_clients()

    async def go():
        response = await tokenoptimizer.atracked_completion("gpt-4o-mini", USER, "async-default")
        await _tracked._async_clients[asyncio.get_running_loop()]["openai"].close()
        return response

    try:
        for _ in range(2):  # a second loop gets its own client, not the closed loop's
            assert asyncio.run(go()).choices[0].message.content == "hi"
        gc.collect()
    finally:
        _tracked._reset_clients()
    assert [e["endpoint_name"] for e in tracked.events] == ["async-default", "async-default"]
