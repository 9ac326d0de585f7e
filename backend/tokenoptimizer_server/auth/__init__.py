"""Self-hosted sign-in: users (argon2), cookie sessions with CSRF, and requests run as the user."""

from .caller import init_app, require_user, signed_in_only

__all__ = ["init_app", "require_user", "signed_in_only"]
