"""Replace provider methods by tracking wrappers, and put every one of them back."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Callable

from . import _shadow
from ._observe import Adapter, observe_async, observe_sync

logger = logging.getLogger("tokenoptimizer")

_MISSING = object()
_MARK = "__tokenoptimizer_wrapped__"
_patches: list[tuple[Any, str, Any]] = []
_lock = threading.RLock()


def sync_wrapper(adapter: Adapter) -> Callable[[Callable], Callable]:
    def make(original: Callable) -> Callable:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _shadow.plans:  # shadow mode is on for some endpoint: it may replay this call
                return _shadow.observe_instrumented(original, args, kwargs, adapter, False)
            return observe_sync(original, args, kwargs, adapter)
        return wrapper
    return make


def async_wrapper(adapter: Adapter) -> Callable[[Callable], Callable]:
    def make(original: Callable) -> Callable:
        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _shadow.plans:
                return await _shadow.observe_instrumented(original, args, kwargs, adapter, True)
            return await observe_async(original, args, kwargs, adapter)
        return wrapper
    return make


def patch(owner: Any, name: str, make: Callable[[Callable], Callable]) -> None:
    """Replace owner.name (a class or an instance attribute) by a tracking wrapper, once."""
    original = getattr(owner, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    wrapper = make(original)
    setattr(wrapper, _MARK, True)
    with _lock:
        _patches.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, wrapper)


def restore_all() -> None:
    """Restore every method patch() replaced, newest first."""
    with _lock:
        while _patches:
            owner, name, previous = _patches.pop()
            try:
                if previous is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, previous)
            except Exception:
                logger.exception("tokenoptimizer: could not restore %s", name)
