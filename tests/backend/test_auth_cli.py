"""`tokenoptimizer users`: platform admins are granted and revoked by the backend's CLI only."""

from __future__ import annotations

import json
import uuid

from tokenoptimizer_server.auth import users

from .test_cli import cli


def _is_platform_admin(db, user_id) -> bool:
    """Asked the way the policies ask it: as the user, through the helper."""
    with db.transaction(force_rollback=True):
        db.execute("set local role authenticated")
        db.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": str(user_id)}),))
        return db.execute("select public.is_platform_admin() as yes").fetchone()["yes"]


def test_grant_list_and_revoke_platform_admin(database_url, db):
    email = f"prices-{uuid.uuid4().hex[:6]}@team.example"
    user = users.sign_up(db, email, "a long enough password")
    before = _is_platform_admin(db, user["id"])
    granted = cli(database_url, "users", "platform-admin", email.upper()).stdout
    during = _is_platform_admin(db, user["id"])
    listed = [line for line in cli(database_url, "users", "list").stdout.splitlines() if line.startswith(email)]
    revoked = cli(database_url, "users", "platform-admin", email, "--revoke").stdout
    unknown = cli(database_url, "users", "platform-admin", "nobody@team.example", check=False)
    assert (before, during, _is_platform_admin(db, user["id"])) == (False, True, False)
    assert granted.strip() == f"{email} is a platform admin" and "platform admin" in listed[0]
    assert revoked.strip() == f"{email} is no longer a platform admin"
    assert unknown.returncode == 1 and "no user with email" in unknown.stderr
