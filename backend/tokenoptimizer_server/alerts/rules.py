"""Alert rule kinds: each is one checker that registers itself; the evaluator reads the registry.

A checker looks at one rule and answers, per subject it looked at, a Finding (the condition holds)
or None (it no longer does, so a firing alert resolves). Subjects it did not look at are left alone.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import psycopg



@dataclass(frozen=True)
class Finding:
    """The condition holds for `subject`: the value seen, the message and the evidence."""

    subject: str
    value: Decimal
    message: str
    evidence: dict


@dataclass(frozen=True)
class Rule:
    """A stored rule, as the checkers need it."""

    id: str
    project_id: str
    kind: str
    name: str
    threshold: Decimal | None
    params: dict
    evaluated_at: datetime | None


Check = Callable[[psycopg.Connection, Rule, set[str], datetime], dict[str, Finding | None]]


@dataclass(frozen=True)
class Kind:
    """What a kind watches, its defaults, and whether a resolved subject may fire again."""

    name: str
    description: str
    default_threshold: Decimal | None
    check: Check
    default_params: dict = field(default_factory=dict)
    refires: bool = True


KINDS: dict[str, Kind] = {}


def kind(name: str, description: str, default_threshold: str | None, *, refires: bool = True, **params):
    """Register a checker under a kind name (decorator)."""
    def register(check: Check) -> Check:
        threshold = Decimal(default_threshold) if default_threshold is not None else None
        KINDS[name] = Kind(name, description, threshold, check, params, refires)
        return check
    return register


def money(value: Decimal) -> str:
    """Dollars for a message: cents, or 3 significant digits under a cent (the dashboard's rule)."""
    if value != 0 and abs(value) < Decimal("0.01"):
        return f"${value.quantize(Decimal(1).scaleb(value.adjusted() - 2)).normalize():f}"
    return f"${value.quantize(Decimal('0.01')):,}"


# Conversations -----------------------------------------------------------------------------------

_CONVERSATION = """
select c.session_id, c.started_at, c.ended_at, c.turns, c.total_tokens, c.cost, c.unpriced_turns, c.zimmer,
       c.score, c.rating, c.status, c.models,
       c.ended_at + make_interval(mins => coalesce(e.session_gap_minutes, 30)) < %(now)s as closed
from public.conversations c
left join public.efficiency_settings e on e.project_id = c.project_id
where c.project_id = %(project)s and """
_REFRESHED = _CONVERSATION + "c.refreshed_at >= %(since)s"
_FIRING = _CONVERSATION + """(c.session_id, c.started_at) in (
  select substring(s from '^(.*)@[^@]*$'), substring(s from '@([^@]*)$')::timestamptz
  from unnest(%(firing)s::text[]) s)"""


def subject_of(row: dict) -> str:
    """A conversation's subject: its session id and the UTC start of the conversation."""
    return f"{row['session_id']}@{row['started_at'].strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


def _conversation_rule(metric: Callable[[dict], Decimal | None], over: bool, describe: Callable[[dict, Rule], str]) -> Check:
    """A checker over conversations refreshed since the rule's last check, plus those already firing."""
    def check(conn, rule, firing, now):
        args = {"project": rule.project_id, "now": now, "firing": list(firing),
                "since": rule.evaluated_at or datetime.min.replace(tzinfo=now.tzinfo)}
        rows = conn.execute(_REFRESHED, args).fetchall() + (conn.execute(_FIRING, args).fetchall() if firing else [])
        seen: dict[str, Finding | None] = {s: None for s in firing}  # gone from the rollup: resolve
        for row in rows:
            value = metric(row)
            holds = value is not None and (value > rule.threshold if over else value < rule.threshold)
            subject = subject_of(row)
            # A conversation alerts once; its alert resolves when the conversation ends.
            if holds and not (row["closed"] and subject in firing):
                seen[subject] = Finding(subject, value, describe(row, rule), _conversation_evidence(row))
            elif subject in firing:
                seen[subject] = None
        return seen
    return check


def _conversation_evidence(row: dict) -> dict:
    return {"session_id": row["session_id"], "started_at": row["started_at"].isoformat(),
            "ended_at": row["ended_at"].isoformat(), "turns": row["turns"], "total_tokens": row["total_tokens"],
            "cost": str(row["cost"]), "unpriced_turns": row["unpriced_turns"], "zimmer_tokens": str(row["zimmer"]),
            "efficiency_score": str(row["score"]), "rating": row["rating"], "status": row["status"],
            "models": row["models"], "conversation_ended": row["closed"]}


kind("session_tokens", "Tokens in one conversation above N", "1000", refires=False)(_conversation_rule(
    lambda r: Decimal(r["total_tokens"]), True,
    lambda r, rule: f"Conversation {r['session_id']} used {r['total_tokens']:,} tokens in {r['turns']} turns "
                    f"(limit {rule.threshold:,.0f})."))
kind("session_cost", "Cost of one conversation above $X", "1.00", refires=False)(_conversation_rule(
    lambda r: r["cost"], True,
    lambda r, rule: f"Conversation {r['session_id']} cost {money(r['cost'])} in {r['turns']} turns "
                    f"(limit {money(rule.threshold)})."))
kind("session_efficiency", "Efficiency score of one conversation below S", "50", refires=False)(_conversation_rule(
    lambda r: r["score"], False,
    lambda r, rule: f"Conversation {r['session_id']} scores {r['score']}/100 ({r['zimmer'].normalize():f} Zimmer Tokens per turn, "
                    f"{r['status']}; alert below {rule.threshold})."))


# Spend and budgets -------------------------------------------------------------------------------

def spend(conn: psycopg.Connection, project: str, start: datetime, end: datetime) -> Decimal:
    """Exact priced cost over [start, end) from the rollups."""
    if end <= start:
        return Decimal(0)
    row = conn.execute("select coalesce(sum(x.cost), 0) as cost from public.usage_slices(%s, %s, %s, null, null, null, true) x",
                       (project, start, end)).fetchone()
    return row["cost"]


def _period_rule(period: str) -> Check:
    """Spend of the current UTC day or month above the budget; the alert resolves when the period ends."""
    def check(conn, rule, firing, now):
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if period == "month":
            start = start.replace(day=1)
        subject = start.strftime("%Y-%m-%d" if period == "day" else "%Y-%m")
        seen: dict[str, Finding | None] = {s: None for s in firing if s != subject}  # past periods end
        cost = spend(conn, rule.project_id, start, now)
        if cost > rule.threshold:
            seen[subject] = Finding(subject, cost, f"Spend this {period} ({subject}) is {money(cost)}, over the "
                                    f"{money(rule.threshold)} budget.",
                                    {"period": subject, "from": start.isoformat(), "to": now.isoformat(),
                                     "spend": str(cost), "budget": str(rule.threshold)})
        return seen
    return check


kind("daily_spend", "Spend today (UTC) above the daily budget", "10.00", refires=False)(_period_rule("day"))
kind("monthly_spend", "Spend this month (UTC) above the monthly budget", "100.00", refires=False)(_period_rule("month"))


@kind("monthly_forecast", "This month's projected spend above the monthly budget", "100.00")
def _forecast(conn, rule, firing, now):
    """Month so far + recent daily rate x days left, over the budget (resolves below 95% of it)."""
    projection = conn.execute("select public.month_projection(%s, %s) as p", (rule.project_id, now)).fetchone()["p"]
    subject, projected = projection["month"], Decimal(projection["projected"])
    seen: dict[str, Finding | None] = {s: None for s in firing if s != subject}
    if projected > rule.threshold or (subject in firing and projected >= rule.threshold * Decimal("0.95")):
        seen[subject] = Finding(subject, projected, f"{subject} is on course to cost {money(projected)} "
                                f"(so far {money(Decimal(projection['month_to_date']))}), over the "
                                f"{money(rule.threshold)} budget.", {**projection, "budget": str(rule.threshold)})
    elif subject in firing:
        seen[subject] = None
    return seen


def _last_hours(conn, rule: Rule, now: datetime, columns: str, rest: str) -> list[dict]:
    """Hourly rollup rows of the rule's last `window_hours` (the hour `now` falls in included)."""
    since = now - timedelta(hours=int(rule.params.get("window_hours", 24)))
    return conn.execute(f"select {columns} from public.usage_rollups_hourly where project_id = %s "
                        f"and bucket >= date_trunc('hour', %s::timestamptz) and bucket <= %s and {rest}",
                        (rule.project_id, since, now)).fetchall()


@kind("unpriced_model", "A model seen with no price", None, window_hours=24)
def _unpriced(conn, rule, firing, now):
    """Models with unpriced requests in the last window_hours; resolves once a window passes without any."""
    rows = _last_hours(conn, rule, now, "model, sum(unpriced_requests)::bigint as requests, min(bucket) as first_hour, "
                       "max(bucket) as last_hour", "unpriced_requests > 0 group by model")
    seen: dict[str, Finding | None] = {s: None for s in firing}
    for r in rows:
        seen[r["model"]] = Finding(r["model"], Decimal(r["requests"]),
                                   f"{r['requests']:,} requests to {r['model']} have no price, so their cost is "
                                   "missing from the totals.",
                                   {"model": r["model"], "unpriced_requests": r["requests"],
                                    "first_hour": r["first_hour"].isoformat(), "last_hour": r["last_hour"].isoformat()})
    return seen


@kind("error_rate", "An endpoint's failed requests above X% in the last window_hours", "20",
      window_hours=24, min_requests=5)
def _error_rate(conn, rule, firing, now):
    """Endpoints failing more than threshold percent of at least min_requests requests in the window."""
    hours, least = int(rule.params.get("window_hours", 24)), int(rule.params.get("min_requests", 5))
    rows = _last_hours(conn, rule, now, "endpoint_name, sum(requests)::bigint as requests, sum(errors)::bigint as errors",
                       "true group by endpoint_name having sum(errors) > 0")
    seen: dict[str, Finding | None] = {s: None for s in firing}
    for r in rows:
        share = (Decimal(100) * r["errors"] / r["requests"]).quantize(Decimal("0.1"))
        if r["requests"] >= least and share > rule.threshold:
            seen[r["endpoint_name"]] = Finding(
                r["endpoint_name"], share,
                f"{r['endpoint_name']}: {r['errors']:,} of {r['requests']:,} requests failed ({share}%) in the last "
                f"{hours} h (limit {rule.threshold.normalize():f}%).",
                {"endpoint_name": r["endpoint_name"], "requests": r["requests"], "errors": r["errors"],
                 "error_rate_percent": str(share), "window_hours": hours})
    return seen


# Unusual usage -----------------------------------------------------------------------------------

def anomaly_threshold(baseline: list[Decimal], k: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Mean, sample standard deviation and mean + k x sd of the baseline (Decimal, to 12 places)."""
    def exact(x: Decimal) -> Decimal:
        return Decimal(format(Decimal(x).quantize(Decimal("1e-12")).normalize(), "f"))
    mean = exact(statistics.mean(baseline))
    sd = exact(statistics.stdev(baseline)) if len(baseline) > 1 else Decimal(0)
    return mean, sd, exact(mean + k * sd)


_HOURS = """
select b.bucket, coalesce(sum(h.cost), 0) as cost, coalesce(sum(h.total_tokens), 0) as tokens
from unnest(%(buckets)s::timestamptz[]) as b(bucket)
left join public.usage_rollups_hourly h on h.project_id = %(project)s and h.bucket = b.bucket
group by b.bucket order by b.bucket"""


@kind("usage_anomaly", "Hourly spend or tokens more than k standard deviations above the same hour of "
      "the previous weeks", None, metric="cost", k=3, weeks=4)
def _anomaly(conn, rule, firing, now):
    """The last complete hour against the same hour-of-week of the previous `weeks` weeks."""
    metric, k, weeks = rule.params.get("metric", "cost"), Decimal(str(rule.params.get("k", 3))), int(rule.params.get("weeks", 4))
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    buckets = [hour - timedelta(weeks=w) for w in range(weeks, -1, -1)]
    first = conn.execute("select min(bucket) as first from public.usage_rollups_hourly where project_id = %s",
                         (rule.project_id,)).fetchone()["first"]
    if first is None or first > buckets[0]:  # not enough history for a baseline yet
        return {}
    values = [Decimal(r[metric]) for r in conn.execute(_HOURS, {"buckets": buckets, "project": rule.project_id})]
    *baseline, value = values
    mean, sd, limit = anomaly_threshold(baseline, k)
    if value > limit and value > mean:
        shown = money(value) if metric == "cost" else f"{value:,} tokens"
        usual = money(mean) if metric == "cost" else f"{mean:,.0f} tokens"
        return {metric: Finding(metric, value, f"The hour from {hour:%Y-%m-%d %H:00} UTC had {shown}, against a "
                                f"usual {usual} for that hour of the week ({k} standard deviations: {limit}).",
                                {"metric": metric, "hour": hour.isoformat(), "value": str(value), "mean": str(mean),
                                 "stddev": str(sd), "k": str(k), "limit": str(limit),
                                 "baseline": {b.isoformat(): str(v) for b, v in zip(buckets, baseline)}})}
    return {metric: None}
