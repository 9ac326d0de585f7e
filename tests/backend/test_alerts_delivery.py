"""Webhook delivery against a real HTTP receiver on 127.0.0.1: Slack and generic bodies, the HMAC
signature, retries with backoff through the outbox, and a server restart in the middle of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tokenoptimizer_server import efficiency
from tokenoptimizer_server.alerts import deliver_due, evaluate

from ..conftest import free_port, start_server, stop_server
from .test_alerts import add_rule, alerts_of, event
from .test_analytics import T0, new_project, post

SECRET = "receiver-shared-secret"


class Receiver:
    """A webhook receiver that answers the statuses it is given, in turn (then 200), and keeps every request."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses, self.requests = list(statuses or []), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append({"headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def taken(self) -> list[dict]:
        return [r for r in self.requests if r["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def wait_for(condition, timeout: float = 60.0) -> None:
    """Poll until condition() (a deadline for a hung test, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def expected_signature(headers: dict, body: bytes) -> str:
    stamp = headers["X-TokenOptimizer-Timestamp"].encode()
    return "sha256=" + hmac.new(SECRET.encode(), stamp + b"." + body, hashlib.sha256).hexdigest()


def fire_one(client, database_url, db, **rule_fields) -> tuple[str, dict]:
    """A project with one 1,500-token conversation and a tokens rule that fires on it."""
    key, project = new_project(database_url)
    post(client, key, [event(T0, 1500, session_id="chat-1")])
    rule = add_rule(client, project, "session_tokens", threshold="1000", **rule_fields)
    efficiency.refresh(db)
    evaluate(db, T0 + timedelta(minutes=1))
    return project, rule


def test_generic_webhook_is_signed_and_sent_once_per_state_change(client, database_url, db, receiver):
    project, rule = fire_one(client, database_url, db, webhook_url=receiver.url, webhook_format="generic",
                             webhook_secret=SECRET)
    assert deliver_due(db)["sent"] == 1
    [got] = receiver.requests
    body = json.loads(got["body"])
    assert got["headers"]["X-TokenOptimizer-Signature"] == expected_signature(got["headers"], got["body"])
    assert body["event"] == "alert.firing" and body["id"] == got["headers"]["X-TokenOptimizer-Delivery"]
    assert body["alert"]["rule_id"] == rule["id"] and body["alert"]["evidence"]["total_tokens"] == 1500
    assert body["alert"]["message"] == "Conversation chat-1 used 1,500 tokens in 1 turns (limit 1,000)."
    evaluate(db, T0 + timedelta(minutes=2))  # still firing: nothing new to send
    assert deliver_due(db)["sent"] == 0 and len(receiver.requests) == 1
    evaluate(db, T0 + timedelta(hours=2))  # the conversation ended: resolved, sent once
    assert deliver_due(db)["sent"] == 1 and deliver_due(db)["sent"] == 0
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == ["alert.firing", "alert.resolved"]
    tampered = receiver.requests[1]["body"].replace(b"resolved", b"firing")
    assert receiver.requests[1]["headers"]["X-TokenOptimizer-Signature"] != expected_signature(
        receiver.requests[1]["headers"], tampered)


def test_a_malformed_stored_alert_does_not_stop_the_deliveries_after_it(client, database_url, db, receiver):
    project, rule = fire_one(client, database_url, db, webhook_url=receiver.url, webhook_format="slack")
    [outbox] = db.execute("select id, alert_id from public.alert_outbox where rule_id = %s", (rule["id"],)).fetchall()
    # A row whose payload lost its fields (a hand edit, an old bug): it is retried, never fatal to the rest.
    bad = db.execute("insert into public.alert_outbox (project_id, rule_id, alert_id, transition, url, format, payload) "
                     "values (%s, %s, %s, 'resolved', %s, 'slack', '{}') returning id",
                     (project, rule["id"], outbox["alert_id"], receiver.url)).fetchone()["id"]
    counts = deliver_due(db)
    assert (counts["sent"], counts["retry"]) == (1, 1) and len(receiver.requests) == 1
    error = db.execute("select last_error from public.alert_outbox where id = %s", (bad,)).fetchone()["last_error"]
    assert error.startswith("the stored alert cannot be sent: KeyError")
    db.execute("update public.alert_outbox set failed_at = now() where id = %s", (bad,))  # not due for later tests


def test_slack_body(client, database_url, db, receiver):
    fire_one(client, database_url, db, webhook_url=receiver.url, webhook_format="slack")
    deliver_due(db)
    [got] = receiver.requests
    body = json.loads(got["body"])
    assert body["text"].startswith("[TokenOptimizer] FIRING Tokens in one conversation above N: Conversation chat-1")
    assert body["blocks"][0]["text"]["text"] == body["text"] and "X-TokenOptimizer-Signature" not in got["headers"]


def test_a_receiver_that_fails_twice_gets_it_on_the_third_attempt(client, database_url, db):
    receiver = Receiver([500, 503])
    try:
        project, rule = fire_one(client, database_url, db, webhook_url=receiver.url, webhook_format="generic",
                                 webhook_secret=SECRET)
        assert deliver_due(db) == {"sent": 0, "retry": 1, "given_up": 0}
        assert deliver_due(db)["retry"] == 0  # backing off: not due yet
        wait_for(lambda: deliver_due(db)["sent"] == 1)
        row = db.execute("select * from public.alert_outbox where rule_id = %s", (rule["id"],)).fetchone()
        assert row["attempts"] == 3 and row["sent_at"] is not None and row["last_error"] is None
        assert [r["status"] for r in receiver.requests] == [500, 503, 200]
        assert len({r["headers"]["X-TokenOptimizer-Delivery"] for r in receiver.requests}) == 1
        assert deliver_due(db)["sent"] == 0 and len(receiver.requests) == 3
    finally:
        receiver.close()


def test_test_send_reports_what_the_receiver_answered(client, database_url, receiver):
    key, project = new_project(database_url)
    rule = add_rule(client, project, "daily_spend", threshold="5", webhook_url=receiver.url,
                    webhook_format="generic", webhook_secret=SECRET)
    answer = client.post(f"/api/alerts/rules/{rule['id']}/test?project={project}").get_json()
    assert answer == {"delivered": True, "detail": "HTTP 200"}
    [got] = receiver.requests
    assert json.loads(got["body"])["event"] == "alert.test"
    assert got["headers"]["X-TokenOptimizer-Signature"] == expected_signature(got["headers"], got["body"])
    bare = add_rule(client, project, "daily_spend", threshold="5")
    refused = client.post(f"/api/alerts/rules/{bare['id']}/test?project={project}")
    assert refused.status_code == 400 and refused.get_json()["error"]["details"][0]["field"] == "webhook_url"


def test_served_evaluator_delivers_across_a_restart_exactly_once(client, database_url, db, tmp_path, monkeypatch):
    """`tokenoptimizer serve` (2 workers) runs one evaluator; the receiver fails twice; the server restarts
    after the first failure; the alert still arrives, answered 2xx once."""
    receiver = Receiver([500, 500])
    monkeypatch.setenv("TOKENOPTIMIZER_ALERTS_EVERY_S", "1")
    port = free_port()
    try:
        key, project = new_project(database_url)
        rule = add_rule(client, project, "session_tokens", threshold="1000", webhook_url=receiver.url,
                        webhook_format="generic", webhook_secret=SECRET)
        proc = start_server(database_url, tmp_path, port, 2)
        base = f"http://127.0.0.1:{port}"
        answer = requests.post(f"{base}/api/log", headers={"Authorization": f"Bearer {key}"},
                               json={"model": "gpt-4o", "prompt_tokens": 1500, "completion_tokens": 0,
                                     "session_id": "served"})
        assert answer.status_code == 202
        wait_for(lambda: len(receiver.requests) >= 1)
        holders = _lock_holders(db)
        stop_server(proc)
        proc = start_server(database_url, tmp_path, port, 2)
        wait_for(lambda: receiver.taken())
        stop_server(proc)
        [alert] = alerts_of(db, rule)
        assert alert["state"] == "firing" and alert["value"] == 1500
        assert len(receiver.taken()) == 1 and json.loads(receiver.taken()[0]["body"])["alert"]["id"] == str(alert["id"])
        assert len(receiver.requests) >= 3 and {r["status"] for r in receiver.requests[:2]} == {500}
        assert holders == 1  # two workers, one evaluator
        row = db.execute("select * from public.alert_outbox where alert_id = %s", (alert["id"],)).fetchone()
        assert row["sent_at"] is not None and row["attempts"] == len(receiver.requests)
        job = db.execute("select holder, runs from public.job_runs where name = 'alerts'").fetchone()
        assert job["runs"] >= 2
    finally:
        receiver.close()


def _lock_holders(db) -> int:
    """Server processes holding the alerts job's advisory lock on this database (other servers on the
    same Postgres, a bench's say, hold their own)."""
    from tokenoptimizer_server.jobs import lock_key
    key = lock_key("alerts")
    hi, lo = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    return db.execute("select count(*) as n from pg_locks where locktype = 'advisory' and granted "
                      "and classid::bigint = %s and objid::bigint = %s "
                      "and database = (select oid from pg_database where datname = current_database())", (hi, lo)).fetchone()["n"]
