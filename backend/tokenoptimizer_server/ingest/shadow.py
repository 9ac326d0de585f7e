"""Shadow verdicts in the event contract: an event with a `shadow` object is stored in shadow_runs.

The event's own fields describe the candidate's call (model, provider, tokens, latency, status);
`shadow` says what it was compared with and the verdict. Both sides are priced with ingest's own
resolver (PriceBook + quote), and none of it touches usage_logs or its rollups.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from ..pricing import PriceBook, Usage, quote

_NO_NUL = r"^[^\x00]*$"
Tokens = Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]
Millis = Annotated[StrictInt | StrictFloat, Field(ge=0, le=86_400_000)]


class ShadowVerdict(BaseModel):
    """What a shadow call was compared with, and the verdict. Counts and names only: no text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampled_call_id: UUID
    current_model: Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=_NO_NUL)]
    current_provider: Annotated[StrictStr, Field(min_length=1, max_length=50, pattern=_NO_NUL)] | None = None
    current_prompt_tokens: Tokens
    current_completion_tokens: Tokens
    current_cached_tokens: Tokens = 0
    current_cache_write_tokens: Tokens = 0
    current_latency_ms: Millis | None = None
    score: Annotated[StrictInt | StrictFloat, Field(ge=0, le=1)] | None = None
    agreed: StrictBool | None = None
    comparator: Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=_NO_NUL)]

    @model_validator(mode="after")
    def _judged_together(self):
        if (self.score is None) != (self.agreed is None):
            raise ValueError("score and agreed come together (both null when nothing was compared)")
        if self.current_cached_tokens + self.current_cache_write_tokens > self.current_prompt_tokens:
            raise ValueError("current_cached_tokens + current_cache_write_tokens cannot exceed current_prompt_tokens")
        return self


def _cost(book: PriceBook, project_id: str, model: str, usage: Usage) -> tuple[Any, str | None]:
    """(total cost as an exact string or None, the pricing row's model) as ingest prices usage."""
    matched = book.resolve(model, project_id)
    q = quote(matched, usage)
    if q.cost is None:
        return None, None
    return format(q.cost.total_cost, "f"), matched.model


def shadow_row(event: Any, event_id: str, project_id: str, provider: str, book: PriceBook, now: str) -> dict:
    """The shadow_runs row of one verdict event (JSON-ready: money as exact strings)."""
    v: ShadowVerdict = event.shadow
    candidate_cost, candidate_model = _cost(book, project_id, event.model, Usage(
        event.prompt_tokens, event.completion_tokens, event.cached_tokens, event.cache_write_tokens,
        event.cache_write_1h_tokens, event.service_tier, event.reasoning_tokens))
    current_cost, current_model = _cost(book, project_id, v.current_model, Usage(
        v.current_prompt_tokens, v.current_completion_tokens, v.current_cached_tokens, v.current_cache_write_tokens,
        0, None, 0))
    return {
        "shadow": True, "id": event_id, "project_id": project_id,
        "ts": event.timestamp.isoformat() if event.timestamp else now, "endpoint_name": event.endpoint_name,
        "sampled_call_id": str(v.sampled_call_id), "current_model": v.current_model,
        "current_provider": v.current_provider, "candidate_model": event.model, "candidate_provider": provider,
        "status": event.status, "error_type": event.error_type, "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens, "cached_tokens": event.cached_tokens,
        "cache_write_tokens": event.cache_write_tokens, "latency_ms": event.latency_ms,
        "current_prompt_tokens": v.current_prompt_tokens, "current_completion_tokens": v.current_completion_tokens,
        "current_cached_tokens": v.current_cached_tokens, "current_cache_write_tokens": v.current_cache_write_tokens,
        "current_latency_ms": v.current_latency_ms, "score": v.score, "agreed": v.agreed, "comparator": v.comparator,
        "candidate_cost": candidate_cost, "candidate_pricing_model": candidate_model,
        "current_cost": current_cost, "current_pricing_model": current_model,
        "pricing_version": book.version, "sdk_version": event.sdk.version if event.sdk else None,
    }


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(usage rows, shadow rows) of a batch; a batch without verdicts is returned as it is."""
    shadow = [r for r in rows if "shadow" in r]
    if not shadow:
        return rows, shadow
    return [r for r in rows if "shadow" not in r], shadow
