"""Argento: Argo Workflows pipelines, model serving and deployments as one Python package."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from argento.version import __version__

if TYPE_CHECKING:  # what IDEs and type checkers see; at run time every name below is resolved on first use
    from argento import io as io
    from argento import models as models
    from argento import sklearn as sklearn
    from argento.client.platform import Client as Client
    from argento.client.platform import deploy as deploy
    from argento.serving.client import AsyncHTTPClient as AsyncHTTPClient
    from argento.serving.client import SyncHTTPClient as SyncHTTPClient
    from argento.serving.context import Context as Context
    from argento.serving.decorators import api as api
    from argento.serving.decorators import depends as depends
    from argento.serving.decorators import on_shutdown as on_shutdown
    from argento.serving.decorators import on_startup as on_startup
    from argento.serving.decorators import service as service

# User-facing submodules, imported on first attribute access so `import argento` (and the CLI) stays cheap.
_LAZY_SUBMODULES = frozenset({"models", "sklearn", "io"})

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
    "deploy": "argento.client.platform:deploy",
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


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
