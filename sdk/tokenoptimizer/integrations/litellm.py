"""LiteLLM: a callback that records every call LiteLLM makes, with the provider it routed to.

    litellm.callbacks = [tokenoptimizer.litellm_callback()]

Imported only when litellm_callback() is called, so the SDK never imports litellm on its own.
LiteLLM reports usage in OpenAI's shape (prompt_tokens includes cache reads and writes, with
prompt_tokens_details naming them), so the OpenAI parser applies to every route.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Optional

from litellm.integrations.custom_logger import CustomLogger

from .._config import get_config
from .._consumer import record
from .._context import current_tags
from .._event import build_event, field, log_once
from .openai import parse_usage

logger = logging.getLogger("tokenoptimizer")

# LiteLLM's provider names -> ours (the price catalogue's), where they differ.
PROVIDER_NAMES = {"gemini": "google", "vertex_ai": "google", "vertex_ai_beta": "google",
                  "text-completion-openai": "openai", "codestral": "mistral", "cohere_chat": "cohere",
                  "hosted_vllm": "vllm"}
_MAX_PENDING_TAGS = 10_000


def provider_name(litellm_provider: Any) -> Optional[str]:
    if not isinstance(litellm_provider, str) or not litellm_provider:
        return None
    return PROVIDER_NAMES.get(litellm_provider, litellm_provider)


class TokenOptimizerCallback(CustomLogger):
    """One usage event per LiteLLM call (success or failure, sync, async or streamed)."""

    def __init__(self) -> None:
        super().__init__()
        # LiteLLM runs sync success handlers on its own threads, where context() tags are not
        # visible: the tags are taken when the call starts, keyed by LiteLLM's call id.
        self._tags: "collections.OrderedDict[str, Any]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def log_pre_api_call(self, model: Any, messages: Any, kwargs: dict) -> None:
        call_id, tags = kwargs.get("litellm_call_id"), current_tags()
        if call_id and tags:
            with self._lock:
                self._tags[call_id] = tags
                while len(self._tags) > _MAX_PENDING_TAGS:
                    self._tags.popitem(last=False)

    def log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record(kwargs, response_obj, start_time, end_time)

    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        self._record(kwargs, response_obj, start_time, end_time)

    def log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record(kwargs, None, start_time, end_time, kwargs.get("exception") or Exception())

    async def async_log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any,
                                      end_time: Any) -> None:
        self._record(kwargs, None, start_time, end_time, kwargs.get("exception") or Exception())

    def _record(self, kwargs: dict, response: Any, start_time: Any, end_time: Any,
                error: Optional[BaseException] = None) -> None:
        """Build and queue the event; never raises into LiteLLM (which would log it as its own error)."""
        try:
            cfg = get_config()
            if cfg.disabled:
                return
            params = kwargs.get("litellm_params") or {}
            with self._lock:
                tags = self._tags.pop(kwargs.get("litellm_call_id"), None)
            usage = field(response, "usage")
            record(build_event(
                model=field(response, "model") or kwargs.get("model"),
                provider=provider_name(params.get("custom_llm_provider") or kwargs.get("custom_llm_provider")),
                usage=parse_usage(usage), latency_ms=_latency_ms(start_time, end_time),
                status="error" if error is not None else "ok",
                error_type=type(error).__name__ if error is not None else None,
                stream=bool(kwargs.get("stream")), service_tier=field(usage, "service_tier"),
                tags=tags if tags is not None else current_tags(), salt=cfg.user_id_salt,
                started_at=_timestamp(start_time),
            ))
        except Exception:
            log_once("litellm", "tokenoptimizer: could not record a LiteLLM call", level=logging.ERROR)
            logger.debug("tokenoptimizer: litellm record failure", exc_info=True)


def _latency_ms(start: Any, end: Any) -> Optional[float]:
    try:
        return (end - start).total_seconds() * 1000.0
    except Exception:
        return None


def _timestamp(start: Any) -> Any:
    try:
        return start.timestamp()
    except Exception:
        return time.time()
