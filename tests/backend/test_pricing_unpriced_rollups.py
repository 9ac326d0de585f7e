"""The unpriced counts by reason (usage_unpriced_hourly/daily) agree with the usage_logs rows they
count: after ingest, after re-pricing moves rows between reasons or out of unpriced, and after a
rebuild; and GET /api/pricing/unpriced/reasons answers what counting the rows answers, for ranges
whose edges fall inside hours (daily, hourly and edge rows all used)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from .test_analytics import get, new_project, post
from .test_pricing_unpriced import _models

T0 = datetime(2026, 10, 5, 22, 0, tzinfo=timezone.utc)
_FROM_ROWS = """
select coalesce(unpriced_reason, 'no_price_row') as reason, model, count(*) as requests, max(ts) as last_seen
from public.usage_logs where project_id = %s and not priced and ts >= %s and ts < %s
group by 1, 2 order by 1, 2"""


def _counters(db, table: str, project: str, unit: str) -> list[tuple]:
    return [tuple(r.values()) for r in db.execute(
        f"select bucket, model, endpoint_name, provider, reason, sum(requests)::bigint as n, max(last_seen) as last "
        f"from public.{table} where project_id = %s group by 1, 2, 3, 4, 5 having sum(requests) <> 0 order by 1, 2, 3, 4, 5",
        (project,)).fetchall()]


def _from_rows(db, project: str, unit: str) -> list[tuple]:
    return [tuple(r.values()) for r in db.execute(
        f"select date_trunc('{unit}', ts, 'UTC') as bucket, model, endpoint_name, provider, "
        f"coalesce(unpriced_reason, 'no_price_row') as reason, count(*) as n, max(ts) as last "
        f"from public.usage_logs where project_id = %s and not priced group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5",
        (project,)).fetchall()]


def _assert_agree(db, project: str) -> None:
    for table, unit in (("usage_unpriced_hourly", "hour"), ("usage_unpriced_daily", "day")):
        assert _counters(db, table, project, unit) == _from_rows(db, project, unit), table


def _read(client, project: str, start: datetime, end: datetime) -> list[tuple]:
    body = get(client, "/api/pricing/unpriced/reasons", project, **{"from": start.isoformat(), "to": end.isoformat()})
    return sorted((r["reason"], m["model"], m["requests"], datetime.fromisoformat(m["last_seen"]))
                  for r in body["reasons"] for m in r["models"])


def _events(m: dict[str, str], nobody: str) -> list[dict]:
    """60 calls over ~2.5 days, four reasons and priced ones mixed, two endpoints."""
    kinds = [
        {"model": nobody},
        {"model": m["tiered"], "service_tier": "priority"},
        {"model": m["image"], "completion_tokens": 0},
        {"model": m["input-only"]},
        {"model": m["priced"]},
    ]
    return [{"prompt_tokens": 100, "completion_tokens": 10, **kinds[i % 5],
             "endpoint_name": ("chat", "search")[i % 2],
             "timestamp": (T0 + timedelta(minutes=61 * i, seconds=i)).isoformat()} for i in range(60)]


def test_counters_agree_with_the_rows_after_ingest_reprice_and_rebuild(client, db, database_url):
    from tokenoptimizer_server.db import connect
    from tokenoptimizer_server.pricing.reprice import reprice
    from tokenoptimizer_server.pricing.store import set_price

    key, project = new_project(database_url)
    m = _models(db, uuid.uuid4().hex[:8])
    sent = post(client, key, _events(m, f"nobody-prices-{uuid.uuid4().hex[:6]}"))
    assert sum(not s["priced"] for s in sent) == 48
    _assert_agree(db, project)
    # Whole days, whole hours and edge minutes at both ends; and a range inside one hour.
    for start, end in ((T0 + timedelta(hours=1, minutes=13), T0 + timedelta(hours=55, minutes=41)),
                       (T0 - timedelta(days=1), T0 + timedelta(days=4)),
                       (T0 + timedelta(hours=26, minutes=5), T0 + timedelta(hours=26, minutes=50))):
        expected = [tuple(r.values()) for r in db.execute(_FROM_ROWS, (project, start, end)).fetchall()]
        assert _read(client, project, start, end) == sorted(expected)
        assert expected  # each range holds unpriced rows

    # The input-only row gains its output rate: those 12 rows leave 'token_kind_without_rate'.
    with connect(database_url) as conn:
        set_price(conn, m["input-only"], {"output_price": "0.002"}, "test")
        result = reprice(conn, T0 - timedelta(hours=1), model=m["input-only"], dry_run=False)
    assert result.rows_changed == 12
    _assert_agree(db, project)
    whole = _read(client, project, T0 - timedelta(days=1), T0 + timedelta(days=4))
    assert "token_kind_without_rate" not in {r[0] for r in whole}
    assert sum(r[2] for r in whole) == 36

    # The last no_price_row call becomes priced: its key's last_seen moves back to the one before.
    nobody = next(r[1] for r in whole if r[0] == "no_price_row")
    last_two = db.execute("select id, ts from public.usage_logs where project_id = %s and model = %s "
                          "order by ts desc limit 2", (project, nobody)).fetchall()
    db.execute("select public.reprice_usage(%s::jsonb)", (
        f'[{{"project_id": "{project}", "id": "{last_two[0]["id"]}", "input_cost": "0", "output_cost": "0", '
        f'"total_cost": "0", "priced": true, "pricing_model": "{m["priced"]}", "pricing_version": null, '
        f'"unpriced_reason": null}}]',))
    _assert_agree(db, project)
    after = {r[1]: r[3] for r in _read(client, project, T0 - timedelta(days=1), T0 + timedelta(days=4))}
    assert after[nobody] == last_two[1]["ts"]

    # A bulk load's rebuild arrives at the same counts.
    before = (_counters(db, "usage_unpriced_hourly", project, "hour"), _counters(db, "usage_unpriced_daily", project, "day"))
    db.execute("select public.rebuild_usage_rollups()")
    assert (_counters(db, "usage_unpriced_hourly", project, "hour"),
            _counters(db, "usage_unpriced_daily", project, "day")) == before


def test_a_priced_batch_writes_no_unpriced_counts(client, db, database_url):
    key, project = new_project(database_url)
    m = _models(db, uuid.uuid4().hex[:8])
    post(client, key, [{"model": m["priced"], "prompt_tokens": 10, "completion_tokens": 5}] * 3)
    n = db.execute("select (select count(*) from public.usage_unpriced_hourly where project_id = %(p)s) "
                   "+ (select count(*) from public.usage_unpriced_daily where project_id = %(p)s) as n",
                   {"p": project}).fetchone()["n"]
    assert n == 0
