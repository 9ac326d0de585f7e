"""Whether a candidate model can do an endpoint's job: the rules, each one recorded.

A candidate is judged against the current model's catalogue entry and the endpoint's recent
profile. Every rule it passes is kept (the plan shows them); the first it fails refuses it,
with that rule and why. Hard facts (context window, retirement, tools / JSON / images) hold for
everyone; the quality rules (generation, tier) can be lifted by the project's equivalence map
(the team's own judgement) and the tier limit by shadow evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# Size ranks. A catalogue row without a size word (gpt-4o, gpt-4.1) is a provider's flagship. A step
# is one rung of the provider's own ladder: the ranks its current (not retired) chat models use, so
# OpenAI's flagship -> mini is one step (it has no current mid tier), Anthropic's opus -> haiku two.
TIER_RANK = {"large": 3, None: 3, "medium": 2, "small": 1}
FULL_LADDER = (1, 2, 3)
TIER_NAME = {3: "flagship", 2: "mid", 1: "small"}
MAX_STEP_WITHOUT_EVIDENCE = 1
# Shadow evidence lifts the one-tier limit when the lower bound of the agreement's 95% interval
# reaches this, over at least EVIDENCE_MIN_N compared calls.
EVIDENCE_AGREEMENT = 0.9
EVIDENCE_MIN_N = 30
RETIRING_WITHIN_DAYS = 60


@dataclass(frozen=True)
class Entry:
    """What the catalogue says of one model (public.model_catalogue)."""

    model: str
    provider: str | None = None
    family: str | None = None
    tier: str | None = None
    generation: float | None = None
    max_input_tokens: int | None = None
    supports: dict[str, Any] = field(default_factory=dict)
    deprecation_date: date | None = None
    successor_model: str | None = None


@dataclass(frozen=True)
class Profile:
    """An endpoint x model's recent traffic, as far as the rules need it."""

    largest_prompt: int = 0
    uses_tools: bool = False
    uses_json: bool = False
    uses_images: bool = False


@dataclass
class Verdict:
    passed: list[dict[str, str]] = field(default_factory=list)
    refused: dict[str, str] | None = None

    def ok(self, rule: str, detail: str) -> None:
        self.passed.append({"rule": rule, "detail": detail})

    def refuse(self, rule: str, detail: str) -> "Verdict":
        self.refused = {"rule": rule, "detail": detail}
        return self


def trusted_evidence(evidence: dict | None) -> bool:
    """Shadow runs that agreed often enough, on enough calls, to trust a bigger step down."""
    if not evidence:
        return False
    low = evidence.get("agreement_low")
    return low is not None and float(low) >= EVIDENCE_AGREEMENT and int(evidence.get("n") or 0) >= EVIDENCE_MIN_N


def ladder(entries, provider: str | None, today: date) -> tuple[int, ...]:
    """The tier ranks a provider's current chat models use, smallest first."""
    ranks = {TIER_RANK.get(e.tier, 3) for e in entries if e.provider == provider
             and (e.deprecation_date is None or e.deprecation_date > today)}
    return tuple(sorted(ranks)) or FULL_LADDER


def judge(current: Entry | None, candidate: Entry, profile: Profile, today: date,
          evidence: dict | None = None, equivalent: bool = False, rungs: tuple[int, ...] = FULL_LADDER) -> Verdict:
    """The rules in order; the verdict lists each one passed, or the first one failed."""
    v = Verdict()
    if equivalent:
        v.ok("equivalence", "the project's equivalence map names it for this job")
    window = candidate.max_input_tokens
    if window is not None and window < profile.largest_prompt:
        return v.refuse("context", f"its context window ({window:,} tokens) is smaller than the largest recent "
                                   f"prompt ({profile.largest_prompt:,})")
    v.ok("context", f"holds the largest recent prompt ({profile.largest_prompt:,} of "
                    f"{window:,} tokens)" if window else "context window not published; no prompt to check")
    retires = candidate.deprecation_date
    if retires is not None and retires <= today + timedelta(days=RETIRING_WITHIN_DAYS):
        successor = f"; the provider names {candidate.successor_model}" if candidate.successor_model else ""
        return v.refuse("deprecation", f"retired or retiring on {retires.isoformat()}{successor}")
    v.ok("deprecation", f"not retiring before {retires.isoformat()}" if retires else "no retirement date")
    for used, flag, rule, what in ((profile.uses_tools, "function_calling", "tools", "tool calls"),
                                   (profile.uses_json, "response_schema", "json_output", "structured (JSON) output"),
                                   (profile.uses_images, "vision", "images", "images in the request")):
        if not used:
            continue
        if not candidate.supports.get(flag):
            return v.refuse(rule, f"the endpoint uses {what}; the catalogue does not list {flag} for it")
        v.ok(rule, f"supports {what}, which the endpoint uses")
    if not equivalent:
        _quality(v, current, candidate, evidence, rungs)
    return v


def _quality(v: Verdict, current: Entry | None, candidate: Entry, evidence: dict | None,
             rungs: tuple[int, ...]) -> bool:
    """Generation and tier: True when refused (the verdict says why)."""
    cur_gen = current.generation if current else None
    if cur_gen is not None and candidate.generation is not None:
        if candidate.generation < cur_gen:
            v.refuse("generation", f"an older generation ({candidate.family}, {candidate.generation:g}) than "
                                   f"{current.family} ({cur_gen:g})")
            return True
        v.ok("generation", f"generation {candidate.generation:g}, not older than {cur_gen:g}")
    else:
        v.ok("generation", "not compared: a name without a version number")
    cur_rank = TIER_RANK.get(current.tier if current else None, 3)
    cand_rank = TIER_RANK.get(candidate.tier, 3)
    step = len([r for r in rungs if cand_rank <= r < cur_rank]) if cur_rank > cand_rank else cur_rank - cand_rank
    names = f"{TIER_NAME[cur_rank]} → {TIER_NAME[cand_rank]}"
    if step <= 0:
        v.ok("tier", f"same tier or larger ({names})")
    elif step <= MAX_STEP_WITHOUT_EVIDENCE:
        v.ok("tier", f"one tier down ({names})")
    elif trusted_evidence(evidence):
        v.ok("tier", f"{step} tiers down ({names}), allowed by shadow evidence: agreed on "
                     f"{evidence['agreed']} of {evidence['n']} calls")
    else:
        v.refuse("tier", f"{step} tiers down ({names}) without shadow evidence; at most one tier without it")
        return True
    return False
