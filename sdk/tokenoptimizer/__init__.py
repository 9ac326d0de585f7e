"""TokenOptimizer: track what every LLM call costs, without ever slowing or breaking it.

Ways in: ``tracked_completion(...)`` routes an OpenAI-style call to the right provider,
``track_usage(response)`` records a response you already have, ``instrument()`` patches the
OpenAI (and OpenAI-compatible), Anthropic, Mistral and Gemini clients in place, and
``litellm.callbacks = [litellm_callback()]`` records every LiteLLM call.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional

from . import _constants
from ._config import configure
from ._consumer import consumer as _get_consumer
from ._context import context
from ._instrument import instrument, uninstrument
from ._shadow import shadow
from ._tracked import atracked_completion, track_usage, tracked_completion

__version__ = _constants.VERSION

__all__ = [
    "tracked_completion",
    "atracked_completion",
    "track_usage",
    "instrument",
    "uninstrument",
    "context",
    "configure",
    "flush",
    "shutdown",
    "flush_after",
    "stats",
    "litellm_callback",
    "shadow",
    "__version__",
]


def flush(timeout: float = 5.0) -> bool:
    """Send everything queued; returns False if the timeout passed first. Never hangs longer."""
    try:
        return _get_consumer().flush(timeout)
    except Exception:
        return False


def shutdown(timeout: float = 5.0) -> bool:
    """Flush within the timeout and stop the sender thread."""
    try:
        return _get_consumer().shutdown(timeout)
    except Exception:
        return False


def stats() -> dict:
    """Delivery counters of this process: queued, sent, dropped_queue_full, dropped_invalid, rejected,
    failed, retries, and drop_reasons (reason -> events dropped or rejected for it)."""
    try:
        return _get_consumer().stats()
    except Exception:
        return {}


def litellm_callback() -> Any:
    """A LiteLLM callback: ``litellm.callbacks = [tokenoptimizer.litellm_callback()]``.

    litellm is imported here, only when asked for.
    """
    from .integrations.litellm import TokenOptimizerCallback

    return TokenOptimizerCallback()


def flush_after(fn: Optional[Callable] = None, *, timeout: float = _constants.FLUSH_AFTER_TIMEOUT) -> Any:
    """Decorator for serverless handlers: flush (bounded by timeout) when the handler returns."""

    def decorate(func: Callable) -> Callable:
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_handler(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await func(*args, **kwargs)
                finally:
                    flush(timeout)
            return async_handler

        @functools.wraps(func)
        def handler(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            finally:
                flush(timeout)
        return handler

    return decorate(fn) if fn is not None else decorate
