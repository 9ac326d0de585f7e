"""One batch on its way to /api/log: ride out an outage, isolate the events the backend refuses.

The backend being down (no connection, 408, 429, 502/503/504) is waited out with backoff and
nothing is dropped. A batch refused for its content (400, 413, 422, ...) or failing with a 500
twice is split in halves until the refused events stand alone; a lone event is dropped only
when the backend refuses it as such (a 4xx) or keeps failing on it while it accepts others
(a 5xx after a success seen since the failures began). The rest is delivered.
"""

from __future__ import annotations

import collections
import logging
from typing import TYPE_CHECKING, Optional

from . import _constants as C
from ._config import Config, get_config
from ._event import log_once
from ._transport import SendResult

if TYPE_CHECKING:  # pragma: no cover
    from ._consumer import Consumer

logger = logging.getLogger("tokenoptimizer")

# What a failed answer means for the batch that got it.
REFUSE_ALL = "refuse_all"  # wrong key or URL: the same answer for every event, splitting cannot help
INVALID = "invalid"  # refused for what the batch holds: split, drop what is refused alone
OUTAGE = "outage"  # the backend cannot take anything now: wait and retry the same batch
SERVER_ERROR = "server_error"  # the backend failed on this batch: an outage or a poisoned event


def classify(result: SendResult) -> str:
    """The meaning of a non-2xx answer (status None: no answer at all)."""
    status = result.status
    if status is None or status in C.OUTAGE_STATUSES:
        return OUTAGE
    if status in C.REFUSE_ALL_STATUSES:
        return REFUSE_ALL
    if status < 500:
        return INVALID
    return SERVER_ERROR


def reason_of(result: SendResult) -> str:
    """The backend's own words for a refusal (fields and messages; our events carry no content)."""
    body = result.body if isinstance(result.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        details = [f"{d.get('field')}: {d.get('message')}" for d in error.get("details") or []
                   if isinstance(d, dict) and d.get("field")]
        message = "; ".join(details) or str(error.get("message") or error.get("code") or "")
    else:
        message = str(error or result.error or "")
    return f"HTTP {result.status}: {message}" if message else f"HTTP {result.status}"


class Part:
    """A slice of the batch; suspect once it belongs to a batch split for server errors."""

    __slots__ = ("events", "suspect", "mark", "failures")

    def __init__(self, events: list[bytes], suspect: bool = False, mark: Optional[int] = None) -> None:
        self.events = events
        self.suspect = suspect
        self.mark = mark  # the consumer's accepted count when this lineage first failed
        self.failures = 0


class Delivery:
    """Sends one batch's parts in order until each is accepted, dropped or given up."""

    def __init__(self, consumer: "Consumer", batch: list[bytes], cfg: Config, retries: bool) -> None:
        self.consumer = consumer
        self.cfg = cfg
        self.retries = retries
        self.pending: collections.deque[Part] = collections.deque([Part(batch)])
        self.attempt = 0  # backoff retries since the last accepted part (bounded by max_retries)
        self.blind = 0  # failures since the last accepted part
        # Isolating one event takes about log2(n) failures in a row; more means nothing gets in.
        self.blind_limit = len(batch).bit_length() + 2

    def run(self) -> None:
        """Send until nothing is pending; never raises into the sender loop."""
        while self.pending:
            part = self.pending[0]
            result = self.consumer.send(part.events, self.cfg)
            if result.ok:
                self.pending.popleft()
                self.attempt = self.blind = 0
                self.consumer.on_accepted(result, len(part.events))
                continue
            self.blind += 1
            if not self.on_failure(part, classify(result), result):
                return

    def on_failure(self, part: Part, kind: str, result: SendResult) -> bool:
        """Decide what to do after one failed send; False ends the delivery."""
        if kind == REFUSE_ALL:
            self.give_up(result)
            return False
        if kind == INVALID:
            if len(part.events) > 1:
                self.split(part, part.suspect, part.mark)
            else:
                self.pending.popleft()
                self.consumer.drop_invalid(1, reason_of(result))
            return True
        if not self.retries:  # sync mode: one try per part
            self.pending.popleft()
            self.consumer.on_refused(result, len(part.events))
            return True
        if kind == SERVER_ERROR and self.isolate(part, result):
            return self.blind <= self.blind_limit or self.backoff(result)
        return self.backoff(result)

    def isolate(self, part: Part, result: SendResult) -> bool:
        """Split, drop or set aside a part the server failed on; False to retry it as an outage."""
        if part.mark is None:
            part.mark = self.consumer.accepted_sends
        part.failures += 1
        if not part.suspect and part.failures < C.SERVER_ERROR_SPLIT_AFTER:
            return False
        if len(part.events) > 1:
            self.split(part, True, part.mark)
            return True
        if self.consumer.accepted_sends > part.mark:  # others got in since: this event is the fault
            self.pending.popleft()
            self.consumer.drop_invalid(1, f"HTTP {result.status} for this event while others were accepted")
            return True
        part.suspect = True
        if len(self.pending) > 1:  # the rest first: their success tells an outage from poison
            self.pending.rotate(-1)
            return True
        more = self.consumer.take_batch(self.cfg)
        if more:
            self.pending.appendleft(Part(more))
            return True
        return False

    def split(self, part: Part, suspect: bool, mark: Optional[int]) -> None:
        """Replace the first pending part by its two halves."""
        half = len(part.events) // 2
        self.pending.popleft()
        self.pending.appendleft(Part(part.events[half:], suspect, mark))
        self.pending.appendleft(Part(part.events[:half], suspect, mark))

    def backoff(self, result: SendResult) -> bool:
        """Wait before the next try, within max_retries; False when giving up or stopping."""
        self.attempt += 1
        if self.cfg.max_retries is not None and self.attempt > self.cfg.max_retries:
            self.give_up(result)
            return False
        self.consumer.count("retries")
        log_once("retrying", "tokenoptimizer: backend unavailable (%s); retrying with backoff",
                 result.status or result.error)
        if not self.consumer.sleep_before_retry(self.attempt, result):
            self.consumer.count("failed", self.pending_count())
            self.pending.clear()
            return False
        self.cfg = get_config()
        return True

    def give_up(self, result: SendResult) -> None:
        """Count everything still pending as failed, with the backend's reason logged once."""
        self.consumer.on_refused(result, self.pending_count())
        self.pending.clear()

    def pending_count(self) -> int:
        return sum(len(p.events) for p in self.pending)
