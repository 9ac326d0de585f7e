"""OpenAI: chat completions, responses and embeddings; sync, async and streaming."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

try:
    import openai
    from openai.resources.chat.completions import AsyncCompletions, Completions
    from openai.resources.embeddings import AsyncEmbeddings, Embeddings
    from openai.resources.responses import AsyncResponses, Responses
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "tokenoptimizer's OpenAI integration needs the openai package: "
        "pip install 'tokenoptimizer[openai]'"
    ) from exc

from .._event import field
from .._instrument import async_wrapper, patch, sync_wrapper
from .._observe import Adapter, StreamState

PROVIDER = "openai"
_RESPONSE_DONE = {"response.completed", "response.incomplete", "response.failed"}


class ChatStreamState(StreamState):
    def on_item(self, chunk: Any) -> bool:
        self.model = field(chunk, "model") or self.model
        self.service_tier = field(chunk, "service_tier") or self.service_tier
        usage = field(chunk, "usage")
        if usage is not None:
            self.usage = usage
            # The usage-only chunk we asked for on the app's behalf: apps index choices[0].
            if self.hide_usage_chunk and not field(chunk, "choices"):
                return False
        return True


class ChatAdapter(Adapter):
    provider = PROVIDER

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        if not kwargs.get("stream"):
            return kwargs, False, False
        options = kwargs.get("stream_options")
        if isinstance(options, Mapping):
            if "include_usage" in options:
                return kwargs, True, False
            options = {**options, "include_usage": True}
        elif options is None or type(options).__name__ in ("NotGiven", "Omit"):
            options = {"include_usage": True}
        else:
            return kwargs, True, False
        return {**kwargs, "stream_options": options}, True, True

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return ChatStreamState(hide_usage_chunk)


class ResponsesStreamState(StreamState):
    def on_item(self, event: Any) -> bool:
        response = field(event, "response")
        if response is not None:
            self.model = field(response, "model") or self.model
            if field(event, "type") in _RESPONSE_DONE:
                self.usage = field(response, "usage")
                self.service_tier = field(response, "service_tier")
        return True


class ResponsesAdapter(Adapter):
    provider = PROVIDER

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return ResponsesStreamState()


class EmbeddingsAdapter(Adapter):
    provider = PROVIDER

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, False, False


CHAT, RESPONSES, EMBEDDINGS = ChatAdapter(), ResponsesAdapter(), EmbeddingsAdapter()


def instrument_classes() -> None:
    for sync_cls, async_cls, adapter in ((Completions, AsyncCompletions, CHAT),
                                         (Responses, AsyncResponses, RESPONSES),
                                         (Embeddings, AsyncEmbeddings, EMBEDDINGS)):
        patch(sync_cls, "create", sync_wrapper(adapter))
        patch(async_cls, "create", async_wrapper(adapter))


def instrument_client(client: Any) -> None:
    make = async_wrapper if isinstance(client, openai.AsyncOpenAI) else sync_wrapper
    patch(client.chat.completions, "create", make(CHAT))
    patch(client.responses, "create", make(RESPONSES))
    patch(client.embeddings, "create", make(EMBEDDINGS))


def default_client(is_async: bool) -> Any:
    """Built from OPENAI_API_KEY / OPENAI_BASE_URL by the openai package itself."""
    return openai.AsyncOpenAI() if is_async else openai.OpenAI()


def completion_call(client: Any, model: str, messages: Any, stream: bool, params: dict, is_async: bool = False):
    """(method, kwargs, adapter) for tracked_completion."""
    if model.startswith("text-embedding"):
        return client.embeddings.create, {"model": model, "input": messages, **params}, EMBEDDINGS
    kwargs = {"model": model, "messages": messages, **params}
    if stream:
        kwargs["stream"] = True
    return client.chat.completions.create, kwargs, CHAT
