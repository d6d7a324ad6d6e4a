"""Model sources outside the store: a reference such as ``mlflow:models:/iris@champion`` names a model that
another system keeps; it is imported into the store when resolved.

The registry knows no source itself (it sits below the integrations): each integration registers one
:class:`ModelSource` when it is imported — MLflow's is :mod:`argento.tracking.sources`, registered by
``argento.models``, the CLI and the server. A reference in a source's form that no registration claims is
refused with the source it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from argento.errors import SpecError

if TYPE_CHECKING:
    from argento.registry.model import Model
    from argento.registry.store import ModelStore


class ModelSource(Protocol):
    """One kind of outside reference. ``prefix`` (``mlflow:``) is what a canonical reference starts with."""

    prefix: str

    def claims(self, text: str) -> bool:
        """Whether ``text`` is a reference of this source (with or without ``prefix``)."""
        ...

    def canonical(self, text: str) -> str:
        """``text`` validated (a :class:`~argento.errors.SpecError` naming the accepted forms) and prefixed."""
        ...

    def store_name(self, ref: str) -> str:
        """The model-store name the import of canonical ``ref`` gets."""
        ...

    def resolve(self, ref: str, store: ModelStore) -> Model:
        """The model canonical ``ref`` means now, imported into ``store`` if it is not there yet."""
        ...


_SOURCES: dict[str, ModelSource] = {}


def register_source(source: ModelSource) -> None:
    """Register ``source`` (again: replaces the one with the same prefix)."""
    _SOURCES[source.prefix] = source


def source_for(text: str) -> ModelSource | None:
    """The registered source that claims ``text``; ``None`` for a model-store tag."""
    for source in _SOURCES.values():
        if source.claims(text):
            return source
    if ":/" in str(text):  # a URI is never a store tag (name:version)
        known = ", ".join(_SOURCES) or "none"
        raise SpecError(
            f"{text!r} is not a model tag, and no model source registered in this process claims it "
            f"(registered: {known}; MLflow's registers with `import argento.models` or argento.tracking.sources)"
        )
    return None


def source_of(ref: str) -> ModelSource:
    """The source of a canonical reference (one that :func:`source_for` claimed)."""
    for prefix, source in _SOURCES.items():
        if ref.startswith(prefix):
            return source
    raise SpecError(f"no model source is registered for {ref!r}")


__all__ = ["ModelSource", "register_source", "source_for", "source_of"]
