"""One place that reads TOKENOPTIMIZER_* settings, with typed parsers that fail fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # the checkout, when running from one
BUNDLE_DIR = Path(__file__).resolve().parent / "bundle"  # what an installed wheel carries (setup.py)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _checkout_or_bundle(checkout: Path, bundled: str) -> Path:
    """A checkout's own folder when running from one, else the installed package's copy."""
    copy = BUNDLE_DIR / bundled
    return copy if copy.is_dir() and not checkout.is_dir() else checkout


def supabase_dir() -> Path:
    """The supabase/ folder whose migrations and seed define the schema."""
    return Path(os.environ.get("TOKENOPTIMIZER_MIGRATIONS_DIR") or _checkout_or_bundle(REPO_ROOT / "supabase", "supabase"))


def frontend_dir() -> Path:
    """The built dashboard (frontend/dist) that the API serves at /."""
    return Path(os.environ.get("TOKENOPTIMIZER_FRONTEND_DIR")
                or _checkout_or_bundle(REPO_ROOT / "frontend" / "dist", "dashboard"))


def db_pooler() -> str:
    """What stands between us and Postgres: `none` (a direct connection or a session pooler) or
    `transaction` (pgbouncer or Supabase's pooler in transaction mode: no session state, no
    prepared statements)."""
    return _choice("TOKENOPTIMIZER_DB_POOLER", "none", ("none", "transaction"))


def default_data_dir() -> Path:
    """Where `serve` keeps the embedded database and the first API key."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tokenoptimizer"


@dataclass(frozen=True)
class Settings:
    database_url: str
    mode: str  # "local": loopback dashboard, no admin token; "selfhosted"/"hosted": admin token required
    admin_token: str | None
    data_dir: Path
    pool_min: int
    pool_max: int
    pool_timeout_s: float
    db_pooler: str  # "none" or "transaction" (see db_pooler())
    max_body_bytes: int
    max_batch_events: int
    public_base_url: str | None
    frontend_dir: Path
    migrations_dir: Path
    alerts_every_s: int = 5  # how often the alerts job evaluates the rules (jobs.py)
    # Hosted mode (Supabase): the secret that signs Supabase Auth's access tokens, the dashboard's
    # address (the one origin allowed cross-origin, and where invitation links lead), and the
    # service-role key with the project URL for Supabase Auth's admin API (invitations by email).
    supabase_jwt_secret: str | None = None
    dashboard_url: str | None = None
    supabase_url: str | None = None
    supabase_service_role_key: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Build settings from the environment; keyword overrides win (tests, the CLI)."""
        values = dict(
            database_url=os.environ.get("DATABASE_URL") or os.environ.get("TOKENOPTIMIZER_DATABASE_URL") or "",
            mode=_choice("TOKENOPTIMIZER_MODE", "local", ("local", "selfhosted", "hosted")),
            admin_token=os.environ.get("TOKENOPTIMIZER_ADMIN_TOKEN") or None,
            data_dir=Path(os.environ.get("TOKENOPTIMIZER_DATA_DIR") or default_data_dir()),
            pool_min=_int("TOKENOPTIMIZER_POOL_MIN", 1, 1),
            pool_max=_int("TOKENOPTIMIZER_POOL_MAX", 20, 1),
            pool_timeout_s=_int("TOKENOPTIMIZER_POOL_TIMEOUT_MS", 2000, 1) / 1000,
            db_pooler=db_pooler(),
            max_body_bytes=_int("TOKENOPTIMIZER_MAX_BODY_BYTES", 1_000_000, 1024),
            max_batch_events=_int("TOKENOPTIMIZER_MAX_BATCH_EVENTS", 1000, 1),
            public_base_url=os.environ.get("TOKENOPTIMIZER_PUBLIC_URL") or None,
            frontend_dir=frontend_dir(),
            migrations_dir=supabase_dir(),
            alerts_every_s=_int("TOKENOPTIMIZER_ALERTS_EVERY_S", 5, 1),
            supabase_jwt_secret=os.environ.get("SUPABASE_JWT_SECRET") or None,
            dashboard_url=(os.environ.get("TOKENOPTIMIZER_DASHBOARD_URL") or "").rstrip("/") or None,
            supabase_url=(os.environ.get("SUPABASE_URL") or "").rstrip("/") or None,
            supabase_service_role_key=os.environ.get("SUPABASE_SERVICE_ROLE_KEY") or None,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if not settings.database_url:
            raise SettingsError("DATABASE_URL is not set: pass --database-url or run `tokenoptimizer serve`, "
                                "which starts an embedded Postgres")
        if settings.mode != "local" and not settings.admin_token:
            raise SettingsError(f"TOKENOPTIMIZER_ADMIN_TOKEN must be set in {settings.mode} mode "
                                "(it guards the dashboard and pricing writes)")
        if settings.mode == "hosted":
            _check_hosted(settings)
        return settings


def _check_hosted(settings: Settings) -> None:
    """Hosted mode verifies Supabase access tokens; inviting by email needs the URL and the key together."""
    if not settings.supabase_jwt_secret:
        raise SettingsError("SUPABASE_JWT_SECRET must be set in hosted mode (Supabase: Project Settings -> API -> "
                            "JWT secret): it verifies the dashboard's access tokens")
    if bool(settings.supabase_url) != bool(settings.supabase_service_role_key):
        raise SettingsError("set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY together (inviting by email needs both)")
    if settings.supabase_url and not settings.supabase_url.startswith(("https://", "http://")):
        raise SettingsError(f"SUPABASE_URL must be an http(s) URL, got {settings.supabase_url!r}")
