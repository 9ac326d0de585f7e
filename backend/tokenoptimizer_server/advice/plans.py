"""One plan per endpoint: its spend, the best option and up to two alternatives, per month.

SQL (public.endpoint_profiles) describes each endpoint x model's traffic without prices; this
module prices it: the current side as ingest stored it, candidates with ingest's resolver, the
summarise-history and shorter-answers advice at the stored price row's list rates. Monthly
figures are the range's daily rate x 30 days, exact to 12 decimals (as the simulator's).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg
from flask import g, has_request_context

from .. import shadow
from ..pricing import PriceBook
from ..pricing.resolve import PriceCache
from ..pricing.cost import list_cost
from ..pricing.store import current_version, load_rows
from ..simulate import MONTH_DAYS, PROJECTED
from .candidates import (REFUSED_SHOWN, Shape, cost_on, current_entry, default_candidates, judge_all, load_catalogue,
                         summed)
from .rules import Entry, Profile, ladder

ALTERNATIVES = 2
_DAY_US = 86_400_000_000
_PROFILES_SQL = "select public.endpoint_profiles(%s, %s, %s, %s, %s, %s, %s, %s, %s) as body"
# The recent window the profile reads: the range's most recent requests, and at most this many of
# each endpoint x model (5,000 keeps /api/optimization near 80 ms at 10M rows; docs/benchmarks.md).
RECENT_WALK, RECENT_SAMPLE = 5_000, 2_000
# Price books reloaded only when the price version moves on (as ingest's): loading every row took a
# quarter of a plan's time. Keyed by caller and project: a signed-in caller's connection sees only
# its own projects' price rows, so one caller's book is never another's.
_BOOKS: dict[tuple[str, str], PriceCache] = {}


def _price_book(conn: psycopg.Connection, project: str) -> PriceBook:
    user = g.get("signed_in_user") if has_request_context() else None
    key = (str(user["id"]) if user else "", project)
    if key not in _BOOKS and len(_BOOKS) >= 256:
        _BOOKS.clear()
    return _BOOKS.setdefault(key, PriceCache()).book(current_version(conn), lambda: load_rows(conn))


_EQUIVALENCES_SQL = """
select endpoint_name, model, candidate_model from public.model_equivalences
where project_id = %s order by endpoint_name nulls last, model, candidate_model"""


def money(value: Decimal) -> str:
    """An exact decimal string (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f") if value else "0"


class Month:
    """30 days at the daily rate of traffic seen over `span_us` microseconds (at least an hour)."""

    def __init__(self, start: datetime, end: datetime, now: datetime, first: datetime | None):
        begin = max(first, start) if first else start
        self.span_us = max((min(end, now) - begin) // timedelta(microseconds=1), _DAY_US // 24)

    def of(self, amount: Decimal, scale: tuple[int, int] = (1, 1)) -> Decimal:
        """amount x scale (range requests / sampled) per month: integers until one division."""
        numerator = amount * scale[0] * MONTH_DAYS * _DAY_US
        return (numerator / (Decimal(scale[1]) * self.span_us)).quantize(PROJECTED)


def _first(profile: dict) -> datetime | None:
    """The first request in the range when the window saw all of them; else the range's start counts."""
    if profile["first_ts"] and profile["sampled"] >= profile["requests"]:
        return datetime.fromisoformat(profile["first_ts"])
    return None


def _option(kind: str, profile: dict, saving_month: Decimal, message: str, **fields) -> dict:
    return {"type": kind, "model": profile["model"], "provider": profile.get("provider"),
            "monthly_saving": money(saving_month), "message": message, "suggested_model": None,
            "rules_passed": [], "evidence": None, **fields}


def _model_options(conn: psycopg.Connection, p: dict, book: PriceBook, project: str, catalogue: dict[str, Entry],
                   equivalences: list[dict], evidence: dict, month: Month, today,
                   memo: dict) -> tuple[list[dict], list[dict]]:
    """Cheaper-model options for one endpoint x model that pass every rule, and the refused ones."""
    current_price = book.resolve(p["pricing_model"], project) if p["pricing_model"] else None
    shapes = [Shape.from_json(row) for row in p["usage"]]
    if current_price is None or not shapes:
        return [], []
    stored = sum((s.stored_cost for s in shapes), Decimal(0))
    if not stored:
        return [], []  # nothing spent (failed calls, free tiers): nothing a cheaper model could save
    # The same model on several endpoints has the same entry and candidates: looked up once a plan.
    key = (current_price.model, p["model"], p["provider"])
    if key not in memo:
        current = current_entry(conn, catalogue, key[:2], p["provider"])
        memo[key] = current, default_candidates(catalogue, book, project, p["provider"], current, current_price)
    current, defaults = memo[key]
    pairs = [(e, pr, False) for e, pr in defaults]
    named = {eq["candidate_model"] for eq in equivalences
             if eq["model"] in (p["model"], current_price.model) and eq["endpoint_name"] in (None, p["endpoint_name"])}
    pairs = [(e, pr, e.model in named) for e, pr, _ in pairs if e.model not in named]
    for name in sorted(named):
        price = book.resolve(name, project)
        if price is not None:
            pairs.append((catalogue.get(name) or catalogue.get(price.model) or Entry(name), price, True))
    profile = Profile(p["largest_prompt"], p["uses_tools"], p["uses_json"], p["uses_images"])
    passed, refused = judge_all(current, pairs, profile, today, evidence.get((p["endpoint_name"], p["model"]), {}),
                                ladder(catalogue.values(), p["provider"], today))
    scale = (p["requests"], p["sampled"])
    total = summed(shapes)
    options = []
    for j in passed:
        cost = cost_on(j.price, shapes, total)
        if cost is None or cost >= stored:
            continue
        saving = month.of(stored - cost, scale)
        options.append(_option(
            "cheaper_model", p, saving,
            f"Move {p['endpoint_name']} from {p['model']} to {j.entry.model}: about ${money(saving)} a month less "
            f"for the same requests.",
            suggested_model=j.entry.model, priced_as=j.price.model, equivalence=j.equivalent,
            current_monthly_cost=money(month.of(stored, scale)), suggested_monthly_cost=money(month.of(cost, scale)),
            saving_share=money(((stored - cost) / stored).quantize(Decimal("0.0001"))) if stored else None,
            rules_passed=j.verdict.passed, evidence=j.evidence))
    refusals = [{"model": p["model"], "candidate_model": j.entry.model, **j.verdict.refused}
                for j in sorted(refused, key=lambda j: (j.price.input_price + j.price.output_price, j.entry.model))]
    return options, refusals[:REFUSED_SHOWN]


def _token_options(kind: str, rows: list[dict], book: PriceBook, project: str, months: dict,
                   volume: dict) -> dict[str, list]:
    """Summarise-history / shorter-answers advice priced at the stored row's list rates, by endpoint.

    The token counts come from a sample (the 50 most recent sessions, the 10,000 most recent
    answers): the saving is scaled by the range's requests over the sample's, like the model options."""
    out: dict[str, list] = {}
    for r in rows:
        price = book.resolve(r["pricing_model"], project) if r["pricing_model"] else None
        if price is None:
            continue
        saved = list_cost(price, r["tokens_saved"], 0) if kind == "summarise_history" else \
            list_cost(price, 0, r["tokens_saved"])
        month = months.get((r["endpoint_name"], r["model"])) or months["range"]
        if not saved:
            continue
        sampled = r["sampled_requests"] if kind == "summarise_history" else r["requests"]
        scale = (max(volume.get((r["endpoint_name"], r["model"]), 0), sampled), sampled) if r["sample_capped"] else (1, 1)
        monthly = month.of(saved, scale)
        if kind == "summarise_history":
            message = (f"Summarise the history of conversations on {r['endpoint_name']}: {r['sessions']} recent "
                       f"conversations would have sent {r['tokens_saved']:,} fewer prompt tokens.")
        else:
            message = (f"Ask for shorter answers on {r['endpoint_name']}, or cap them at {r['cap_tokens']:,} tokens "
                       f"(twice the median): {r['long_answers']} of {r['requests']} recent answers were longer.")
        out.setdefault(r["endpoint_name"], []).append(_option(
            kind, {"model": r["model"]}, monthly, message, tokens_saved=r["tokens_saved"], priced_as=price.model))
    return out


def build_plans(conn: psycopg.Connection, project: uuid.UUID, start: datetime, end: datetime,
                model: str | None = None, endpoint: str | None = None, provider: str | None = None,
                now: datetime | None = None) -> dict:
    """The plan per endpoint, sorted by monthly saving; the total counts each endpoint's best option once."""
    now = now or datetime.now(timezone.utc)
    book, catalogue = _price_book(conn, str(project)), load_catalogue(conn)
    body = conn.execute(_PROFILES_SQL, (project, start, end, model, endpoint, provider, RECENT_WALK, RECENT_SAMPLE,
                                        book.long_context_thresholds())).fetchone()["body"]
    equivalences = conn.execute(_EQUIVALENCES_SQL, (project,)).fetchall()
    evidence: dict = {}
    for row in shadow.evidence(conn, project, start, end, endpoint)["evidence"]:
        evidence.setdefault((row["endpoint_name"], row["current_model"]), {})[row["candidate_model"]] = row
    months = {"range": Month(start, end, now, None)}
    volume: dict[tuple[str, str], int] = {}
    for p in body["profiles"]:  # per endpoint x model, over providers
        volume[(p["endpoint_name"], p["model"])] = volume.get((p["endpoint_name"], p["model"]), 0) + p["requests"]
    plans: dict[str, dict] = {}
    memo: dict = {}
    for p in body["profiles"]:
        month = months[(p["endpoint_name"], p["model"])] = Month(start, end, now, _first(p))
        plan = plans.setdefault(p["endpoint_name"], {"endpoint_name": p["endpoint_name"], "requests": 0,
                                                     "cost": Decimal(0), "monthly_cost": Decimal(0),
                                                     "models": [], "options": [], "refused": []})
        plan["requests"] += p["requests"]
        plan["cost"] += Decimal(p["cost"])
        plan["monthly_cost"] += month.of(Decimal(p["cost"]))
        plan["models"].append(p["model"])
        options, refused = _model_options(conn, p, book, str(project), catalogue, equivalences, evidence, month,
                                          now.date(), memo)
        plan["options"] += options
        plan["refused"] += refused
    for kind, rows in (("summarise_history", body["summaries"]), ("shorter_answers", body["long_answers"])):
        for name, options in _token_options(kind, rows, book, str(project), months, volume).items():
            if name in plans:
                plans[name]["options"] += options
    return _answer(list(plans.values()), start, end)


def _answer(plans: list[dict], start: datetime, end: datetime) -> dict:
    shown = []
    for plan in plans:
        if not plan["options"] and not plan["refused"] and not plan["cost"]:
            continue  # failed or unpriced traffic only: nothing to plan (the alerts say why)
        options = sorted(plan["options"], key=lambda o: (-Decimal(o["monthly_saving"]), o["type"],
                                                         o["suggested_model"] or ""))
        best = options[0] if options else None
        alternatives = options[1:1 + ALTERNATIVES]
        # Summaries and shorter answers save on the same traffic as a model switch: kept in view.
        other = [o for o in options[1 + ALTERNATIVES:] if o["type"] != "cheaper_model"]
        shown.append({
            "endpoint_name": plan["endpoint_name"], "models": plan["models"], "requests": plan["requests"],
            "cost": money(plan["cost"]), "monthly_cost": money(plan["monthly_cost"]),
            "monthly_saving": best["monthly_saving"] if best else "0",
            "best": best, "alternatives": alternatives, "other_advice": other, "refused": plan["refused"]})
    shown.sort(key=lambda p: (-Decimal(p["monthly_saving"]), p["endpoint_name"]))
    total = sum((Decimal(p["monthly_saving"]) for p in shown), Decimal(0))
    spend = sum((Decimal(p["monthly_cost"]) for p in shown), Decimal(0))
    return {"from": start.isoformat(), "to": end.isoformat(), "monthly_saving": money(total),
            "monthly_cost": money(spend), "plans": shown}
