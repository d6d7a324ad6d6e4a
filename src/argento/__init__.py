"""Argento: Argo Workflows pipelines, model serving and deployments as one Python package."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# User-facing submodules, imported on first attribute access so `import argento` (and the CLI) stays cheap.
_LAZY_SUBMODULES = frozenset({"models", "sklearn"})

__all__ = ["__version__", "models", "sklearn"]


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"argento.{name}")
    raise AttributeError(f"module 'argento' has no attribute {name!r}")
