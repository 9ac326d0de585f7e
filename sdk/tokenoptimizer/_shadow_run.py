"""One sampled call on the shadow worker: each candidate called, compared, and its verdict recorded."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Optional

from . import integrations
from ._compare import answer_text, compare
from ._consumer import record
from ._event import build_event, log_once
from ._shadow import Job, ShadowPlan

logger = logging.getLogger("tokenoptimizer")


def run_job(job: Job) -> None:
    """Replay the job's request on every candidate of its plan, within the plan's daily budget."""
    model, raw_usage, _tier = job.adapter.read(job.response)
    current = {
        "model": str(model or job.model), "provider": job.provider,
        "usage": job.adapter.parse_usage(raw_usage) or {}, "text": answer_text(job.response),
        "sampled_call_id": str(uuid.uuid4()),  # groups the candidates' verdicts of one sampled call
    }
    for candidate in job.plan.candidates:
        _run_candidate(job, candidate, current)


def _route(candidate: str) -> tuple[Any, str, str]:
    """(integration, provider, model name) as tracked_completion routes it; "provider/model" names one."""
    prefix, _, rest = candidate.partition("/")
    named = integrations.get(prefix) if rest else None
    if named is not None:
        return named, named.provider, rest
    integration = integrations.get(integrations.provider_for_model(candidate.rsplit("/", 1)[-1]) or "")
    if integration is None:
        raise ValueError(f"no provider for candidate {candidate!r}")
    return integration, integration.provider, candidate


def _client(job: Job, integration: Any) -> Any:
    """The developer's client for this provider, else the app's own sync client, else the provider's default."""
    plan = job.plan
    for key in (integration.name, integration.provider):
        if key in plan.clients:
            return plan.clients[key]
    if job.client is not None and integration.owns_client(job.client):
        return job.client
    from ._tracked import _default_client
    return _default_client(integration, False)


def _run_candidate(job: Job, candidate: str, current: dict) -> None:
    plan = job.plan
    usage = current["usage"]
    estimate = plan.budget.cost(candidate, usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
    with plan._lock:
        admitted = plan.budget.admit(candidate, estimate)
    if not admitted:
        plan.count("skipped_budget")
        return
    plan.count("shadow_calls")
    integration, provider, name = _route(candidate)
    started_at = time.time()
    t0 = time.perf_counter()
    status, error_type, response = "ok", None, None
    try:
        client = _client(job, integration)
        fn, kwargs, adapter = integration.completion_call(client, name, job.messages, False, dict(job.params), False)
        response = fn(**kwargs)
    except Exception as exc:  # a failing candidate is evidence too, never the app's problem
        status, error_type = "error", type(exc).__name__
        plan.count("errors")
    latency_ms = (time.perf_counter() - t0) * 1000.0
    cand_usage, cand_model = None, name
    if response is not None:
        found_model, raw, _tier = adapter.read(response)
        cand_usage, cand_model = adapter.parse_usage(raw), found_model or name
    actual = None
    if cand_usage:
        actual = plan.budget.cost(candidate, cand_usage["prompt_tokens"], cand_usage["completion_tokens"])
    with plan._lock:
        plan.budget.settle(estimate, actual)
    score, agreed, comparator = _judge(plan, current["text"], answer_text(response) if response is not None else None)
    event = build_event(model=cand_model, provider=provider, usage=cand_usage, latency_ms=latency_ms, status=status,
                        error_type=error_type, stream=None, service_tier=None,
                        tags={"endpoint_name": plan.endpoint_name}, salt="", started_at=started_at)
    event["shadow"] = _verdict(current, job.latency_ms, score, agreed, comparator)
    record(event)
    plan.count("verdicts")


def _judge(plan: ShadowPlan, current: Optional[str], candidate: Optional[str]) -> tuple[Any, Any, str]:
    """(score, agreed, comparator name); (None, None, name) when there is nothing to compare."""
    name = plan.comparator if isinstance(plan.comparator, str) else \
        getattr(plan.comparator, "__name__", "auto") if plan.comparator is not None else "auto"
    if current is None or candidate is None:
        plan.count("not_compared")
        return None, None, str(name)[:100]
    try:
        return compare(current, candidate, plan.comparator, plan.agree_at)
    except Exception:
        log_once("shadow-compare", "tokenoptimizer: a shadow comparator failed; verdict recorded without a score",
                 level=logging.ERROR)
        logger.debug("tokenoptimizer: comparator failure", exc_info=True)
        plan.count("not_compared")
        return None, None, str(name)[:100]


def _verdict(current: dict, latency_ms: float, score: Any, agreed: Any, comparator: str) -> dict:
    """The `shadow` object of a verdict event: counts, timings and the judgement, never text."""
    usage = current["usage"]
    verdict = {
        "current_model": current["model"][:200], "sampled_call_id": current["sampled_call_id"],
        "current_prompt_tokens": usage.get("prompt_tokens") or 0,
        "current_completion_tokens": usage.get("completion_tokens") or 0,
        "current_cached_tokens": usage.get("cached_tokens") or 0,
        "current_cache_write_tokens": usage.get("cache_write_tokens") or 0,
        "current_latency_ms": round(max(0.0, latency_ms), 3),
        "score": score, "agreed": agreed, "comparator": comparator,
    }
    if current["provider"]:
        verdict["current_provider"] = str(current["provider"])[:50]
    return verdict

