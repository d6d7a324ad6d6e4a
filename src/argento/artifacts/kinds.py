"""The kinds of artifact repository Argento can use, each declared once: a module with its
:class:`~argento.artifacts.base.RepositoryKind` (``KIND``) and one line in :data:`KINDS` below.

Every table that names repository kinds reads these: which kind an ``ArtifactRepository`` is
(:func:`kind_of`), the URL forms of ``ARGENTO_ARTIFACT_REPOSITORY`` and validation (``artifacts.config``),
building the repository (``artifacts.locate.Repositories``), the endpoint the ``artifacts`` service alias gives
a step, and where the managed MLflow keeps its artifacts (``tracking``). To add a kind (GCS, say): one module
(``artifacts/gcs.py``: the repository and its ``KIND``) and its line here (docs/ARCHITECTURE.md, "Extension
points").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argento.artifacts import local, s3_kind
from argento.artifacts.base import ArtifactError, RepositoryKind

#: kind name -> declaration; ``local`` (Argento's folder) is what a repository with no location field is.
KINDS: dict[str, RepositoryKind] = {kind.name: kind for kind in (local.KIND, s3_kind.KIND)}
LOCAL = "local"
#: Argo's ``ArtifactRepository`` location fields (the ones no declaration takes are refused by name).
ARGO_KINDS = ("s3", "gcs", "azure", "oss", "hdfs", "artifactory", "plugin")


def register_kind(kind: RepositoryKind) -> RepositoryKind:
    """Declare a kind (again: replaces the declaration of that name)."""
    KINDS[kind.name] = kind
    return kind


def kind_of(spec: Mapping[str, Any]) -> RepositoryKind:
    """The kind of an ``ArtifactRepository`` dict: the declared kind whose field it has, else the local folder."""
    for name, kind in KINDS.items():
        if name != LOCAL and isinstance(spec.get(name), Mapping):
            return kind
    return KINDS[LOCAL]


def check_supported(spec: Mapping[str, Any], source: str) -> None:
    """Refuse a location field of Argo's that no kind here takes; validate the fields of those that do."""
    for name in ARGO_KINDS:
        if spec.get(name) is not None and name not in KINDS:
            usable = " or ".join([*(k for k in KINDS if k != LOCAL), "a local folder"])
            raise ArtifactError(
                f"{source}: {name} artifact repositories are not supported by Argento (use {usable})"
            )
    for name, kind in KINDS.items():
        if spec.get(name) is not None and kind.validate is not None:
            kind.validate(spec[name], source)


def by_url(text: str) -> RepositoryKind | None:
    """The kind whose URL scheme ``text`` uses (``s3://…``), if any."""
    for kind in KINDS.values():
        if kind.url_scheme and text.startswith(f"{kind.url_scheme}://"):
            return kind
    return None


__all__ = ["ARGO_KINDS", "KINDS", "LOCAL", "by_url", "check_supported", "kind_of", "register_kind"]
