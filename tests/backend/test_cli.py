"""The CLI run as a real process against the test database, as an admin would run it."""

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
import requests

from ..conftest import free_port, start_server, stop_server


def cli(database_url, *args, check=True):
    proc = subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", *args, "--database-url", database_url],
                          capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_keys_create_list_revoke(database_url, db):
    project = f"cli-{uuid.uuid4().hex[:8]}"
    out = cli(database_url, "keys", "create", "--project", project).stdout.strip().splitlines()
    key = out[-1]
    assert key.startswith("to_") and len(key) > 40
    listed = cli(database_url, "keys", "list", "--project", project).stdout
    assert key[:10] in listed and "active" in listed and key not in listed
    assert "Revoked 1 key" in cli(database_url, "keys", "revoke", key[:10]).stdout
    assert "revoked" in cli(database_url, "keys", "list", "--project", project).stdout
    again = cli(database_url, "keys", "revoke", key[:10], check=False)
    assert again.returncode == 1 and "no active key matches" in again.stderr


def test_pricing_set_per_million_list_and_history(database_url):
    model = f"cli-model-{uuid.uuid4().hex[:6]}"
    out = cli(database_url, "pricing", "set", model, "--input", "2.50", "--output", "10", "--per", "1m",
              "--cached", "1.25").stdout
    assert "input 0.0025, output 0.01 USD per 1K tokens" in out
    cli(database_url, "pricing", "set", model, "--input", "0.003", "--output", "0.012")
    rows = json.loads(cli(database_url, "pricing", "list", "--json").stdout)
    row = next(r for r in rows if r["model"] == model)
    assert (row["input_price"], row["output_price"], row["source"]) == ("0.003", "0.012", "manual")
    history = cli(database_url, "pricing", "history", model).stdout.strip().splitlines()
    assert len(history) == 2
    assert "update" in history[0] and "0.0025 → 0.003" in history[0] and "cli:" in history[0]
    assert "insert" in history[1]


def test_pricing_set_rejects_bad_numbers(database_url):
    bad = cli(database_url, "pricing", "set", "x-model", "--input", "abc", "--output", "1", check=False)
    assert bad.returncode == 2 and "--input" in bad.stderr


LITELLM_SAMPLE = {
    "sample_spec": {"input_cost_per_token": 0},
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
               "output_cost_per_token": 1e-05, "cache_read_input_token_cost": 1.25e-06,
               "input_cost_per_token_priority": 4.25e-06, "output_cost_per_token_priority": 1.7e-05},
    "mistral/imported-mistral-model": {"litellm_provider": "mistral", "mode": "chat",
                                       "input_cost_per_token": 4e-07, "output_cost_per_token": 2e-06},
    "imported-long-model": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 3e-06,
                            "output_cost_per_token": 1.5e-05, "cache_creation_input_token_cost": 3.75e-06,
                            "cache_creation_input_token_cost_above_1hr": 6e-06,
                            "input_cost_per_token_above_200k_tokens": 6e-06,
                            "output_cost_per_token_above_200k_tokens": 2.25e-05},
    "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
}


def test_pricing_import_dry_run_then_real(database_url, tmp_path, db):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(LITELLM_SAMPLE))
    dry = cli(database_url, "pricing", "import", str(path), "--dry-run").stdout
    assert "2 added, 1 changed, 0 unchanged" in dry and "dry run" in dry
    assert db.execute("select count(*) as n from public.model_pricing where model = 'imported-long-model'"
                      ).fetchone()["n"] == 0
    cli(database_url, "pricing", "import", str(path))
    row = db.execute("select * from public.model_pricing where model = 'imported-long-model'").fetchone()
    assert str(row["input_price"]) == "0.003" and str(row["cache_write_1h_price"]) == "0.006"
    assert row["long_context_threshold"] == 200000 and str(row["long_context_output_price"]) == "0.0225"
    assert db.execute("select 1 from public.model_pricing where model = 'imported-mistral-model'").fetchone()
    gpt = db.execute("select service_tiers from public.model_pricing where model = 'gpt-4o'").fetchone()
    assert gpt["service_tiers"] == {"priority": {"input_price": "0.00425", "output_price": "0.017"}}
    again = cli(database_url, "pricing", "import", str(path)).stdout
    assert "0 added, 0 changed, 3 unchanged" in again


