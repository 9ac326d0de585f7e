"""Proxies around provider streams: same class for isinstance, same iteration, usage at the end."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("tokenoptimizer")

_OWN = frozenset({"_to_wrapped", "_to_state", "_to_call"})


class _Proxy:
    """Forwards everything to the wrapped object and reports its class as the wrapped one."""

    __slots__ = ("_to_wrapped", "_to_state", "_to_call", "__weakref__")

    def __init__(self, wrapped: Any, state: Any, call: Any) -> None:
        object.__setattr__(self, "_to_wrapped", wrapped)
        object.__setattr__(self, "_to_state", state)
        object.__setattr__(self, "_to_call", call)

    @property  # type: ignore[misc]
    def __class__(self):  # isinstance(stream, openai.Stream) stays True
        return type(self._to_wrapped)

    def __getattr__(self, name: str) -> Any:
        if name in _OWN:
            raise AttributeError(name)
        return getattr(self._to_wrapped, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self._to_wrapped, name, value)

    def __repr__(self) -> str:
        return repr(self._to_wrapped)

    def _to_observe(self, item: Any) -> bool:
        try:
            return self._to_state.on_item(item)
        except Exception:
            logger.debug("tokenoptimizer: could not read a stream item", exc_info=True)
            return True

    def _to_finish(self, exc: Any = None, abandoned: bool = False) -> None:
        try:
            self._to_call.finish_stream(self._to_state, exc, abandoned)
        except Exception:
            pass

    def _to_exit(self, exc_type: Any) -> None:
        if exc_type is None:
            self._to_finish(abandoned=True)  # no-op when the stream already ended
            return
        state = self._to_state
        try:
            self._to_call.finish(model=state.model, usage=state.usage, service_tier=state.service_tier,
                                 status="error", error_type=getattr(exc_type, "__name__", "Exception"))
        except Exception:
            pass

    def __del__(self) -> None:
        # A stream dropped before its end still yields one event with what was known. The
        # garbage collector may run this at any point, even while this thread holds a lock of
        # the sender or of urllib3, so the event is only appended (deferred), never sent here.
        try:
            call = self._to_call
            if not call.done:
                call.finish_stream(self._to_state, None, abandoned=True, deferred=True)
        except Exception:
            pass


class TrackedStream(_Proxy):
    """A provider's sync stream, observed item by item."""

    __slots__ = ()

    def __iter__(self) -> "TrackedStream":
        return self

    def __next__(self) -> Any:
        wrapped = self._to_wrapped
        while True:
            try:
                item = wrapped.__next__()
            except StopIteration:
                self._to_finish()
                raise
            except BaseException as exc:
                self._to_finish(exc)
                raise
            if self._to_observe(item):
                return item

    def __enter__(self) -> "TrackedStream":
        self._to_wrapped.__enter__()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._to_exit(exc_type)
        return self._to_wrapped.__exit__(exc_type, exc, tb)

    def close(self) -> Any:
        self._to_finish(abandoned=True)
        return self._to_wrapped.close()


class AsyncTrackedStream(_Proxy):
    """A provider's async stream, observed item by item."""

    __slots__ = ()

    def __aiter__(self) -> "AsyncTrackedStream":
        return self

    async def __anext__(self) -> Any:
        wrapped = self._to_wrapped
        while True:
            try:
                item = await wrapped.__anext__()
            except StopAsyncIteration:
                self._to_finish()
                raise
            except BaseException as exc:
                self._to_finish(exc)
                raise
            if self._to_observe(item):
                return item

    async def __aenter__(self) -> "AsyncTrackedStream":
        await self._to_wrapped.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        self._to_exit(exc_type)
        return await self._to_wrapped.__aexit__(exc_type, exc, tb)

    def close(self) -> Any:
        self._to_finish(abandoned=True)
        return self._to_wrapped.close()
