"""The usage event contract (DESIGN.md) as a pydantic model, plus the content-field guard."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt,
                      StrictStr, TypeAdapter, ValidationError, field_validator, model_validator)

from .shadow import ShadowVerdict

# Keys that could carry prompt or completion text: refused at any depth, metadata included.
CONTENT_FIELDS = frozenset({"messages", "prompt", "content", "completion", "response", "input", "output", "text"})

# ≤ 1e9 each, so prompt + completion always fits the int column.
Tokens = Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]

# Postgres text and jsonb cannot hold U+0000 (docs/api.md, "NUL characters"). Names that group
# usage (model, endpoint, session, …) are refused: changing them silently would merge or split
# groups. Free text (error_type, metadata values) is cleaned to U+FFFD so the event still lands.
# The pattern runs in pydantic-core (Rust), so the hot path pays no Python call per field.
_NO_NUL = r"^[^\x00]*$"
NUL_MESSAGE = "must not contain NUL (\\u0000) characters"


def Name(min_length: int, max_length: int):  # noqa: N802 - reads as a type in the model below
    """A string that names something: length-checked, NUL refused."""
    return Annotated[StrictStr, Field(min_length=min_length, max_length=max_length, pattern=_NO_NUL)]


def _clean_nul(value: str) -> str:
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


FreeText = Annotated[StrictStr, Field(max_length=200), AfterValidator(_clean_nul)]

# Reads show 1970-01-01 to 2200-01-01 (analytics.read_args); an event outside that range could be
# stored but never seen, and year 1 with a +14:00 offset is a BC date in Postgres.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


class SdkInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name(0, 100)
    version: Name(0, 50) | None = None


class UsageEvent(BaseModel):
    """One LLM call's metadata. Unknown fields are refused: clear beats silent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID | None = None
    timestamp: Annotated[AwareDatetime, Field(ge=EARLIEST, lt=LATEST)] | None = None
    model: Name(1, 200)
    provider: Name(1, 50) | None = None
    endpoint_name: Name(1, 100) = "default"
    prompt_tokens: Tokens
    completion_tokens: Tokens
    total_tokens: Tokens | None = None
    cached_tokens: Tokens = 0
    cache_write_tokens: Tokens = 0
    cache_write_1h_tokens: Tokens = 0
    reasoning_tokens: Tokens = 0
    latency_ms: Annotated[StrictInt | StrictFloat, Field(ge=0, le=86_400_000)] | None = None
    status: Literal["ok", "error"] = "ok"
    error_type: FreeText | None = None
    session_id: Name(1, 200) | None = None
    user_id: Name(1, 200) | None = None
    stream: StrictBool = False
    service_tier: Name(0, 50) | None = None
    metadata: dict[str, Any] | None = None
    sdk: SdkInfo | None = None
    # A shadow comparison verdict (SDK shadow mode): stored in shadow_runs, never in usage_logs.
    shadow: ShadowVerdict | None = None
    # What the request asked for, counted by the SDK without content (docs/api.md, "Request features").
    tools: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None
    json_output: StrictBool | None = None
    images: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None
    prefix_hash: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{16,64}$")] | None = None
    prefix_chars: Annotated[StrictInt, Field(ge=0, le=1_000_000_000)] | None = None

    @field_validator("metadata")
    @classmethod
    def _small_metadata(cls, value: dict[str, Any] | None):
        if value is None:
            return value
        if len(value) > 20:
            raise ValueError(f"at most 20 keys, got {len(value)}")
        cleaned = None
        for key, item in value.items():
            if len(key) > 64:
                raise ValueError(f"key {key[:20]!r}… is longer than 64 characters")
            if "\x00" in key:
                raise ValueError(f"key {key.replace(chr(0), '?')[:20]!r} {NUL_MESSAGE}")
            if not isinstance(item, (str, int, float, bool, type(None))):
                raise ValueError(f"value of {key!r} must be a string, number, boolean or null")
            if isinstance(item, str):
                if len(item) > 200:
                    raise ValueError(f"value of {key!r} is longer than 200 characters")
                if "\x00" in item:
                    cleaned = cleaned or dict(value)
                    cleaned[key] = _clean_nul(item)
        return cleaned or value

    @model_validator(mode="after")
    def _consistent_tokens(self):
        if self.total_tokens is not None and self.total_tokens != self.prompt_tokens + self.completion_tokens:
            raise ValueError(f"total_tokens ({self.total_tokens}) must equal prompt_tokens + completion_tokens "
                             f"({self.prompt_tokens + self.completion_tokens})")
        if self.cached_tokens + self.cache_write_tokens > self.prompt_tokens:
            raise ValueError("cached_tokens + cache_write_tokens are part of prompt_tokens and cannot exceed it")
        if self.cache_write_1h_tokens > self.cache_write_tokens:
            raise ValueError("cache_write_1h_tokens is part of cache_write_tokens and cannot exceed it")
        if self.reasoning_tokens > self.completion_tokens:
            raise ValueError("reasoning_tokens is part of completion_tokens and cannot exceed it")
        if self.prefix_chars is not None and self.prefix_hash is None:
            raise ValueError("prefix_chars describes prefix_hash and needs it")
        return self


