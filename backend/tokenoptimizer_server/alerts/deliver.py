"""Webhook delivery from the outbox: Slack-compatible or generic JSON, HMAC-signed, retried with backoff.

A row is marked sent only after the receiver answered 2xx; a restart in between resends it, so
receivers should use X-TokenOptimizer-Delivery (the outbox id, one per state change) to drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import psycopg
import requests

log = logging.getLogger(__name__)

BACKOFF_S = (1, 2, 4, 8, 16, 32, 60, 120, 300, 600, 1800, 3600)  # then the delivery is given up
TIMEOUT_S = 5
SIGNATURE_HEADER = "X-TokenOptimizer-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=<hex HMAC of "<timestamp>.<body>">, so a receiver can check origin and freshness."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body(fmt: str, transition: str, alert: dict, delivery_id: str) -> bytes:
    """The JSON the receiver gets: Slack's {"text", "blocks"} or our generic event."""
    if fmt == "slack":
        head = {"firing": "FIRING", "resolved": "RESOLVED", "test": "TEST"}[transition]
        text = f"[TokenOptimizer] {head} {alert['rule_name']}: {alert['message']}"
        payload = {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    else:
        payload = {"id": delivery_id, "event": f"alert.{transition}", "alert": alert}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def send(url: str, fmt: str, transition: str, alert: dict, delivery_id: str, secret: str | None) -> tuple[bool, str]:
    """POST one delivery; (taken?, what happened)."""
    try:
        data = body(fmt, transition, alert, delivery_id)
    except (KeyError, TypeError) as err:  # a malformed stored alert must not stop the deliveries after it
        return False, f"the stored alert cannot be sent: {type(err).__name__}: {err}"[:500]
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "TokenOptimizer-Webhook/1",
               "X-TokenOptimizer-Delivery": delivery_id, "X-TokenOptimizer-Timestamp": stamp}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, stamp, data)
    try:
        answer = requests.post(url, data=data, headers=headers, timeout=TIMEOUT_S, allow_redirects=False)
    except requests.RequestException as err:
        return False, f"{type(err).__name__}: {err}"[:500]
    return 200 <= answer.status_code < 300, f"HTTP {answer.status_code}"


_DUE = """
select o.id, o.url, o.format, o.transition, o.payload, o.attempts, r.webhook_secret
from public.alert_outbox o join public.alert_rules r on r.id = o.rule_id
where o.sent_at is null and o.failed_at is null and o.next_attempt_at <= now()
order by o.id limit 1
for update of o skip locked"""


def deliver_due(conn: psycopg.Connection, limit: int = 100) -> dict[str, int]:
    """Send due deliveries one at a time; reschedule failures with backoff. Returns sent/retry/given_up counts.

    Each delivery is claimed with a row lock for the length of its POST, so two senders (the job
    and a CLI, say) never send the same one; it is marked sent in the same transaction.
    """
    counts = {"sent": 0, "retry": 0, "given_up": 0}
    for _ in range(limit):
        with conn.transaction():
            row = conn.execute(_DUE).fetchone()
            if row is None:
                break
            outcome = _attempt(conn, row)
        counts[outcome] += 1
    return counts


def _attempt(conn: psycopg.Connection, row: dict) -> str:
    """POST one claimed delivery and record the outcome: sent, retry (with backoff) or given_up."""
    ok, detail = send(row["url"], row["format"], row["transition"], row["payload"], str(row["id"]),
                      row["webhook_secret"])
    attempts = row["attempts"] + 1
    log.info("webhook delivery %s (%s), attempt %s: %s", row["id"], row["transition"], attempts, detail)
    if ok:
        conn.execute("update public.alert_outbox set sent_at = now(), attempts = %s, last_error = null "
                     "where id = %s", (attempts, row["id"]))
        return "sent"
    if attempts > len(BACKOFF_S):
        conn.execute("update public.alert_outbox set failed_at = now(), attempts = %s, last_error = %s "
                     "where id = %s", (attempts, detail, row["id"]))
        return "given_up"
    conn.execute("update public.alert_outbox set attempts = %s, last_error = %s, next_attempt_at = now() + %s "
                 "where id = %s", (attempts, detail, timedelta(seconds=BACKOFF_S[attempts - 1]), row["id"]))
    return "retry"
