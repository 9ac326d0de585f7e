"""`tokenoptimizer report`: the terminal tables and optimization_plan.json, on the original's sessions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from click.testing import CliRunner

from tokenoptimizer_server.cli import main

from .test_analytics import new_project, post
from .test_sessions import turns


def _project(app, database_url):
    key, project = new_project(database_url)
    base = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
    events = (turns("session_001", [100, 160, 200, 180, 220], base=base)
              + turns("session_002", [1200, 1500], 10, base=base, model="gpt-4o"))
    sent = post(app.test_client(), key, events)
    return project, sent, base


def test_report_text_tables(app, database_url):
    project, _, base = _project(app, database_url)
    since = (base - timedelta(days=1)).strftime("%Y-%m-%d")
    result = CliRunner().invoke(main, ["report", "--database-url", database_url, "--project", project,
                                       "--since", since], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Top 10 conversations by tokens" in out and "Optimisation plan" in out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 8}
    assert "2,700" in lines["session_002"] and "1350" in lines["session_002"].replace(",", "") and "Poor" in lines["session_002"]
    assert "860" in lines["session_001"] and "42.7" in lines["session_001"] and "Fair" in lines["session_001"]
    assert out.index("session_002") < out.index("session_001")  # by tokens, most first
    assert "Zimmer Tokens per conversation" in out and "761.0" in out  # (172 + 1350) / 2
    # The plan per endpoint, then the endpoint's options with their rules and the refused candidates.
    assert "Optimisation plan per endpoint" in out and "default: options and refused candidates" in out
    plan_rows = [line for line in out.splitlines() if line.startswith("│ default")]
    assert plan_rows and "gpt-4o → gpt-6-luna" in plan_rows[0]
    assert "context, deprecation, generation, tier" in out and "deprecation: retired or retiring" in out


def test_report_json_writes_the_plan_file(app, database_url, tmp_path):
    project, sent, base = _project(app, database_url)
    output = tmp_path / "optimization_plan.json"
    result = CliRunner().invoke(main, ["report", "--database-url", database_url, "--project", project,
                                       "--format", "json", "--output", str(output),
                                       "--since", (base - timedelta(days=1)).strftime("%Y-%m-%d")])
    assert result.exit_code == 0, result.output
    plan = json.loads(output.read_text())
    assert [s["session_id"] for s in plan["top_sessions"]] == ["session_002", "session_001"]
    assert plan["efficiency"]["sample_size"] == 2 and plan["efficiency"]["zimmer_per_conversation"] == 761.0
    cost = sum(Decimal(e["total_cost"]) for e in sent)
    assert Decimal(plan["efficiency"]["cost_per_zimmer_token"]) == round(cost / 1522, 12)
    optimization = plan["optimization_plan"]
    (default,) = optimization["plans"]
    best = default["best"]
    assert (default["endpoint_name"], default["models"], best["model"], best["suggested_model"]) == (
        "default", ["gpt-4o", "gpt-4o-mini"], "gpt-4o", "gpt-6-luna")
    # The stored cost of the plan's endpoint is what ingest answered for its events.
    assert Decimal(default["cost"]) == cost
    # Each monthly figure is rounded to 12 decimals on its own: they agree to that.
    difference = Decimal(best["current_monthly_cost"]) - Decimal(best["suggested_monthly_cost"])
    assert abs(Decimal(best["monthly_saving"]) - difference) <= Decimal("1e-12")
    assert optimization["monthly_saving"] == best["monthly_saving"] > "0"
    assert all(o["rules_passed"] for o in [best, *default["alternatives"]])


def test_report_unknown_project(database_url):
    result = CliRunner().invoke(main, ["report", "--database-url", database_url, "--project", "no-such-project"])
    assert result.exit_code == 1 and "no project 'no-such-project'" in result.output


def test_money_is_cents_or_three_significant_digits_under_a_cent():
    from tokenoptimizer_server.alerts.rules import money
    cases = {"1234.567": "$1,234.57", "0.0105": "$0.01", "0.000206": "$0.000206", "0.0000001234": "$0.000000123",
             "0": "$0.00", "0.00999": "$0.00999", "0.0001": "$0.0001", "0.004150": "$0.00415"}
    assert {k: money(Decimal(k)) for k in cases} == cases
