"""Build usage events: normalise provider usage, whitelist contract fields, hash user ids."""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import uuid
from typing import Any, Mapping, Optional

from . import _constants as C

logger = logging.getLogger("tokenoptimizer")

_logged: set[str] = set()

def log_once(key: str, message: str, *args: Any, level: int = logging.WARNING) -> None:
    """Log a message the first time its key is seen (keeps logs quiet under load)."""
    if key in _logged:
        return
    _logged.add(key)
    logger.log(level, message, *args)


_NO = object()


def field(obj: Any, name: str) -> Any:
    """Read a field from a provider object (pydantic or plain) or a mapping; None when absent.

    On the call path: pydantic fields are read from __dict__ so a missing field costs no
    exception, and the slow isinstance(Mapping) check runs only for unusual objects.
    """
    if obj is None:
        return None
    if type(obj) is dict:
        return obj.get(name)
    values = getattr(obj, "__dict__", None)
    if values is not None and name in values:
        return values[name]
    extra = getattr(obj, "__pydantic_extra__", _NO)
    if extra is not _NO:
        return extra.get(name) if extra else None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _int(value: Any) -> Optional[int]:
    if type(value) is int:
        return value if value >= 0 else 0
    if value is None or isinstance(value, bool):
        return None
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def count_of(value: Any) -> Optional[int]:
    """A provider's token count as an int >= 0, or None when absent or malformed."""
    return _int(value)


def usage_fields(prompt: Any, completion: Any, cached: Any = None, cache_write: Any = None,
                 reasoning: Any = None, cache_write_1h: Any = None) -> dict:
    """The project's one usage rule (reference/providers.md), once providers have mapped their fields.

    prompt is ALL input tokens and completion ALL output tokens; cached, cache_write and
    reasoning are subsets, clamped so the API never sees a part larger than its whole.
    """
    prompt, completion = _int(prompt) or 0, _int(completion) or 0
    cached, cache_write, reasoning = _int(cached), _int(cache_write), _int(reasoning)
    cache_write_1h = _int(cache_write_1h)
    if cached is not None and cache_write is not None and cached + cache_write > prompt:
        cache_write = max(0, prompt - cached)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cached_tokens": None if cached is None else min(cached, prompt),
        "cache_write_tokens": None if cache_write is None else min(cache_write, prompt),
        "reasoning_tokens": None if reasoning is None else min(reasoning, completion),
        "cache_write_1h_tokens": None if not cache_write_1h else min(cache_write_1h, cache_write or 0),
    }


def hash_user_id(user_id: Any, salt: str) -> str:
    """Salted SHA-256 hex: the raw user id never leaves the process."""
    return hashlib.sha256(f"{salt}:{user_id}".encode("utf-8")).hexdigest()


def sanitize_metadata(metadata: Any) -> Optional[dict]:
    """Keep at most 20 scalar, non-content entries with contract-sized keys and values."""
    if not metadata:
        return None
    if not isinstance(metadata, Mapping):
        log_once("meta-type", "tokenoptimizer: metadata must be a dict; ignored")
        return None
    clean: dict = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > C.METADATA_KEY_MAX:
            log_once("meta-key", "tokenoptimizer: metadata keys must be 1-64 char strings; dropped one")
            continue
        if key.lower() in C.CONTENT_KEYS:
            log_once("meta-content:" + key, "tokenoptimizer: metadata key %r could carry content; dropped", key)
            continue
        if isinstance(value, str):
            value = value[: C.METADATA_VALUE_MAX]
        elif value is not None and not isinstance(value, (bool, int, float)):
            log_once("meta-value", "tokenoptimizer: metadata values must be scalars; dropped %r", key)
            continue
        if len(clean) >= C.METADATA_MAX_KEYS:
            log_once("meta-count", "tokenoptimizer: metadata holds at most 20 keys; extra keys dropped")
            break
        clean[key] = value
    return clean or None


def build_event(
    *,
    model: Any,
    provider: Optional[str],
    usage: Optional[dict],
    latency_ms: Optional[float],
    status: str,
    error_type: Optional[str],
    stream: Optional[bool],
    service_tier: Any,
    tags: Mapping[str, Any],
    salt: str,
    started_at: float,
    request: Optional[dict] = None,
) -> dict:
    """Event dict with only contract fields; id and ISO timestamp are added by finalize_event."""
    model = str(model or "unknown")[: C.MODEL_MAX]
    event: dict = {
        "timestamp": started_at,
        "model": model,
        "provider": provider,
        "endpoint_name": str(tags.get("endpoint_name") or "default")[: C.ENDPOINT_NAME_MAX],
        "status": status,
    }
    if usage:
        for key, value in usage.items():
            if value is not None:
                event[key] = value
    else:
        event["prompt_tokens"] = event["completion_tokens"] = event["total_tokens"] = 0
    if latency_ms is not None:
        event["latency_ms"] = round(max(0.0, float(latency_ms)), 3)
    if error_type:
        event["error_type"] = str(error_type)[: C.ID_FIELD_MAX]
    if stream is not None:
        event["stream"] = bool(stream)
    if isinstance(service_tier, str) and service_tier:
        event["service_tier"] = service_tier[: C.ID_FIELD_MAX]
    session_id = tags.get("session_id")
    if session_id is not None:
        event["session_id"] = str(session_id)[: C.ID_FIELD_MAX]
    user_id = tags.get("user_id")
    if user_id is not None:
        event["user_id"] = hash_user_id(user_id, salt)
    metadata = sanitize_metadata(tags.get("metadata"))
    if metadata:
        event["metadata"] = metadata
    if event["provider"] is None:
        del event["provider"]
    if request:
        event.update(request)  # tools, json_output, images and the prefix references
    return event


_SDK_INFO = {"name": C.SDK_NAME, "version": C.VERSION}


def finalize_event(event: dict) -> dict:
    """Add the idempotency id, the ISO timestamp and sdk info (done off the call path)."""
    if "id" not in event:
        event["id"] = str(uuid.uuid4())
    ts = event.get("timestamp")
    if isinstance(ts, (int, float)):
        event["timestamp"] = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat()
    event["sdk"] = _SDK_INFO
    prefix = event.pop("_prefix", None)
    if prefix is not None:
        try:
            from .integrations.request_features import fingerprint

            event["prefix_hash"], event["prefix_chars"] = fingerprint(prefix)
        except Exception:
            log_once("prefix", "tokenoptimizer: could not fingerprint a prompt prefix; sent without it")
    return event
