"""The ingest route as plain WSGI in front of Flask: the same contract through gunicorn and the test client."""

import gzip
import json

import requests

from .test_ingest import event, rows


def test_wrong_method_is_405_in_the_error_shape(client):
    res = client.get("/api/log")
    assert res.status_code == 405 and res.headers["Allow"] == "POST"
    assert res.get_json()["error"]["code"] == "method_not_allowed"
    assert client.get("/api/logs").status_code != 405  # the dashboard's route next door is Flask's


def test_bad_content_length_names_the_header(app, project_key):
    """Test clients always send a correct length, so the environ is built by hand."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder("/api/log", method="POST", data=b"{}",
                             headers={"Authorization": f"Bearer {project_key[0]}"}).get_environ()
    environ["CONTENT_LENGTH"] = "x"
    answer = {}
    body = app.wsgi_app(environ, lambda status, headers: answer.update(status=status))
    assert answer["status"] == "400 Bad Request"
    assert json.loads(b"".join(body))["error"]["code"] == "bad_content_length"


def test_through_gunicorn_chunked_gzip_and_errors(live_server, db, project_key):
    """A chunked body (no Content-Length), gzip, and error answers as real HTTP from the real server."""
    key, project = project_key
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = json.dumps({"events": [event(), event()]}).encode()
    chunked = requests.post(f"{live_server}/api/log", data=iter([body[:40], body[40:]]), headers=auth, timeout=10)
    assert chunked.status_code == 202 and chunked.json()["accepted"] == 2
    zipped = requests.post(f"{live_server}/log", data=gzip.compress(json.dumps(event()).encode()),
                           headers={**auth, "Content-Encoding": "gzip"}, timeout=10)
    assert zipped.status_code == 202 and zipped.json()["events"][0]["total_cost"] == "0.004"
    assert len(rows(db, project)) == 3
    bad = requests.post(f"{live_server}/api/tokens/track", data=b"{not json", headers=auth, timeout=10)
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/json"
    assert bad.json()["error"]["code"] == "invalid_json"
    anonymous = requests.post(f"{live_server}/api/log", json=event(), timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    metrics = requests.get(f"{live_server}/metrics", timeout=10).text
    assert 'tokenoptimizer_request_seconds_count{endpoint="/api/log",status="202"}' in metrics
