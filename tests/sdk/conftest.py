"""SDK fixtures: the fake provider, a capturing stand-in for /api/log, and provider clients."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

import tokenoptimizer
from tokenoptimizer import _config, _consumer, _event
from tests.fake_provider import FakeProvider, QuietServer


class CaptureBackend:
    """Stands in for POST /api/log: keeps every byte received, answers from `replies` or 202."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []  # decompressed request bodies, exactly as sent
        self.raw: list[bytes] = []  # bytes on the wire
        self.headers: list[dict] = []
        self.replies: list[tuple[int, Any, dict]] = []
        # Optional rule: called with each request's events, returns a reply or None for the default.
        self.respond: Any = None
        self.lock = threading.Lock()
        handler = type("Handler", (_CaptureHandler,), {"backend": self})
        self.server = QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def events(self) -> list[dict]:
        with self.lock:
            return [e for body in self.bodies for e in json.loads(body)["events"]]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _CaptureHandler(BaseHTTPRequestHandler):
    backend: CaptureBackend
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
        backend = self.backend
        with backend.lock:
            backend.raw.append(raw)
            backend.bodies.append(body)
            backend.headers.append(dict(self.headers))
            reply = backend.replies.pop(0) if backend.replies else None
        if reply is None and backend.respond is not None:
            reply = backend.respond(json.loads(body)["events"])
        if reply is None:
            n = len(json.loads(body)["events"])
            reply = (202, {"accepted": n, "duplicates": 0, "rejected": [], "events": []}, {})
        status, payload, headers = reply
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="session")
def _fake_provider_server():
    server = FakeProvider().start()
    yield server
    server.stop()


@pytest.fixture
def fake_provider(_fake_provider_server):
    _fake_provider_server.reset()
    yield _fake_provider_server
    _fake_provider_server.reset()


@pytest.fixture
def backend():
    server = CaptureBackend()
    yield server
    server.stop()


def reset_sdk() -> None:
    tokenoptimizer.uninstrument()
    _consumer.consumer().shutdown(0.5)
    _consumer.reset_consumer()
    _config.reset_config()
    _event._logged.clear()


@pytest.fixture(autouse=True)
def _clean_sdk(monkeypatch):
    for name in ("TOKENOPTIMIZER_API_KEY", "TOKENOPTIMIZER_BASE_URL", "TOKENOPTIMIZER_DISABLED",
                 "TOKENOPTIMIZER_SYNC_MODE", "TOKENOPTIMIZER_USER_ID_SALT"):
        monkeypatch.delenv(name, raising=False)
    reset_sdk()
    yield
    reset_sdk()


@pytest.fixture
def tracked(backend):
    """The SDK sending inline (sync_mode) to the capturing backend; yields the backend."""
    tokenoptimizer.configure(api_key="test-key", base_url=backend.url, sync_mode=True, user_id_salt="s")
    return backend


@pytest.fixture
def clients(fake_provider):
    """Real provider SDK clients pointed at the fake provider, without their own retries."""
    made = {name: fake_provider.client(name) for name in ("openai", "anthropic", "mistral", "gemini")}
    yield made
    for key in ("openai", "anthropic", "gemini"):
        made[key].close()
