"""The child process of `tokenoptimizer init --check`: one instrumented call, events as JSON.

It runs what init adds to an app (configure(), then instrument() with no argument), builds the
provider's own client at the given URL and makes one plain provider call. The SDK sends its
event to a capture server on 127.0.0.1 in this process, so what is reported is exactly what
the SDK would send, and nothing reaches any TokenOptimizer backend. A separate process keeps
instrument()'s class patches out of the caller.

Usage: python -m tokenoptimizer.init._probe PROVIDER BASE_URL MODEL
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import tokenoptimizer
from tokenoptimizer import integrations

PLACEHOLDER_KEY = "tokenoptimizer-init-check"  # never the app's real provider key
PROMPT = [{"role": "user", "content": "Say hi."}]


class _Capture(BaseHTTPRequestHandler):
    """Stands in for POST /api/log: keeps the events, accepts them all."""

    events: list = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
        events = json.loads(body)["events"]
        self.events.extend(events)
        data = json.dumps({"accepted": len(events), "duplicates": 0, "rejected": [], "events": []}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def probe(provider: str, base_url: str, model: str) -> dict:
    """Make the call; returns {"events": [...], "error": str | None}."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    error = None
    try:
        capture = f"http://127.0.0.1:{server.server_address[1]}"
        tokenoptimizer.configure(api_key=PLACEHOLDER_KEY, base_url=capture, sync_mode=True)
        tokenoptimizer.instrument()
        integration = integrations.get(provider)
        if integration is None:
            raise ValueError(f"unknown provider {provider!r}")
        client = integration.client_at(base_url, PLACEHOLDER_KEY)
        # completion_call gives the provider's own method, which instrument() patched.
        method, kwargs, _ = integration.completion_call(client, model, PROMPT, False, {}, False)
        method(**kwargs)
    except Exception as exc:  # reported, not raised: the error event (if any) is the point
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        tokenoptimizer.flush(5.0)
        server.shutdown()
        server.server_close()
    return {"events": _Capture.events, "error": error}


if __name__ == "__main__":
    print(json.dumps(probe(*sys.argv[1:4])))
