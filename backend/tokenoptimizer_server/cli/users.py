"""`tokenoptimizer users list|platform-admin`: who may change the global list prices.

Platform admins are rows of public.platform_admins (docs/architecture.md), written only here,
by the backend: no client may grant the role.
"""

from __future__ import annotations

import click

from .database import with_db


@click.group()
def users() -> None:
    """Users of the dashboard (self-hosted sign-in or Supabase Auth) and platform admins."""


@users.command("list")
@with_db
def list_(conn) -> None:
    """Every user with their organisations and roles, platform admins marked."""
    rows = conn.execute(
        "select u.email, exists (select from public.platform_admins a where a.user_id = u.id) as platform_admin, "
        "coalesce(string_agg(o.name || ' (' || m.role || ')', ', ' order by o.name), '') as organisations "
        "from auth.users u left join public.organisation_members m on m.user_id = u.id "
        "left join public.organisations o on o.id = m.organisation_id group by u.id, u.email order by u.email").fetchall()
    if not rows:
        click.echo("No users yet: sign up on the dashboard (self-hosted) or in Supabase Auth.")
    for r in rows:
        click.echo(f"{r['email']:40} {'platform admin' if r['platform_admin'] else '':14} {r['organisations']}")


@users.command("platform-admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
@with_db
def platform_admin(conn, email: str, revoke: bool) -> None:
    """Let a user change the global list prices (or, with --revoke, no longer)."""
    user = conn.execute("select id, email from auth.users where lower(email) = lower(%s)", (email,)).fetchone()
    if user is None:
        raise click.ClickException(f"no user with email {email!r}: they sign up first")
    if revoke:
        n = conn.execute("delete from public.platform_admins where user_id = %s", (user["id"],)).rowcount
    else:
        n = conn.execute("insert into public.platform_admins (user_id) values (%s) on conflict do nothing",
                         (user["id"],)).rowcount
    state = "no longer a platform admin" if revoke else "a platform admin"
    click.echo(f"{user['email']} is {state}" + ("" if n else " (unchanged)"))
