"""What a request asks for, without its content: tool count, structured output, image count, prefix.

One helper for every integration (docs/sdk.md, "Request features"). On the call path only
counts and flags are taken, plus references to the stable prefix (system prompt and tool
definitions); the prefix is fingerprinted later, off the call path, by `fingerprint` (called
from finalize_event in the sender thread). The fingerprint is salted with a per-install secret
so the backend cannot reverse a prompt by hashing a dictionary of likely ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any, Optional

from .._event import field

PREFIX_KEY = "_prefix"  # the event's private slot for the prefix references (never sent)
SALT_ENV = "TOKENOPTIMIZER_PREFIX_SALT"
_JSON_FORMATS = ("json_object", "json_schema")
_IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})
_salt: Optional[bytes] = None
_salt_lock = threading.Lock()


def _safe(read):
    """A request shape we did not foresee costs the features, never the event."""
    def guarded(kwargs: dict) -> Optional[dict]:
        try:
            return read(kwargs)
        except Exception:
            return None
    guarded.__doc__, guarded.__name__ = read.__doc__, read.__name__
    return guarded


def _count(items: Any) -> int:
    return len(items) if isinstance(items, (list, tuple)) else 0


def _images_in(content: Any) -> int:
    """Image parts in one message's content (a string has none)."""
    if type(content) is str or not isinstance(content, (list, tuple)):
        return 0
    return sum(1 for part in content if field(part, "type") in _IMAGE_PARTS)


def _features(tools: Any, json_output: bool, images: int, system: Any) -> dict:
    features = {"tools": _count(tools), "json_output": json_output, "images": images}
    if system or features["tools"]:
        features[PREFIX_KEY] = (system or None, tools or None)
    return features


def _forced_tool(choice: Any) -> bool:
    """A tool_choice naming one function: the app wants its arguments as structured output."""
    return isinstance(choice, dict) and (field(choice, "function") is not None or field(choice, "type") == "tool")


@_safe
def chat(kwargs: dict) -> Optional[dict]:
    """OpenAI chat completions and Mistral chat (messages, tools, response_format, tool_choice)."""
    messages = kwargs.get("messages")
    system, images = [], 0
    # Dicts read directly: this loop runs on the app's call path, once per message.
    for message in messages if type(messages) is list or isinstance(messages, tuple) else ():
        if type(message) is dict:
            role, content = message.get("role"), message.get("content")
        else:
            role, content = field(message, "role"), field(message, "content")
        if role == "system" or role == "developer":
            system.append(content)
        elif type(content) is not str and content is not None:
            images += _images_in(content)
    tools = kwargs.get("tools") or kwargs.get("functions")
    response_format, choice = kwargs.get("response_format"), kwargs.get("tool_choice")
    json_output = ((response_format is not None and field(response_format, "type") in _JSON_FORMATS)
                   or (choice is not None and _forced_tool(choice)))
    return _features(tools, json_output, images, system)


@_safe
def responses(kwargs: dict) -> Optional[dict]:
    """OpenAI Responses (instructions, input items, tools, text.format)."""
    items = kwargs.get("input")
    system, images = [kwargs.get("instructions")] if kwargs.get("instructions") else [], 0
    for item in items if isinstance(items, (list, tuple)) else ():
        content = field(item, "content")
        if field(item, "role") in ("system", "developer"):
            system.append(content)
        else:
            images += _images_in(content)
    text_format = field(field(kwargs.get("text"), "format"), "type")
    json_output = text_format in _JSON_FORMATS or _forced_tool(kwargs.get("tool_choice"))
    return _features(kwargs.get("tools"), json_output, images, system)


@_safe
def messages(kwargs: dict) -> Optional[dict]:
    """Anthropic messages (system, tools, tool_choice {"type": "tool"}, image blocks)."""
    images = 0
    for message in kwargs.get("messages") or ():
        content = field(message, "content")
        if type(content) is not str:
            images += _images_in(content)
    json_output = _forced_tool(kwargs.get("tool_choice")) or kwargs.get("output_format") is not None
    return _features(kwargs.get("tools"), json_output, images, kwargs.get("system"))


@_safe
def gemini(kwargs: dict) -> Optional[dict]:
    """google-genai generate_content (config.tools, response_mime_type/schema, inline image parts)."""
    config = kwargs.get("config")
    json_output = (field(config, "response_mime_type") == "application/json"
                   or field(config, "response_schema") is not None or field(config, "response_json_schema") is not None)
    images = 0
    contents = kwargs.get("contents")
    for content in contents if isinstance(contents, (list, tuple)) else ():
        for part in field(content, "parts") or ():
            mime = field(field(part, "inline_data"), "mime_type") or field(field(part, "file_data"), "mime_type")
            images += isinstance(mime, str) and mime.startswith("image/")
    return _features(field(config, "tools"), json_output, images, field(config, "system_instruction"))


def _plain(value: Any) -> Any:
    """A JSON-able, address-free stand-in for SDK objects and callables (stable across processes)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return type(value).__name__


def install_salt() -> bytes:
    """TOKENOPTIMIZER_PREFIX_SALT, else a random secret kept in the user's state directory.

    Kept in a file so every process of one install (gunicorn workers, restarts) fingerprints a
    prefix the same way; if the file cannot be written, the salt lives as long as the process.
    """
    global _salt
    if _salt is not None:
        return _salt
    with _salt_lock:
        if _salt is None:
            _salt = (os.environ.get(SALT_ENV) or _salt_file() or secrets.token_hex(16)).encode()
    return _salt


def _salt_file() -> Optional[str]:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "tokenoptimizer" / "prefix_salt"
    try:
        return path.read_text().strip() or None
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16))
        return path.read_text().strip() or None
    except OSError:
        try:  # another process created it first
            return path.read_text().strip() or None
        except OSError:
            return None


def fingerprint(prefix: tuple[Any, Any]) -> tuple[str, int]:
    """(salted hex fingerprint, size in characters) of the system prompt + tool definitions."""
    text = json.dumps(list(prefix), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16, key=install_salt()[:64]).hexdigest()
    return digest, len(text)


def _reset_salt() -> None:
    """Forget the cached salt (tests)."""
    global _salt
    _salt = None
