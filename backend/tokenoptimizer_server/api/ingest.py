"""POST /api/log (and /log, /api/tokens/track): authenticate, validate, refuse content, price, and
store a batch in one transaction. POST /v1/traces (OTLP, api/otlp.py) feeds the same pipeline (`ingest`).

The ingest route is the hot path, so it is served as plain WSGI in front of Flask: Flask's request
machinery (contexts, routing, hooks, response objects) was 12% of a single-event request's CPU
(docs/benchmarks.md) and this route needs none of it. Every other path goes on to Flask. Errors
leave in the same {"error": ...} shape as on every other route.
"""

from __future__ import annotations

import time
import zlib
from datetime import datetime, timezone
from http import HTTPStatus
from typing import NamedTuple

import orjson
import psycopg
from flask import Flask
from psycopg_pool import ConnectionPool, PoolTimeout

from .. import db, metrics
from ..errors import ApiError, server_error
from ..ingest.event import parse_events
from ..ingest.group_commit import GroupCommit
from ..ingest.store import KeyRevoked, PricedEvent, StalePrices, price_events
from ..keys import KeyCache, authenticate
from ..pricing.resolve import PriceCache
from ..pricing.store import load_rows
from .access import bearer_token

try:  # the otel extra (opentelemetry-proto): without it /v1/traces says what to install
    from .otlp import TRACES_PATH, serve_traces
except ModuleNotFoundError as missing:
    if not (missing.name or "").startswith(("opentelemetry", "google")):
        raise
    TRACES_PATH, serve_traces = "/v1/traces", None

INGEST_PATHS = ("/api/log", "/log", "/api/tokens/track")
_LAST_USED_EVERY_S = 60


class Stored(NamedTuple):
    """What the pipeline did with a request's raw events."""

    accepted: int
    duplicates: int
    rejected: list[dict]  # {"index", "id", "errors"} per invalid raw event
    priced: list[PricedEvent]


