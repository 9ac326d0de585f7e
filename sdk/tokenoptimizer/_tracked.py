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
from . import _shadow, integrations
from ._event import build_event, field, log_once
from ._observe import observe_async, observe_sync

logger = logging.getLogger("tokenoptimizer")

_sync_clients: dict[str, Any] = {}
_async_clients: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def _route(model: str, provider: Optional[str], client: Any) -> tuple[Any, Optional[str]]:
    """(integration, provider override): by explicit provider, by the client given, else by model name."""
    if provider:
        integration = integrations.get(provider)
        if integration is None and client is not None:  # an OpenAI-compatible service by name
            integration = integrations.for_client(client)
        if integration is None:
            raise ValueError(f"tokenoptimizer does not know provider {provider!r}; known: "
                             + ", ".join(sorted(i.name for i in integrations.all_integrations())))
        # An integration's own names stand for the provider it reports ("gemini" -> google).
        return integration, (integration.provider if integrations.get(provider) is integration else provider)
    integration = integrations.for_client(client) if client is not None else None
    if integration is None:
        integration = integrations.get(integrations.provider_for_model(model.rsplit("/", 1)[-1]) or "")
    if integration is None:
        raise ValueError(f"tokenoptimizer cannot tell the provider of model {model!r}; pass provider= one of "
                         + ", ".join(sorted(i.name for i in integrations.all_integrations())))
    return integration, None


def _default_client(integration: Any, is_async: bool) -> Any:
    """One lazily built client per provider (per event loop for async clients)."""
    name = integration.name
    if not is_async:
        with _clients_lock:
            client = _sync_clients.get(name)
            if client is None:
                client = _sync_clients[name] = integration.default_client(False)
            return client
    loop = asyncio.get_running_loop()
    with _clients_lock:
        per_loop = _async_clients.setdefault(loop, {})
        client = per_loop.get(name)
        if client is None:
            client = per_loop[name] = integration.default_client(True)
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
    integration, named = _route(model, provider, client)
    client = client if client is not None else _default_client(integration, False)
    fn, kwargs, adapter = integration.completion_call(client, model, messages, stream, params, False)
    tags = resolve_tags(endpoint_name, session_id, user_id, metadata)
    provider = named or integration.provider_of_client(client)
    plan = _shadow.sampled(tags) if _shadow.plans and not stream else None
    if plan is None:
        return observe_sync(fn, (), kwargs, adapter, tags, provider)
    t0 = time.perf_counter()
    result = observe_sync(fn, (), kwargs, adapter, tags, provider)
    _shadow.submit(plan, model, provider, messages, params, client, result, adapter, (time.perf_counter() - t0) * 1e3)
    return result


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
    integration, named = _route(model, provider, client)
    client = client if client is not None else _default_client(integration, True)
    fn, kwargs, adapter = integration.completion_call(client, model, messages, stream, params, True)
    tags = resolve_tags(endpoint_name, session_id, user_id, metadata)
    provider = named or integration.provider_of_client(client)
    plan = _shadow.sampled(tags) if _shadow.plans and not stream else None
    if plan is None:
        return await observe_async(fn, (), kwargs, adapter, tags, provider)
    t0 = time.perf_counter()
    result = await observe_async(fn, (), kwargs, adapter, tags, provider)
    # The shadow worker calls candidates with sync clients: an async client stays on its own loop.
    _shadow.submit(plan, model, provider, messages, params, None, result, adapter, (time.perf_counter() - t0) * 1e3)
    return result


def _integration_of(response: Any, model: Optional[str]) -> Any:
    """The integration a response came from: by model name, else by its shape."""
    by_name = integrations.provider_for_model(model.rsplit("/", 1)[-1]) if model else None
    if by_name:
        return integrations.get(by_name)
    for integration in integrations.all_integrations():
        if integration.recognises(response, integration.read(response)[1]):
            return integration
    return None


def _parse_any(response: Any, model: Optional[str]) -> tuple[Optional[str], Any, Optional[dict], Any]:
    """(provider, model, usage, service_tier); an unknown provider's usage is read by whichever parser fits."""
    integration = _integration_of(response, model)
    candidates = [integration] if integration else integrations.all_integrations()
    for candidate in candidates:
        found_model, raw, tier = candidate.read(response)
        usage = candidate.parse_usage(raw)
        if usage is not None:
            provider = integration.provider if integration else None
            return provider, model or found_model, usage, tier or field(raw, "service_tier")
    return None, model, None, None


def track_usage(
    response: Any,
    *,
    endpoint_name: str = "default",
    latency_ms: Optional[float] = None,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    model: Optional[str] = None,
    provider: Optional[str] = None,
) -> None:
    """Record a response obtained any way at all (provider object or plain dict); never raises.

    provider names the service when the model name does not (an OpenAI-compatible API).
    """
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
        found, model_name, normalised, tier = _parse_any(response, model or field(response, "model"))
        provider = provider or found
        if normalised is None:
            log_once("track-usage-shape", "tokenoptimizer: track_usage() found no usage in %s",
                     type(response).__name__)
            return
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
