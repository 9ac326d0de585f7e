"""Google Gemini through google-genai: models.generate_content and generate_content_stream, sync and async.

Usage rule (reference/providers.md, docs/providers.md): prompt_token_count already includes
cached_content_token_count; candidates_token_count does NOT include thoughts_token_count, and
thoughts are billed as output, so completion = candidates + thoughts and reasoning = thoughts.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from .._event import count_of, field, usage_fields
from .._observe import Adapter, StreamState
from .._patch import async_wrapper, patch, sync_wrapper
from . import Integration, register, request_features

PROVIDER = "google"  # as the price catalogue names Gemini's own API


def parse_usage(usage: Any) -> Optional[dict]:
    """usage_metadata (prompt/candidates/cached/thoughts/tool-use counts) in the one usage rule."""
    if usage is None:
        return None
    prompt, candidates = field(usage, "prompt_token_count"), field(usage, "candidates_token_count")
    thoughts = field(usage, "thoughts_token_count")
    if prompt is None and candidates is None and thoughts is None:
        return None
    # Tool-use prompts (code execution, search results fed back) are billed as input too.
    all_input = (count_of(prompt) or 0) + (count_of(field(usage, "tool_use_prompt_token_count")) or 0)
    output = (count_of(candidates) or 0) + (count_of(thoughts) or 0)
    return usage_fields(all_input, output, field(usage, "cached_content_token_count"), None, thoughts)


def _read(response: Any) -> tuple[Any, Any, Any]:
    return field(response, "model_version"), field(response, "usage_metadata"), None


class StreamChunks(StreamState):
    def on_item(self, chunk: Any) -> bool:
        self.model = field(chunk, "model_version") or self.model
        usage = field(chunk, "usage_metadata")
        if usage is not None:
            self.usage = usage  # each chunk carries the counts so far; the last one is final
        return True


class GenerateAdapter(Adapter):
    provider = PROVIDER
    parse_usage = staticmethod(parse_usage)
    request_features = staticmethod(request_features.gemini)

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, False, False

    def read(self, response: Any) -> tuple[Any, Any, Any]:
        return _read(response)


class StreamAdapter(GenerateAdapter):
    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, True, False

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return StreamChunks()


GENERATE, STREAM = GenerateAdapter(), StreamAdapter()


def _patch_models(sync_models: Any, async_models: Any) -> None:
    patch(sync_models, "generate_content", sync_wrapper(GENERATE))
    patch(sync_models, "generate_content_stream", sync_wrapper(STREAM))
    patch(async_models, "generate_content", async_wrapper(GENERATE))
    patch(async_models, "generate_content_stream", async_wrapper(STREAM))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [field(part, "text") for part in content or ()]
    return "\n".join(p for p in parts if isinstance(p, str))


_CONFIG_NAMES = {"max_tokens": "max_output_tokens", "max_completion_tokens": "max_output_tokens",
                 "temperature": "temperature", "top_p": "top_p", "n": "candidate_count", "seed": "seed"}


def _request(model: str, messages: Any, params: dict) -> dict:
    """OpenAI-style messages to generate_content's contents and config (system prompts move to config)."""
    params = dict(params)
    config = dict(params.pop("config", None) or {})
    for name, target in _CONFIG_NAMES.items():
        if name in params:
            config[target] = params.pop(name)
    if "stop" in params:
        stop = params.pop("stop")
        config["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    system = [_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")]
    if system:
        config["system_instruction"] = "\n\n".join(system)
    contents = [{"role": "model" if m.get("role") == "assistant" else "user",
                 "parts": [{"text": _text_of(m.get("content"))}]}
                for m in messages if m.get("role") not in ("system", "developer")]
    return {"model": model, "contents": contents, **({"config": config} if config else {}), **params}


class Gemini(Integration):
    name = extra = "gemini"
    provider = PROVIDER
    aliases = ("google-genai",)
    package = "google.genai"
    model_prefixes = ("gemini", "gemma")
    client_classes = ("google.genai.Client", "google.genai.client.Client")
    example_model = "gemini-2.5-flash"

    def parse_usage(self, usage: Any) -> Optional[dict]:
        return parse_usage(usage)

    def read(self, response: Any) -> tuple[Any, Any, Any]:
        return _read(response)

    def recognises(self, response: Any, usage: Any) -> bool:
        return field(response, "usage_metadata") is not None

    def owns_client(self, client: Any) -> bool:
        return type(client).__module__.startswith("google.genai")

    def instrument_classes(self) -> None:
        self.require()
        from google.genai.models import AsyncModels, Models

        _patch_models(Models, AsyncModels)

    def instrument_client(self, client: Any, provider: Optional[str] = None) -> None:
        aio = getattr(client, "aio", None)
        if aio is None:  # an AsyncClient (client.aio) on its own
            patch(client.models, "generate_content", async_wrapper(GENERATE))
            patch(client.models, "generate_content_stream", async_wrapper(STREAM))
        else:
            _patch_models(client.models, aio.models)

    def default_client(self, is_async: bool) -> Any:
        """From GEMINI_API_KEY / GOOGLE_API_KEY (read by google-genai) and GOOGLE_GEMINI_BASE_URL."""
        genai = self.require()
        base_url = os.environ.get("GOOGLE_GEMINI_BASE_URL")
        options = genai.types.HttpOptions(base_url=base_url) if base_url else None
        return genai.Client(http_options=options)

    def client_at(self, base_url: str, api_key: str) -> Any:
        genai = self.require()
        return genai.Client(api_key=api_key, http_options=genai.types.HttpOptions(base_url=base_url))

    def completion_call(self, client: Any, model: str, messages: Any, stream: bool, params: dict,
                        is_async: bool = False):
        # A Client (sync, or async through .aio) or an AsyncClient itself.
        models = getattr(client, "aio", client).models if is_async else client.models
        kwargs = _request(model, messages, params)
        if stream:
            return models.generate_content_stream, kwargs, STREAM
        return models.generate_content, kwargs, GENERATE


register(Gemini())
