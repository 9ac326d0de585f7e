"""Hosted mode (Supabase): the API takes a Supabase access token as Bearer (HS256, the project's JWT
secret, audience `authenticated`) and runs the request as `authenticated` with the token's claims,
under the same row-level security; invitations also go out through Supabase Auth's admin API, here a
stub of GoTrue's `/auth/v1/invite` on 127.0.0.1 that records what it was sent.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tokenoptimizer_server import create_app
from tokenoptimizer_server.settings import Settings, SettingsError

SECRET = "super-secret-jwt-token-with-at-least-32-characters"
ADMIN = "hosted-admin-token-for-tests"
DASHBOARD = "http://127.0.0.2:5173"
SERVICE_KEY = jwt.encode({"role": "service_role", "iss": "supabase"}, SECRET, algorithm="HS256")


class GoTrue(BaseHTTPRequestHandler):
    """Answers POST /auth/v1/invite as GoTrue does; `existing` addresses get its 422 email_exists."""

    requests: list[dict] = []
    existing: set[str] = set()

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        url = urlsplit(self.path)
        GoTrue.requests.append({"path": url.path, "query": parse_qs(url.query), "body": body,
                                "apikey": self.headers.get("apikey"), "authorization": self.headers.get("Authorization")})
        if body["email"] in GoTrue.existing:
            self._answer(422, {"code": 422, "error_code": "email_exists",
                               "msg": "A user with this email address has already been registered"})
        else:
            self._answer(200, {"id": str(uuid.uuid4()), "aud": "authenticated", "role": "authenticated", "email": body["email"],
                               "app_metadata": {}, "user_metadata": {}, "created_at": "2026-12-04T00:00:00Z",
                               "invited_at": "2026-12-04T00:00:00Z"})

    def _answer(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Supabase-Api-Version", "2024-01-01")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def gotrue():
    server = ThreadingHTTPServer(("127.0.0.1", 0), GoTrue)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hosted(database_url, tmp_path_factory, gotrue):
    settings = Settings.from_env(database_url=database_url, mode="hosted", admin_token=ADMIN,
                                 data_dir=tmp_path_factory.mktemp("hosted"), supabase_jwt_secret=SECRET,
                                 supabase_url=gotrue, supabase_service_role_key=SERVICE_KEY, dashboard_url=DASHBOARD)
    app = create_app(settings)
    yield app.test_client()
    app.extensions["db_pool"].close()


def supabase_user(db, name: str) -> dict:
    """A user as Supabase Auth keeps them (auth.users) and the access token it would issue."""
    email = f"{name}-{uuid.uuid4().hex[:6]}@hosted.example"
    user_id = db.execute("insert into auth.users (email) values (%s) returning id", (email,)).fetchone()["id"]
    return {"id": str(user_id), "email": email, "token": token(user_id, email)}


def token(user_id, email: str, *, secret: str = SECRET, expires_in: int = 3600, **claims) -> str:
    now = int(time.time())
    payload = {"sub": str(user_id), "email": email, "role": "authenticated", "aud": "authenticated",
               "iat": now, "exp": now + expires_in, "session_id": str(uuid.uuid4()), **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(user_or_token) -> dict:
    raw = user_or_token if isinstance(user_or_token, str) else user_or_token["token"]
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture(scope="module")
def team(hosted, database_url):
    """An owner with an organisation, a project, a key and 3 events sent with it; and a stranger."""
    from tokenoptimizer_server.db import connect

    with connect(database_url, autocommit=True) as db:
        owner, stranger = supabase_user(db, "owner"), supabase_user(db, "stranger")
    org = hosted.post("/api/organisations", json={"name": "Acme"}, headers=bearer(owner))
    assert org.status_code == 201, org.get_json()
    project = hosted.post(f"/api/organisations/{org.get_json()['id']}/projects", json={"name": "prod"}, headers=bearer(owner))
    key = hosted.post(f"/api/projects/{project.get_json()['id']}/keys", json={"name": "backend"}, headers=bearer(owner))
    assert key.status_code == 201, key.get_json()
    events = [{"id": str(uuid.uuid4()), "model": "gpt-4o", "endpoint_name": "chat", "prompt_tokens": 1000,
               "completion_tokens": 100} for _ in range(3)]
    sent = hosted.post("/api/log", json={"events": events}, headers=bearer(key.get_json()["key"]))
    assert sent.status_code == 202 and sent.get_json()["accepted"] == 3
    return {"owner": owner, "stranger": stranger, "organisation": org.get_json()["id"],
            "project": project.get_json()["id"], "key": key.get_json()}


def test_a_supabase_token_reads_as_its_user_under_the_fence(hosted, team):
    me = hosted.get("/api/auth/me", headers=bearer(team["owner"])).get_json()
    assert me["user"] == {"id": team["owner"]["id"], "email": team["owner"]["email"]}
    assert [(o["name"], o["role"], [p["name"] for p in o["projects"]]) for o in me["organisations"]] == [("Acme", "owner", ["prod"])]
    owners = hosted.get(f"/api/dashboard?project={team['project']}", headers=bearer(team["owner"]))
    strangers = hosted.get(f"/api/dashboard?project={team['project']}", headers=bearer(team["stranger"]))
    assert owners.status_code == 200 and owners.get_json()["totals"]["requests"] == 3
    assert strangers.status_code == 404
    assert hosted.get("/api/auth/me", headers=bearer(team["stranger"])).get_json()["organisations"] == []
    keys = hosted.get(f"/api/projects/{team['project']}/keys", headers=bearer(team["owner"])).get_json()["keys"]
    assert [(k["name"], k["display_prefix"]) for k in keys] == [("backend", team["key"]["key"][:10])]


@pytest.mark.parametrize("case, make, code", [
    ("expired", lambda u: token(u["id"], u["email"], expires_in=-60), "token_expired"),
    ("another secret", lambda u: token(u["id"], u["email"], secret="x" * 40), "invalid_token"),
    ("another audience", lambda u: token(u["id"], u["email"], aud="somebody-else"), "invalid_token"),
    ("the anon key", lambda u: jwt.encode({"role": "anon", "aud": "authenticated", "sub": "x",
                                           "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"), "invalid_token"),
    ("no expiry", lambda u: jwt.encode({"sub": u["id"], "role": "authenticated", "aud": "authenticated"}, SECRET,
                                       algorithm="HS256"), "invalid_token"),
    ("alg none", lambda u: jwt.encode({"sub": u["id"], "role": "authenticated", "aud": "authenticated",
                                       "exp": int(time.time()) + 60}, None, algorithm="none"), "invalid_token"),
])
def test_a_bad_token_is_a_clear_401(hosted, team, case, make, code):
    r = hosted.get(f"/api/dashboard?project={team['project']}", headers=bearer(make(team["owner"])))
    assert r.status_code == 401, case
    assert r.get_json()["error"]["code"] == code and r.get_json()["error"]["details"][0]["field"] == "Authorization"


def test_the_admin_token_keeps_its_meaning_and_self_hosted_sign_in_is_off(hosted, team):
    admin = hosted.get(f"/api/dashboard?project={team['project']}", headers=bearer(ADMIN))
    assert admin.status_code == 200 and admin.get_json()["totals"]["requests"] == 3
    assert hosted.get(f"/api/dashboard?project={team['project']}").status_code == 401
    assert hosted.get("/api/auth/me", headers=bearer(ADMIN)).status_code == 401  # the operator is nobody's session
    signup = hosted.post("/api/auth/signup", json={"email": "a@hosted.example", "password": "correct horse battery"})
    assert (signup.status_code, signup.get_json()["error"]["code"]) == (404, "not_here")


def test_export_streams_as_the_token_user(hosted, team):
    url = f"/api/export?format=csv&project={team['project']}&model=gpt-4o&endpoint_name=chat"
    r = hosted.get(url, headers=bearer(team["owner"]))
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert r.status_code == 200 and len(rows) == 3
    assert [Decimal(row["total_cost"]) for row in rows] == [Decimal("0.0035")] * 3  # 1000 x 0.0025/1K + 100 x 0.01/1K
    assert hosted.get(url.replace("chat", "other"), headers=bearer(team["owner"])).get_data(as_text=True).count("\n") == 1
    assert hosted.get(url, headers=bearer(team["stranger"])).status_code == 404


def test_the_dashboard_origin_may_call_cross_origin_and_no_other(hosted):
    ok = hosted.options("/api/export", headers={"Origin": DASHBOARD, "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "authorization"})
    other = hosted.options("/api/export", headers={"Origin": "http://127.0.0.3", "Access-Control-Request-Method": "GET",
                                                   "Access-Control-Request-Headers": "authorization"})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "authorization" in ok.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Credentials" not in ok.headers  # tokens, never cookies


def test_an_invitation_is_mailed_through_supabase_auth(hosted, team):
    GoTrue.requests.clear()
    email = f"new-{uuid.uuid4().hex[:6]}@hosted.example"
    r = hosted.post(f"/api/organisations/{team['organisation']}/invitations", json={"email": email, "role": "viewer"},
                    headers=bearer(team["owner"]))
    answer = r.get_json()
    assert r.status_code == 201 and answer["emailed"] is True and answer["email_note"] is None
    assert answer["link"] == f"{DASHBOARD}/accept?token={answer['token']}"
    [sent] = GoTrue.requests
    assert sent["path"] == "/auth/v1/invite" and sent["body"] == {"email": email, "data": None}
    assert sent["query"] == {"redirect_to": [answer["link"]]}
    assert sent["apikey"] == SERVICE_KEY and sent["authorization"] == f"Bearer {SERVICE_KEY}"


def test_an_existing_user_gets_the_link_and_strangers_invite_nobody(hosted, team):
    GoTrue.requests.clear()
    GoTrue.existing.add(team["stranger"]["email"])
    r = hosted.post(f"/api/organisations/{team['organisation']}/invitations",
                    json={"email": team["stranger"]["email"]}, headers=bearer(team["owner"]))
    assert r.status_code == 201 and r.get_json()["emailed"] is False
    assert r.get_json()["email_note"] == "this address already has an account: send them the link"
    refused = hosted.post(f"/api/organisations/{team['organisation']}/invitations",
                          json={"email": "x@hosted.example"}, headers=bearer(team["stranger"]))
    assert refused.status_code == 403 and len(GoTrue.requests) == 1  # nothing mailed for a refused invitation
    accepted = hosted.post("/api/invitations/accept", json={"token": r.get_json()["token"]}, headers=bearer(team["stranger"]))
    assert accepted.status_code == 200 and accepted.get_json()["organisation_id"] == team["organisation"]
    viewer = hosted.get(f"/api/dashboard?project={team['project']}", headers=bearer(team["stranger"]))
    assert viewer.status_code == 200 and viewer.get_json()["totals"]["requests"] == 3


@pytest.mark.parametrize("overrides, message", [
    ({"supabase_jwt_secret": None}, "SUPABASE_JWT_SECRET must be set in hosted mode"),
    ({"supabase_url": "http://127.0.0.1:1"}, "set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY together"),
    ({"admin_token": None}, "TOKENOPTIMIZER_ADMIN_TOKEN must be set in hosted mode"),
])
def test_hosted_settings_fail_fast(monkeypatch, overrides, message):
    for name in ("SUPABASE_JWT_SECRET", "SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY", "TOKENOPTIMIZER_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    values = {"database_url": "postgresql://x", "mode": "hosted", "admin_token": ADMIN, "supabase_jwt_secret": SECRET}
    values.update(overrides)
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(**{k: v for k, v in values.items() if v is not None})