def find_content_fields(value: Any) -> list[dict[str, str]]:
    """Every key, at any depth, whose name says it could hold prompt or completion text.

    Iterative, and it only descends into containers: it runs on every event, so no call per scalar.
    """
    found: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str) and key.lower() in CONTENT_FIELDS:
                    found.append({"field": f"{path}.{key}" if path else key, "message": "looks like prompt or "
                                  "completion content; TokenOptimizer never accepts content, only usage metadata"})
                elif isinstance(item, (dict, list)):
                    stack.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node) if isinstance(item, (dict, list)))
    return sorted(found, key=lambda f: f["field"])


# Steps pydantic adds to an error's location that are not fields: validator wrappers and the
# members of a union (latency_ms is int | float: a string there fails as both).
_WRAPPERS = ("function-", "constrained-")
_UNION_MEMBERS = frozenset({"int", "float", "str", "bool"})


def _field_errors(err: ValidationError) -> list[dict[str, str]]:
    """One {field, message} per field (a union's members report once, as the last of them)."""
    out: dict[str, dict[str, str]] = {}
    for e in err.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for i, p in enumerate(e["loc"])  # a field's own name comes first: kept
                       if not (i and isinstance(p, str) and (p.startswith(_WRAPPERS) or p in _UNION_MEMBERS)))
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown field (see the usage event contract in docs/api.md)"
        elif e["type"] == "missing":
            message = "is required"
        elif e["type"] == "string_pattern_mismatch" and e.get("ctx", {}).get("pattern") == _NO_NUL:
            message = NUL_MESSAGE
        elif loc == "timestamp" and e["type"] in ("greater_than_equal", "less_than"):
            message = f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC), the range reads can show"
        out[loc or "event"] = {"field": loc or "event", "message": message}
    return list(out.values())


def parse_event(raw: Any) -> tuple[UsageEvent | None, list[dict[str, str]]]:
    """Validate one raw event: (event, []) when valid, (None, field errors) when not."""
    if not isinstance(raw, dict):
        return None, [{"field": "event", "message": f"must be a JSON object, got {type(raw).__name__}"}]
    content = find_content_fields(raw)
    if content:
        return None, content
    try:
        return UsageEvent.model_validate(raw), []
    except ValidationError as err:
        return None, _field_errors(err)


_BATCH = TypeAdapter(list[UsageEvent])


def parse_events(raws: list[Any]) -> tuple[list[UsageEvent], list[dict[str, Any]]]:
    """Validate a batch: (valid events, rejected entries with index, id and field errors).

    The usual all-valid batch is checked in one pass; only a batch with a bad event pays for
    validating event by event, so one bad event never costs the good ones.
    """
    if all(isinstance(raw, dict) for raw in raws) and not find_content_fields(raws):
        try:
            return _BATCH.validate_python(raws), []
        except ValidationError:
            pass
    valid, rejected = [], []
    for index, raw in enumerate(raws):
        event, errors = parse_event(raw)
        if errors:
            rid = raw.get("id") if isinstance(raw, dict) else None
            rejected.append({"index": index, "id": rid if isinstance(rid, str) else None, "errors": errors})
        else:
            valid.append(event)
    return valid, rejected