class IngestEndpoint:
    """WSGI middleware: serves the ingest paths, hands every other request to `next_app` (Flask)."""

    def __init__(self, app: Flask, next_app):
        self._app = app
        self._next = next_app
        self._settings = app.config["SETTINGS"]
        self._prices = PriceCache()
        self._keys = KeyCache()
        self._writer: GroupCommit | None = None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path not in INGEST_PATHS:
            if path == TRACES_PATH:
                return self._traces(environ, start_response)
            return self._next(environ, start_response)
        started = time.perf_counter()
        headers: dict[str, str] = {}
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise ApiError(405, "method_not_allowed", "send events with POST", headers={"Allow": "POST"})
            status, body = 202, self._log_usage(environ)
        except ApiError as err:  # a 5xx (the database is down) is logged with the id the answer carries
            err = server_error(environ, err) if err.status >= 500 else err
            status, body, headers = err.status, err.body(), err.headers
        except Exception:  # a bug: the traceback logged, answered like Flask's 500 in our error shape
            err = server_error(environ)
            status, body, headers = err.status, err.body(), err.headers
        out = orjson.dumps(body)
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(out))), *headers.items()])
        metrics.REQUEST_SECONDS.labels(path, str(status)).observe(time.perf_counter() - started)
        return [out]

    def _log_usage(self, environ) -> dict:
        """Store one event or a batch; the 202 body with each stored event's cost."""
        token = bearer_token(environ)
        if not token:
            raise ApiError(401, "unauthorized", "send your project key as Authorization: Bearer <key>")
        raws, is_batch, dropped = self._events(self._body(environ))
        stored = self.ingest(token, raws, is_batch, dropped)
        return {"accepted": stored.accepted, "duplicates": stored.duplicates, "rejected": stored.rejected,
                "events": [p.to_json() for p in stored.priced]}

    def ingest(self, token: str, raws: list, is_batch: bool, dropped: int = 0) -> Stored:
        """Authenticate, validate, price and store raw events: the pipeline /api/log and /v1/traces share."""
        try:
            key = self._authenticate(token)
            valid, rejected = parse_events(raws)
            if rejected and not is_batch:
                metrics.count_events(0, 0, 1)
                raise ApiError(400, "invalid_event", "the event is not valid", rejected[0]["errors"])
            # No database round trip so far on a warm worker: the write checks the key and the prices.
            for _ in range(3):
                book = self._prices.latest(self._load_prices)
                rows, priced = price_events(str(key["project_id"]), valid, book)
                try:
                    inserted = self._group_commit().store(rows, book.version, key["id"])
                    break
                except StalePrices as stale:
                    self._prices.book(stale.current, self._load_prices)
                except KeyRevoked:
                    self._keys.forget(token)
                    key = self._authenticate(token)
            else:
                raise ApiError(429, "busy", "prices kept changing during this request; retry shortly",
                               headers={"Retry-After": "1"})
            self._touch_key(key)
            if dropped:
                self._record_sdk_drops(key["id"], dropped)
        except (PoolTimeout, psycopg.OperationalError) as err:  # 503 when the database is gone, 429 when busy
            down = not isinstance(err, PoolTimeout) or db.database_down(self._pool())
            raise db.unavailable(err, down) from None
        duplicates = len(valid) - len(inserted)
        metrics.count_events(len(inserted), duplicates, len(rejected))
        metrics.count_unpriced(rows, inserted)
        return Stored(len(inserted), duplicates, rejected, priced)

    def _traces(self, environ, start_response):
        """POST /v1/traces (api/otlp.py), or a clear answer when the otel extra is not installed."""
        if serve_traces is not None:
            return serve_traces(self, environ, start_response)
        out = orjson.dumps(ApiError(501, "otlp_not_installed", "this server has no OTLP support installed: "
                                    "pip install 'tokenoptimizer[server,otel]'").body())
        start_response("501 Not Implemented", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]

    @property
    def max_batch_events(self) -> int:
        return self._settings.max_batch_events

    def _body(self, environ) -> object:
        """The JSON body (see raw_body)."""
        raw = self.raw_body(environ)
        try:
            return orjson.loads(raw)  # the hot path: 3-5x faster than json.loads
        except orjson.JSONDecodeError as err:
            raise ApiError(400, "invalid_json", f"body is not valid JSON: {err}") from None

    def raw_body(self, environ) -> bytes:
        """The body's bytes, gunzipped when sent gzip, refused past the size limit (before and after inflating)."""
        limit = self._settings.max_body_bytes
        too_big = ApiError(413, "payload_too_large", f"body is larger than {limit} bytes; send smaller batches")
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            raise ApiError(400, "bad_content_length", "Content-Length is not a number") from None
        if length > limit:
            raise too_big
        stream = environ["wsgi.input"]
        if length >= 0:
            raw = stream.read(length)
        else:  # chunked: the server marks the stream as ending where the body does
            raw = stream.read(limit + 1) if environ.get("wsgi.input_terminated") else b""
        if len(raw) > limit:
            raise too_big
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            raw = inflate_gzip(raw, limit)
        return raw

    def _events(self, body: object) -> tuple[list, bool, int]:
        """The raw events, whether the body was a batch, and the SDK's count of events it had to drop."""
        if isinstance(body, dict) and "events" in body:
            if not set(body) <= {"events", "dropped"} or not isinstance(body["events"], list):
                raise ApiError(400, "invalid_batch", "a batch is {\"events\": [event, ...], \"dropped\": n} and nothing else",
                               [{"field": "events", "message": "must be a list of event objects"}])
            dropped = body.get("dropped", 0)
            if isinstance(dropped, bool) or not isinstance(dropped, int) or not 0 <= dropped <= 1_000_000_000:
                raise ApiError(400, "invalid_batch", "dropped must be a whole number ≥ 0",
                               [{"field": "dropped", "message": "must be a whole number ≥ 0"}])
            limit = self._settings.max_batch_events
            if len(body["events"]) > limit:
                raise ApiError(413, "too_many_events", f"a batch holds at most {limit} events, got {len(body['events'])}")
            return body["events"], True, dropped
        return [body], False, 0

    def _pool(self) -> ConnectionPool:
        return db.pool(self._app)

    def _group_commit(self) -> GroupCommit:
        if self._writer is None:
            self._writer = GroupCommit(self._pool())
        return self._writer

    def _load_prices(self) -> tuple[list, int]:
        with self._pool().connection() as conn:
            return load_rows(conn)

    def _authenticate(self, token: str) -> dict:
        """The key (from this process's cache, else the database) or a 401."""
        key = self._keys.get(token)
        if key is None:
            with self._pool().connection() as conn:
                key = authenticate(conn, token)
            if key is None:
                raise ApiError(401, "unauthorized", "unknown or revoked API key")
            self._prices.book(key["price_version"], self._load_prices)  # a fresh key brings the price version
            self._keys.put(token, key)
        return key

    def _record_sdk_drops(self, key_id, dropped: int) -> None:
        """Events the SDK lost to a full queue: counted per key (only after its batch is stored, so a
        retry does not count them twice) and in /metrics."""
        metrics.SDK_DROPPED.inc(dropped)
        with self._pool().connection() as conn:
            conn.execute("update public.api_keys set dropped_events = dropped_events + %s where id = %s",
                         (dropped, key_id))

    def _touch_key(self, key: dict) -> None:
        """Record last use about once a minute per worker, not on every request."""
        last = key["last_used_at"]
        if last is None or time.time() - last.timestamp() > _LAST_USED_EVERY_S:
            key["last_used_at"] = datetime.now(timezone.utc)  # the cached key: the next request skips this
            with self._pool().connection() as conn:
                conn.execute("update public.api_keys set last_used_at = now() where id = %s", (key["id"],))


def inflate_gzip(raw: bytes, limit: int) -> bytes:
    """A gzip body inflated, every member of it (RFC 1952 allows several, and `cat a.gz b.gz` makes
    them), refused with 413 past `limit` bytes inflated and with 400 when any part is not gzip."""
    bad = ApiError(400, "bad_gzip", "Content-Encoding is gzip but the body is not valid gzip")
    out, rest = [], raw
    size = 0
    while True:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(rest, limit + 1 - size)
        except zlib.error:
            raise bad from None
        size += len(part)
        if size > limit or inflater.unconsumed_tail:
            raise ApiError(413, "payload_too_large", f"uncompressed body is larger than {limit} bytes")
        if not inflater.eof:  # cut short: the last member never ended
            raise bad
        out.append(part)
        rest = inflater.unused_data
        if not rest:
            return out[0] if len(out) == 1 else b"".join(out)
