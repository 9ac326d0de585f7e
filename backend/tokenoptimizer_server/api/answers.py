"""The answers' shapes (docs/api.md), as pydantic models: checked on every answer, published in
/api/openapi.json, and generated into the dashboard's TypeScript types (frontend/src/data/api-types.gen.ts).

Money is a decimal string (null when unpriced); times are ISO 8601 with zone.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

Money = Annotated[str | None, Field(description="USD as a decimal string; null when unpriced.")]
Amount = Annotated[str, Field(description="USD as a decimal string.")]


class Answer(BaseModel):
    """Answers may grow fields; a client ignores what it does not know."""


class Project(Answer):
    id: uuid.UUID
    name: str


class ConfigAnswer(Answer):
    """What the dashboard needs to start."""

    mode: Literal["local", "selfhosted", "hosted"]
    auth_required: bool
    is_admin: bool
    project: Project | None
    base_url: str
    api_key: str | None = Field(description="Local mode, loopback only: the first project key, for the snippet.")


class Totals(Answer):
    requests: int
    errors: int
    error_rate: float | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int
    cost: Money
    unpriced_requests: int
    avg_latency_ms: float | None
    p95_latency_ms: float | None


class Projection(Answer):
    """This month's cost: month so far + the recent daily rate x the days left (docs/efficiency.md)."""

    month: str
    as_of: datetime
    month_to_date: Amount
    rate_from: datetime
    daily_rate: Money
    days_left: float
    projected: Amount


class DashboardAnswer(Answer):
    from_: datetime = Field(alias="from")
    to: datetime
    totals: Totals
    previous: Totals | None
    change: dict[str, float | None] | None = Field(description="Relative change per total (0.25 = +25%).")
    projection: Projection | None = Field(None, description="The current month's projection (not the range's).")


class TimeseriesPoint(Answer):
    t: datetime
    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: Money
    unpriced_requests: int


class TimeseriesAnswer(Answer):
    bucket: Literal["hour", "day"]
    points: list[TimeseriesPoint]


class BreakdownGroup(Answer):
    key: str
    requests: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: Money
    unpriced_requests: int
    share: float | None
    avg_latency_ms: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None


class BreakdownAnswer(Answer):
    by: Literal["model", "endpoint_name", "provider"]
    groups: list[BreakdownGroup]


class LogRow(Answer):
    id: str
    timestamp: datetime
    model: str
    provider: str | None
    endpoint_name: str
    latency_ms: float | None
    status: Literal["ok", "error"]
    error_type: str | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    input_cost: Money
    output_cost: Money
    total_cost: Money
    priced: bool
    session_id: str | None


class LogsPage(Answer):
    rows: list[LogRow]
    next: str | None = Field(description="Send back as `cursor` for the next page; null on the last.")


class UnpricedModel(Answer):
    model: str
    requests: int
    total_tokens: int
    first_seen: datetime | None
    last_seen: datetime | None


class UnpricedAnswer(Answer):
    models: list[UnpricedModel]


class PricingRow(Answer):
    model: str
    provider: str | None
    input_price: Money
    output_price: Money
    cached_input_price: Money
    cache_write_price: Money
    cache_write_1h_price: Money = None
    long_context_threshold: int | None = None
    long_context_input_price: Money = None
    long_context_output_price: Money = None
    long_context_cached_input_price: Money = None
    service_tiers: dict[str, Any] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    match_pattern: str | None = None
    source: str
    last_updated: datetime
    version: int | None = None


class PricingAnswer(Answer):
    unit: str
    models: list[PricingRow]


class PriceAnswer(Answer):
    unit: str
    model: PricingRow


class PriceChange(Answer):
    version: int | None
    operation: str
    changed_at: datetime
    changed_by: str | None
    old_row: dict[str, Any] | None
    new_row: dict[str, Any] | None


class PriceHistoryAnswer(Answer):
    model: str
    unit: str
    history: list[PriceChange]


class HealthAnswer(Answer):
    status: Literal["ok", "error"]
    database: str


class _Advice(Answer):
    endpoint_name: str
    requests: int
    current_cost: Amount
    suggested_cost: Amount
    savings: Amount
    savings_share: float | None
    message: str


