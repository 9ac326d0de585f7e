"""Every byte the SDK sends, across all provider paths, carries no prompt or completion text."""

from __future__ import annotations

import gc
import hashlib
import json

import pytest

import tokenoptimizer
import test_sdk_matrix as matrix

SECRETS = ("SYSTEM-PROMPT-SECRET", "USER-MESSAGE-SECRET", "COMPLETION-SECRET-TEXT", "raw-user-42")
CONTRACT_FIELDS = {
    "id", "timestamp", "model", "provider", "endpoint_name", "prompt_tokens", "completion_tokens",
    "total_tokens", "cached_tokens", "cache_write_tokens", "cache_write_1h_tokens", "reasoning_tokens", "latency_ms", "status",
    "error_type", "session_id", "user_id", "stream", "service_tier", "metadata", "sdk",
    "tools", "json_output", "images", "prefix_hash", "prefix_chars",  # counts, flags, a salted fingerprint
}
CONTENT_KEYS = {"messages", "prompt", "content", "completion", "response", "input", "output", "text"}


def keys_at_any_depth(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_at_any_depth(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_at_any_depth(inner)


def test_nothing_sent_carries_content(clients, tracked, fake_provider):
    fake_provider.reply_text = "COMPLETION-SECRET-TEXT"
    matrix.FAKE = fake_provider
    metadata = {"feature": "search", "prompt": "USER-MESSAGE-SECRET", "Content": "x",
                "nested": {"text": "COMPLETION-SECRET-TEXT"}}
    with tokenoptimizer.context(user_id="raw-user-42", session_id="s-1", metadata=metadata):
        for provider in ("openai", "anthropic", "mistral"):
            for mode in ("sync", "async", "stream"):
                for runner in matrix.RUNNERS.values():
                    runner(provider, clients, mode, fake_provider.url)
                    tokenoptimizer.uninstrument()
            # errors and abandoned streams too
            fake_provider.fail.append((400, {"error": {"message": "USER-MESSAGE-SECRET"}}, {}))
            with pytest.raises(Exception):
                tokenoptimizer.tracked_completion(matrix.MODELS[provider], matrix.MESSAGES, client=clients[provider])
            stream = tokenoptimizer.tracked_completion(matrix.MODELS[provider], matrix.MESSAGES,
                                                       client=clients[provider], stream=True)
            next(iter(stream))
            del stream
            gc.collect()
            assert tokenoptimizer.flush(5)
        client = tokenoptimizer.instrument(clients["openai"])
        client.responses.create(model="gpt-4o-mini", input="USER-MESSAGE-SECRET", instructions="SYSTEM-PROMPT-SECRET")
        client.embeddings.create(model="text-embedding-3-small", input="USER-MESSAGE-SECRET")

    assert len(tracked.events) == 3 * 9 + 3 * 2 + 2
    wire = b"".join(tracked.raw) + b"".join(tracked.bodies) + json.dumps(tracked.headers).encode()
    for secret in SECRETS:
        assert secret.encode() not in wire, secret
    for event in tracked.events:
        assert set(event) <= CONTRACT_FIELDS, set(event) - CONTRACT_FIELDS
        assert not CONTENT_KEYS & {k.lower() for k in keys_at_any_depth(event)}
        assert event["user_id"] == hashlib.sha256(b"s:raw-user-42").hexdigest()
        assert event["metadata"] == {"feature": "search"}
        assert event["session_id"] == "s-1"
        assert None not in event.values()
