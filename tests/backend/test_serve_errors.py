"""Requests gunicorn refuses before the app sees them still get the API's JSON error shape."""

import socket
from urllib.parse import urlsplit

import orjson
import pytest


def _raw(base_url: str, request: bytes) -> tuple[int, dict, dict]:
    """Send bytes as they are (clients would refuse to send these) and parse the answer."""
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, orjson.loads(body)


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"GET /api/dashboard?x=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "uri_too_long"),
    (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(120)) + b"\r\n",
     431, "request_header_fields_too_large"),
    (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n",
     431, "request_header_fields_too_large"),
    (b"POST /api/log HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12abc\r\n\r\n{}", 400, "bad_request"),
    (b"POST /api/log HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400,
     "bad_request"),
    (b"GET /healthz HTTP/9.9\r\nHost: localhost\r\n\r\n", 400, "bad_request"),
])
def test_gunicorn_refusals_are_json(live_server, request_bytes, status, code):
    got, headers, body = _raw(live_server, request_bytes)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert body["error"]["code"] == code and body["error"]["message"]
    assert body["error"]["request_id"] == headers["X-Request-Id"] and len(headers["X-Request-Id"]) == 32