class CheaperModelAdvice(_Advice):
    """The same traffic on a cheaper model of the same provider."""

    type: Literal["cheaper_model"]
    option: Literal["cheapest", "next_cheaper"]
    model: str
    provider: str | None
    suggested_model: str
    prompt_tokens: int
    completion_tokens: int


class SummariseHistoryAdvice(_Advice):
    """Recent conversations whose prompt grows every turn, capped at the 3rd turn's prompt size."""

    type: Literal["summarise_history"]
    prompt_tokens: int
    sessions: int
    tokens_saved: int


class ShorterAnswersAdvice(_Advice):
    """Answers longer than twice their endpoint's median, as if cut there."""

    type: Literal["shorter_answers"]
    model: str
    long_answers: int
    cap_tokens: int
    completion_tokens: int
    tokens_saved: int


Advice = Annotated[CheaperModelAdvice | SummariseHistoryAdvice | ShorterAnswersAdvice, Field(discriminator="type")]


class OptimizationAnswer(Answer):
    recommendations: list[Advice]


class SimulationSide(Answer):
    sample_cost: Amount
    range_cost: Amount = Field(description="The sample's cost scaled to every request of the range.")
    monthly_cost: Amount = Field(description="30 days at the range's daily rate.")


class SimulationTarget(SimulationSide):
    model: str | None
    priced_as: str | None = Field(description="The price row the target resolved to (as ingest would).")
    input_price: str | None = Field(None, description="USD per 1K input tokens of that row.")
    output_price: str | None = Field(None, description="USD per 1K output tokens of that row.")


class SimulationRange(Answer):
    requests: int
    unpriced_requests: int
    cost: Amount


class SimulationSample(Answer):
    requests: int
    compared: int = Field(description="Requests priced both as stored and on the target: the figures compare these.")
    current_unpriced: int
    target_unpriced: int


class SimulationProfile(Answer):
    avg_prompt_tokens: int
    cached_share: str
    cache_write_share: str
    largest_prompt_tokens: int
    long_context_requests: int = Field(description="Requests above the target's first long-context threshold.")
    models: list[str]


class ShadowEvidence(Answer):
    """One endpoint x current model x candidate: how often the candidate agreed, how fast, at what cost."""

    endpoint_name: str
    current_model: str
    candidate_model: str
    candidate_provider: str
    runs: int = Field(description="Shadow calls recorded, errors included.")
    errors: int
    n: int = Field(description="Verdicts with a judgement (the agreement rate's denominator).")
    agreed: int
    agreement_rate: float | None = Field(description="agreed / n, 4 decimals; null when n is 0.")
    agreement_low: float | None = Field(description="Wilson 95% interval, lower bound.")
    agreement_high: float | None = Field(description="Wilson 95% interval, upper bound.")
    p95_latency_ms_candidate: float | None
    p95_latency_ms_current: float | None = Field(description="The current model on the same sampled calls.")
    cost_per_call_candidate: Money
    cost_per_call_current: Money
    shadow_spend: Amount = Field(description="What the priced shadow calls cost (not in the endpoint's totals).")
    unpriced_runs: int
    last_run: datetime


class ShadowSpend(Answer):
    runs: int
    cost: Amount
    unpriced_runs: int


class EvidenceAnswer(Answer):
    evidence: list[ShadowEvidence]
    spend: ShadowSpend = Field(description="Shadow calls in the range: their own spend, outside usage totals.")


class SimulationAnswer(Answer):
    endpoint_name: str
    from_: datetime = Field(alias="from")
    to: datetime
    days: str = Field(description="Days of traffic the monthly figures extrapolate from.")
    range: SimulationRange
    sample: SimulationSample
    profile: SimulationProfile
    current: SimulationSide
    target: SimulationTarget
    monthly_saving: str = Field(description="current.monthly_cost - target.monthly_cost (negative: the target costs more).")
    change: str | None = Field(description="(target - current) / current over the compared requests.")
    evidence: list[ShadowEvidence] = Field(description="Shadow comparisons of this endpoint on the target model "
                                           "(every candidate of the endpoint for a typed price).")
