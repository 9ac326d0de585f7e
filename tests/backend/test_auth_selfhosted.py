"""Self-hosted sign-in through a real gunicorn (`tokenoptimizer serve`, TOKENOPTIMIZER_MODE=selfhosted):
sign-up, cookie sessions, CSRF on writes, organisations, projects, keys, invitations, members, and
every dashboard read running as the signed-in user under the same row-level security.
"""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

import pytest
import requests

from ..conftest import free_port, start_server, stop_server

ADMIN_TOKEN = "selfhosted-admin-token-for-tests"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    """The real server in selfhosted mode on a free port."""
    saved = {k: os.environ.get(k) for k in ("TOKENOPTIMIZER_MODE", "TOKENOPTIMIZER_ADMIN_TOKEN")}
    os.environ.update(TOKENOPTIMIZER_MODE="selfhosted", TOKENOPTIMIZER_ADMIN_TOKEN=ADMIN_TOKEN)
    try:
        proc = start_server(database_url, tmp_path_factory.mktemp("selfhosted"), free_port(), 2)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    yield f"http://127.0.0.1:{proc.args[proc.args.index('--port') + 1]}"
    stop_server(proc)


class Browser(requests.Session):
    """A user's browser: keeps the cookies and sends the CSRF token the way the dashboard does."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, path, *args, csrf: bool = True, **kwargs):
        headers = kwargs.pop("headers", {})
        if csrf and self.cookies.get("to_csrf"):
            headers["X-CSRF-Token"] = self.cookies["to_csrf"]
        return super().request(method, self.base + path, *args, headers=headers, timeout=30, **kwargs)


def sign_up(server: str, name: str) -> Browser:
    browser = Browser(server)
    r = browser.post("/api/auth/signup", json={"email": f"{name}-{uuid.uuid4().hex[:6]}@team.example", "password": PASSWORD})
    assert r.status_code == 201, r.text
    browser.email = r.json()["user"]["email"]
    return browser


def events(n: int) -> list[dict]:
    return [{"id": str(uuid.uuid4()), "model": "gpt-4o", "prompt_tokens": 1000, "completion_tokens": 100} for _ in range(n)]


def test_sign_up_sets_a_strict_http_only_session_and_a_csrf_cookie(server):
    r = requests.post(f"{server}/api/auth/signup", json={"email": f"c-{uuid.uuid4().hex[:6]}@team.example",
                                                         "password": PASSWORD}, timeout=30)
    cookies = {c.split("=")[0]: c for c in r.raw.headers.getlist("Set-Cookie")}
    assert r.status_code == 201 and r.json()["csrf_token"] == r.cookies["to_csrf"]
    assert "HttpOnly" in cookies["to_session"] and "SameSite=Strict" in cookies["to_session"]
    assert "HttpOnly" not in cookies["to_csrf"] and "SameSite=Strict" in cookies["to_csrf"]
    short = requests.post(f"{server}/api/auth/signup", json={"email": "x@team.example", "password": "short"}, timeout=30)
    assert short.status_code == 400 and short.json()["error"]["details"][0]["field"] == "password"


def test_wrong_password_and_taken_email(server):
    alice = sign_up(server, "alice")
    again = requests.post(f"{server}/api/auth/signup", json={"email": alice.email.upper(), "password": PASSWORD}, timeout=30)
    wrong = requests.post(f"{server}/api/auth/signin", json={"email": alice.email, "password": PASSWORD + "!"}, timeout=30)
    right = requests.post(f"{server}/api/auth/signin", json={"email": alice.email.upper(), "password": PASSWORD}, timeout=30)
    assert (again.status_code, wrong.status_code, right.status_code) == (409, 401, 200)
    assert right.json()["user"]["email"] == alice.email


def test_a_write_without_the_csrf_token_is_refused(server):
    alice = sign_up(server, "alice")
    refused = alice.post("/api/organisations", json={"name": "Acme"}, csrf=False)
    forged = alice.post("/api/organisations", json={"name": "Acme"}, csrf=False, headers={"X-CSRF-Token": "guess"})
    assert (refused.status_code, forged.status_code) == (403, 403)
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert all(o["name"] != "Acme" for o in alice.get("/api/auth/me").json()["organisations"])


def test_team_flow_end_to_end(server):
    """Owner creates an organisation, project and key; events arrive; a viewer is invited, reads the
    same numbers, cannot manage keys; removed, reads nothing; the revoked key is refused."""
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    org = alice.post("/api/organisations", json={"name": "Acme"}).json()["id"]
    project = alice.post(f"/api/organisations/{org}/projects", json={"name": f"acme-{uuid.uuid4().hex[:6]}"}).json()["id"]
    key = alice.post(f"/api/projects/{project}/keys", json={"name": "prod"})
    assert key.status_code == 201 and key.json()["key"].startswith("to_")
    sent = requests.post(f"{server}/api/log", json={"events": events(3)},
                         headers={"Authorization": f"Bearer {key.json()['key']}"}, timeout=30)
    assert sent.status_code == 202 and sent.json()["accepted"] == 3

    mine = alice.get(f"/api/dashboard?project={project}")
    assert mine.status_code == 200 and mine.json()["totals"]["requests"] == 3
    cost = Decimal(mine.json()["totals"]["cost"])
    assert cost > 0

    # Bob belongs to nothing: the project answers exactly as one that does not exist.
    theirs, nowhere = bob.get(f"/api/dashboard?project={project}"), bob.get(f"/api/dashboard?project={uuid.uuid4()}")
    assert (theirs.status_code, nowhere.status_code) == (404, 404)
    assert theirs.json()["error"]["code"] == nowhere.json()["error"]["code"] == "not_found"
    assert bob.get(f"/api/projects/{project}/keys").status_code == 404

    invitation = alice.post(f"/api/organisations/{org}/invitations", json={"email": bob.email, "role": "viewer"})
    assert invitation.status_code == 201
    joined = bob.post("/api/invitations/accept", json={"token": invitation.json()["token"]})
    assert joined.status_code == 200 and joined.json()["organisation_id"] == org
    assert bob.post("/api/invitations/accept", json={"token": invitation.json()["token"]}).status_code == 403

    seen = bob.get(f"/api/dashboard?project={project}").json()["totals"]
    assert (seen["requests"], Decimal(seen["cost"])) == (3, cost)
    assert bob.post(f"/api/projects/{project}/keys", json={"name": "mine"}).status_code == 403
    assert bob.get(f"/api/projects/{project}/keys").status_code == 404
    members = alice.get(f"/api/organisations/{org}/members").json()["members"]
    assert sorted((m["email"], m["role"]) for m in members) == sorted([(alice.email, "owner"), (bob.email, "viewer")])

    bob_id = next(m["user_id"] for m in members if m["email"] == bob.email)
    assert alice.delete(f"/api/organisations/{org}/members/{bob_id}").json() == {"removed": 1}
    assert bob.get(f"/api/dashboard?project={project}").status_code == 404

    keys = alice.get(f"/api/projects/{project}/keys").json()["keys"]
    assert [(k["name"], k["revoked_at"]) for k in keys] == [("prod", None)]
    assert alice.delete(f"/api/projects/{project}/keys/{keys[0]['id']}").json() == {"revoked": 1}
    refused = requests.post(f"{server}/api/log", json={"events": events(1)},
                            headers={"Authorization": f"Bearer {key.json()['key']}"}, timeout=30)
    assert refused.status_code == 401
    assert alice.get(f"/api/dashboard?project={project}").json()["totals"]["requests"] == 3


def test_list_prices_are_read_only_for_members(server):
    """Only platform admins write the global prices; a signed-in member gets a 403 and nothing changes."""
    alice = sign_up(server, "alice")
    before = alice.get("/api/pricing").json()["models"]
    put = alice.put("/api/pricing/gpt-4o", json={"input_price": "0.5", "output_price": "0.5"})
    after = alice.get("/api/pricing").json()["models"]
    assert put.status_code == 403 and put.json()["error"]["code"] == "not_allowed"
    assert [m for m in before if m["model"] == "gpt-4o"] == [m for m in after if m["model"] == "gpt-4o"]


def test_sign_out_ends_the_session_on_the_server(server):
    alice = sign_up(server, "alice")
    cookie = alice.cookies["to_session"]
    assert alice.get("/api/auth/me").status_code == 200
    assert alice.post("/api/auth/signout").status_code == 204
    replay = requests.get(f"{server}/api/auth/me", cookies={"to_session": cookie}, timeout=30)
    assert (alice.get("/api/auth/me").status_code, replay.status_code) == (401, 401)


def test_the_admin_token_still_serves_scripts_and_nobody_else_reads(server):
    anonymous = requests.get(f"{server}/api/dashboard", timeout=30)
    scripted = requests.get(f"{server}/api/dashboard", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
    assert (anonymous.status_code, scripted.status_code) == (401, 200)


def test_an_owner_manages_alert_rules_and_never_reads_the_secret(server):
    """Rules are read, created, changed and test-sent as the signed-in owner, under the fence: the
    secret is written and used to sign, never answered; a viewer of nothing reads no rule."""
    from .test_alerts_delivery import Receiver, expected_signature, SECRET

    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    org = alice.post("/api/organisations", json={"name": "Alerts"}).json()["id"]
    project = alice.post(f"/api/organisations/{org}/projects", json={"name": f"al-{uuid.uuid4().hex[:6]}"}).json()["id"]
    listed = alice.get(f"/api/alerts/rules?project={project}")
    assert listed.status_code == 200, listed.text
    receiver = Receiver()
    try:
        made = alice.post(f"/api/alerts/rules?project={project}", json={
            "kind": "daily_spend", "threshold": "5", "webhook_url": receiver.url, "webhook_format": "generic",
            "webhook_secret": SECRET})
        assert made.status_code == 201, made.text
        rule = made.json()
        assert rule["has_secret"] is True and "webhook_secret" not in rule
        changed = alice.put(f"/api/alerts/rules/{rule['id']}?project={project}", json={
            "kind": "daily_spend", "threshold": "7", "webhook_url": receiver.url, "webhook_format": "generic"})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["threshold"], changed.json()["has_secret"]) == ("7", True)  # the secret kept
        sent = alice.post(f"/api/alerts/rules/{rule['id']}/test?project={project}")
        assert sent.status_code == 200 and sent.json()["delivered"] is True, sent.text
        [got] = receiver.requests
        assert got["headers"]["X-TokenOptimizer-Signature"] == expected_signature(got["headers"], got["body"])
    finally:
        receiver.close()
    assert bob.get(f"/api/alerts/rules?project={project}").status_code == 404


def test_metrics_span_every_organisation_so_a_signed_in_user_is_not_enough(server):
    """Anyone may sign up; /metrics counts every tenant's traffic, so it takes the admin token."""
    stranger = sign_up(server, "stranger")
    assert stranger.get("/api/auth/me").status_code == 200
    refused = stranger.get("/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    scraped = requests.get(f"{server}/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
    assert scraped.status_code == 200 and "tokenoptimizer_" in scraped.text


def test_no_request_runs_as_another_caller(server):
    """Signed-in outsiders' and the admin token's reads interleaved on the same pooled connections:
    each answer is its own caller's (set local ends with each request's transaction)."""
    from concurrent.futures import ThreadPoolExecutor

    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    org = alice.post("/api/organisations", json={"name": "Leak"}).json()["id"]
    project = alice.post(f"/api/organisations/{org}/projects", json={"name": f"leak-{uuid.uuid4().hex[:6]}"}).json()["id"]
    key = alice.post(f"/api/projects/{project}/keys", json={"name": "k"}).json()["key"]
    assert requests.post(f"{server}/api/log", json={"events": events(2)}, headers={"Authorization": f"Bearer {key}"},
                         timeout=30).json()["accepted"] == 2

    def read(who: str) -> tuple[str, int, int | None]:
        if who == "admin":
            r = requests.get(f"{server}/api/dashboard?project={project}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                             timeout=30)
        else:
            r = (alice if who == "alice" else bob).get(f"/api/dashboard?project={project}")
        return who, r.status_code, r.json().get("totals", {}).get("requests")

    callers = ["bob", "admin", "alice"] * 20
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(read, callers))
    expected = {"bob": (404, None), "admin": (200, 2), "alice": (200, 2)}
    assert [a for a in answers if expected[a[0]] != a[1:]] == []
