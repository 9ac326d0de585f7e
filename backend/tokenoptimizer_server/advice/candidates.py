"""Candidate models for one endpoint x model, judged by the rules and priced by ingest's resolver.

Candidates are the catalogue's chat models of the current model's provider whose list rates are
lower, one name per family, plus whatever the project's equivalence map names (any provider).
The current side is what ingest stored (its cost and pricing_model); a candidate's side is the
same requests, shape by shape, priced with pricing.PriceBook and pricing.price_request, as the
simulator and ingest do. No second resolver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import psycopg

from ..pricing import Price, PriceBook, Unpriced, Usage, cost_at, price_request
from ..pricing.cost import rates_for
from ..pricing.catalogue_fields import family, size_tier
from .rules import Entry, Profile, Verdict, judge

# Not a drop-in for a general chat endpoint: fine-tunes, special-purpose variants, coding models and
# agent builds (codestral, devstral, mistral-code, vibe-cli), experimental "labs" listings.
_SPECIAL = re.compile(r"^ft:|audio|realtime|search|preview|transcribe|tts|image|embedding|moderation|codestral|"
                      r"devstral|-code|vibe-cli|^labs-|computer-use", re.I)
REFUSED_SHOWN = 5  # refused candidates kept per endpoint x model, cheapest list rates first

_CATALOGUE_SQL = """
select model, provider, family, tier, generation::float8 as generation, max_input_tokens, supports,
       deprecation_date, successor_model
from public.model_catalogue where coalesce(mode, 'chat') = 'chat'"""


def load_catalogue(conn: psycopg.Connection) -> dict[str, Entry]:
    """Every chat model the catalogue describes, by name (names as in model_pricing)."""
    return {r["model"]: Entry(r["model"], r["provider"], r["family"], r["tier"], r["generation"],
                              r["max_input_tokens"], r["supports"] or {}, r["deprecation_date"], r["successor_model"])
            for r in conn.execute(_CATALOGUE_SQL).fetchall()}


def current_entry(conn: psycopg.Connection, catalogue: dict[str, Entry], names: tuple[str, ...],
                  provider: str | None) -> Entry:
    """The current model's catalogue entry; a retired model the catalogue dropped (claude-3-5-sonnet)
    is described from its name by the catalogue's own rules (family, size words, generation rank)."""
    for name in names:
        if name in catalogue:
            return catalogue[name]
    name = family(names[-1])
    generation = conn.execute("select public.model_generation(%s, %s)::float8 as g", (provider, name)).fetchone()["g"]
    return Entry(names[-1], provider, name, size_tier(name), generation)


@dataclass(frozen=True)
class Shape:
    """Priced requests of the recent window that get the same rates on any model (one service tier,
    one side of every long-context threshold): their summed tokens, what ingest stored for them, and
    their smallest and largest prompt (endpoint_profiles groups them)."""

    requests: int
    usage: Usage
    stored_cost: Decimal
    min_prompt: int
    max_prompt: int

    @classmethod
    def from_json(cls, row: list) -> "Shape":
        n, prompt, completion, cached, written, written_1h, reasoning, tier, cost, low, high = row
        return cls(n, Usage(prompt, completion, cached, written, written_1h, tier, reasoning), Decimal(cost), low, high)


def summed(shapes: list[Shape]) -> Usage | None:
    """All the groups' tokens as one usage, when none names a service tier (else None)."""
    if any(s.usage.service_tier for s in shapes):
        return None
    n = [0] * 6
    for s in shapes:
        u = s.usage
        n[0] += u.prompt_tokens
        n[1] += u.completion_tokens
        n[2] += u.cached_tokens
        n[3] += u.cache_write_tokens
        n[4] += u.cache_write_1h_tokens
        n[5] += u.reasoning_tokens
    return Usage(n[0], n[1], n[2], n[3], n[4], None, n[5])


def cost_on(price: Price, shapes: list[Shape], total: Usage | None = None) -> Decimal | None:
    """The groups' requests priced on `price` as ingest would price each; None when any cannot be.

    The cost is linear in the tokens at one set of rates, so a group is priced on its sum at the
    rates its smallest and largest prompt get (the same for every request between them, else None:
    the group straddles one of this price's thresholds). `total` is summed(shapes): a price without
    long-context tiers charges every group the same rates, so the whole sum is priced once."""
    try:
        if total is not None and not price.context_tiers:
            return price_request(price, total).total_cost
        cost = Decimal(0)
        for shape in shapes:
            u = shape.usage
            low = rates_for(price, Usage(shape.min_prompt, 0, service_tier=u.service_tier))
            if rates_for(price, Usage(shape.max_prompt, 0, service_tier=u.service_tier)) != low:
                return None
            cost += cost_at(low, u).total_cost
    except Unpriced:
        return None
    return cost


def _cheaper_rates(candidate: Price, current: Price) -> bool:
    if candidate.input_price is None or not candidate.output_price:
        return False  # no rate, or a free listing (labs, previews): nothing a team can plan on
    if current.input_price is None or current.output_price is None:
        return True
    return (candidate.input_price <= current.input_price and candidate.output_price <= current.output_price
            and (candidate.input_price < current.input_price or candidate.output_price < current.output_price))


def default_candidates(catalogue: dict[str, Entry], book: PriceBook, project: str, provider: str,
                       current: Entry | None, current_price: Price) -> list[tuple[Entry, Price]]:
    """Same-provider chat models with lower list rates, one per family (the shortest name)."""
    families: dict[str, tuple[Entry, Price]] = {}
    for entry in sorted(catalogue.values(), key=lambda e: (len(e.model), e.model)):
        if entry.provider != provider or _SPECIAL.search(entry.model):
            continue
        family = entry.family or entry.model
        if family in families or (current is not None and family == current.family):
            continue
        price = book.resolve(entry.model, project)
        if price is None or price.billing_unit != "token" or not _cheaper_rates(price, current_price):
            continue
        families[family] = (entry, price)
    return list(families.values())


@dataclass
class Judged:
    entry: Entry
    price: Price
    verdict: Verdict
    equivalent: bool
    evidence: dict | None


def judge_all(current: Entry | None, pairs: list[tuple[Entry, Price, bool]], profile: Profile, today: date,
              evidence: dict[str, dict], rungs: tuple[int, ...]) -> tuple[list[Judged], list[Judged]]:
    """(passed, refused): every candidate through the rules, each with its verdict."""
    passed, refused = [], []
    for entry, price, equivalent in pairs:
        shadow = evidence.get(entry.model)
        verdict = judge(current, entry, profile, today, shadow, equivalent, rungs)
        (refused if verdict.refused else passed).append(Judged(entry, price, verdict, equivalent, shadow))
    return passed, refused
