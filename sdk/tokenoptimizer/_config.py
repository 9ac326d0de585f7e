"""Configuration: argument to configure(), then TOKENOPTIMIZER_* environment, then defaults."""

from __future__ import annotations

import ipaddress
import logging
import os
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from . import _constants as C

logger = logging.getLogger("tokenoptimizer")

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """The resolved settings the SDK runs with."""

    api_key: Optional[str]
    base_url: str
    disabled: bool
    sync_mode: bool
    user_id_salt: str
    max_queue_size: int
    batch_size: int
    flush_interval: float
    request_timeout: float
    max_retries: Optional[int]  # None: keep retrying (memory stays bounded by the queue)


_overrides: dict[str, Any] = {}
_current: Optional[Config] = None
_warned_urls: set[str] = set()


def configure(
    api_key: Optional[str] = None,
    base_url: Optional[str] = None,
    *,
    disabled: Optional[bool] = None,
    sync_mode: Optional[bool] = None,
    user_id_salt: Optional[str] = None,
    max_queue_size: Optional[int] = None,
    batch_size: Optional[int] = None,
    flush_interval: Optional[float] = None,
    request_timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
) -> None:
    """Set SDK options; arguments win over TOKENOPTIMIZER_* environment variables."""
    global _current
    given = dict(
        api_key=api_key, base_url=base_url, disabled=disabled, sync_mode=sync_mode,
        user_id_salt=user_id_salt, max_queue_size=max_queue_size, batch_size=batch_size,
        flush_interval=flush_interval, request_timeout=request_timeout, max_retries=max_retries,
    )
    _overrides.update({k: v for k, v in given.items() if v is not None})
    _current = None


def reset_config() -> None:
    """Forget configure() arguments (tests use this between cases)."""
    global _current
    _overrides.clear()
    _current = None


def get_config() -> Config:
    """Return the resolved configuration, building it once after each configure()."""
    global _current
    cfg = _current
    if cfg is None:
        cfg = _current = _resolve()
        _warn_if_plain_http(cfg.base_url)
    return cfg


def _pick(name: str, env: str, parse, default):
    if name in _overrides:
        return _overrides[name]
    raw = os.environ.get(env) if env else None
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        logger.warning("tokenoptimizer: ignoring malformed %s=%r", env, raw)
        return default


def _resolve() -> Config:
    api_key = _pick("api_key", "TOKENOPTIMIZER_API_KEY", str, None)
    return Config(
        api_key=api_key,
        base_url=_pick("base_url", "TOKENOPTIMIZER_BASE_URL", str, C.DEFAULT_BASE_URL).rstrip("/"),
        disabled=bool(_pick("disabled", "TOKENOPTIMIZER_DISABLED", _bool, False)),
        sync_mode=bool(_pick("sync_mode", "TOKENOPTIMIZER_SYNC_MODE", _bool, False)),
        # Without an explicit salt the project key is used, so hashes differ between projects.
        user_id_salt=_pick("user_id_salt", "TOKENOPTIMIZER_USER_ID_SALT", str, api_key or ""),
        max_queue_size=int(_pick("max_queue_size", "TOKENOPTIMIZER_MAX_QUEUE_SIZE", int, C.MAX_QUEUE_SIZE)),
        batch_size=max(1, min(1000, int(_pick("batch_size", None, int, C.BATCH_SIZE)))),
        flush_interval=float(_pick("flush_interval", None, float, C.FLUSH_INTERVAL)),
        request_timeout=float(_pick("request_timeout", None, float, C.REQUEST_TIMEOUT)),
        max_retries=_pick("max_retries", None, int, None),
    )


def _bool(raw: str) -> bool:
    return raw.strip().lower() in _TRUE


def _warn_if_plain_http(base_url: str) -> None:
    """Warn once per URL when keys and usage would cross the network unencrypted."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or base_url in _warned_urls:
        return
    host = parts.hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    _warned_urls.add(base_url)
    logger.warning(
        "tokenoptimizer: sending usage events over plain http to %s; use https for remote hosts",
        host,
    )
