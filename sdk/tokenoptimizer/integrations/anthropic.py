"""Anthropic: messages.create (plain and stream=True) and messages.stream; sync and async."""

from __future__ import annotations

import time
from typing import Any, Optional

from .. import _constants as C
from .._event import count_of, field, usage_fields
from .._observe import Adapter, Call, StreamState, begin
from .._patch import async_wrapper, patch, sync_wrapper
from .._stream import _Proxy
from . import Integration, register, request_features

PROVIDER = "anthropic"
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                 "cache_read_input_tokens", "cache_creation")


def parse_usage(usage: Any) -> Optional[dict]:
    """Anthropic's input_tokens EXCLUDES both cache counts: all input = input + cache write + cache read."""
    if usage is None or (field(usage, "input_tokens") is None and field(usage, "output_tokens") is None):
        return None
    cache_write = field(usage, "cache_creation_input_tokens")
    cached = field(usage, "cache_read_input_tokens")
    prompt = sum(count_of(n) or 0 for n in (field(usage, "input_tokens"), cache_write, cached))
    # The 1-hour cache bills writes at its own rate (docs/api.md: cache_write_1h_tokens).
    one_hour = field(field(usage, "cache_creation"), "ephemeral_1h_input_tokens")
    return usage_fields(prompt, field(usage, "output_tokens"), cached, cache_write, None, one_hour)


def _merge_usage(into: dict, usage: Any) -> None:
    for name in _USAGE_FIELDS:
        value = field(usage, name)
        if value is not None:
            into[name] = value


class MessagesStreamState(StreamState):
    def on_item(self, event: Any) -> bool:
        kind = field(event, "type")
        if kind == "message_start":
            message = field(event, "message")
            self.model = field(message, "model") or self.model
            self.usage = {}
            _merge_usage(self.usage, field(message, "usage"))
            self.service_tier = field(field(message, "usage"), "service_tier")
        elif kind == "message_delta":
            if self.usage is None:
                self.usage = {}
            # message_delta usage is cumulative: it overwrites what message_start said.
            _merge_usage(self.usage, field(event, "usage"))
        return True


class MessagesAdapter(Adapter):
    provider = PROVIDER
    parse_usage = staticmethod(parse_usage)
    request_features = staticmethod(request_features.messages)

    def read(self, response: Any) -> tuple[Any, Any, Any]:
        usage = field(response, "usage")
        return field(response, "model"), usage, field(usage, "service_tier")

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return MessagesStreamState()


MESSAGES = MessagesAdapter()


class _StreamManagerProxy(_Proxy):
    """messages.stream(): the request runs in __enter__; usage is read from the final snapshot."""

    __slots__ = ()

    def _enter_started(self) -> None:
        call: Call = self._to_call
        call.started_at = time.time()
        call.t0 = time.perf_counter()

    def _finish_from_snapshot(self, stream: Any, exc_type: Any, deferred: bool = False) -> None:
        try:
            call: Call = self._to_call
            getter = getattr(stream, "_current_snapshot_or_none", None)
            snapshot = getter() if getter else None
            usage = field(snapshot, "usage")
            complete = snapshot is not None and field(snapshot, "stop_reason") is not None
            if exc_type is not None:
                status, error_type = "error", getattr(exc_type, "__name__", "Exception")
            elif complete:
                status, error_type = "ok", None
            else:
                status, error_type = "error", C.STREAM_ABANDONED
            call.finish(model=field(snapshot, "model"), usage=usage, service_tier=field(usage, "service_tier"),
                        status=status, error_type=error_type, deferred=deferred)
        except Exception:
            pass

    def __enter__(self) -> Any:
        self._enter_started()
        try:
            stream = self._to_wrapped.__enter__()
        except BaseException as exc:
            self._to_call.fail(exc)
            raise
        self._to_state.entered = stream  # the MessageStream, read again in __exit__
        return stream

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._finish_from_snapshot(self._to_state.entered, exc_type)
        return self._to_wrapped.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> Any:
        self._enter_started()
        try:
            stream = await self._to_wrapped.__aenter__()
        except BaseException as exc:
            self._to_call.fail(exc)
            raise
        self._to_state.entered = stream
        return stream

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._finish_from_snapshot(self._to_state.entered, exc_type)
        return await self._to_wrapped.__aexit__(exc_type, exc, tb)

    def __del__(self) -> None:
        # A manager never entered made no request: nothing to record.
        entered = getattr(self._to_state, "entered", None)
        if entered is not None:
            self._finish_from_snapshot(entered, None, deferred=True)


