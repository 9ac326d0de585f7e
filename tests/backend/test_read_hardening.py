"""Issue 9, the read side: each case answered 500, leaked or misbehaved before its fix.

Formulas in CSV cells, non-ASCII bearer tokens, NUL in parameters, far-out dates, an export that
failed after its first byte, the static catch-all, the Host allowlist, /metrics, request ids.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
import pytest
from flask import Blueprint

from tokenoptimizer_server import create_app, keys
from tokenoptimizer_server.api.export import csv_cell
from tokenoptimizer_server.db import connect
from tokenoptimizer_server.settings import Settings

ADMIN_TOKEN = "admin-token-for-tests"
DAY = {"from": "2026-11-10T00:00:00Z", "to": "2026-11-11T00:00:00Z"}


@pytest.fixture(scope="module")
def selfhosted(database_url, data_dir):
    application = create_app(Settings.from_env(database_url=database_url, mode="selfhosted", data_dir=data_dir,
                                               admin_token=ADMIN_TOKEN))
    yield application
    application.extensions["db_pool"].close()


def new_project(database_url: str) -> tuple[str, str]:
    with connect(database_url) as conn:
        raw, row = keys.create_key(conn, f"hardening-{uuid.uuid4().hex[:10]}", "test")
        project = conn.execute("select project_id from public.api_keys where id = %s", (row["id"],)).fetchone()
    return raw, str(project["project_id"])


def send(client, key: str, **event) -> None:
    event = {"model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5,
             "timestamp": "2026-11-10T12:00:00Z", **event}
    answer = client.post("/api/log", json=event, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 202, answer.get_json()


# --- 3. CSV formulas -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(1+1)", "'@SUM(1+1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("gpt-4o", "gpt-4o"), ("a=b", "a=b"), (None, ""), (True, "true"), (12.5, 12.5),
])
def test_csv_cell_defuses_formulas(raw, written):
    assert csv_cell(raw) == written


def test_export_csv_defuses_stored_formulas_and_json_keeps_them(client, database_url):
    key, project = new_project(database_url)
    send(client, key, model="=HYPERLINK(\"http://evil\")", endpoint_name="+cmd|' /C calc'!A0",
         session_id="@SUM(1+1)", status="error", error_type="-1+1")
    answer = client.get("/api/export", query_string={"project": project, "format": "csv", **DAY})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert (row["model"], row["endpoint_name"], row["session_id"], row["error_type"]) == (
        "'=HYPERLINK(\"http://evil\")", "'+cmd|' /C calc'!A0", "'@SUM(1+1)", "'-1+1")
    assert row["prompt_tokens"] == "10" and row["status"] == "error"
    [json_row] = client.get("/api/export", query_string={"project": project, "format": "json", **DAY}).get_json()
    assert json_row["model"] == "=HYPERLINK(\"http://evil\")"  # data stays data; only the CSV cell is defused


# --- 5. non-ASCII bearer tokens ------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/dashboard", "/api/pricing", "/api/logs", "/api/export", "/metrics"])
def test_non_ascii_token_is_401_not_500(selfhosted, path):
    answer = selfhosted.test_client().get(path, headers={"Authorization": "Bearer tökén"})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized"


def test_non_ascii_token_on_config_is_not_admin(selfhosted):
    client = selfhosted.test_client()
    answer = client.get("/api/config", headers={"Authorization": "Bearer ñoño"})
    assert answer.status_code == 200 and answer.get_json()["is_admin"] is False
    assert client.get("/api/config", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()["is_admin"] is True


# --- 6 and 7. NUL and far-out dates in read parameters ---------------------------------------

@pytest.mark.parametrize("path, params, field", [
    ("/api/dashboard", {"model": "a\x00b"}, "model"),
    ("/api/usage/breakdown", {"endpoint_name": "a\x00b"}, "endpoint_name"),
    ("/api/logs", {"cursor": "a\x00b"}, "cursor"),
    ("/api/dashboard", {"from": "9999-12-31"}, "from"),
    ("/api/dashboard", {"to": "0001-01-03"}, "to"),
    ("/api/usage/timeseries", {"from": "2199-12-31T00:00:00Z"}, "from"),  # + the default 7 days: past 2200
    ("/api/logs", {"to": "1970-01-03T00:00:00Z"}, "to"),  # − the default 7 days: before 1970
])
def test_bad_read_parameter_is_400_naming_it(client, path, params, field):
    answer = client.get(path, query_string=params)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["details"][0]["field"] == field


@pytest.mark.parametrize("method, path", [("GET", "/api/pricing/a%00b/history"), ("DELETE", "/api/pricing/a%00b"),
                                          ("PUT", "/api/pricing/a%00b")])
def test_nul_in_pricing_path_is_400_naming_model(client, db, method, path):
    before = db.execute("select count(*) as n from public.model_pricing_history").fetchone()["n"]
    answer = client.open(path, method=method, json={"input_price": "1", "output_price": "2"})
    assert answer.status_code == 400 and answer.get_json()["error"]["details"][0]["field"] == "model"
    assert db.execute("select count(*) as n from public.model_pricing_history").fetchone()["n"] == before


# --- 8. export checks everything before its first byte ---------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
@pytest.mark.parametrize("params, field", [
    ({"from": "2026-11-12T00:00:00Z", "to": "2026-11-11T00:00:00Z"}, "from"),
    ({"from": "1900-01-01T00:00:00Z"}, "from"), ({"model": "x\x00"}, "model"), ({"status": "maybe"}, "status"),
    ({"project": str(uuid.UUID(int=7))}, "project"),
])
def test_export_refuses_before_streaming(client, fmt, params, field):
    answer = client.get("/api/export", query_string={"format": fmt, **params})
    assert answer.status_code in (400, 404) and answer.headers["Content-Type"] == "application/json"
    assert answer.get_json()["error"]["details"][0]["field"] == field


# --- 9. the static catch-all reveals nothing outside dist ------------------------------------

@pytest.fixture
def dashboard_app(database_url, data_dir, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>the dashboard</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside dist")
    (dist / "link.txt").symlink_to(tmp_path / "secret.txt")
    application = create_app(Settings.from_env(database_url=database_url, mode="local", data_dir=data_dir,
                                               frontend_dir=dist))
    yield application
    application.extensions["db_pool"].close()


@pytest.mark.parametrize("path", ["/%2e%2e/secret.txt", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2fsecret.txt",
                                  "/link.txt", "/no/such/file.js", "/logs", "/assets/%2e%2e/%2e%2e/secret.txt"])
def test_paths_outside_dist_or_missing_all_get_index(dashboard_app, path):
    assert fetch(dashboard_app, path) == (200, "<html>the dashboard</html>")


def test_files_inside_dist_are_served(dashboard_app):
    assert fetch(dashboard_app, "/assets/app.js") == (200, "console.log(1)")


def fetch(application, path: str) -> tuple[int, str]:
    answer = application.test_client().get(path)
    try:
        return answer.status_code, answer.get_data(as_text=True)
    finally:
        answer.close()  # a file answer holds the file open until closed


# --- 11. Host allowlist, /metrics, charset ---------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "localhost.evil.example", "127.0.0.2",
                                  "[::2]:80", "10.0.0.1"])
@pytest.mark.parametrize("method, path", [("GET", "/api/config"), ("POST", "/api/log"), ("GET", "/healthz"),
                                          ("GET", "/"), ("GET", "/api/openapi.json"), ("GET", "/metrics")])
def test_other_host_names_are_refused_on_every_route(client, host, method, path):
    answer = client.open(path, method=method, headers={"Host": host}, json={})
    assert answer.status_code == 421, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == "host_not_allowed"
    assert answer.get_json()["error"]["details"] == [{"field": "Host", "message": "not a name of this server"}]


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "LOCALHOST:1", "127.0.0.1:8080", "[::1]:9000",
                                  "[::1]"])
def test_this_machines_names_are_answered(client, host):
    answer = client.get("/api/config", headers={"Host": host})
    assert answer.status_code == 200 and answer.get_json()["is_admin"] is True


def test_public_url_host_is_answered(database_url, data_dir):
    application = create_app(Settings.from_env(database_url=database_url, mode="local", data_dir=data_dir,
                                               public_base_url="https://tokens.example.com"))
    client = application.test_client()
    assert client.get("/api/config", headers={"Host": "tokens.example.com"}).status_code == 200
    assert client.get("/api/config", headers={"Host": "other.example.com"}).status_code == 421
    application.extensions["db_pool"].close()


def test_metrics_needs_the_admin_token_when_selfhosted(selfhosted, client):
    anonymous = selfhosted.test_client().get("/metrics")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"
    answer = selfhosted.test_client().get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200 and "tokenoptimizer_request_seconds" in answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].count("charset") == 1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401  # local: loopback only


# --- every 5xx carries a request id that the log line carries too -----------------------------

@pytest.fixture
def failing_app(database_url, data_dir):
    application = create_app(Settings.from_env(database_url=database_url, mode="local", data_dir=data_dir))
    bp = Blueprint("failing", __name__)

    @bp.get("/test/bug")
    def bug():
        raise RuntimeError("a bug in a route")

    application.register_blueprint(bp)
    yield application
    application.extensions["db_pool"].close()


def test_unexpected_exception_is_500_with_request_id_in_body_header_and_log(failing_app, caplog):
    with caplog.at_level(logging.ERROR, logger="tokenoptimizer_server"):
        answer = failing_app.test_client().get("/test/bug")
    assert answer.status_code == 500
    error = answer.get_json()["error"]
    assert error["code"] == "internal_server_error" and len(error["request_id"]) == 32
    assert answer.headers["X-Request-Id"] == error["request_id"]
    [record] = [r for r in caplog.records if error["request_id"] in r.getMessage()]
    assert record.exc_info and "a bug in a route" in str(record.exc_info[1])


def test_a_sane_client_request_id_is_kept(failing_app):
    answer = failing_app.test_client().get("/test/bug", headers={"X-Request-Id": "trace-1234-abcd"})
    assert answer.get_json()["error"]["request_id"] == "trace-1234-abcd"
    forged = failing_app.test_client().get("/test/bug", headers={"X-Request-Id": "x y<script>"})
    assert forged.get_json()["error"]["request_id"] != "x y<script>"


def test_4xx_carries_no_request_id(client):
    assert "request_id" not in client.get("/api/dashboard", query_string={"from": "x"}).get_json()["error"]


def test_method_not_allowed_is_in_the_error_shape_with_allow(client):
    answer = client.post("/api/dashboard")
    assert answer.status_code == 405 and answer.get_json()["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
