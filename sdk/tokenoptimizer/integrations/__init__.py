"""The provider registry: one Integration per provider, each in its own module, read by the rest.

A provider module subclasses Integration and calls register() on import; tracked_completion,
track_usage, instrument() and the backend's provider inference all read this registry (as
Redash's query runners register themselves). Provider modules import their SDK lazily, so the
registry (and its model-prefix table) loads without any provider package installed.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from typing import Any, Callable, Optional

from .._event import field


class Integration:
    """What the SDK knows about one provider: names, model prefixes, usage, how to call and patch it."""

    name = ""  # registry key; the pip extra is tokenoptimizer[<extra>]
    provider = ""  # what events carry in `provider` (as the price catalogue names it)
    aliases: tuple[str, ...] = ()  # other names tracked_completion(provider=...) accepts
    package = ""  # the provider SDK's import name
    extra = ""
    model_prefixes: tuple[str, ...] = ()  # lowercase model-name prefixes that belong to this provider
    # Qualified names of the client classes an app constructs (`tokenoptimizer init` looks for them).
    client_classes: tuple[str, ...] = ()
    example_model = ""  # the model `tokenoptimizer init --check` asks for unless told otherwise

    def parse_usage(self, usage: Any) -> Optional[dict]:
        """The provider's usage object in the project's one usage rule (see _event.usage_fields)."""
        raise NotImplementedError

    def read(self, response: Any) -> tuple[Any, Any, Any]:
        """(model, raw usage, service_tier) of a response, for track_usage."""
        return field(response, "model"), field(response, "usage"), field(response, "service_tier")

    def recognises(self, response: Any, usage: Any) -> bool:
        """Whether a response of unknown model is this provider's (track_usage)."""
        return False

    def require(self) -> Any:
        """The provider package, or an ImportError that names the extra to install."""
        try:
            return importlib.import_module(self.package)
        except ImportError as exc:
            raise ImportError(f"tokenoptimizer's {self.name} integration needs the {self.package} package: "
                              f"pip install 'tokenoptimizer[{self.extra or self.name}]'") from exc

    def available(self) -> bool:
        try:
            return importlib.util.find_spec(self.package) is not None
        except (ImportError, ValueError):
            return False

    def owns_client(self, client: Any) -> bool:
        return type(client).__module__.split(".", 1)[0] == self.package.split(".", 1)[0]

    def provider_of_client(self, client: Any) -> str:
        """The provider a given client talks to (an OpenAI client may talk to another service)."""
        return self.provider

    def instrument_classes(self) -> None:
        raise NotImplementedError

    def instrument_client(self, client: Any, provider: Optional[str] = None) -> None:
        raise NotImplementedError

    def default_client(self, is_async: bool) -> Any:
        raise NotImplementedError

    def client_at(self, base_url: str, api_key: str) -> Any:
        """A sync client of this provider talking to base_url, without retries (init --check)."""
        raise NotImplementedError

    def completion_call(self, client: Any, model: str, messages: Any, stream: bool, params: dict,
                        is_async: bool) -> tuple[Callable, dict, Any]:
        """(method, kwargs, adapter) that make an OpenAI-style call on this provider's client."""
        raise NotImplementedError


_registry: dict[str, Integration] = {}
_names: dict[str, Integration] = {}
_by_type: dict[type, Optional[Integration]] = {}  # client class -> integration (on the call path)


def register(integration: Integration) -> Integration:
    """Add a provider; later registrations of the same name replace earlier ones."""
    _registry[integration.name] = integration
    for name in (integration.name, integration.provider, *integration.aliases):
        _names[name] = integration
    _forget()
    return integration


def unregister(name: str) -> None:
    """Remove a provider (tests, or an app replacing a built-in one)."""
    integration = _registry.pop(name, None)
    for key in [k for k, v in _names.items() if v is integration]:
        del _names[key]
    _forget()


def _forget() -> None:
    _by_type.clear()
    _prefix_table.cache_clear()
    provider_for_model.cache_clear()


def get(name: str) -> Optional[Integration]:
    """The integration for a registry name, a provider name or an alias."""
    return _names.get(name)


def all_integrations() -> list[Integration]:
    return list(_registry.values())


def for_client(client: Any) -> Optional[Integration]:
    """The integration whose SDK made this client (remembered per client class)."""
    cls = type(client)
    if cls in _by_type:
        return _by_type[cls]
    found = next((i for i in _registry.values() if i.owns_client(client)), None)
    if len(_by_type) < 256:
        _by_type[cls] = found
    return found


@functools.lru_cache(maxsize=1)
def _prefix_table() -> tuple[tuple[str, str], ...]:
    """(prefix, provider), longest prefix first, so "open-mistral" is not read as "o…"."""
    pairs = {(p, i.provider) for i in _registry.values() for p in i.model_prefixes}
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0])))


def model_prefixes() -> tuple[tuple[str, str], ...]:
    """The prefix table: every registered provider's model prefixes (the backend reads it too)."""
    return _prefix_table()


@functools.lru_cache(maxsize=1024)
def provider_for_model(model: str) -> Optional[str]:
    """The provider whose model prefix the name starts with ("gpt-4o" -> openai), or None."""
    name = model.lower()
    for prefix, provider in _prefix_table():
        if name.startswith(prefix):
            return provider
    return None


def _load_builtin() -> None:
    for module in ("openai", "anthropic", "mistral", "gemini", "openai_compatible"):
        importlib.import_module(f"{__name__}.{module}")


_load_builtin()
