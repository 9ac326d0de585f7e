"""Inputs that broke ingestion (issue 9): NUL bytes, far-out timestamps, ids shared across projects,
multi-member gzip; and a corpus of bad payloads, each refused with the field named and nothing stored."""

import gzip
import json
import uuid

import pytest

from .test_ingest import event, post, rows

NUL = "\u0000"

# Names that group usage: an event carrying NUL in one is refused, naming the field (docs/api.md).
REFUSED = [
    ({"model": f"gpt{NUL}-4o"}, "model"),
    ({"provider": f"open{NUL}ai"}, "provider"),
    ({"endpoint_name": f"chat{NUL}"}, "endpoint_name"),
    ({"session_id": f"a{NUL}b"}, "session_id"),
    ({"user_id": f"{NUL}u"}, "user_id"),
    ({"service_tier": f"flex{NUL}"}, "service_tier"),
    ({"metadata": {f"te{NUL}am": "x"}}, "metadata"),
    ({"sdk": {"name": f"x{NUL}", "version": "1"}}, "sdk.name"),
    ({"sdk": {"name": "x", "version": f"1{NUL}"}}, "sdk.version"),
]


@pytest.mark.parametrize("patch, field", REFUSED)
def test_nul_in_a_name_is_a_400_naming_the_field(client, db, project_key, patch, field):
    key, project = project_key
    res = post(client, key, event(**patch))
    assert res.status_code == 400, res.get_json()
    details = res.get_json()["error"]["details"]
    assert field in [d["field"] for d in details]
    assert any("NUL" in d["message"] for d in details)
    assert rows(db, project) == []


@pytest.mark.parametrize("patch, field", REFUSED)
def test_nul_in_a_batch_costs_only_its_own_event(client, db, project_key, patch, field):
    key, project = project_key
    good = [event() for _ in range(3)]
    bad = event(**patch)
    res = post(client, key, {"events": [good[0], bad, good[1], good[2]]})
    assert res.status_code == 202
    body = res.get_json()
    assert body["accepted"] == 3
    assert [(r["index"], r["id"]) for r in body["rejected"]] == [(1, bad["id"])]
    assert field in [d["field"] for d in body["rejected"][0]["errors"]]
    assert sorted(str(r["id"]) for r in rows(db, project)) == sorted(e["id"] for e in good)


def test_nul_in_free_text_is_cleaned_and_the_event_lands(client, db, project_key):
    key, project = project_key
    res = post(client, key, event(status="error", error_type=f"Rate{NUL}Limit", metadata={"note": f"a{NUL}b"}))
    assert res.status_code == 202 and res.get_json()["accepted"] == 1
    (row,) = rows(db, project)
    assert row["error_type"] == "Rate\ufffdLimit" and row["metadata"] == {"note": "a\ufffdb"}


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00+14:00", "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z",
                                "9999-12-31T23:59:59-14:00", "10000-01-01T00:00:00Z"])
def test_timestamps_outside_what_reads_show_are_refused(client, db, project_key, ts):
    key, project = project_key
    res = post(client, key, event(timestamp=ts))
    assert res.status_code == 400
    assert [d["field"] for d in res.get_json()["error"]["details"]] == ["timestamp"]
    assert rows(db, project) == []


@pytest.mark.parametrize("ts", ["1970-01-01T00:00:00Z", "2199-12-31T23:59:59+00:00", "1970-01-01T14:00:00+14:00"])
def test_timestamps_at_the_edges_are_stored(client, db, project_key, ts):
    key, project = project_key
    assert post(client, key, event(timestamp=ts)).get_json()["accepted"] == 1
    assert len(rows(db, project)) == 1


def _project_with_key(database_url):
    from tokenoptimizer_server import keys
    from tokenoptimizer_server.db import connect

    with connect(database_url) as conn:
        raw, row = keys.create_key(conn, f"test-{uuid.uuid4().hex[:10]}", "test")
        return raw, str(conn.execute("select project_id from public.api_keys where id = %s",
                                     (row["id"],)).fetchone()["project_id"])


def test_an_id_stored_by_one_project_is_new_to_another(client, db, database_url, project_key):
    key_a, project_a = project_key
    key_b, project_b = _project_with_key(database_url)
    ev = event()
    assert post(client, key_a, ev).get_json()["accepted"] == 1
    body = post(client, key_b, {**ev, "endpoint_name": "b-feature"}).get_json()
    assert (body["accepted"], body["duplicates"]) == (1, 0)
    again = post(client, key_b, ev).get_json()  # within B it is now a duplicate, as it is within A
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert [r["endpoint_name"] for r in rows(db, project_a)] == ["chat"]
    assert [r["endpoint_name"] for r in rows(db, project_b)] == ["b-feature"]


def test_one_group_commit_with_the_same_id_from_two_projects_stores_both(app, db, database_url, project_key):
    from tokenoptimizer_server import db as dbm
    from tokenoptimizer_server.ingest.group_commit import GroupCommit, _Request

    _, project_a = project_key
    _, project_b = _project_with_key(database_url)
    shared = str(uuid.uuid4())
    base = {"id": shared, "ts": "2026-11-30T10:00:00+00:00", "model": "m", "provider": "openai",
            "endpoint_name": "e", "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2, "cached_tokens": 0,
            "cache_write_tokens": 0, "cache_write_1h_tokens": 0, "reasoning_tokens": 0, "status": "ok",
            "stream": False, "priced": False}
    version = db.execute("select last_value from public.model_pricing_version_seq").fetchone()["last_value"]
    requests = []
    for project in (project_a, project_b):
        key_id = db.execute("select id from public.api_keys where project_id = %s", (project,)).fetchone()["id"]
        requests.append(_Request([{**base, "project_id": project}], version, key_id))
    GroupCommit(dbm.pool(app))._write(requests)  # the two requests as one group: one statement
    assert [(r.error, r.inserted) for r in requests] == [(None, {shared}), (None, {shared})]
    for project in (project_a, project_b):
        assert [str(r["id"]) for r in rows(db, project)] == [shared]


def test_rollups_still_equal_a_rebuild_with_shared_ids(client, db, database_url, project_key):
    key_a, _ = project_key
    key_b, _ = _project_with_key(database_url)
    evs = [event(), event(model="claude-haiku-4-5"), event(model="never-priced-y")]
    for key in (key_a, key_b, key_a):
        post(client, key, {"events": evs})
    sums = "select sum(requests) as n, sum(cost) as cost, sum(total_tokens) as tokens from public.usage_rollups_hourly"
    before = db.execute(sums).fetchone()
    db.execute("select public.rebuild_usage_rollups()")
    assert db.execute(sums).fetchone() == before


def test_concatenated_gzip_members_are_all_read(client, db, project_key):
    key, project = project_key
    first, second = [event() for _ in range(2)], [event() for _ in range(3)]
    text = json.dumps({"events": first + second}).encode()
    cut = len(text) // 2
    body = gzip.compress(text[:cut]) + gzip.compress(text[cut:])
    res = post(client, key, body, **{"Content-Encoding": "gzip"})
    assert res.status_code == 202 and res.get_json()["accepted"] == 5
    assert len(rows(db, project)) == 5


@pytest.mark.parametrize("body", [gzip.compress(b'{"a": 1}') + b"trailing", gzip.compress(b'{"model": "x"}')[:-4]])
def test_gzip_with_garbage_or_cut_short_is_a_400(client, db, project_key, body):
    key, project = project_key
    res = post(client, key, body, **{"Content-Encoding": "gzip"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "bad_gzip"
    assert rows(db, project) == []