def test_import_needs_a_source(database_url):
    res = cli(database_url, "pricing", "import", check=False)
    assert res.returncode == 2 and "FILE or --from-litellm" in res.stderr


def test_unreachable_database_says_what_to_do():
    res = subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", "keys", "list", "--database-url",
                          "postgresql://postgres@127.0.0.1:1/nope"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "cannot connect to the database" in res.stderr and "--database-url" in res.stderr


def test_migrate_is_idempotent(database_url):
    assert "up to date" in cli(database_url, "migrate").stdout


@pytest.fixture
def price_model():
    return f"late-priced-{uuid.uuid4().hex[:6]}"


def test_price_change_without_restart_on_every_worker(database_url, project_key, price_model, tmp_path):
    """`pricing set` in another process; both gunicorn workers price the very next events."""
    key, _ = project_key
    port = free_port()
    server = start_server(database_url, tmp_path, port, workers=2)
    try:
        url = f"http://127.0.0.1:{port}/api/log"
        auth = {"Authorization": f"Bearer {key}"}
        ev = {"model": price_model, "prompt_tokens": 1000, "completion_tokens": 1000}
        before = [requests.post(url, json=ev, headers=auth).json()["events"][0] for _ in range(10)]
        assert all(e["priced"] is False for e in before)
        cli(database_url, "pricing", "set", price_model, "--input", "1", "--output", "2", "--per", "1m")
        after = [requests.post(url, json=ev, headers=auth).json()["events"][0] for _ in range(20)]
        assert {e["total_cost"] for e in after} == {"0.003"}
    finally:
        stop_server(server)


def test_reprice_dry_run_then_real(database_url, db, project_key, price_model, client):
    key, project = project_key
    for tokens in (1000, 3000):
        client.post("/api/log", json={"model": price_model, "prompt_tokens": tokens, "completion_tokens": 0,
                                      "endpoint_name": "batch"}, headers={"Authorization": f"Bearer {key}"})
    cli(database_url, "pricing", "set", price_model, "--input", "0.002", "--output", "0.004")
    dry = cli(database_url, "pricing", "reprice", "--since", "2020-01-01", "--model", price_model, "--dry-run").stdout
    assert "Before: $0 with 2 unpriced." in dry and "After:  $0.008 with 0 unpriced." in dry
    assert "2 rows would change" in dry
    assert db.execute("select count(*) as n from public.usage_logs where model = %s and priced",
                      (price_model,)).fetchone()["n"] == 0
    real = cli(database_url, "pricing", "reprice", "--since", "2020-01-01", "--model", price_model).stdout
    assert "2 rows changed (audited)" in real
    costs = sorted(r["total_cost"] for r in db.execute(
        "select total_cost from public.usage_logs where model = %s", (price_model,)).fetchall())
    assert costs == [Decimal("0.002"), Decimal("0.006")]
    rollup = db.execute("select sum(cost) as cost, sum(unpriced_requests) as unpriced_requests "
                        "from public.usage_rollups_hourly where project_id = %s", (project,)).fetchone()
    assert (rollup["cost"], rollup["unpriced_requests"]) == (Decimal("0.008"), 0)
    audit = db.execute("select * from public.reprice_audit where model = %s", (price_model,)).fetchone()
    assert (audit["rows_changed"], audit["cost_after"], audit["unpriced_before"]) == (2, Decimal("0.008"), 2)


def test_import_from_litellm_finds_the_installed_package_copy(database_url, tmp_path, db):
    """--from-litellm reads litellm/model_prices_and_context_window_backup.json where the package is installed."""
    package = tmp_path / "site" / "litellm"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the importer must not import litellm')\n")
    (package / "model_prices_and_context_window_backup.json").write_text(json.dumps({
        "sample_spec": {}, "litellm-only-model": {"litellm_provider": "openai", "mode": "chat",
                                                  "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    res = subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", "pricing", "import", "--from-litellm",
                          "--database-url", database_url], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    assert "1 added" in res.stdout and "model_prices_and_context_window_backup.json" in res.stdout
    row = db.execute("select input_price, output_price, source from public.model_pricing "
                     "where model = 'litellm-only-model'").fetchone()
    assert (str(row["input_price"]), str(row["output_price"])) == ("0.001", "0.002")
    assert row["source"] == "litellm:model_prices_and_context_window_backup.json"
