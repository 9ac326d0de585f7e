"""Mistral: chat.complete and chat.stream, sync and async (mistralai v1 and v2+ layouts)."""

from __future__ import annotations

import os
from typing import Any, Optional

from .._event import field
from .._observe import Adapter, StreamState
from .._patch import async_wrapper, patch, sync_wrapper
from . import Integration, register, request_features
from .openai import parse_usage as openai_usage

PROVIDER = "mistral"


def parse_usage(usage: Any) -> Optional[dict]:
    """prompt_tokens / completion_tokens as OpenAI's chat API reports them."""
    return openai_usage(usage)


def _classes() -> tuple[Any, Any]:
    """(Mistral, Chat) from v2+ (mistralai.client) or v1 (mistralai)."""
    try:
        from mistralai.client import Mistral
        from mistralai.client.chat import Chat
    except ImportError:
        from mistralai import Mistral  # type: ignore[no-redef]  # v1
        from mistralai.chat import Chat  # type: ignore[no-redef]
    return Mistral, Chat


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
    parse_usage = staticmethod(parse_usage)
    request_features = staticmethod(request_features.chat)

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, False, False


class StreamAdapter(CompleteAdapter):
    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, True, False

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return ChatStreamState()


COMPLETE, STREAM = CompleteAdapter(), StreamAdapter()


def _patch_chat(chat: Any) -> None:
    patch(chat, "complete", sync_wrapper(COMPLETE))
    patch(chat, "complete_async", async_wrapper(COMPLETE))
    patch(chat, "stream", sync_wrapper(STREAM))
    patch(chat, "stream_async", async_wrapper(STREAM))


class Mistral(Integration):
    name = provider = extra = PROVIDER
    package = "mistralai"
    model_prefixes = ("mistral", "codestral", "open-mistral", "open-mixtral", "open-codestral", "ministral",
                      "pixtral", "magistral", "devstral", "voxtral")
    client_classes = ("mistralai.Mistral", "mistralai.client.Mistral")  # v1, v2+
    example_model = "mistral-small-latest"

    def parse_usage(self, usage: Any) -> Optional[dict]:
        return parse_usage(usage)

    def instrument_classes(self) -> None:
        self.require()
        _patch_chat(_classes()[1])

    def instrument_client(self, client: Any, provider: Optional[str] = None) -> None:
        _patch_chat(client.chat)  # created lazily by the SDK, then cached on the client

    def default_client(self, is_async: bool) -> Any:
        """From MISTRAL_API_KEY (and MISTRAL_SERVER_URL, our own addition: the SDK reads no URL)."""
        self.require()
        server_url = os.environ.get("MISTRAL_SERVER_URL") or None
        return _classes()[0](api_key=os.environ.get("MISTRAL_API_KEY", ""), server_url=server_url)

    def client_at(self, base_url: str, api_key: str) -> Any:
        self.require()
        return _classes()[0](api_key=api_key, server_url=base_url)

    def completion_call(self, client: Any, model: str, messages: Any, stream: bool, params: dict,
                        is_async: bool = False):
        kwargs = {"model": model, "messages": messages, **params}
        kwargs.pop("stream", None)
        if stream:
            return (client.chat.stream_async if is_async else client.chat.stream), kwargs, STREAM
        return (client.chat.complete_async if is_async else client.chat.complete), kwargs, COMPLETE


register(Mistral())
