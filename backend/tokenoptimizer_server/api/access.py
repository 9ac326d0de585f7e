"""Who may do what: project keys for ingest; loopback (local) or the admin token (self-hosted) for the rest."""

from __future__ import annotations

import hmac
import ipaddress

from flask import current_app, request

from ..errors import ApiError


def bearer_token(environ: dict | None = None) -> str | None:
    """The token of an `Authorization: Bearer` header (this request's, or a raw WSGI environ's)."""
    header = (request.environ if environ is None else environ).get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _is_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def is_admin() -> bool:
    """Local mode trusts loopback clients; self-hosted mode wants the admin token."""
    settings = current_app.config["SETTINGS"]
    token = bearer_token()
    if settings.admin_token and token and hmac.compare_digest(token, settings.admin_token):
        return True
    return settings.mode == "local" and _is_loopback()


def require_admin() -> None:
    """Guard for dashboard reads and pricing writes."""
    if not is_admin():
        settings = current_app.config["SETTINGS"]
        hint = ("send Authorization: Bearer <TOKENOPTIMIZER_ADMIN_TOKEN>" if settings.mode == "selfhosted"
                else "local mode serves the dashboard to this machine only")
        raise ApiError(401, "unauthorized", f"admin access required: {hint}")
