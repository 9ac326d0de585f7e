"""Errors that gunicorn answers itself, before the app sees the request, leave in the API's JSON
error shape. Imported by wsgi.py, so every way of running `tokenoptimizer_server.wsgi:app` under
gunicorn (serve, the Dockerfile, compose) gets it.

gunicorn refuses some requests on its own (a request line over `limit_request_line` → 414, too
many or too large headers → 431, a malformed Content-Length or chunk → 400) and writes an HTML
page for them through `gunicorn.util.write_error`. Every worker class calls that one function,
so replacing it in the worker process is the whole fix.
"""

from __future__ import annotations

import logging
import uuid

import orjson
from gunicorn import util

log = logging.getLogger("tokenoptimizer_server.gunicorn")

# Which of our error codes each of gunicorn's own answers maps to.
_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
          431: "request_header_fields_too_large", 500: "internal_server_error", 501: "not_implemented"}


def error_response(status: int, reason: str, message: str, request_id: str) -> bytes:
    """The raw HTTP answer for an error gunicorn raised: our JSON shape, the request id in a header too."""
    body = orjson.dumps({"error": {"code": _CODES.get(status, reason.lower().replace(" ", "_")),
                                   "message": message or reason, "details": [], "request_id": request_id}})
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"X-Request-Id: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for gunicorn.util.write_error (same signature): JSON instead of HTML."""
    request_id = uuid.uuid4().hex
    if status_int >= 500:  # gunicorn has logged the traceback; this ties it to the answer
        log.error("gunicorn answered %s %s (request id %s)", status_int, reason, request_id)
    util.write_nonblock(sock, error_response(status_int, reason, mesg, request_id))


def install() -> None:
    """Make gunicorn write its own error answers with write_json_error."""
    util.write_error = write_json_error
