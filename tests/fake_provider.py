"""A local fake of the OpenAI, Anthropic, Mistral and Gemini HTTP APIs (bodies from reference/providers.md
and docs/providers.md).

Real provider SDKs point at it: OpenAI at ``url + "/v1"``, Anthropic at ``url``, Mistral with
``server_url=url``, google-genai with ``HttpOptions(base_url=url)`` (``/v1beta/models/M:generateContent``
and ``:streamGenerateContent?alt=sse``). Tests steer it through attributes: ``fail`` (status, body, headers) for the
next requests, ``delay`` seconds before answering (slow mode), ``cut_stream`` to drop the
connection after the first stream event. Every request is kept in ``requests``.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

OPENAI_CHAT = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
              "prompt_tokens_details": {"cached_tokens": 4},
              "completion_tokens_details": {"reasoning_tokens": 0}},
}
OPENAI_EMBEDDINGS = {
    "object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
    "model": "text-embedding-3-small", "usage": {"prompt_tokens": 3, "total_tokens": 3},
}
OPENAI_RESPONSE = {
    "id": "resp_1", "object": "response", "created_at": 1700000000, "model": "gpt-4o-mini",
    "status": "completed", "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    "service_tier": "default",
    "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": "hi", "annotations": []}]}],
    "usage": {"input_tokens": 20, "output_tokens": 7, "total_tokens": 27,
              "input_tokens_details": {"cached_tokens": 5},
              "output_tokens_details": {"reasoning_tokens": 3}},
}
ANTHROPIC_MESSAGE = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 5,
              "cache_read_input_tokens": 3},
}
MISTRAL_CHAT = {
    "id": "cmpl-1", "object": "chat.completion", "model": "mistral-small-latest", "created": 1700000000,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
}

# Gemini: promptTokenCount INCLUDES the 4 cached tokens; candidates (3) EXCLUDE the 5 thought tokens.
GEMINI_USAGE = {"promptTokenCount": 12, "candidatesTokenCount": 3, "cachedContentTokenCount": 4,
                "thoughtsTokenCount": 5, "totalTokenCount": 20}
GEMINI_RESPONSE = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP",
                    "index": 0}],
    "usageMetadata": GEMINI_USAGE, "modelVersion": "gemini-2.5-flash", "responseId": "gresp-1",
}

_C = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini"}
_M = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": 1700000000,
      "model": "mistral-small-latest"}


def openai_chat_stream(include_usage: bool) -> list[tuple[Optional[str], Any]]:
    events: list[tuple[Optional[str], Any]] = [
        (None, {**_C, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"},
                                   "finish_reason": None}], "usage": None}),
        (None, {**_C, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": None}),
    ]
    if include_usage:
        events.append((None, {**_C, "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 2,
                                                             "total_tokens": 12}}))
    events.append((None, "[DONE]"))
    return events


def openai_responses_stream() -> list[tuple[Optional[str], Any]]:
    created = {**OPENAI_RESPONSE, "status": "in_progress", "output": [], "usage": None}
    return [
        ("response.created", {"type": "response.created", "sequence_number": 0, "response": created}),
        ("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": 1,
                                        "item_id": "msg_1", "output_index": 0, "content_index": 0,
                                        "delta": "hi", "logprobs": []}),
        ("response.completed", {"type": "response.completed", "sequence_number": 2,
                                "response": OPENAI_RESPONSE}),
    ]


def anthropic_stream() -> list[tuple[Optional[str], Any]]:
    start = {**ANTHROPIC_MESSAGE, "content": [], "stop_reason": None,
             "usage": {"input_tokens": 10, "output_tokens": 1, "cache_creation_input_tokens": 5,
                       "cache_read_input_tokens": 3}}
    return [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "hi"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                              "stop_sequence": None},
                           "usage": {"output_tokens": 2}}),
        ("message_stop", {"type": "message_stop"}),
    ]


def mistral_stream() -> list[tuple[Optional[str], Any]]:
    return [
        (None, {**_M, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"},
                                   "finish_reason": None}]}),
        (None, {**_M, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}),
        (None, "[DONE]"),
    ]


def gemini_stream(model: str) -> list[tuple[Optional[str], Any]]:
    """Every chunk carries the counts so far; the last one the final counts."""
    first = {"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "index": 0}],
             "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1, "totalTokenCount": 13},
             "modelVersion": model, "responseId": "gresp-1"}
    last = {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP",
                            "index": 0}],
            "usageMetadata": GEMINI_USAGE, "modelVersion": model, "responseId": "gresp-1"}
    return [(None, first), (None, last)]


_GEMINI_PATH = re.compile(r"^(?:/v1(?:beta|alpha)?)?/models/(?P<model>[^:/]+):(?P<method>generateContent|streamGenerateContent)$")
_MODEL_NAMES = (b'"gpt-4o-mini"', b'"claude-sonnet-4-5"', b'"mistral-small-latest"')


def _with_model(chunk: bytes, model: str) -> bytes:
    for name in _MODEL_NAMES:
        chunk = chunk.replace(b'"model": ' + name, b'"model": ' + json.dumps(model).encode())
    return chunk


def _sse(events: list[tuple[Optional[str], Any]]) -> list[bytes]:
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        out.append(((f"event: {name}\n" if name else "") + f"data: {text}\n\n").encode())
    return out


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print tracebacks when a client hangs up early."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeProvider:
    """The server and its controls; use start()/stop() or the pytest fixture."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail: list[tuple[int, Any, dict]] = []
        self.delay = 0.0
        self.cut_stream = False
        self.reply_text = "hi"  # the completion text, for tests that hunt for it in what we send
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> "FakeProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.fail.clear()
        self.delay = 0.0
        self.cut_stream = False
        self.reply_text = "hi"

    def client(self, provider: str, **options: Any) -> Any:
        """A real sync provider client pointed here, without the SDK's own retries."""
        if provider == "openai":
            import openai
            return openai.OpenAI(base_url=self.url + "/v1", api_key="x", max_retries=0, **options)
        if provider == "anthropic":
            import anthropic
            return anthropic.Anthropic(base_url=self.url, api_key="x", max_retries=0, **options)
        if provider == "gemini":
            return _gemini_client(self.url, **options)
        return _mistral_class()(api_key="x", server_url=self.url, **options)

    def async_client(self, provider: str, **options: Any) -> Any:
        """An async client; create it inside the event loop that uses it (`async with`)."""
        if provider == "openai":
            import openai
            return openai.AsyncOpenAI(base_url=self.url + "/v1", api_key="x", max_retries=0, **options)
        if provider == "anthropic":
            import anthropic
            return anthropic.AsyncAnthropic(base_url=self.url, api_key="x", max_retries=0, **options)
        if provider == "gemini":
            return _gemini_client(self.url, **options).aio
        return _mistral_class()(api_key="x", server_url=self.url, **options)

    def next_failure(self) -> Optional[tuple[int, Any, dict]]:
        with self._lock:
            return self.fail.pop(0) if self.fail else None

    def answer(self, path: str, body: dict) -> tuple[int, Any, list[bytes] | None]:
        """(status, json body, or SSE chunks) for one request."""
        model = str(body.get("model", ""))
        stream = bool(body.get("stream"))
        status, payload, chunks = self._route(path, model, stream, body)
        # Answer with the model that was asked for, as the real APIs do.
        if isinstance(payload, dict) and "model" in payload and model:
            payload = {**payload, "model": model}
        if chunks is not None and model:
            chunks = [_with_model(c, model) for c in chunks]
        if chunks is not None and self.reply_text != "hi":
            chunks = [c.replace(b'"hi"', json.dumps(self.reply_text).encode()) for c in chunks]
        if isinstance(payload, dict) and self.reply_text != "hi":
            payload = json.loads(json.dumps(payload).replace('"hi"', json.dumps(self.reply_text)))
        return status, payload, chunks

    def _route(self, path: str, model: str, stream: bool, body: dict) -> tuple[int, Any, list[bytes] | None]:
        gemini = _GEMINI_PATH.match(path)
        if gemini:
            name = gemini["model"]
            if gemini["method"] == "streamGenerateContent":
                return 200, None, _sse(gemini_stream(name))
            return 200, {**GEMINI_RESPONSE, "modelVersion": name}, None
        if path == "/v1/chat/completions" and model.startswith(("mistral", "codestral", "open-mistral")):
            return (200, None, _sse(mistral_stream())) if stream else (200, MISTRAL_CHAT, None)
        if path == "/v1/chat/completions":
            if stream:
                include = bool((body.get("stream_options") or {}).get("include_usage"))
                return 200, None, _sse(openai_chat_stream(include))
            return 200, OPENAI_CHAT, None
        if path == "/v1/responses":
            return (200, None, _sse(openai_responses_stream())) if stream else (200, OPENAI_RESPONSE, None)
        if path == "/v1/embeddings":
            return 200, OPENAI_EMBEDDINGS, None
        if path == "/v1/messages":
            return (200, None, _sse(anthropic_stream())) if stream else (200, ANTHROPIC_MESSAGE, None)
        return 404, {"error": {"message": f"no route {path}", "type": "not_found"}}, None


def _gemini_client(url: str, **options: Any) -> Any:
    from google import genai
    from google.genai import types

    return genai.Client(api_key="x", http_options=types.HttpOptions(base_url=url), **options)


def _mistral_class() -> Any:
    try:
        from mistralai.client import Mistral
    except ImportError:
        from mistralai import Mistral  # type: ignore[no-redef]
    return Mistral


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProvider
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = self.path.split("?", 1)[0]
        with self.fake._lock:
            self.fake.requests.append({"path": path, "headers": dict(self.headers), "body": body})
        if self.fake.delay:
            time.sleep(self.fake.delay)
        failure = self.fake.next_failure()
        if failure is not None:
            status, payload, headers = failure
            self._send_json(status, payload, headers)
            return
        status, payload, chunks = self.fake.answer(path, body)
        if chunks is None:
            self._send_json(status, payload, {})
        else:
            self._send_stream(chunks)

    def _send_json(self, status: int, payload: Any, headers: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, chunks: list[bytes]) -> None:
        total = sum(len(c) for c in chunks)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        if self.fake.cut_stream:
            # Promise the whole body, send one event, then drop the connection.
            self.wfile.write(chunks[0])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()
