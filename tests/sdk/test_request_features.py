"""Request features (tools, json_output, images, prefix fingerprint) through the real provider SDKs.

Each call goes to the local fake provider; the events reach a capturing /api/log. Asserted: the
counts and flags, a prefix fingerprint that repeats for the same prefix and changes with it or
with the salt, and that no byte of the system prompt, tool definitions or messages is sent.
"""

from __future__ import annotations

import json

import pytest

import tokenoptimizer
from tokenoptimizer.integrations import request_features

SYSTEM = "SYSTEM-PREFIX-SECRET: you classify support tickets"
TOOLS = [{"type": "function", "function": {"name": "TOOL-NAME-SECRET", "description": "TOOL-DESC-SECRET",
                                           "parameters": {"type": "object", "properties": {}}}}]
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,SECRET-IMAGE-BYTES"}}
USER = [{"type": "text", "text": "USER-SECRET look"}, IMAGE, IMAGE]
SECRETS = ("SYSTEM-PREFIX-SECRET", "TOOL-NAME-SECRET", "TOOL-DESC-SECRET", "SECRET-IMAGE-BYTES", "USER-SECRET")


@pytest.fixture(autouse=True)
def _salt(monkeypatch):
    monkeypatch.setenv(request_features.SALT_ENV, "salt-one")
    request_features._reset_salt()
    yield
    request_features._reset_salt()


def _sent(backend) -> list[dict]:
    assert tokenoptimizer.flush(5)
    wire = b"".join(backend.bodies)
    for secret in SECRETS:
        assert secret.encode() not in wire, secret
    return backend.events


def test_openai_chat_counts_flags_and_prefix(clients, tracked):
    client = tokenoptimizer.instrument(clients["openai"])
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
    client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS,
                                   response_format={"type": "json_object"})
    client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    first, second, plain = _sent(tracked)
    assert (first["tools"], first["json_output"], first["images"]) == (1, True, 2)
    assert (second["tools"], second["json_output"], second["images"]) == (1, False, 2)
    assert first["prefix_hash"] == second["prefix_hash"] and len(first["prefix_hash"]) == 32
    expected_chars = len(json.dumps([[SYSTEM], TOOLS], sort_keys=True, separators=(",", ":")))
    assert first["prefix_chars"] == expected_chars
    assert (plain["tools"], plain["json_output"], plain["images"]) == (0, False, 0)
    assert "prefix_hash" not in plain and "prefix_chars" not in plain


def test_forced_tool_call_is_structured_output(clients, tracked):
    client = tokenoptimizer.instrument(clients["openai"])
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}], tools=TOOLS,
                                   tool_choice={"type": "function", "function": {"name": "TOOL-NAME-SECRET"}})
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}], tools=TOOLS,
                                   tool_choice="auto")
    forced, auto = _sent(tracked)
    assert forced["json_output"] is True and auto["json_output"] is False


def test_fingerprint_changes_with_prefix_and_salt(clients, tracked, monkeypatch):
    client = tokenoptimizer.instrument(clients["openai"])

    def call(system):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": system},
                                                                  {"role": "user", "content": "hi"}])
    call(SYSTEM)
    call(SYSTEM + "!")
    monkeypatch.setenv(request_features.SALT_ENV, "salt-two")
    request_features._reset_salt()
    call(SYSTEM)
    one, changed, other_salt = (e["prefix_hash"] for e in _sent(tracked))
    assert len({one, changed, other_salt}) == 3


def test_openai_responses(clients, tracked):
    client = tokenoptimizer.instrument(clients["openai"])
    client.responses.create(model="gpt-4o-mini", instructions=SYSTEM, tools=TOOLS * 2,
                            input=[{"role": "user", "content": [{"type": "input_text", "text": "USER-SECRET"},
                                                                {"type": "input_image", "image_url": "SECRET-IMAGE-BYTES"}]}],
                            text={"format": {"type": "json_schema", "name": "t", "schema": {"type": "object"}}})
    (event,) = _sent(tracked)
    assert (event["tools"], event["json_output"], event["images"]) == (2, True, 1)
    assert len(event["prefix_hash"]) == 32


def test_anthropic_messages(clients, tracked):
    client = tokenoptimizer.instrument(clients["anthropic"])
    tools = [{"name": "TOOL-NAME-SECRET", "description": "TOOL-DESC-SECRET", "input_schema": {"type": "object"}}]
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "SECRET-IMAGE-BYTES"}}
    client.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=10, system=SYSTEM, tools=tools,
                           tool_choice={"type": "tool", "name": "TOOL-NAME-SECRET"},
                           messages=[{"role": "user", "content": [image, {"type": "text", "text": "USER-SECRET"}]}])
    client.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=10,
                           messages=[{"role": "user", "content": "USER-SECRET"}])
    forced, plain = _sent(tracked)
    assert (forced["tools"], forced["json_output"], forced["images"]) == (1, True, 1)
    assert len(forced["prefix_hash"]) == 32 and forced["prefix_chars"] > len(SYSTEM)
    assert (plain["tools"], plain["json_output"], plain["images"]) == (0, False, 0)
    assert "prefix_hash" not in plain


def test_mistral_chat(clients, tracked):
    client = tokenoptimizer.instrument(clients["mistral"])
    client.chat.complete(model="mistral-large-latest", tools=TOOLS, response_format={"type": "json_object"},
                         messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": "USER-SECRET"}])
    (event,) = _sent(tracked)
    assert (event["tools"], event["json_output"], event["images"]) == (1, True, 0)
    assert len(event["prefix_hash"]) == 32


def test_tracked_completion_carries_features(clients, tracked):
    tokenoptimizer.tracked_completion("gpt-4o", [{"role": "system", "content": SYSTEM},
                                                 {"role": "user", "content": USER}],
                                      "classify", client=clients["openai"], tools=TOOLS)
    (event,) = _sent(tracked)
    assert (event["endpoint_name"], event["tools"], event["images"]) == ("classify", 1, 2)


def test_features_the_backend_accepts(clients, tracked):
    """Every event above validates against the backend's own contract model."""
    from tokenoptimizer_server.ingest.event import parse_event

    client = tokenoptimizer.instrument(clients["openai"])
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": SYSTEM},
                                                              {"role": "user", "content": USER}], tools=TOOLS)
    (event,) = _sent(tracked)
    parsed, errors = parse_event(event)
    assert errors == [] and (parsed.tools, parsed.images, parsed.prefix_hash) == (1, 2, event["prefix_hash"])
    bad, errors = parse_event({**event, "prefix_hash": "not hex"})
    assert bad is None and errors[0]["field"] == "prefix_hash"


def test_an_unforeseen_shape_costs_only_the_features():
    assert request_features.chat({"messages": 5, "tools": "x"}) == {"tools": 0, "json_output": False, "images": 0}
    assert request_features.messages({"messages": 5}) is None  # not iterable: no features, no exception
