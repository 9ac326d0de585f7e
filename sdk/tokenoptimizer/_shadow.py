"""Silent shadow comparisons: a sampled call's request replayed on candidate models, off the app's path.

The app's call hands a job to a bounded queue (put_nowait: a full queue drops the job) and returns
its own answer untouched. One daemon thread replays the request on each candidate, compares the
two answers in this process (_compare) and records a verdict event marked `shadow`: tokens,
latency, score, agreed, comparator name. Never the text of either answer.

Streams are skipped: a streamed call is never sampled (its answer is the app's to consume).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import queue
import random
import threading
import time
from decimal import Decimal
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from . import _constants as C
from . import integrations
from ._compare import BUILT_IN, DEFAULT_AGREE_AT
from ._config import get_config
from ._context import tracking_active
from ._event import log_once

logger = logging.getLogger("tokenoptimizer")

_MILLION = Decimal(1_000_000)

# endpoint_name -> plan; read on every tracked call, so an empty dict is the whole cost when unused.
plans: dict[str, "ShadowPlan"] = {}


def _price(candidate: str, value: Any) -> tuple[Decimal, Decimal]:
    """(input, output) USD per 1M tokens from a (input, output) pair or {"input", "output"}."""
    pair = (value.get("input"), value.get("output")) if isinstance(value, Mapping) else value
    try:
        prices = tuple(pair)
        if len(prices) != 2:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"prices[{candidate!r}] must be (input, output) USD per 1M tokens") from None
    out = []
    for amount in prices:
        if isinstance(amount, float) or isinstance(amount, bool):
            raise ValueError(f"prices[{candidate!r}]: give money as a string or Decimal (e.g. '0.40'), not {amount!r}")
        try:
            number = Decimal(amount)
        except Exception:
            raise ValueError(f"prices[{candidate!r}]: {amount!r} is not an amount") from None
        if not number.is_finite() or number < 0:
            raise ValueError(f"prices[{candidate!r}]: {amount!r} must be a finite amount >= 0")
        out.append(number)
    return out[0], out[1]


class Budget:
    """A day's (UTC) spend and calls for one plan, checked before each shadow call."""

    def __init__(self, max_usd: Optional[Decimal], max_calls: Optional[int],
                 prices: dict[str, tuple[Decimal, Decimal]], today: Callable[[], _dt.date]) -> None:
        self.max_usd, self.max_calls, self.prices, self._today = max_usd, max_calls, prices, today
        self.day: Optional[_dt.date] = None
        self.spent = Decimal(0)
        self.calls = 0

    def cost(self, candidate: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """USD at the developer's price hint; cached tokens count at the full input price (a cap errs high)."""
        price_in, price_out = self.prices.get(candidate, (Decimal(0), Decimal(0)))
        return (prompt_tokens * price_in + completion_tokens * price_out) / _MILLION

    def admit(self, candidate: str, estimate: Decimal) -> bool:
        """Whether one more call (estimated from the sampled call's own tokens) stays within the day's budget."""
        today = self._today()
        if today != self.day:
            self.day, self.spent, self.calls = today, Decimal(0), 0
        if self.max_calls is not None and self.calls >= self.max_calls:
            return False
        if self.max_usd is not None and self.spent + estimate > self.max_usd:
            return False
        self.calls += 1
        self.spent += estimate  # replaced by the real cost once the candidate answers (settle)
        return True

    def settle(self, estimate: Decimal, actual: Optional[Decimal]) -> None:
        if actual is not None:
            self.spent += actual - estimate


class ShadowPlan:
    """One endpoint's shadow settings, its sampler, its budget and its counters."""

    def __init__(self, endpoint_name: str, candidates: Sequence[str], sample: float, comparator: Any,
                 agree_at: float, budget: Budget, clients: Mapping[str, Any], seed: Optional[int]) -> None:
        self.endpoint_name, self.candidates, self.sample = endpoint_name, tuple(candidates), sample
        self.comparator, self.agree_at, self.budget, self.clients = comparator, agree_at, budget, dict(clients)
        self.rng = random.Random(seed)
        self.counts = {"seen": 0, "sampled": 0, "dropped_queue_full": 0, "shadow_calls": 0,
                       "skipped_budget": 0, "errors": 0, "verdicts": 0, "not_compared": 0}
        self._lock = threading.Lock()

    def sampled(self) -> bool:
        """The sampling decision for one call (cheap: on the app's path)."""
        self.counts["seen"] += 1
        return self.rng.random() < self.sample

    def count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def stats(self) -> dict:
        """Counters: seen, sampled, dropped_queue_full, shadow_calls, skipped_budget, errors, verdicts."""
        with self._lock:
            return {**self.counts, "spent_today_usd": format(self.budget.spent, "f")}

    def stop(self) -> None:
        """Stop shadowing this endpoint (jobs already queued still run)."""
        if plans.get(self.endpoint_name) is self:
            del plans[self.endpoint_name]


def shadow(endpoint_name: str, candidates: Sequence[str], sample: float = 0.05, *,
           max_usd_per_day: Union[str, Decimal, int, None] = None,
           prices: Optional[Mapping[str, Any]] = None, max_calls_per_day: Optional[int] = None,
           comparator: Union[None, str, Callable[[str, str], Any]] = None, agree_at: float = DEFAULT_AGREE_AT,
           clients: Optional[Mapping[str, Any]] = None, seed: Optional[int] = None,
           today: Optional[Callable[[], _dt.date]] = None) -> ShadowPlan:
    """Replay a sample of one endpoint's calls on cheaper candidates and record only the verdicts.

    The SDK ships no price table, so a dollar cap needs `prices` for every candidate (USD per 1M
    tokens, as providers publish them); `max_calls_per_day` caps the count instead (or as well).
    One of the two is required. `clients` maps a provider name to the sync client its candidates
    use (default: the provider's own client from its environment variables).
    """
    if not isinstance(endpoint_name, str) or not 1 <= len(endpoint_name) <= C.ENDPOINT_NAME_MAX:
        raise ValueError(f"endpoint_name must be a string of 1-{C.ENDPOINT_NAME_MAX} characters")
    if isinstance(candidates, str) or not candidates or not all(isinstance(c, str) and c for c in candidates):
        raise ValueError("candidates must be a non-empty list of model names")
    for candidate in candidates:
        integrations.get(integrations.provider_for_model(candidate.rsplit("/", 1)[-1]) or "") or \
            _named_provider(candidate, clients)
    if isinstance(sample, bool) or not isinstance(sample, (int, float)) or not 0 < sample <= 1:
        raise ValueError(f"sample must be a fraction in (0, 1], got {sample!r}")
    if max_usd_per_day is None and max_calls_per_day is None:
        raise ValueError("shadow() needs a daily cap: max_usd_per_day (with prices) or max_calls_per_day")
    cap = None
    if max_usd_per_day is not None:
        cap = _price("max_usd_per_day", (max_usd_per_day, 0))[0]
        missing = [c for c in candidates if c not in (prices or {})]
        if missing:
            raise ValueError(f"max_usd_per_day needs prices for {', '.join(missing)} (USD per 1M tokens, e.g. "
                             "prices={'gpt-4.1-mini': ('0.40', '1.60')}): the SDK ships no price table; "
                             "or cap the count with max_calls_per_day")
    if max_calls_per_day is not None and (isinstance(max_calls_per_day, bool) or not isinstance(max_calls_per_day, int)
                                          or max_calls_per_day < 0):
        raise ValueError("max_calls_per_day must be a whole number >= 0")
    if comparator is not None and not callable(comparator) and comparator not in BUILT_IN:
        raise ValueError(f"comparator must be a callable or one of {', '.join(BUILT_IN)}")
    hints = {c: _price(c, v) for c, v in (prices or {}).items()}
    budget = Budget(cap, max_calls_per_day, hints, today or (lambda: _dt.datetime.now(_dt.timezone.utc).date()))
    plan = ShadowPlan(endpoint_name, candidates, float(sample), comparator, agree_at, budget, clients or {}, seed)
    plans[endpoint_name] = plan
    return plan


def _named_provider(candidate: str, clients: Optional[Mapping[str, Any]]) -> None:
    if "/" in candidate and integrations.get(candidate.split("/", 1)[0]):
        return
    raise ValueError(f"cannot tell the provider of candidate {candidate!r}; write it as provider/model "
                     f"(e.g. anthropic/{candidate})")


def sampled(tags: Mapping[str, Any]) -> Optional[ShadowPlan]:
    """The endpoint's plan when this call is sampled, else None (on the app's path)."""
    plan = plans.get(tags.get("endpoint_name") or "default")
    if plan is None or not plan.sampled():
        return None
    plan.count("sampled")
    return plan


class Job:
    """One sampled call: what to replay and what the app got (read on the worker, never sent)."""

    __slots__ = ("plan", "model", "provider", "messages", "params", "client", "response", "adapter",
                 "latency_ms", "started_at")

    def __init__(self, plan: ShadowPlan, model: str, provider: Optional[str], messages: Any, params: dict,
                 client: Any, response: Any, adapter: Any, latency_ms: float) -> None:
        self.plan, self.model, self.provider, self.messages, self.params = plan, model, provider, messages, params
        self.client, self.response, self.adapter, self.latency_ms = client, response, adapter, latency_ms
        self.started_at = time.time()


class Worker:
    """A bounded queue and one lazy daemon thread that runs the shadow calls."""

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue(maxsize=C.SHADOW_QUEUE_SIZE)
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def submit(self, job: Job) -> None:
        """Hand a job over without blocking; a full queue drops it (counted)."""
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            job.plan.count("dropped_queue_full")
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="tokenoptimizer-shadow", daemon=True)
                    self._thread.start()

    def idle(self, timeout: float) -> bool:
        """Wait until every queued job has run (tests and benches); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.jobs.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        tracking_active.set(True)  # a shadow call is never usage: instrumented clients skip it
        while True:
            job = self.jobs.get()
            try:
                from ._shadow_run import run_job
                run_job(job)
            except Exception:  # the worker must survive anything; the app never hears of it
                log_once("shadow-job", "tokenoptimizer: a shadow comparison failed", level=logging.ERROR)
                logger.debug("tokenoptimizer: shadow failure", exc_info=True)
            finally:
                self.jobs.task_done()


worker = Worker()


def submit(plan: ShadowPlan, model: str, provider: Optional[str], messages: Any, params: dict, client: Any,
           response: Any, adapter: Any, latency_ms: float) -> None:
    """Queue a sampled call for its candidates; never raises into the app."""
    try:
        if get_config().disabled:
            return
        worker.submit(Job(plan, model, provider, messages, params, client, response, adapter, latency_ms))
    except Exception:
        log_once("shadow-submit", "tokenoptimizer: could not queue a shadow comparison", level=logging.ERROR)


def openai_style(adapter: Any, kwargs: Mapping[str, Any]) -> Optional[tuple[Any, dict]]:
    """(messages, params) of an instrumented chat request in tracked_completion's shape, or None.

    OpenAI and Mistral chat requests are that shape already; an Anthropic request's `system`
    becomes the first message. Other calls (Responses, embeddings, Gemini) are not replayed.
    """
    messages = kwargs.get("messages")
    if not isinstance(messages, list) or not isinstance(kwargs.get("model"), str):
        return None
    params = {k: v for k, v in kwargs.items() if k not in ("model", "messages", "stream", "stream_options")}
    if adapter.provider == "anthropic":
        system = params.pop("system", None)
        if system is not None:
            messages = [{"role": "system", "content": system}, *messages]
        return messages, params
    if adapter.provider in ("openai", "mistral") and "system" not in params:
        return messages, params
    return None


def observe_instrumented(original: Callable, args: tuple, kwargs: dict, adapter: Any, is_async: bool) -> Any:
    """An instrumented client's call, shadowed when its endpoint's plan samples it (see _patch)."""
    from ._context import current_tags
    from ._observe import observe_async, observe_sync

    request = None if kwargs.get("stream") or tracking_active.get() else openai_style(adapter, kwargs)
    plan = sampled(current_tags()) if request is not None else None
    if plan is None:
        return observe_async(original, args, kwargs, adapter) if is_async else observe_sync(original, args, kwargs, adapter)
    # The resource's own client serves an OpenAI candidate when it is a sync client.
    client = None if is_async or not args else getattr(args[0], "_client", None)
    provider = adapter.provider_of(args)

    def hand_over(result: Any, t0: float) -> Any:
        submit(plan, kwargs["model"], provider, request[0], request[1], client, result, adapter,
               (time.perf_counter() - t0) * 1e3)
        return result

    t0 = time.perf_counter()
    if is_async:
        async def run() -> Any:
            return hand_over(await observe_async(original, args, kwargs, adapter), t0)
        return run()
    return hand_over(observe_sync(original, args, kwargs, adapter), t0)


def _after_fork_in_child() -> None:
    global worker
    worker = Worker()  # the parent's thread does not exist here


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

