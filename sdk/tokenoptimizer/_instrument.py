"""Patch provider methods in place and put them back: instrument() / uninstrument()."""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from typing import Any, Callable, Optional

from ._observe import Adapter, observe_async, observe_sync

logger = logging.getLogger("tokenoptimizer")

_MISSING = object()
_MARK = "__tokenoptimizer_wrapped__"
_patches: list[tuple[Any, str, Any]] = []
_lock = threading.RLock()

PROVIDER_MODULES = {
    "openai": "tokenoptimizer.integrations.openai",
    "anthropic": "tokenoptimizer.integrations.anthropic",
    "mistral": "tokenoptimizer.integrations.mistral",
}


def sync_wrapper(adapter: Adapter) -> Callable[[Callable], Callable]:
    def make(original: Callable) -> Callable:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return observe_sync(original, args, kwargs, adapter)
        return wrapper
    return make


def async_wrapper(adapter: Adapter) -> Callable[[Callable], Callable]:
    def make(original: Callable) -> Callable:
        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
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


_loaded: dict[str, Any] = {}


def load(provider: str) -> Any:
    """Import an integration module (raises ImportError naming the extra when missing)."""
    module = _loaded.get(provider)
    if module is None:
        module = _loaded[provider] = importlib.import_module(PROVIDER_MODULES[provider])
    return module


def instrument(client: Optional[Any] = None) -> Any:
    """Track one client, or (no argument) every installed provider's client classes."""
    try:
        if client is None:
            for provider in PROVIDER_MODULES:
                try:
                    module = load(provider)
                except ImportError:
                    continue
                module.instrument_classes()
            return None
        for provider in PROVIDER_MODULES:
            root = type(client).__module__.split(".", 1)[0]
            if root == _package_root(provider):
                load(provider).instrument_client(client)
                return client
        logger.warning("tokenoptimizer: instrument() does not know %s; not tracked", type(client).__name__)
    except Exception:
        logger.exception("tokenoptimizer: instrument() failed; calls are not tracked")
    return client


def uninstrument() -> None:
    """Restore every method instrument() replaced."""
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


def _package_root(provider: str) -> str:
    return {"openai": "openai", "anthropic": "anthropic", "mistral": "mistralai"}[provider]
