"""OpenLLMetry's `uninstrument()` leaves its wrappers on the openai SDK's classes (its 0.62 unwraps only
some), so every test here puts back what it found: the SDK tests that run later see the plain SDK."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest


def _openai_classes() -> list[type]:
    import openai.resources

    classes = []
    for info in pkgutil.walk_packages(openai.resources.__path__, "openai.resources."):
        module = importlib.import_module(info.name)
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    return classes


@pytest.fixture(autouse=True)
def plain_openai_sdk():
    saved = [(cls, dict(vars(cls))) for cls in _openai_classes()]
    yield
    for cls, attributes in saved:
        for name, value in attributes.items():
            if vars(cls).get(name) is not value and not name.startswith("__"):
                setattr(cls, name, value)
