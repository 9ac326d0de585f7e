"""Another language: the real OpenTelemetry JS SDK (@opentelemetry/sdk-trace-base) and its OTLP exporters
(@opentelemetry/exporter-trace-otlp-proto, and -otlp-http for OTLP/JSON) in tests/otel/node send GenAI
spans to a real `tokenoptimizer serve`; the rows land priced. The test installs the folder with `npm ci`."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tokenoptimizer_server.ingest.otlp import EVENT_ID_NAMESPACE

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="module")
def node_package() -> Path:
    """tests/otel/node with its locked dependencies installed (npm ci, once per lock change)."""
    assert shutil.which("node") and shutil.which("npm"), "this test needs node and npm on PATH"
    stamp = NODE_DIR / "node_modules" / ".tokenoptimizer-installed"
    lock = NODE_DIR / "package-lock.json"
    with open(Path(tempfile.gettempdir()) / "tokenoptimizer-otel-node.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # two test runs at once must not both install
        if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=300,
                           capture_output=True)
            stamp.touch()
    return NODE_DIR


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_node_exporter_spans_land_priced(node_package, live_server, project_key, db, encoding):
    key, project = project_key
    env = {**os.environ, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{live_server}/v1/traces",
           "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{key}", "OTLP_ENCODING": encoding}
    run = subprocess.run(["node", "emit.mjs"], cwd=node_package, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr.lower(), run.stderr  # the exporter reports failed exports here
    sent = json.loads(run.stdout.strip().splitlines()[-1])
    rows = db.execute("select id, ts, model, provider, endpoint_name, prompt_tokens, completion_tokens, cached_tokens, "
                      "cache_write_tokens, reasoning_tokens, latency_ms, status, error_type, session_id, total_cost, "
                      "sdk_name from public.usage_logs where project_id = %s order by ts", (project,)).fetchall()
    assert [r["id"] for r in rows] == [uuid.uuid5(EVENT_ID_NAMESPACE, f"{s['traceId']}:{s['spanId']}")
                                       for s in sent[:3]]
    got = [(r["model"], r["provider"], r["endpoint_name"], r["prompt_tokens"], r["completion_tokens"],
            r["cached_tokens"], r["cache_write_tokens"], r["reasoning_tokens"], r["latency_ms"], r["status"],
            r["error_type"], r["session_id"], r["total_cost"]) for r in rows]
    assert got == [
        # 200 uncached x 0.003/1K + 1,500 cache reads x 0.0003/1K + 300 writes x 0.00375/1K + 100 x 0.015/1K
        ("claude-sonnet-4-5", "anthropic", "node-app", 2000, 100, 1500, 300, 0, 420, "ok", None, "node-conv-1",
         Decimal("0.003675")),
        # 50 x 0.00015/1K + 20 x 0.0006/1K
        ("gpt-4o-mini", "openai", "node-summary", 50, 20, 0, 0, 5, 250, "ok", None, None, Decimal("0.0000195")),
        ("gpt-4o", "openai", "node-app", 0, 0, 0, 0, 0, 30, "error", "APIConnectionError", None, Decimal("0")),
    ]
    assert rows[0]["ts"] == datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    assert {r["sdk_name"] for r in rows} == {"tokenoptimizer-node-test"}
