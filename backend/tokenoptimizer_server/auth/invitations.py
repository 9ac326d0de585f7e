"""Hosted mode: an invitation also goes out by email, through Supabase Auth's admin API.

The invitation itself (its one-time token, the role, the fence) is the database's
(`public.create_invitation`, run as the inviting user). Supabase Auth only delivers it: it creates
the invitee's account if there is none and mails a link that signs them in and lands on the
dashboard's /accept page with the token. This needs the service-role key, which never leaves the
backend, so the dashboard asks the API rather than calling Supabase Auth itself.
"""

from __future__ import annotations

from ..settings import Settings


def accept_link(settings: Settings, token: str, origin: str) -> str:
    """Where the invitee lands: the dashboard's /accept page (hosted: the static site's address)."""
    base = settings.dashboard_url or settings.public_base_url or origin
    return f"{base.rstrip('/')}/accept?token={token}"


def send_by_email(settings: Settings, email: str, link: str) -> tuple[bool, str | None]:
    """(sent, why not): mails the invitation through Supabase Auth in hosted mode when it is set up."""
    if settings.mode != "hosted" or not settings.supabase_url:
        return False, None
    # Imported here: the `hosted` extra, which local and self-hosted installs do without.
    import httpx
    from supabase import ClientOptions, create_client
    from supabase_auth.errors import AuthApiError, AuthRetryableError

    try:
        with httpx.Client(timeout=10) as http:  # closed after the one call: no client outlives the request
            client = create_client(settings.supabase_url, settings.supabase_service_role_key, options=ClientOptions(
                auto_refresh_token=False, persist_session=False, httpx_client=http))
            client.auth.admin.invite_user_by_email(email, {"redirect_to": link})
    except AuthApiError as err:
        if err.code == "email_exists":  # Supabase Auth invites new users only: an existing one gets the link from you
            return False, "this address already has an account: send them the link"
        return False, f"Supabase Auth refused the invitation email ({err.status}: {err.message})"
    except AuthRetryableError as err:
        return False, f"Supabase Auth could not be reached ({err.message}): send them the link"
    return True, None
