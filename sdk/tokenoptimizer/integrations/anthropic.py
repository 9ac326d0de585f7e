"""Anthropic: messages.create (plain and stream=True) and messages.stream; sync and async."""

from __future__ import annotations

import time
from typing import Any

try:
    import anthropic
    from anthropic.resources.messages import AsyncMessages, Messages
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "tokenoptimizer's Anthropic integration needs the anthropic package: "
        "pip install 'tokenoptimizer[anthropic]'"
    ) from exc

from .. import _constants as C
from .._event import field
from .._instrument import async_wrapper, patch, sync_wrapper
from .._observe import Adapter, Call, StreamState, begin
from .._stream import _Proxy

PROVIDER = "anthropic"
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                 "cache_read_input_tokens", "cache_creation")


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


def instrument_classes() -> None:
    patch(Messages, "create", sync_wrapper(MESSAGES))
    patch(AsyncMessages, "create", async_wrapper(MESSAGES))
    patch(Messages, "stream", _stream_helper_wrapper)
    patch(AsyncMessages, "stream", _stream_helper_wrapper)


def instrument_client(client: Any) -> None:
    is_async = isinstance(client, anthropic.AsyncAnthropic)
    patch(client.messages, "create", (async_wrapper if is_async else sync_wrapper)(MESSAGES))
    patch(client.messages, "stream", _stream_helper_wrapper)


def default_client(is_async: bool) -> Any:
    """Built from ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL by the anthropic package itself."""
    return anthropic.AsyncAnthropic() if is_async else anthropic.Anthropic()


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [field(part, "text") for part in content or ()]
    return "\n".join(p for p in parts if isinstance(p, str))


def completion_call(client: Any, model: str, messages: Any, stream: bool, params: dict, is_async: bool = False):
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
