"""Argo resources as typed models, loading with source positions, and lint.

``argento.spec`` knows nothing of running: it reads manifests (:func:`load_documents`, :func:`load_file`,
:func:`load_paths`), gives typed models (:mod:`argento.spec.models`) and checks them
(:func:`argento.spec.lint.lint_documents`).

The names below are imported on first use: building the models costs ~0.1 s, and a light submodule
(``argento.spec.submit``, ``argento.spec.names``) must not pay for it (``argento run`` of a manifest it has
checked before never builds them; see :mod:`argento.cli.checked`).
"""

from __future__ import annotations

import importlib
from typing import Any

_LOAD = (
    "Document",
    "Scan",
    "Skipped",
    "dump",
    "load_documents",
    "load_file",
    "load_paths",
    "manifest_files",
    "materialize_name",
    "parse_resource",
    "scan_documents",
    "scan_file",
)
_SOURCE_MAP = ("SourceMap", "format_path", "parse_path")


def __getattr__(name: str) -> Any:
    if name in _LOAD:
        module = "argento.spec.load"
    elif name in _SOURCE_MAP:
        module = "argento.spec.source_map"
    elif name == "__all__":
        models = importlib.import_module("argento.spec.models")
        return [*_LOAD, *_SOURCE_MAP, *models.__all__]
    elif name.startswith("__"):
        raise AttributeError(name)
    else:
        module = "argento.spec.models"  # the models are part of the spec API
    try:
        return getattr(importlib.import_module(module), name)
    except AttributeError:
        raise AttributeError(f"module 'argento.spec' has no attribute {name!r}") from None
