"""The LiteLLM callback: every route LiteLLM takes (sync, async, streamed) is one exact event.

LiteLLM itself is real, its calls go to the fake provider through api_base; its price map is
read from the package (LITELLM_LOCAL_MODEL_COST_MAP) and its telemetry is off.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: no price-map fetch

import litellm  # noqa: E402
import pytest  # noqa: E402

import tokenoptimizer  # noqa: E402

litellm.telemetry = False
# LiteLLM's own dependencies warn as it builds its types and sessions (theirs, not ours).
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]
USER = [{"role": "user", "content": "hello"}]
ROUTES = {  # LiteLLM model -> (api_base suffix, event provider, event model, exact tokens)
    "openai/gpt-4o-mini": ("/v1", "openai", "gpt-4o-mini",
                           {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "cached_tokens": 4}),
    "anthropic/claude-sonnet-4-5": ("", "anthropic", "claude-sonnet-4-5",
                                    {"prompt_tokens": 18, "completion_tokens": 2, "total_tokens": 20,
                                     "cached_tokens": 3, "cache_write_tokens": 5}),
    "mistral/mistral-small-latest": ("/v1", "mistral", "mistral-small-latest",
                                     {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}),
    "gemini/gemini-2.5-flash": ("", "google", "gemini-2.5-flash",
                                {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20,
                                 "cached_tokens": 4, "reasoning_tokens": 5}),
}
# The fake's OpenAI usage chunk has no cached count (reference/providers.md's stream body).
STREAM_TOKENS = {"openai/gpt-4o-mini": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "cache_write_tokens",
                "reasoning_tokens")


@pytest.fixture
def callback():
    saved = {name: list(getattr(litellm, name)) for name in (
        "callbacks", "success_callback", "failure_callback", "_async_success_callback", "_async_failure_callback")}
    litellm.callbacks = [tokenoptimizer.litellm_callback()]
    yield litellm.callbacks[0]
    for name, value in saved.items():
        setattr(litellm, name, value)


def wait_for_events(backend, n: int) -> list[dict]:
    """LiteLLM runs sync callbacks on its own threads, after the call returns."""
    deadline = time.monotonic() + 15
    while len(backend.events) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # and no more than n
    return backend.events


def call(model: str, mode: str, url: str) -> str:
    base = url + ROUTES[model][0]
    options = dict(api_base=base, api_key="x", num_retries=0)
    if mode == "stream":
        # Without include_usage OpenAI sends no counts and LiteLLM would estimate them.
        stream = litellm.completion(model=model, messages=USER, stream=True,
                                    stream_options={"include_usage": True}, **options)
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    if mode == "async":
        async def go():
            response = await litellm.acompletion(model=model, messages=USER, **options)
            await asyncio.sleep(0.3)  # LiteLLM's async success handler runs as a task of this loop
            return response
        return asyncio.run(go()).choices[0].message.content
    return litellm.completion(model=model, messages=USER, **options).choices[0].message.content


@pytest.mark.parametrize("mode", ["sync", "async", "stream"])
@pytest.mark.parametrize("model", list(ROUTES))
def test_every_litellm_route_is_one_exact_event(model, mode, callback, tracked, fake_provider):
    with tokenoptimizer.context(endpoint_name="litellm", session_id="conv-1"):
        assert call(model, mode, fake_provider.url) == "hi"
    events = wait_for_events(tracked, 1)
    assert len(events) == 1, events
    event = events[0]
    _, provider, reported_model, tokens = ROUTES[model]
    tokens = STREAM_TOKENS.get(model, tokens) if mode == "stream" else tokens
    assert {k: event[k] for k in TOKEN_FIELDS if event.get(k)} == {k: v for k, v in tokens.items() if v}
    assert (event["provider"], event["model"], event["status"]) == (provider, reported_model, "ok")
    assert (event["endpoint_name"], event["session_id"], event["stream"]) == ("litellm", "conv-1", mode == "stream")
    assert event["latency_ms"] >= 0
    assert len(fake_provider.requests) == 1


def test_a_failed_litellm_call_is_an_error_event(callback, tracked, fake_provider):
    fake_provider.fail.append((400, {"error": {"message": "bad", "type": "invalid_request_error"}}, {}))
    with pytest.raises(litellm.BadRequestError):
        call("openai/gpt-4o-mini", "sync", fake_provider.url)
    event, = wait_for_events(tracked, 1)
    assert (event["status"], event["error_type"], event["provider"]) == ("error", "BadRequestError", "openai")
    assert (event["prompt_tokens"], event["completion_tokens"]) == (0, 0)


def test_the_sdk_does_not_import_litellm_unless_asked():
    code = ("import sys, tokenoptimizer; tokenoptimizer.instrument()\n"
            "tokenoptimizer.track_usage({'model': 'gpt-4o', 'usage': {'prompt_tokens': 1, 'completion_tokens': 1}})\n"
            "assert 'litellm' not in sys.modules, 'imported'\n"
            "import os; os.environ['LITELLM_LOCAL_MODEL_COST_MAP'] = 'True'\n"
            "tokenoptimizer.litellm_callback(); assert 'litellm' in sys.modules")
    env = {**os.environ, "TOKENOPTIMIZER_DISABLED": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
