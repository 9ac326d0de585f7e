"""Helpers for the pricing tests: a database of their own (fresh: migrated and seeded, nothing imported),
LiteLLM's own cost for a usage, and a local HTTP server that serves a price file with an ETag."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import psycopg

from tokenoptimizer_server.db import connect
from tokenoptimizer_server.migrate import migrate
from tokenoptimizer_server.settings import supabase_dir


@contextlib.contextmanager
def fresh_database(database_url: str) -> Iterator[str]:
    """A new database on the test server, migrated and seeded as `tokenoptimizer migrate` leaves it."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    admin = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    name = f"{info['dbname']}_pricing_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = psycopg.conninfo.make_conninfo(database_url, dbname=name)
    try:
        with connect(url) as conn:
            migrate(conn, supabase_dir())
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def litellm():
    """The installed litellm, loaded with its local price map and no telemetry (it must never fetch)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ["LITELLM_TELEMETRY"] = "False"
    import litellm as module

    module.telemetry = False
    return module


def litellm_cost(model: str, prompt: int, completion: int, cached: int = 0, cache_write: int = 0) -> float:
    """litellm.completion_cost for a response with this usage (cached and cache-write are part of prompt)."""
    with warnings.catch_warnings():  # litellm's own pydantic and deprecation warnings are not ours to fix
        warnings.simplefilter("ignore")
        lib = litellm()
        from litellm.types.utils import PromptTokensDetailsWrapper, Usage

        usage = Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion,
                      prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=cached) if cached else None,
                      cache_creation_input_tokens=cache_write or None)
        return lib.completion_cost(completion_response=lib.ModelResponse(model=model, usage=usage), model=model)


class PriceFileServer:
    """Serves `body` at http://127.0.0.1:<port>/prices.json with an ETag; answers 304 to a matching If-None-Match."""

    def __init__(self, body: bytes):
        self.body = body
        self.requests: list[tuple[str | None, int]] = []  # (If-None-Match sent, status answered)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                etag = f'"{hashlib.sha256(server.body).hexdigest()[:16]}"'
                sent = self.headers.get("If-None-Match")
                status = 304 if sent == etag else 200
                server.requests.append((sent, status))
                self.send_response(status)
                self.send_header("ETag", etag)
                if status == 200:
                    self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                if status == 200:
                    self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/prices.json"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PriceFileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
