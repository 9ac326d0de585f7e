"""Tags for instrumented calls, carried by contextvars across asyncio tasks and copied contexts."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Mapping, Optional

_EMPTY: Mapping[str, Any] = {}
_tags: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("tokenoptimizer_tags", default=_EMPTY)
# Set while a tracked call runs, so a call tracked twice (instrumented client inside
# tracked_completion, or instrument() plus instrument(client)) records one event.
tracking_active: contextvars.ContextVar[bool] = contextvars.ContextVar("tokenoptimizer_active", default=False)


@contextlib.contextmanager
def context(
    endpoint_name: Optional[str] = None,
    *,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
) -> Iterator[None]:
    """Tag every tracked call inside the block; inner blocks override outer ones, metadata merges."""
    outer = _tags.get()
    tags = dict(outer)
    if endpoint_name is not None:
        tags["endpoint_name"] = endpoint_name
    if session_id is not None:
        tags["session_id"] = session_id
    if user_id is not None:
        tags["user_id"] = user_id
    if metadata:
        tags["metadata"] = _merge(outer.get("metadata"), metadata)
    token = _tags.set(tags)
    try:
        yield
    finally:
        _tags.reset(token)


def current_tags() -> Mapping[str, Any]:
    """Tags of the innermost context() block (empty outside any)."""
    return _tags.get()


def resolve_tags(
    endpoint_name: Optional[str],
    session_id: Optional[str],
    user_id: Optional[str],
    metadata: Optional[Mapping[str, Any]],
) -> Mapping[str, Any]:
    """Explicit arguments win over context(); endpoint_name "default" counts as not given."""
    ctx = _tags.get()
    if not ctx and endpoint_name in (None, "default") and session_id is None and user_id is None \
            and metadata is None:
        return ctx
    tags = dict(ctx)
    if endpoint_name not in (None, "default"):
        tags["endpoint_name"] = endpoint_name
    if session_id is not None:
        tags["session_id"] = session_id
    if user_id is not None:
        tags["user_id"] = user_id
    if metadata is not None:
        tags["metadata"] = _merge(ctx.get("metadata"), metadata)
    return tags


def _merge(outer: Any, inner: Any) -> Any:
    """Inner metadata over outer; anything that is not a dict is left for the event builder to refuse."""
    if isinstance(outer, Mapping) and isinstance(inner, Mapping):
        return {**outer, **inner}
    return inner
