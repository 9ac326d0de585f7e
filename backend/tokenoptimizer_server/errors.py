"""One error type and one handler: every error leaves as {"error": {code, message, details}}."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error the client can act on: status, a stable code, a sentence, and per-field details."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    def to_response(self):
        return jsonify(self.body()), self.status, self.headers


def init_app(app: Flask) -> None:
    """Render ApiError and werkzeug's HTTP errors in the one shape the SDK and dashboard parse."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return err.to_response()

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        return ApiError(err.code or 500, code, err.description or err.name).to_response()
