"""The rollups the dashboard reads always equal a recount from usage_logs, however rows arrived."""

from .test_ingest import event, post

_SUMS = ("sum(requests) as requests, sum(errors) as errors, sum(unpriced_requests) as unpriced, "
         "sum(prompt_tokens) as prompt, sum(completion_tokens) as completion, sum(cached_tokens) as cached, "
         "sum(cost) as cost, sum(latency_count) as latency_count, public.int_array_sum(latency_hist) as hist")


def _totals(db):
    return {table: db.execute(f"select {_SUMS} from public.{table}").fetchone()
            for table in ("usage_rollups_hourly", "usage_rollups_daily")}


def test_incremental_rollups_equal_a_rebuild_from_logs(client, db, project_key):
    key, _ = project_key
    post(client, key, {"events": [
        event(), event(model="claude-haiku-4-5", status="error", error_type="RateLimitError"),
        event(model="never-priced-x", timestamp="2026-01-02T03:04:05+00:00"),
        event(timestamp="2026-01-01T23:59:59+00:00", latency_ms=None)]})
    for latency in (3, 812, 812, 45_000):  # the same rollup rows again: histograms are added up
        post(client, key, event(latency_ms=latency))
    incremental = _totals(db)
    for totals in incremental.values():  # every latency sits in exactly one histogram bucket
        assert sum(totals["hist"]) == totals["latency_count"] > 0
    assert incremental["usage_rollups_hourly"] == incremental["usage_rollups_daily"]
    db.execute("select public.rebuild_usage_rollups()")
    assert _totals(db) == incremental
