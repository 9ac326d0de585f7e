"""Shadow comparisons: read an answer's text, and judge two answers inside the app's process.

Only the verdict (a score 0..1, agreed or not, the comparator's name) ever leaves the process.
Text similarity uses the standard library's difflib rather than an optional rapidfuzz: the SDK
depends on `requests` only, the comparison runs on the shadow worker (never on the app's path),
and the same answers then score the same on every install, so evidence from two services adds up.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Callable, Optional, Union

from ._event import field

LABEL_MAX_CHARS = 40  # an answer this short, on one line, is a label: compared exactly
TEXT_MAX_CHARS = 20_000  # difflib is quadratic at worst: longer answers are compared on their start
DEFAULT_AGREE_AT = 0.8  # text similarity at or above this counts as agreement

_SPACES = re.compile(r"\s+")
_FENCE = re.compile(r"^```[a-zA-Z0-9]*\s*(.*?)\s*```$", re.DOTALL)

Verdict = tuple[float, bool, str]  # (score 0..1, agreed, comparator name)
Comparator = Callable[[str, str], Union[bool, float, tuple]]


def answer_text(response: Any) -> Optional[str]:
    """The answer of an OpenAI/Mistral chat, OpenAI Responses, Anthropic or Gemini response, as text.

    Tool calls become JSON ([{"name", "arguments"}]) so they compare as structured output.
    None when the response has no answer we can read.
    """
    choices = field(response, "choices")
    if choices:
        message = field(choices[0], "message")
        calls = field(message, "tool_calls")
        if calls:
            return _tools([(field(field(c, "function"), "name"), field(field(c, "function"), "arguments"))
                           for c in calls])
        return _as_text(field(message, "content"))
    blocks = field(response, "content")
    if isinstance(blocks, list):  # Anthropic: text and tool_use blocks
        uses = [(field(b, "name"), field(b, "input")) for b in blocks if field(b, "type") == "tool_use"]
        if uses:
            return _tools(uses)
        return "".join(field(b, "text") or "" for b in blocks if field(b, "type") == "text")
    output = field(response, "output")
    if isinstance(output, list):  # OpenAI Responses
        return "".join(field(part, "text") or "" for item in output if field(item, "type") == "message"
                       for part in (field(item, "content") or []))
    candidates = field(response, "candidates")
    if candidates:  # Gemini
        parts = field(field(candidates[0], "content"), "parts") or []
        return "".join(field(p, "text") or "" for p in parts)
    return None


def _as_text(content: Any) -> Optional[str]:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(field(p, "text") or "" for p in content)
    return str(content)


def _tools(calls: list) -> str:
    out = []
    for name, arguments in calls:
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                pass
        out.append({"name": name, "arguments": arguments})
    return json.dumps(out, sort_keys=True)


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _label(text: str) -> str:
    return _normalise(text).strip(" .!\"'`")


def _json(text: str) -> Any:
    """The JSON object or array an answer holds (a ```json fence allowed), else a sentinel."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    if not stripped.startswith(("{", "[")):
        return _NOT_JSON
    try:
        return json.loads(stripped)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def exact_label(current: str, candidate: str) -> Verdict:
    """Short labels: the same label after case, whitespace and end punctuation are set aside."""
    same = _label(current) == _label(candidate)
    return (1.0 if same else 0.0), same, "exact_label"


def json_equal(current: str, candidate: str) -> Verdict:
    """Structured output: the parsed JSON values are equal (key order and spacing do not matter)."""
    a, b = _json(current), _json(candidate)
    same = a is not _NOT_JSON and a == b
    return (1.0 if same else 0.0), same, "json_equal"


def text_similarity(current: str, candidate: str, agree_at: float = DEFAULT_AGREE_AT) -> Verdict:
    """Free text: difflib's ratio on case- and whitespace-normalised text."""
    a, b = _normalise(current)[:TEXT_MAX_CHARS], _normalise(candidate)[:TEXT_MAX_CHARS]
    score = 1.0 if a == b else difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return round(score, 4), score >= agree_at, "text_similarity"


BUILT_IN = {"exact_label": exact_label, "json_equal": json_equal, "text_similarity": text_similarity}


def compare(current: str, candidate: str, comparator: Any = None, agree_at: float = DEFAULT_AGREE_AT) -> Verdict:
    """Judge the candidate's answer against the current model's.

    comparator None picks by the current answer: JSON -> json_equal, a one-line answer of at most
    40 characters -> exact_label, else text_similarity. A name picks a built-in; a callable
    (current, candidate) may return a bool, a score 0..1 (agreed at agree_at), or (score, agreed).
    """
    if comparator is None:
        if _json(current) is not _NOT_JSON:
            return json_equal(current, candidate)
        if len(current.strip()) <= LABEL_MAX_CHARS and "\n" not in current.strip():
            return exact_label(current, candidate)
        return text_similarity(current, candidate, agree_at)
    if isinstance(comparator, str):
        if comparator == "text_similarity":
            return text_similarity(current, candidate, agree_at)
        return BUILT_IN[comparator](current, candidate)
    return _custom(comparator, current, candidate, agree_at)


def _custom(comparator: Comparator, current: str, candidate: str, agree_at: float) -> Verdict:
    name = str(getattr(comparator, "__name__", type(comparator).__name__))[:100]
    result = comparator(current, candidate)
    if isinstance(result, bool):
        return (1.0 if result else 0.0), result, name
    if isinstance(result, tuple) and len(result) == 2:
        score, agreed = float(result[0]), bool(result[1])
    elif isinstance(result, (int, float)):
        score = float(result)
        agreed = score >= agree_at
    else:
        raise TypeError(f"comparator {name} returned {type(result).__name__}; expected bool, float or (score, agreed)")
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"comparator {name} returned score {score}; it must lie in 0..1")
    return round(score, 4), agreed, name
