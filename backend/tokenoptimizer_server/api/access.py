"""Who may do what: project keys for ingest; loopback (local) or the admin token (self-hosted) for the
rest; and, in front of everything, which Host names the server answers for (HostAllowlist)."""

from __future__ import annotations

import hmac
import ipaddress
from http import HTTPStatus
from urllib.parse import urlsplit

import orjson
from flask import current_app, g, request

from ..errors import ApiError
from ..settings import Settings

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


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


def is_admin_token(token: str | None) -> bool:
    """Whether a Bearer token is the server's admin token (constant-time)."""
    admin = current_app.config["SETTINGS"].admin_token
    # Bytes: compare_digest refuses a non-ASCII str (a 500 for any such token).
    return bool(admin and token) and hmac.compare_digest(
        token.encode("utf-8", "surrogatepass"), admin.encode("utf-8", "surrogatepass"))


def is_operator() -> bool:
    """Whoever runs the server: the admin token (scripts, the CLI, a Prometheus scraper), or in local
    mode a client on this machine. Never a person's browser session."""
    settings = current_app.config["SETTINGS"]
    return is_admin_token(bearer_token()) or (settings.mode == "local" and _is_loopback())


def is_admin() -> bool:
    """The operator, or a signed-in user, whose requests run as them under row-level security, so
    the database decides what they read (auth/caller.py)."""
    return g.get("signed_in_user") is not None or is_operator()


def _refuse(what: str) -> ApiError:
    settings = current_app.config["SETTINGS"]
    hint = ("local mode serves the dashboard to this machine only" if settings.mode == "local" else
            "send Authorization: Bearer <TOKENOPTIMIZER_ADMIN_TOKEN>" + (
                " or a Supabase access token" if settings.mode == "hosted" else ""))
    return ApiError(401, "unauthorized", f"{what} required: {hint}")


def require_admin() -> None:
    """Guard for dashboard reads and pricing writes."""
    if not is_admin():
        raise _refuse("admin access")


def require_operator() -> None:
    """Guard for what spans every tenant (the server's /metrics): a signed-in member is not enough."""
    if not is_operator():
        raise _refuse("the admin token")


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """This machine's names and the public URL's host: the Host headers the server answers."""
    public = urlsplit(settings.public_base_url or "").hostname
    return LOOPBACK_NAMES | ({f"[{public}]" if ":" in public else public.lower()} if public else set())


def host_name(header: str) -> str:
    """`Example.com:8000.` → `example.com`; `[::1]:8000` → `[::1]` (the port does not matter)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1]
    return header.rsplit(":", 1)[0].rstrip(".") if header.count(":") <= 1 else header


class HostAllowlist:
    """The outermost WSGI layer: a request naming another Host is refused before anything runs.

    A web page can point its own DNS name at 127.0.0.1 (DNS rebinding) and then read local mode's
    /api/config as a same-origin request; its Host header still names that page, and is refused.
    """

    def __init__(self, settings: Settings, next_app):
        self._allowed = allowed_hosts(settings)
        self._next = next_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is None or host_name(host) in self._allowed:  # no Host (HTTP/1.0): no browser sent it
            return self._next(environ, start_response)
        body = orjson.dumps(ApiError(421, "host_not_allowed", (
            f"this server answers for {', '.join(sorted(self._allowed))}; set TOKENOPTIMIZER_PUBLIC_URL "
            "to the URL users open"), [{"field": "Host", "message": "not a name of this server"}]).body())
        start_response(f"421 {HTTPStatus(421).phrase}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
