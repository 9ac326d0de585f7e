"""OpenAI-compatible services reached with the openai client and a base_url: which one, from the URL.

Provider names follow LiteLLM's (the price catalogue is imported from it). A service missing
here is named with instrument(client, provider="...") or tracked_completion(..., provider="...").
"""

from __future__ import annotations

import functools
from typing import Any, Optional
from urllib.parse import urlsplit

from . import get, register
from .openai import OpenAI

# (host or ".domain" suffix, provider)
HOSTS = (
    ("api.openai.com", "openai"),
    ("openrouter.ai", "openrouter"),
    ("api.groq.com", "groq"),
    ("api.deepseek.com", "deepseek"),
    ("api.together.xyz", "together_ai"),
    ("api.together.ai", "together_ai"),
    ("api.fireworks.ai", "fireworks_ai"),
    (".openai.azure.com", "azure"),
    (".cognitiveservices.azure.com", "azure"),
    (".services.ai.azure.com", "azure"),
    ("api.mistral.ai", "mistral"),
    ("generativelanguage.googleapis.com", "google"),
    ("api.x.ai", "xai"),
    ("api.perplexity.ai", "perplexity"),
)
# Local servers on their default ports: Ollama 11434, vLLM 8000.
LOCAL_PORTS = {11434: "ollama", 8000: "vllm"}
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


@functools.lru_cache(maxsize=256)
def provider_from_base_url(base_url: str) -> str:
    """The provider an OpenAI client's base URL points at; openai when nothing says otherwise."""
    try:
        parts = urlsplit(base_url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "openai"
    for pattern, provider in HOSTS:
        if host == pattern or (pattern.startswith(".") and host.endswith(pattern)):
            return provider
    if (host in _LOOPBACK or host.startswith("127.")) and port in LOCAL_PORTS:
        return LOCAL_PORTS[port]
    return "openai"


class Compatible(OpenAI):
    """A service that speaks OpenAI's API and owns model names of its own (deepseek-chat)."""

    extra = "openai"
    client_classes = ()  # its clients are openai.OpenAI, which the OpenAI integration claims

    def __init__(self, provider: str, prefixes: tuple[str, ...]) -> None:
        self.name = self.provider = provider
        self.model_prefixes = prefixes

    def owns_client(self, client: Any) -> bool:
        return False  # an openai client is the OpenAI integration's, whatever service it reaches

    def instrument_classes(self) -> None:
        pass  # the OpenAI integration patches the shared client classes once

    def default_client(self, is_async: bool) -> Any:
        raise ValueError(f"tokenoptimizer has no default client for {self.provider}: pass client=openai.OpenAI("
                         "base_url=..., api_key=...)")


def _register(provider: str, prefixes: tuple[str, ...] = ()) -> Optional[Any]:
    return None if get(provider) else register(Compatible(provider, prefixes))


for _provider, _prefixes in (("deepseek", ("deepseek",)), ("openrouter", ()), ("groq", ()),
                             ("together_ai", ()), ("fireworks_ai", ()), ("azure", ()), ("ollama", ()),
                             ("vllm", ()), ("xai", ("grok",)), ("perplexity", ())):
    _register(_provider, _prefixes)
