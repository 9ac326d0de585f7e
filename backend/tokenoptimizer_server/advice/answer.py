"""The shapes of the plan and equivalence answers (published in /api/openapi.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..api.answers import Amount, Answer


class RulePassed(Answer):
    rule: str = Field(description="context, deprecation, tools, json_output, images, generation, tier or equivalence.")
    detail: str


class PlanOption(Answer):
    type: Literal["cheaper_model", "summarise_history", "shorter_answers"]
    model: str | None
    provider: str | None = None
    suggested_model: str | None
    priced_as: str | None = Field(None, description="The price row the suggestion was priced with (ingest's resolver).")
    monthly_saving: Amount = Field(description="Exact, 30 days at the range's daily rate.")
    current_monthly_cost: str | None = None
    suggested_monthly_cost: str | None = None
    saving_share: str | None = None
    equivalence: bool = False
    tokens_saved: int | None = None
    rules_passed: list[RulePassed]
    evidence: dict | None = Field(description="Shadow comparison evidence for this candidate, when there is any.")
    message: str


class Refusal(Answer):
    model: str
    candidate_model: str
    rule: str
    detail: str


class EndpointPlan(Answer):
    endpoint_name: str
    models: list[str]
    requests: int
    cost: Amount = Field(description="What the endpoint cost in the range (as stored).")
    monthly_cost: Amount
    monthly_saving: Amount = Field(description="The best option's; 0 without one.")
    best: PlanOption | None
    alternatives: list[PlanOption]
    other_advice: list[PlanOption] = Field(description="Summarise-history / shorter-answers advice beyond the alternatives.")
    refused: list[Refusal] = Field(description="Cheaper candidates that failed a rule, with the rule and why.")


class OptimizationPlanAnswer(Answer):
    from_: str = Field(alias="from")
    to: str
    monthly_saving: Amount = Field(description="Each endpoint's best option once.")
    monthly_cost: Amount
    plans: list[EndpointPlan] = Field(description="Largest monthly saving first.")


class Equivalence(Answer):
    id: str
    endpoint_name: str | None
    model: str
    candidate_model: str
    note: str | None
    created_at: str


class EquivalencesAnswer(Answer):
    equivalences: list[Equivalence]
