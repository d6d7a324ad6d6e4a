"""Argo resources as typed models, loading with source positions, and lint.

``argento.spec`` knows nothing of running: it reads manifests (:func:`load_documents`, :func:`load_file`,
:func:`load_paths`), gives typed models (:mod:`argento.spec.models`) and checks them
(:func:`argento.spec.lint.lint_documents`).
"""

from __future__ import annotations

from argento.spec.load import (
    Document,
    Scan,
    Skipped,
    dump,
    load_documents,
    load_file,
    load_paths,
    manifest_files,
    materialize_name,
    parse_resource,
    scan_documents,
    scan_file,
)
from argento.spec.models import *  # noqa: F403 - the models are part of the spec API
from argento.spec.models import __all__ as _models_all
from argento.spec.source_map import SourceMap, format_path, parse_path

__all__ = [
    "Document",
    "Scan",
    "Skipped",
    "SourceMap",
    "dump",
    "format_path",
    "load_documents",
    "load_file",
    "load_paths",
    "manifest_files",
    "materialize_name",
    "parse_path",
    "parse_resource",
    "scan_documents",
    "scan_file",
    *_models_all,
]
