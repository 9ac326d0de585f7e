"""A project's own price: set with `pricing set --project`, it prices that project's requests only."""

from __future__ import annotations

import subprocess
import sys
import uuid

from tokenoptimizer_server.db import connect

from .test_analytics import post


def test_a_project_price_wins_for_that_project_only(client, database_url):
    from tokenoptimizer_server import keys

    model = f"negotiated-{uuid.uuid4().hex[:6]}"
    names = [f"pricing-a-{uuid.uuid4().hex[:6]}", f"pricing-b-{uuid.uuid4().hex[:6]}"]
    with connect(database_url) as conn:
        raw = [keys.create_key(conn, name, "test")[0] for name in names]
    run = lambda *args: subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", "pricing", "set", model,
                                        *args, "--database-url", database_url], capture_output=True, text=True)
    assert run("--input", "2", "--output", "8", "--per", "1m").returncode == 0
    res = run("--input", "1", "--output", "4", "--per", "1m", "--project", names[0])
    assert res.returncode == 0 and f"(project {names[0]})" in res.stdout
    missing = run("--input", "1", "--output", "4", "--project", "no-such-project")
    assert missing.returncode == 2 and "no project named 'no-such-project'" in missing.stderr
    event = {"model": model, "prompt_tokens": 1000, "completion_tokens": 1000}
    assert post(client, raw[0], [event])[0]["total_cost"] == "0.005"   # 1000 × 0.001/1K + 1000 × 0.004/1K
    assert post(client, raw[1], [event])[0]["total_cost"] == "0.01"    # the list price
