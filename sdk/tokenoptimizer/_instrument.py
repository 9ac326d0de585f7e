"""instrument() / uninstrument(): every registered provider's clients, or one client."""

from __future__ import annotations

import logging
from typing import Any, Optional

from . import integrations
from ._patch import restore_all

logger = logging.getLogger("tokenoptimizer")


def instrument(client: Optional[Any] = None, *, provider: Optional[str] = None) -> Any:
    """Track one client, or (no argument) every installed provider's client classes.

    provider names the service behind an OpenAI-compatible client when its base URL does not.
    """
    try:
        if client is None:
            for integration in integrations.all_integrations():
                if integration.available():
                    integration.instrument_classes()
            return None
        integration = integrations.for_client(client)
        if integration is None:
            logger.warning("tokenoptimizer: instrument() does not know %s; not tracked", type(client).__name__)
            return client
        integration.instrument_client(client, provider)
    except Exception:
        logger.exception("tokenoptimizer: instrument() failed; calls are not tracked")
    return client


def uninstrument() -> None:
    """Restore every method instrument() replaced."""
    restore_all()
