"""Time a provider call, record its event, and let results and exceptions through unchanged."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping, Optional

from . import _constants as C
from ._config import get_config
from ._consumer import record
from ._context import current_tags, tracking_active
from ._event import build_event, field, log_once

logger = logging.getLogger("tokenoptimizer")


class StreamState:
    """What a stream has told us so far; provider adapters subclass on_item."""

    def __init__(self, hide_usage_chunk: bool = False) -> None:
        self.hide_usage_chunk = hide_usage_chunk
        self.model: Any = None
        self.usage: Any = None
        self.service_tier: Any = None

    def on_item(self, item: Any) -> bool:
        """Observe one item; return False to hide it from the app."""
        return True


class Adapter:
    """How one provider method is observed; integrations override what differs."""

    provider = ""

    @staticmethod
    def parse_usage(usage: Any) -> Optional[dict]:
        """The provider's usage in the one usage rule; each integration sets its own parser."""
        return None

    @staticmethod
    def request_features(kwargs: dict) -> Optional[dict]:
        """Counts and flags of the request (integrations/request_features.py); None: not known."""
        return None

    def provider_of(self, args: tuple) -> str:
        """The provider of one call; args are the wrapped method's positional arguments."""
        return self.provider

    def prepare(self, kwargs: dict) -> tuple[dict, bool, bool]:
        """Return (kwargs to call with, whether the call streams, hide usage-only chunk)."""
        return kwargs, bool(kwargs.get("stream")), False

    def read(self, response: Any) -> tuple[Any, Any, Any]:
        """(model, raw usage, service_tier) of a finished response."""
        return field(response, "model"), field(response, "usage"), field(response, "service_tier")

    def stream_state(self, hide_usage_chunk: bool) -> StreamState:
        return StreamState(hide_usage_chunk)

    def wrap_stream(self, stream: Any, call: "Call") -> Any:
        from ._stream import AsyncTrackedStream, TrackedStream

        cls = AsyncTrackedStream if call.is_async else TrackedStream
        return cls(stream, self.stream_state(call.hide_usage_chunk), call)


class Call:
    """One tracked provider call, from start to its single event."""

    __slots__ = ("adapter", "provider", "tags", "kwargs", "streaming", "hide_usage_chunk", "is_async",
                 "model", "started_at", "t0", "done")

    def __init__(self, adapter: Adapter, kwargs: dict, tags: Mapping[str, Any], is_async: bool,
                 provider: str) -> None:
        self.adapter = adapter
        self.provider = provider
        self.tags = tags
        self.is_async = is_async
        self.kwargs, self.streaming, self.hide_usage_chunk = adapter.prepare(kwargs)
        self.model = kwargs.get("model")
        self.done = False
        self.started_at = time.time()
        self.t0 = time.perf_counter()

    def finish(self, *, model: Any = None, usage: Any = None, service_tier: Any = None,
               status: str = "ok", error_type: Optional[str] = None, deferred: bool = False) -> None:
        """Record the event once; never raises. deferred: called from a finalizer (see record)."""
        if self.done:
            return
        self.done = True
        try:
            latency_ms = (time.perf_counter() - self.t0) * 1000.0
            cfg = get_config()
            record(build_event(
                model=model or self.model, provider=self.provider,
                usage=self.adapter.parse_usage(usage), latency_ms=latency_ms, status=status,
                error_type=error_type, stream=self.streaming, service_tier=service_tier,
                tags=self.tags, salt=cfg.user_id_salt, started_at=self.started_at,
                request=self.adapter.request_features(self.kwargs),
            ), deferred=deferred)
        except Exception:
            log_once("finish", "tokenoptimizer: could not record a call", level=logging.ERROR)
            logger.debug("tokenoptimizer: record failure", exc_info=True)

    def fail(self, exc: BaseException) -> None:
        self.finish(status="error", error_type=type(exc).__name__)

    def finish_stream(self, state: StreamState, exc: Optional[BaseException], abandoned: bool = False,
                      deferred: bool = False) -> None:
        if self.done:
            return
        if abandoned:
            status, error_type = "error", C.STREAM_ABANDONED
        elif exc is not None:
            status, error_type = "error", type(exc).__name__
        else:
            status, error_type = "ok", None
        self.finish(model=state.model, usage=state.usage, service_tier=state.service_tier,
                    status=status, error_type=error_type, deferred=deferred)

    def complete(self, result: Any) -> Any:
        """Record a finished response, or wrap a stream; returns what the app should get."""
        try:
            if self.streaming:
                return self.adapter.wrap_stream(result, self)
            model, usage, tier = self.adapter.read(result)
            self.finish(model=model, usage=usage, service_tier=tier)
        except Exception:
            log_once("complete", "tokenoptimizer: could not read a response", level=logging.ERROR)
            logger.debug("tokenoptimizer: read failure", exc_info=True)
        return result


def begin(adapter: Adapter, kwargs: dict, tags: Optional[Mapping[str, Any]], is_async: bool,
          args: tuple = (), provider: Optional[str] = None) -> Optional[Call]:
    """Start tracking, or None when tracking is off, nested, or broken."""
    try:
        if tracking_active.get() or get_config().disabled:
            return None
        return Call(adapter, kwargs, current_tags() if tags is None else tags, is_async,
                    provider or adapter.provider_of(args))
    except Exception:
        log_once("begin", "tokenoptimizer: could not start tracking a call", level=logging.ERROR)
        return None


def observe_sync(fn: Callable, args: tuple, kwargs: dict, adapter: Adapter,
                 tags: Optional[Mapping[str, Any]] = None, provider: Optional[str] = None) -> Any:
    """Call fn and record it; its result and exceptions reach the caller unchanged."""
    call = begin(adapter, kwargs, tags, False, args, provider)
    if call is None:
        return fn(*args, **kwargs)
    token = tracking_active.set(True)
    try:
        result = fn(*args, **call.kwargs)
    except BaseException as exc:
        call.fail(exc)
        raise
    finally:
        tracking_active.reset(token)
    return call.complete(result)


async def observe_async(fn: Callable, args: tuple, kwargs: dict, adapter: Adapter,
                        tags: Optional[Mapping[str, Any]] = None, provider: Optional[str] = None) -> Any:
    """Async twin of observe_sync."""
    call = begin(adapter, kwargs, tags, True, args, provider)
    if call is None:
        return await fn(*args, **kwargs)
    token = tracking_active.set(True)
    try:
        result = await fn(*args, **call.kwargs)
    except BaseException as exc:
        call.fail(exc)
        raise
    finally:
        tracking_active.reset(token)
    return call.complete(result)
