"""Provider errors reach the app unchanged; tracking records them and never raises itself."""

from __future__ import annotations

import asyncio
import logging

import anthropic
import openai
import pytest

import tokenoptimizer
from tokenoptimizer import _consumer

USER = [{"role": "user", "content": "hello"}]
ERROR_500 = {"error": {"message": "boom", "type": "server_error"}}


class Boom(Exception):
    pass


class FakeCompletions:
    def __init__(self, exc):
        self.exc = exc

    def create(self, **kwargs):
        raise self.exc


class FakeOpenAI:
    """An in-process stand-in with the OpenAI client's shape."""

    def __init__(self, exc):
        self.chat = type("Chat", (), {})()
        self.chat.completions = FakeCompletions(exc)


def test_exception_is_the_same_object(tracked):
    exc = Boom("provider said no")
    with pytest.raises(Boom) as raised:
        tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=FakeOpenAI(exc))
    assert raised.value is exc
    event = tracked.events[0]
    assert (event["status"], event["error_type"], event["total_tokens"]) == ("error", "Boom", 0)


@pytest.mark.parametrize("status,exc_type", [(500, openai.InternalServerError), (400, openai.BadRequestError),
                                              (429, openai.RateLimitError)])
def test_openai_http_errors(status, exc_type, clients, tracked, fake_provider):
    fake_provider.fail.append((status, ERROR_500, {}))
    client = tokenoptimizer.instrument(clients["openai"])
    with pytest.raises(exc_type):
        client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    event = tracked.events[0]
    assert (event["status"], event["error_type"], event["model"]) == ("error", exc_type.__name__, "gpt-4o-mini")
    assert (event["prompt_tokens"], event["completion_tokens"], event["total_tokens"]) == (0, 0, 0)
    assert event["latency_ms"] > 0


def test_anthropic_and_mistral_errors(clients, tracked, fake_provider):
    fake_provider.fail.append((529, {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}, {}))
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        tokenoptimizer.tracked_completion("claude-sonnet-4-6", USER, client=clients["anthropic"])
    fake_provider.fail.append((500, ERROR_500, {}))
    with pytest.raises(Exception) as raised:
        tokenoptimizer.tracked_completion("mistral-small-latest", USER, client=clients["mistral"])
    got = [(e["provider"], e["status"], e["error_type"]) for e in tracked.events]
    assert type(overloaded.value).__name__ == "OverloadedError"
    assert got == [("anthropic", "error", "OverloadedError"), ("mistral", "error", type(raised.value).__name__)]


def test_async_error_recorded(tracked, fake_provider):
    fake_provider.fail.append((500, ERROR_500, {}))

    async def go():
        async with fake_provider.async_client("openai") as client:
            await tokenoptimizer.atracked_completion("gpt-4o-mini", USER, client=client)

    with pytest.raises(openai.InternalServerError):
        asyncio.run(go())
    assert tracked.events[0]["error_type"] == "InternalServerError"


def test_slow_provider_latency_is_measured(clients, tracked, fake_provider):
    fake_provider.delay = 0.2
    tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
    assert 200 <= tracked.events[0]["latency_ms"] < 2000


def test_tracking_failures_never_reach_the_app(clients, tracked, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("tracking bug")

    monkeypatch.setattr(_consumer.Consumer, "put", broken)
    with caplog.at_level(logging.ERROR, logger="tokenoptimizer"):
        response = tokenoptimizer.tracked_completion("gpt-4o-mini", USER, client=clients["openai"])
        tokenoptimizer.track_usage(response)
        tokenoptimizer.track_usage(object())
        tokenoptimizer.track_usage(None)
    assert response.choices[0].message.content == "hi"
    assert "could not queue" in caplog.text


def test_unknown_model_without_provider_is_a_clear_error():
    with pytest.raises(ValueError, match="provider="):
        tokenoptimizer.tracked_completion("llama-3", USER)
