"""tracked_completion / atracked_completion route OpenAI-style calls; track_usage records any response."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import weakref
from typing import Any, Mapping, Optional

from ._config import get_config
from ._consumer import record
from ._context import resolve_tags
from ._event import build_event, field, infer_provider, log_once, normalise_usage
from ._instrument import load
from ._observe import observe_async, observe_sync

logger = logging.getLogger("tokenoptimizer")

_sync_clients: dict[str, Any] = {}
_async_clients: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def _route(model: str, provider: Optional[str]) -> Any:
    name = provider or infer_provider(model)
    if name is None:
        raise ValueError(
            f"tokenoptimizer cannot tell the provider of model {model!r}; pass provider='openai', "
            "'anthropic' or 'mistral'"
        )
    if name not in ("openai", "anthropic", "mistral"):
        raise ValueError(f"tokenoptimizer does not support provider {name!r}")
    return load(name)


def _default_client(module: Any, is_async: bool) -> Any:
    """One lazily built client per provider (per event loop for async clients)."""
    if not is_async:
        with _clients_lock:
            client = _sync_clients.get(module.PROVIDER)
            if client is None:
                client = _sync_clients[module.PROVIDER] = module.default_client(False)
            return client
    loop = asyncio.get_running_loop()
    with _clients_lock:
        per_loop = _async_clients.setdefault(loop, {})
        client = per_loop.get(module.PROVIDER)
        if client is None:
            client = per_loop[module.PROVIDER] = module.default_client(True)
        return client


def tracked_completion(
    model: str,
    messages: Any,
    endpoint_name: str = "default",
    *,
    provider: Optional[str] = None,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    client: Any = None,
    stream: bool = False,
    **params: Any,
) -> Any:
    """Call the model's provider with OpenAI-style messages; return its own response or stream."""
    module = _route(model, provider)
    client = client if client is not None else _default_client(module, False)
    fn, kwargs, adapter = module.completion_call(client, model, messages, stream, params, False)
    tags = resolve_tags(endpoint_name, session_id, user_id, metadata)
    return observe_sync(fn, (), kwargs, adapter, tags)


async def atracked_completion(
    model: str,
    messages: Any,
    endpoint_name: str = "default",
    *,
    provider: Optional[str] = None,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    client: Any = None,
    stream: bool = False,
    **params: Any,
) -> Any:
    """Async twin of tracked_completion."""
    module = _route(model, provider)
    client = client if client is not None else _default_client(module, True)
    fn, kwargs, adapter = module.completion_call(client, model, messages, stream, params, True)
    tags = resolve_tags(endpoint_name, session_id, user_id, metadata)
    return await observe_async(fn, (), kwargs, adapter, tags)


def _provider_of(response: Any, model: Optional[str], usage: Any) -> Optional[str]:
    by_name = infer_provider(model)
    if by_name:
        return by_name
    if field(response, "type") == "message" or field(usage, "cache_creation_input_tokens") is not None:
        return "anthropic"
    if field(response, "object") in ("response", "list", "chat.completion", "chat.completion.chunk"):
        return "openai"
    return None


def track_usage(
    response: Any,
    *,
    endpoint_name: str = "default",
    latency_ms: Optional[float] = None,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    model: Optional[str] = None,
) -> None:
    """Record a response obtained any way at all (provider object or plain dict); never raises."""
    try:
        cfg = get_config()
        if cfg.disabled:
            return
        started_at = time.time() - (latency_ms or 0) / 1000.0
        if field(response, "usage") is None and field(response, "data") is not None \
                and not isinstance(field(response, "data"), list):
            response = field(response, "data")  # a Mistral stream event: usage is on .data
        if field(response, "type") in ("response.completed", "response.incomplete"):
            response = field(response, "response")  # an OpenAI Responses stream event
        usage = field(response, "usage")
        model_name = model or field(response, "model")
        provider = _provider_of(response, model_name, usage)
        normalised = normalise_usage(usage, provider)
        if normalised is None:
            log_once("track-usage-shape", "tokenoptimizer: track_usage() found no usage in %s",
                     type(response).__name__)
            return
        tier = field(response, "service_tier") or field(usage, "service_tier")
        tags = resolve_tags(endpoint_name, session_id, user_id, metadata)
        record(build_event(
            model=model_name, provider=provider, usage=normalised, latency_ms=latency_ms,
            status="ok", error_type=None, stream=None, service_tier=tier, tags=tags,
            salt=cfg.user_id_salt, started_at=started_at,
        ))
    except Exception:
        log_once("track-usage", "tokenoptimizer: track_usage() failed", level=logging.ERROR)
        logger.debug("tokenoptimizer: track_usage failure", exc_info=True)


def _reset_clients() -> None:
    global _clients_lock
    _sync_clients.clear()
    _async_clients.clear()
    _clients_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    # A provider client's connection pool must not be shared with a forked child.
    os.register_at_fork(after_in_child=_reset_clients)
