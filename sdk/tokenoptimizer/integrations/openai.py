"""OpenAI: chat completions, responses and embeddings; sync, async and streaming.

The same client also reaches OpenAI-compatible services (openai_compatible.py names them from
the client's base URL), so the provider of a call is read from the client that made it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Optional

from .._event import field, usage_fields
from .._observe import Adapter, StreamState
from .._patch import async_wrapper, patch, sync_wrapper
from . import Integration, register, request_features

PROVIDER = "openai"
_RESPONSE_DONE = {"response.completed", "response.incomplete", "response.failed"}
_PROVIDER_ATTR = "_tokenoptimizer_provider"  # set on a client's resources: the service behind them


def parse_usage(usage: Any) -> Optional[dict]:
    """Chat/embeddings (prompt_tokens, details) or Responses (input_tokens, details); both INCLUDE cache."""
    if usage is None:
        return None
    prompt, completion = field(usage, "prompt_tokens"), field(usage, "completion_tokens")
    if prompt is not None or completion is not None:
        prompt_details = field(usage, "prompt_tokens_details")
        return usage_fields(prompt, completion, field(prompt_details, "cached_tokens"),
                            field(prompt_details, "cache_write_tokens"),
                            field(field(usage, "completion_tokens_details"), "reasoning_tokens"))
    prompt, completion = field(usage, "input_tokens"), field(usage, "output_tokens")
    if prompt is None and completion is None:
        return None
    return usage_fields(prompt, completion, field(field(usage, "input_tokens_details"), "cached_tokens"),
                        None, field(field(usage, "output_tokens_details"), "reasoning_tokens"))


class OpenAIAdapter(Adapter):
    provider = PROVIDER
    parse_usage = staticmethod(parse_usage)

    def named(self, provider: str) -> "OpenAIAdapter":
        """This adapter for one client's service (instance patches see no resource in args)."""
        if provider == self.provider:
            return self
        clone = copy.copy(self)
        clone.provider = provider
        return clone

    def provider_of(self, args: tuple) -> str:
        """The service behind the resource the method was called on (cached on the resource)."""
        if not args:
            return self.provider
        resource = args[0]
        provider = getattr(resource, _PROVIDER_ATTR, None)
        if provider is None:
            provider = provider_of_client(getattr(resource, "_client", None))
            try:
                setattr(resource, _PROVIDER_ATTR, provider)
            except Exception:
                pass
        return provider


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


class ChatAdapter(OpenAIAdapter):
    request_features = staticmethod(request_features.chat)

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


class ResponsesAdapter(OpenAIAdapter):
    request_features = staticmethod(request_features.responses)

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return ResponsesStreamState()


class EmbeddingsAdapter(OpenAIAdapter):
    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, False, False


CHAT, RESPONSES, EMBEDDINGS = ChatAdapter(), ResponsesAdapter(), EmbeddingsAdapter()


def provider_of_client(client: Any) -> str:
    """openai, or the OpenAI-compatible service the client's base URL points at (cached on the client)."""
    provider = getattr(client, _PROVIDER_ATTR, None)
    if provider is not None:
        return provider
    from .openai_compatible import provider_from_base_url

    base_url = getattr(client, "base_url", None)
    provider = provider_from_base_url(str(base_url)) if base_url is not None else PROVIDER
    try:
        setattr(client, _PROVIDER_ATTR, provider)
    except Exception:
        pass
    return provider


class OpenAI(Integration):
    name = provider = package = extra = PROVIDER
    model_prefixes = ("gpt-", "gpt4", "o1", "o3", "o4", "text-embedding", "chatgpt", "davinci", "babbage",
                      "omni-moderation", "computer-use", "dall-e", "whisper", "tts-")
    client_classes = ("openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI")
    example_model = "gpt-4o-mini"

    def parse_usage(self, usage: Any) -> Optional[dict]:
        return parse_usage(usage)

    def recognises(self, response: Any, usage: Any) -> bool:
        return field(response, "object") in ("response", "list", "chat.completion", "chat.completion.chunk")

    def provider_of_client(self, client: Any) -> str:
        return provider_of_client(client)

    def instrument_classes(self) -> None:
        self.require()
        from openai.resources.chat.completions import AsyncCompletions, Completions
        from openai.resources.embeddings import AsyncEmbeddings, Embeddings
        from openai.resources.responses import AsyncResponses, Responses

        for sync_cls, async_cls, adapter in ((Completions, AsyncCompletions, CHAT),
                                             (Responses, AsyncResponses, RESPONSES),
                                             (Embeddings, AsyncEmbeddings, EMBEDDINGS)):
            patch(sync_cls, "create", sync_wrapper(adapter))
            patch(async_cls, "create", async_wrapper(adapter))

    def instrument_client(self, client: Any, provider: Optional[str] = None) -> None:
        openai = self.require()
        make = async_wrapper if isinstance(client, openai.AsyncOpenAI) else sync_wrapper
        provider = provider or provider_of_client(client)
        setattr(client, _PROVIDER_ATTR, provider)  # for tracked_completion(client=...) too
        for resource, adapter in ((client.chat.completions, CHAT), (client.responses, RESPONSES),
                                  (client.embeddings, EMBEDDINGS)):
            setattr(resource, _PROVIDER_ATTR, provider)  # also read by instrument()'s class patches
            patch(resource, "create", make(adapter.named(provider)))

    def default_client(self, is_async: bool) -> Any:
        """Built from OPENAI_API_KEY / OPENAI_BASE_URL by the openai package itself."""
        openai = self.require()
        return openai.AsyncOpenAI() if is_async else openai.OpenAI()

    def client_at(self, base_url: str, api_key: str) -> Any:
        return self.require().OpenAI(base_url=base_url, api_key=api_key, max_retries=0)

    def completion_call(self, client: Any, model: str, messages: Any, stream: bool, params: dict,
                        is_async: bool = False):
        if model.startswith("text-embedding"):
            return client.embeddings.create, {"model": model, "input": messages, **params}, EMBEDDINGS
        kwargs = {"model": model, "messages": messages, **params}
        if stream:
            kwargs["stream"] = True
        return client.chat.completions.create, kwargs, CHAT


register(OpenAI())
