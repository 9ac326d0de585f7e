"""HTTP only: POST one gzip-compressed batch to /api/log and classify the answer."""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from dataclasses import dataclass
from typing import Any, Optional

import requests

from . import _constants as C


@dataclass
class SendResult:
    """What the backend said about one batch; status None means a network error."""

    status: Optional[int]
    retry_after: Optional[float] = None
    body: Any = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def encode_batch(serialized_events: list[bytes], dropped: int = 0) -> bytes:
    """Join pre-serialised events into the {"events": [...]} body, with the drops not yet reported."""
    tail = b',"dropped":%d}' % dropped if dropped > 0 else b"}"
    return b'{"events":[' + b",".join(serialized_events) + b"]" + tail


class Transport:
    """A requests.Session bound to the process that created it."""

    def __init__(self) -> None:
        self._session = requests.Session()

    def send(self, base_url: str, api_key: Optional[str], body: bytes, timeout: float) -> SendResult:
        """POST the body gzip-compressed; never raises."""
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "User-Agent": f"{C.SDK_NAME}/{C.VERSION}",
        }
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        try:
            resp = self._session.post(
                base_url + C.LOG_PATH, data=gzip.compress(body, compresslevel=5),
                headers=headers, timeout=timeout,
            )
        except Exception as exc:  # network errors and anything requests may raise
            return SendResult(None, error=f"{type(exc).__name__}: {exc}")
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        return SendResult(resp.status_code, parse_retry_after(resp.headers.get("Retry-After")), payload)

    def close(self) -> None:
        try:
            self._session.close()
        except Exception:
            pass


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, C.RETRY_AFTER_MAX))


def serialize_event(event: dict) -> bytes:
    """Compact JSON for one finished event."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