class _StreamHelperAdapter(MessagesAdapter):
    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        return kwargs, True, False


STREAM_HELPER = _StreamHelperAdapter()


def _stream_helper_wrapper(original: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = begin(STREAM_HELPER, kwargs, None, False)
        if call is None:
            return original(*args, **kwargs)
        manager = original(*args, **kwargs)
        try:
            return _StreamManagerProxy(manager, StreamState(), call)
        except Exception:
            return manager
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [field(part, "text") for part in content or ()]
    return "\n".join(p for p in parts if isinstance(p, str))


def _completion_call(client: Any, model: str, messages: Any, stream: bool, params: dict):
    """OpenAI-style messages to messages.create: system prompts move to `system`."""
    params = dict(params)
    system = [_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")]
    chat = [m for m in messages if m.get("role") not in ("system", "developer")]
    if system:
        given = params.pop("system", None)
        params["system"] = "\n\n".join(([given] if isinstance(given, str) and given else []) + system)
    if "max_tokens" not in params:
        params["max_tokens"] = params.pop("max_completion_tokens", C.DEFAULT_ANTHROPIC_MAX_TOKENS)
    if "stop" in params and "stop_sequences" not in params:
        stop = params.pop("stop")
        params["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    kwargs = {"model": model, "messages": chat, **params}
    if stream:
        kwargs["stream"] = True
    return client.messages.create, kwargs, MESSAGES


class Anthropic(Integration):
    name = provider = package = extra = PROVIDER
    model_prefixes = ("claude",)
    client_classes = ("anthropic.Anthropic", "anthropic.AsyncAnthropic")
    example_model = "claude-sonnet-4-5"

    def parse_usage(self, usage: Any) -> Optional[dict]:
        return parse_usage(usage)

    def recognises(self, response: Any, usage: Any) -> bool:
        return field(response, "type") == "message" or field(usage, "cache_creation_input_tokens") is not None

    def instrument_classes(self) -> None:
        self.require()
        from anthropic.resources.messages import AsyncMessages, Messages

        patch(Messages, "create", sync_wrapper(MESSAGES))
        patch(AsyncMessages, "create", async_wrapper(MESSAGES))
        patch(Messages, "stream", _stream_helper_wrapper)
        patch(AsyncMessages, "stream", _stream_helper_wrapper)

    def instrument_client(self, client: Any, provider: Optional[str] = None) -> None:
        anthropic = self.require()
        is_async = isinstance(client, anthropic.AsyncAnthropic)
        patch(client.messages, "create", (async_wrapper if is_async else sync_wrapper)(MESSAGES))
        patch(client.messages, "stream", _stream_helper_wrapper)

    def default_client(self, is_async: bool) -> Any:
        """Built from ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL by the anthropic package itself."""
        anthropic = self.require()
        return anthropic.AsyncAnthropic() if is_async else anthropic.Anthropic()

    def client_at(self, base_url: str, api_key: str) -> Any:
        return self.require().Anthropic(base_url=base_url, api_key=api_key, max_retries=0)

    def completion_call(self, client: Any, model: str, messages: Any, stream: bool, params: dict,
                        is_async: bool = False):
        return _completion_call(client, model, messages, stream, params)


register(Anthropic())
