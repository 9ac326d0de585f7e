"""Self-hosted sign-in through a real pgbouncer in transaction mode (as Supabase's pooler): the
signed-in user's `set local role` and claims live in one transaction, so with two server
connections shared by every client, no request ever runs as another caller."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ..conftest import free_port, start_server, stop_server
from .test_auth_selfhosted import ADMIN_TOKEN, events, sign_up
from .test_pgbouncer import pooled_url  # noqa: F401  (the fixture: a database behind our own pgbouncer)


@pytest.fixture(scope="module")
def server(pooled_url, tmp_path_factory):  # noqa: F811
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TOKENOPTIMIZER_DB_POOLER", "transaction")
        env.setenv("TOKENOPTIMIZER_MODE", "selfhosted")
        env.setenv("TOKENOPTIMIZER_ADMIN_TOKEN", ADMIN_TOKEN)
        proc = start_server(pooled_url, tmp_path_factory.mktemp("pooled-selfhosted"), free_port(), 2)
    yield f"http://127.0.0.1:{proc.args[proc.args.index('--port') + 1]}"
    stop_server(proc)


def test_signed_in_reads_through_a_transaction_pooler_keep_their_caller(server):
    alice, bob = sign_up(server, "alice"), sign_up(server, "bob")
    org = alice.post("/api/organisations", json={"name": "Pooled"}).json()["id"]
    project = alice.post(f"/api/organisations/{org}/projects", json={"name": f"pooled-{uuid.uuid4().hex[:6]}"}).json()["id"]
    key = alice.post(f"/api/projects/{project}/keys", json={"name": "k"}).json()["key"]
    sent = requests.post(f"{server}/api/log", json={"events": events(4)}, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert sent.status_code == 202 and sent.json()["accepted"] == 4

    def read(who: str) -> tuple[str, int, int | None]:
        if who == "admin":
            r = requests.get(f"{server}/api/dashboard?project={project}",
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
        else:
            r = (alice if who == "alice" else bob).get(f"/api/dashboard?project={project}")
        return who, r.status_code, r.json().get("totals", {}).get("requests")

    with ThreadPoolExecutor(8) as pool:  # past psycopg's prepare threshold on every connection, interleaved
        answers = list(pool.map(read, ["bob", "admin", "alice"] * 20))
    expected = {"bob": (404, None), "admin": (200, 4), "alice": (200, 4)}
    assert [a for a in answers if expected[a[0]] != a[1:]] == []
