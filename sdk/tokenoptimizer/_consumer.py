"""The sender: a bounded queue drained by one lazy daemon thread that batches and retries."""

from __future__ import annotations

import atexit
import collections
import logging
import os
import random
import threading
import time
from typing import Optional

from . import _constants as C
from ._config import Config, get_config
from ._event import finalize_event, log_once
from ._delivery import Delivery
from ._transport import SendResult, Transport, encode_batch, serialize_event

logger = logging.getLogger("tokenoptimizer")


class Consumer:
    """Owns the queue, the sender thread and the delivery counters of one process."""

    def __init__(self) -> None:
        self._events: collections.deque = collections.deque()
        self._wake = threading.Event()  # new batch ready, flush or shutdown
        self._retry_now = threading.Event()  # flush(): cut a backoff sleep short
        self._idle = threading.Condition()
        self._start_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._busy = False
        self._stopping = False
        self._transport: Optional[Transport] = None
        self.counts = collections.Counter()
        self.dropped_deferred = 0
        self.dropped_reported = 0  # drops the backend has acknowledged (sent with a 202)
        self.accepted_sends = 0  # 2xx answers so far: evidence that the backend is up
        self.drop_reasons: collections.Counter = collections.Counter()

    # --- app side: must stay cheap and never block ---------------------------------------
    def put(self, event: dict, cfg: Config) -> None:
        """Queue one event, or drop and count it when the queue is full."""
        if cfg.sync_mode:
            while self._events:  # events a finalizer deferred, first
                self._deliver([serialize_event(finalize_event(self._events.popleft()))], cfg, retries=False)
            self._deliver([serialize_event(finalize_event(event))], cfg, retries=False)
            return
        if self._stopping:
            log_once("after-shutdown", "tokenoptimizer: shutdown() was called; new events are dropped")
            self.count("failed")
            return
        events = self._events
        if len(events) >= cfg.max_queue_size:
            with self._stats_lock:
                self.counts["dropped_queue_full"] += 1
                dropped = self.counts["dropped_queue_full"]
            if dropped == 1 or dropped % 1000 == 0:
                logger.warning("tokenoptimizer: event queue full (%d); %d events dropped so far",
                               cfg.max_queue_size, dropped)
            return
        events.append(event)
        if self._thread is None:
            self._start()
        if len(events) >= cfg.batch_size and not self._wake.is_set():
            self._wake.set()

    def put_deferred(self, event: dict, cfg: Config) -> None:
        """Queue from a finalizer: a lock-free append only (no I/O, no thread start, no wake-up).

        The sender's interval, the next put(), flush() or the exit flush delivers it.
        """
        if len(self._events) < cfg.max_queue_size and not self._stopping:
            self._events.append(event)
        else:
            self.dropped_deferred += 1

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="tokenoptimizer-sender", daemon=True)
                thread.start()
                self._thread = thread

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event is delivered or given up; False on timeout."""
        deadline = time.monotonic() + max(0.0, timeout)
        if self._thread is None and self._events:
            self._start()
        self._retry_now.set()
        self._wake.set()
        with self._idle:
            while self._events or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None or not self._thread.is_alive():
                    return not (self._events or self._busy)
                self._idle.wait(min(remaining, 0.05))
        return True

    def shutdown(self, timeout: float) -> bool:
        """Flush within the timeout, then stop the thread; queued leftovers are counted lost."""
        deadline = time.monotonic() + max(0.0, timeout)
        done = self.flush(timeout)
        self._stopping = True
        self._wake.set()
        self._retry_now.set()
        thread = self._thread
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
        if not done:
            logger.warning("tokenoptimizer: shutdown timed out with %d events undelivered",
                           len(self._events))
        return done

    # --- sender thread --------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                self._wake.wait(get_config().flush_interval)
                self._wake.clear()
                while self._events:
                    self._busy = True
                    cfg = get_config()
                    batch = self.take_batch(cfg)
                    if batch:
                        self._deliver(batch, cfg, retries=True)
            except Exception:  # the sender must survive anything
                logger.exception("tokenoptimizer: sender error")
            finally:
                self._busy = False
                with self._idle:
                    self._idle.notify_all()
            if self._stopping and not self._events:
                return

    def take_batch(self, cfg: Config) -> list[bytes]:
        """Pop up to batch_size events whose JSON fits in the byte limit."""
        batch: list[bytes] = []
        size = 16
        events = self._events
        while events and len(batch) < cfg.batch_size:
            event = events.popleft()
            try:
                data = serialize_event(finalize_event(event))
            except Exception:
                log_once("serialize", "tokenoptimizer: could not serialise an event; dropped")
                self.count("failed")
                continue
            if size + len(data) + 1 > C.BATCH_MAX_BYTES:
                if not batch:
                    self.count("failed")
                    continue
                events.appendleft(event)  # already finalised: keeps its id on the next batch
                break
            batch.append(data)
            size += len(data) + 1
        return batch

    def _deliver(self, batch: list[bytes], cfg: Config, retries: bool) -> None:
        """Send one batch (see _delivery: outages are retried, refused events isolated and dropped)."""
        try:
            if cfg.disabled:
                return
            if not cfg.api_key:
                log_once("no-key", "tokenoptimizer: no API key (TOKENOPTIMIZER_API_KEY); events dropped")
                self.count("failed", len(batch))
                return
            if self._transport is None:
                self._transport = Transport()
            Delivery(self, batch, cfg, retries).run()
        except Exception:
            logger.exception("tokenoptimizer: delivery error")
            self.count("failed", len(batch))

    def send(self, batch: list[bytes], cfg: Config) -> SendResult:
        """POST one batch with the drops not yet reported; an accepted send reports them."""
        stats = self.stats()
        dropped = stats["dropped_queue_full"] + stats["dropped_invalid"] - self.dropped_reported
        result = self._transport.send(cfg.base_url, cfg.api_key, encode_batch(batch, dropped),
                                      cfg.request_timeout)
        if result.ok:
            self.dropped_reported += dropped
            self.accepted_sends += 1
        return result

    def sleep_before_retry(self, attempt: int, result: SendResult) -> bool:
        """Back off; False when shutting down. flush() cuts plain backoff (not Retry-After) short."""
        if result.retry_after is not None:
            delay = result.retry_after
            interruptible = False
        else:
            delay = random.uniform(0, min(C.RETRY_MAX_DELAY, C.RETRY_BASE_DELAY * 2 ** (attempt - 1)))
            interruptible = True
        deadline = time.monotonic() + delay
        self._retry_now.clear()
        while True:
            if self._stopping:
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if self._retry_now.wait(min(remaining, 0.1)) and interruptible:
                return True

    def on_accepted(self, result: SendResult, n: int) -> None:
        """Count a 202: events it lists as rejected are dropped (not retried) with their reason."""
        body = result.body if isinstance(result.body, dict) else {}
        rejected = body.get("rejected") or []
        self.count("sent", n - len(rejected))
        if rejected:
            self.count("rejected", len(rejected))
            for item in rejected:
                errors = (item.get("errors") or []) if isinstance(item, dict) else []
                reason = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors
                                   if isinstance(e, dict)) or "rejected"
                self._note_reason("rejected: " + reason)
                log_once("rejected:" + reason, "tokenoptimizer: backend rejected an event: %s", reason)

    def drop_invalid(self, n: int, reason: str) -> None:
        """Drop events the backend will not take; counted, reported with the next batch, logged once."""
        self.count("dropped_invalid", n)
        self._note_reason(reason)
        log_once("dropped:" + reason, "tokenoptimizer: dropped an event the backend refuses (%s); "
                 "the rest are delivered", reason)

    def _note_reason(self, reason: str) -> None:
        with self._stats_lock:
            if reason in self.drop_reasons or len(self.drop_reasons) < 100:
                self.drop_reasons[reason] += 1

    def on_refused(self, result: SendResult, n: int) -> None:
        """Give up n events (wrong key or URL, retries exhausted, sync mode): counted as failed."""
        self.count("failed", n)
        error = result.body.get("error") if isinstance(result.body, dict) else None
        reason = error.get("message") if isinstance(error, dict) else (error or result.error)
        log_once(f"refused:{result.status}:{reason}",
                 "tokenoptimizer: backend refused %d events (HTTP %s): %s", n, result.status, reason)

    def count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            self.counts[name] += n

    def stats(self) -> dict:
        with self._stats_lock:
            counts = dict(self.counts)
            reasons = dict(self.drop_reasons)
        return {
            "queued": len(self._events),
            "sent": counts.get("sent", 0),
            "dropped_queue_full": counts.get("dropped_queue_full", 0) + self.dropped_deferred,
            "dropped_invalid": counts.get("dropped_invalid", 0),
            "rejected": counts.get("rejected", 0),
            "failed": counts.get("failed", 0),
            "retries": counts.get("retries", 0),
            "drop_reasons": reasons,
        }


_consumer = Consumer()


def consumer() -> Consumer:
    return _consumer


def record(event: dict, deferred: bool = False) -> None:
    """Hand a built event to the sender; never raises. deferred: from a finalizer."""
    try:
        cfg = get_config()
        if cfg.disabled:
            return
        if deferred:
            _consumer.put_deferred(event, cfg)
        else:
            _consumer.put(event, cfg)
    except Exception:
        logger.exception("tokenoptimizer: could not queue an event")


def reset_consumer() -> None:
    """Replace the consumer with an empty one (after fork, and in tests)."""
    global _consumer
    _consumer = Consumer()


def _after_fork_in_child() -> None:
    # The parent's thread does not exist here and its locks may be held: start afresh.
    # Events queued before the fork stay the parent's to send, so nothing is sent twice.
    reset_consumer()


def _flush_at_exit() -> None:
    try:
        if _consumer._events or _consumer._busy:
            _consumer.flush(C.ATEXIT_FLUSH_TIMEOUT)
    except Exception:
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_flush_at_exit)
