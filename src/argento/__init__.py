"""Argento: Argo Workflows pipelines, model serving and deployments as one Python package."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# User-facing submodules, imported on first attribute access so `import argento` (and the CLI) stays cheap.
_LAZY_SUBMODULES = frozenset({"models", "sklearn", "io", "deploy"})  # argento.deploy(...) is callable

# Service API and service clients (argento.serving), resolved on first use: name -> "module:attribute".
_LAZY_ATTRIBUTES = {
    "service": "argento.serving.decorators:service",
    "api": "argento.serving.decorators:api",
    "on_startup": "argento.serving.decorators:on_startup",
    "on_shutdown": "argento.serving.decorators:on_shutdown",
    "depends": "argento.serving.decorators:depends",
    "Context": "argento.serving.context:Context",
    "SyncHTTPClient": "argento.serving.client:SyncHTTPClient",
    "AsyncHTTPClient": "argento.serving.client:AsyncHTTPClient",
    "Client": "argento.client.platform:Client",
}

__all__ = [
    "AsyncHTTPClient",
    "Client",
    "Context",
    "SyncHTTPClient",
    "__version__",
    "api",
    "depends",
    "deploy",
    "io",
    "models",
    "on_shutdown",
    "on_startup",
    "service",
    "sklearn",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"argento.{name}")
    target = _LAZY_ATTRIBUTES.get(name)
    if target is not None:
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'argento' has no attribute {name!r}")
