"""`tokenoptimizer report`: efficiency summary, top conversations and the optimisation plan, in the terminal.

The figures come from the same code as the dashboard (usage_token_metrics, conversation_page,
and the per-endpoint plan of advice.build_plans, as /api/optimization answers it);
`--format json` writes them to optimization_plan.json.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import click
import psycopg
from rich.console import Console
from rich.table import Table

from .. import efficiency
from ..advice import build_plans
from ..alerts.rules import money
from .database import with_db

TOP_SESSIONS = 10
TOP_PLANS = 10  # endpoints shown with their options, as on the Savings page


def _project(conn: psycopg.Connection, name_or_id: str) -> tuple[uuid.UUID, str]:
    """A project by id or by name."""
    try:
        row = conn.execute("select id, name from public.projects where id = %s", (uuid.UUID(name_or_id),)).fetchone()
    except ValueError:
        row = conn.execute("select id, name from public.projects where name = %s", (name_or_id,)).fetchone()
    if row is None:
        raise click.ClickException(f"no project {name_or_id!r}: `tokenoptimizer keys list` shows the projects")
    return row["id"], row["name"]


def _read(conn: psycopg.Connection, function: str, project: uuid.UUID, start: datetime, end: datetime, *extra):
    args = ", ".join(["%s"] * (6 + len(extra)))
    return conn.execute(f"select public.{function}({args}) as body",
                        (project, start, end, None, None, None, *extra)).fetchone()["body"]


def build(conn: psycopg.Connection, project: uuid.UUID, name: str, start: datetime, end: datetime) -> dict:
    """Everything the report shows, as JSON-ready data (the plan file's content)."""
    efficiency.refresh(conn)  # the rollup up to date even when no server is running
    metrics = _read(conn, "usage_token_metrics", project, start, end)
    top = _read(conn, "conversation_page", project, start, end, "tokens", "desc", None, TOP_SESSIONS)
    plan = build_plans(conn, project, start, end)
    firing = conn.execute("select count(*) as n from public.alerts where project_id = %s and state = 'firing'",
                          (project,)).fetchone()["n"]
    return {"generated_at": datetime.now(timezone.utc).isoformat(), "project": {"id": str(project), "name": name},
            "from": start.isoformat(), "to": end.isoformat(),
            "efficiency": {**metrics["conversations"], "requests": metrics["requests"],
                           "total_tokens": metrics["total_tokens"], "cost_per_request": metrics["cost_per_request"]},
            "projection": metrics["projection"], "firing_alerts": firing,
            "top_sessions": top["sessions"], "optimization_plan": plan}


def dollars(value: str | None) -> str:
    """The dashboard's money rule (alerts.rules.money); '-' when unknown (unpriced)."""
    return "-" if value is None else money(Decimal(value))


def _summary(report: dict) -> Table:
    e, p = report["efficiency"], report["projection"]
    table = Table(title=f"Efficiency, {report['project']['name']}: {report['from'][:10]} to {report['to'][:10]}",
                  show_header=False)
    rows = [("Conversations", f"{e['sample_size']:,}"), ("Requests", f"{e['requests']:,}"),
            ("Tokens per conversation", f"{e['tokens_per_conversation'] or 0:,.0f}"),
            ("Zimmer Tokens per conversation", f"{e['zimmer_per_conversation'] or 0:,.1f}"),
            ("Average efficiency score", f"{e['avg_efficiency_score'] or 0:.1f}/100"),
            ("Cost per conversation", dollars(e["cost_per_conversation"])),
            ("Cost per Zimmer Token", dollars(e["cost_per_zimmer_token"])),
            (f"{p['month']} so far", dollars(p["month_to_date"])), (f"{p['month']} projected", dollars(p["projected"])),
            ("Alerts firing", str(report["firing_alerts"]))]
    for label, value in rows:
        table.add_row(label, value)
    return table


def _sessions(report: dict) -> Table:
    table = Table(title=f"Top {TOP_SESSIONS} conversations by tokens")
    for column in ("Session", "Turns", "Tokens", "Cost", "Zimmer", "Score", "Rating", "Status"):
        table.add_column(column, justify="left" if column in ("Session", "Rating", "Status") else "right")
    for s in report["top_sessions"]:
        table.add_row(s["session_id"], str(s["turns"]), f"{s['total_tokens']:,}", dollars(s["cost"]),
                      f"{s['zimmer_tokens']:,}", f"{s['efficiency_score']:.1f}", s["rating"], s["status"])
    return table


def _option_name(option: dict) -> str:
    if option["type"] == "cheaper_model":
        return f"{option['model']} → {option['suggested_model']}"
    return option["type"].replace("_", " ") + (f" ({option['model']})" if option.get("model") else "")


def _plans(report: dict) -> Table:
    plan = report["optimization_plan"]
    table = Table(title=f"Optimisation plan per endpoint: {dollars(plan['monthly_saving'])} a month of "
                        f"{dollars(plan['monthly_cost'])} (largest saving first)")
    for column in ("Endpoint", "Now / month", "Best option", "Saving / month", "Alternatives"):
        table.add_column(column, justify="right" if "month" in column else "left")
    for p in plan["plans"][:TOP_PLANS]:
        best = p["best"]
        table.add_row(p["endpoint_name"], dollars(p["monthly_cost"]), _option_name(best) if best else "-",
                      dollars(p["monthly_saving"]),
                      "; ".join(f"{_option_name(o)} {dollars(o['monthly_saving'])}" for o in p["alternatives"]) or "-")
    return table


def _endpoint(p: dict) -> Table:
    """One endpoint's options with the rules each passed, and the refused candidates with why."""
    table = Table(title=f"{p['endpoint_name']}: options and refused candidates")
    for column in ("Option", "Saving / month", "Rules passed, or why refused"):
        table.add_column(column, justify="right" if "month" in column else "left")
    for o in ([p["best"]] if p["best"] else []) + p["alternatives"] + p["other_advice"]:
        rules = ", ".join(r["rule"] for r in o["rules_passed"]) or o["message"]
        table.add_row(_option_name(o), dollars(o["monthly_saving"]), rules)
    for r in p["refused"]:
        table.add_row(f"{r['model']} → {r['candidate_model']}", "refused", f"{r['rule']}: {r['detail']}")
    return table


@click.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (UTC); default 30 days ago.")
@click.option("--project", "project_name", default="default", show_default=True, help="Project name or id.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("optimization_plan.json"),
              show_default=True, help="Where --format json writes the plan.")
@with_db
def report(conn, since: datetime | None, project_name: str, fmt: str, output: Path) -> None:
    """Efficiency summary, top conversations and the optimisation plan."""
    end = datetime.now(timezone.utc)
    start = (datetime.combine(since.date(), time(), timezone.utc) if since
             else datetime.combine(end.date() - timedelta(days=30), time(), timezone.utc))
    if start >= end:
        raise click.BadParameter("must be a day before today", param_hint="--since")
    project, name = _project(conn, project_name)
    data = build(conn, project, name, start, end)
    conn.commit()
    if fmt == "json":
        output.write_text(json.dumps(data, indent=2) + "\n")
        click.echo(f"Wrote {output} ({len(data['top_sessions'])} conversations, "
                   f"{len(data['optimization_plan']['plans'])} endpoint plans).")
        return
    console = Console()
    shown = [p for p in data["optimization_plan"]["plans"][:TOP_PLANS] if p["best"] or p["refused"]]
    for table in (_summary(data), _sessions(data), _plans(data), *map(_endpoint, shown)):
        console.print(table)
