"""Mistral: chat.complete and chat.stream, sync and async (mistralai v1 and v2+ layouts)."""

from __future__ import annotations

import os
from typing import Any

try:
    try:
        from mistralai.client import Mistral  # v2+
        from mistralai.client.chat import Chat
    except ImportError:
        from mistralai import Mistral  # type: ignore[no-redef]  # v1
        from mistralai.chat import Chat  # type: ignore[no-redef]
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "tokenoptimizer's Mistral integration needs the mistralai package: "
        "pip install 'tokenoptimizer[mistral]'"
    ) from exc

from .._event import field
from .._instrument import async_wrapper, patch, sync_wrapper
from .._observe import Adapter, StreamState

PROVIDER = "mistral"


class ChatStreamState(StreamState):
    def on_item(self, event: Any) -> bool:
        chunk = field(event, "data") or event
        self.model = field(chunk, "model") or self.model
        usage = field(chunk, "usage")
        if usage is not None:
            self.usage = usage  # sent on the final chunk
        return True


class CompleteAdapter(Adapter):
    provider = PROVIDER

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, False, False


class StreamAdapter(Adapter):
    provider = PROVIDER

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, True, False

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return ChatStreamState()


COMPLETE, STREAM = CompleteAdapter(), StreamAdapter()


def instrument_classes() -> None:
    patch(Chat, "complete", sync_wrapper(COMPLETE))
    patch(Chat, "complete_async", async_wrapper(COMPLETE))
    patch(Chat, "stream", sync_wrapper(STREAM))
    patch(Chat, "stream_async", async_wrapper(STREAM))


def instrument_client(client: Any) -> None:
    chat = client.chat  # created lazily by the SDK, then cached on the client
    patch(chat, "complete", sync_wrapper(COMPLETE))
    patch(chat, "complete_async", async_wrapper(COMPLETE))
    patch(chat, "stream", sync_wrapper(STREAM))
    patch(chat, "stream_async", async_wrapper(STREAM))


def default_client(is_async: bool) -> Any:
    """From MISTRAL_API_KEY (and MISTRAL_SERVER_URL, our own addition: the SDK reads no URL)."""
    server_url = os.environ.get("MISTRAL_SERVER_URL") or None
    return Mistral(api_key=os.environ.get("MISTRAL_API_KEY", ""), server_url=server_url)


def completion_call(client: Any, model: str, messages: Any, stream: bool, params: dict, is_async: bool = False):
    """(method, kwargs, adapter) for tracked_completion."""
    kwargs = {"model": model, "messages": messages, **params}
    kwargs.pop("stream", None)
    if stream:
        return (client.chat.stream_async if is_async else client.chat.stream), kwargs, STREAM
    return (client.chat.complete_async if is_async else client.chat.complete), kwargs, COMPLETE
