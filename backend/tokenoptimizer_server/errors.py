"""One error type and one handler: every error leaves as {"error": {code, message, details}}.

A 5xx also carries the request's id (`request_id` in the body, `X-Request-Id` header), and the
log line that tells what went wrong carries the same id, so a user's report finds the trace.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("tokenoptimizer_server")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
REQUEST_ID_HEADER = "X-Request-Id"


class ApiError(Exception):
    """An error the client can act on: status, a stable code, a sentence, and per-field details."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}
        self.request_id: str | None = None

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message, "details": self.details}
        if self.request_id:
            error["request_id"] = self.request_id
        return {"error": error}

    def to_response(self):
        return jsonify(self.body()), self.status, self.headers


def request_id(environ: dict) -> str:
    """This request's id: the client's (or proxy's) X-Request-Id when it looks like one, else a new one.

    Kept in the WSGI environ, so the plain-WSGI ingest path and Flask agree on it.
    """
    rid = environ.get("tokenoptimizer.request_id")
    if rid is None:
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        rid = offered if _CLIENT_ID.fullmatch(offered) else uuid.uuid4().hex
        environ["tokenoptimizer.request_id"] = rid
    return rid


def server_error(environ: dict, err: ApiError | None = None) -> ApiError:
    """A 5xx for this request, logged with its id (with the traceback when called while handling one)."""
    err = err or ApiError(500, "internal_server_error", "the server failed; retry shortly")
    err.request_id = request_id(environ)
    err.headers = {**err.headers, REQUEST_ID_HEADER: err.request_id}
    log.error("%s %s %s answered %d (%s) request_id=%s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
              err.code, err.status, err.message, err.request_id, exc_info=err.status == 500)
    return err


def init_app(app: Flask) -> None:
    """Render ApiError, werkzeug's HTTP errors and unexpected exceptions in the one shape."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return (server_error(request.environ, err) if err.status >= 500 else err).to_response()

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_").replace("'", "")
        allow = dict(err.get_headers()).get("Allow")  # a 405 says which methods the path takes
        return _api_error(ApiError(err.code or 500, code, err.description or err.name,
                                   headers={"Allow": allow} if allow else None))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # a bug: the traceback goes to the log, the id to the client
        return server_error(request.environ).to_response()
