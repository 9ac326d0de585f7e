"""`tokenoptimizer pricing sync` against a local server that serves LiteLLM's price file with an ETag."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D

import pytest

from tokenoptimizer_server.db import connect
from tokenoptimizer_server.pricing import litellm_import

from .pricing_fixtures import PriceFileServer, fresh_database


def sync(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tokenoptimizer_server.cli", "pricing", *args, "--database-url", url],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def litellm_file() -> dict:
    return json.loads(litellm_import.litellm_json_path().read_text())


def test_sync_imports_then_304_then_changes_then_refuses_a_shrunken_file(database_url, litellm_file):
    with fresh_database(database_url) as url, connect(url, autocommit=True) as db, \
            PriceFileServer(json.dumps(litellm_file).encode()) as server:
        assert sync(url, "set", "gpt-4o", "--input", "1", "--output", "2", "--per", "1m").returncode == 0
        before = db.execute("select count(*) as n from public.model_pricing").fetchone()["n"]

        first = sync(url, "sync", "--url", server.url)
        assert first.returncode == 0, first.stderr
        assert "added" in first.stdout and "1 kept as set by hand" in first.stdout
        assert "price file" in first.stderr  # the progress bar
        after = db.execute("select count(*) as n from public.model_pricing").fetchone()["n"]
        assert before == 590 and after == 3971  # 584 snapshot + 6 retired hand-checked rows; then all 3,965 of the file
        gpt4o = db.execute("select input_price, source from public.model_pricing where model = 'gpt-4o'").fetchone()
        assert (gpt4o["input_price"], gpt4o["source"]) == (D("0.001"), "manual")  # the hand-set row survives
        state = db.execute("select etag, model_count from public.price_sync_state where url = %s",
                           (server.url,)).fetchone()
        assert state["etag"] and state["model_count"] == 4778
        assert server.requests == [(None, 200)]

        second = sync(url, "sync", "--url", server.url)
        assert second.returncode == 0 and "not modified since the last sync (304)" in second.stdout
        assert server.requests[-1] == (state["etag"], 304)

        litellm_file["gpt-6.1-terra"]["input_cost_per_token"] = 1.5e-06
        server.body = json.dumps(litellm_file).encode()
        dry = sync(url, "sync", "--url", server.url, "--dry-run")
        assert "0 added, 1 changed" in dry.stdout and "changed: gpt-6.1-terra" in dry.stdout
        assert db.execute("select input_price from public.model_pricing where model = 'gpt-6.1-terra'"
                          ).fetchone()["input_price"] == D("0.001")
        third = sync(url, "sync", "--url", server.url)
        assert "0 added, 1 changed" in third.stdout
        terra = db.execute("select input_price, source from public.model_pricing where model = 'gpt-6.1-terra'").fetchone()
        assert (terra["input_price"], terra["source"]) == (D("0.0015"), "litellm-sync")
        change = db.execute("select source, old_row ->> 'input_price' as old, new_row ->> 'input_price' as new "
                            "from public.model_pricing_history where model = 'gpt-6.1-terra' order by id desc limit 1"
                            ).fetchone()
        assert (change["source"], change["old"], change["new"]) == ("litellm-sync", "0.001", "0.0015")

        keep = list(litellm_file)[: int(len(litellm_file) * 0.85)]
        server.body = json.dumps({k: litellm_file[k] for k in keep}).encode()
        refused = sync(url, "sync", "--url", server.url)
        assert refused.returncode == 1 and "refused" in refused.stdout and "the last one had 4778" in refused.stdout
        assert db.execute("select count(*) as n from public.model_pricing").fetchone()["n"] == after
        assert db.execute("select model_count from public.price_sync_state where url = %s",
                          (server.url,)).fetchone()["model_count"] == 4778


def test_first_sync_is_guarded_by_the_shipped_snapshot(database_url, litellm_file):
    """With no sync yet, the guard compares with the file the snapshot was cut from (4,778 models)."""
    small = {k: litellm_file[k] for k in list(litellm_file)[:1000]}
    with fresh_database(database_url) as url, PriceFileServer(json.dumps(small).encode()) as server:
        res = sync(url, "sync", "--url", server.url)
        assert res.returncode == 1 and "the last one had 4778" in res.stdout


def test_an_unreachable_url_is_a_clear_error(database_url):
    with fresh_database(database_url) as url:
        res = sync(url, "sync", "--url", "http://127.0.0.1:9/prices.json")
        assert res.returncode == 1 and "could not download http://127.0.0.1:9/prices.json" in res.stderr


def test_serve_price_sync_daily_runs_in_one_worker(database_url, litellm_file, tmp_path, monkeypatch):
    """`serve --price-sync daily` with two workers: the file is fetched and imported once, not twice."""
    import time

    from ..conftest import free_port, start_server, stop_server

    with fresh_database(database_url) as url, connect(url, autocommit=True) as db, \
            PriceFileServer(json.dumps(litellm_file).encode()) as server:
        monkeypatch.setenv("TOKENOPTIMIZER_PRICE_SYNC_URL", server.url)
        proc = start_server(url, tmp_path, free_port(), 2, "--price-sync", "daily")
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                runs = db.execute("select runs, last_finished_at, last_error from public.job_runs "
                                  "where name = 'price_sync'").fetchone()
                if runs and runs["last_finished_at"]:
                    break
                time.sleep(0.5)
        finally:
            stop_server(proc)
        assert runs is not None and runs["last_error"] is None and runs["runs"] == 1, runs
        assert server.requests == [(None, 200)]
        state = db.execute("select model_count from public.price_sync_state where url = %s", (server.url,)).fetchone()
        assert state["model_count"] == 4778
        assert db.execute("select count(*) as n from public.model_pricing where source = 'litellm-sync'"
                          ).fetchone()["n"] > 3000
