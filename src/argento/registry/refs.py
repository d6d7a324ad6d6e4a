"""A lazy reference to a model (:class:`ModelRef`): ``argento.models.ref("iris:production")`` in a service class
body, the models a bento records. A reference of an outside source (``mlflow:models:/…``) resolves through the
source registered for it (:mod:`argento.registry.sources`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from argento.registry.model import Model, Tag
from argento.registry.sources import source_for, source_of
from argento.registry.store import ModelStore, default_store
from argento.registry.versions import LATEST


@dataclass(frozen=True)
class ModelRef:
    """A lazy reference to a model, e.g. ``argento.models.ref("iris:production")`` in a service class body.

    Nothing is read until :meth:`resolve` or :meth:`load`; an alias is resolved at that moment, so packaging
    (``argento build``) can record the concrete version it resolved to.
    """

    tag: str

    @classmethod
    def of(cls, tag: str | Tag) -> ModelRef:
        """Validate ``tag`` now (so a typo fails at import time) and keep it as ``name:ref``.

        A reference of a model source (:mod:`argento.registry.sources`; MLflow's ``mlflow:models:/iris@champion``,
        ``models:/…``, ``runs:/…``) is kept in its canonical form; it is imported into the store when resolved.
        """
        source = source_for(str(tag))
        if source is not None:
            return cls(source.canonical(str(tag)))
        parsed = Tag.parse(tag)
        return cls(f"{parsed.name}:{parsed.version or LATEST}")

    @property
    def is_mlflow(self) -> bool:
        """Whether this reference names an MLflow model (``mlflow:models:/…``)."""
        return self.tag.startswith("mlflow:")

    @property
    def is_external(self) -> bool:
        """Whether this reference names a model of an outside source (:mod:`argento.registry.sources`)."""
        return ":/" in self.tag

    @property
    def name(self) -> str:
        """The model name (for an outside source's reference: the store name its import gets)."""
        if self.is_external:
            return source_of(self.tag).store_name(self.tag)
        return Tag.parse(self.tag).name

    def resolve(self, store: ModelStore | None = None) -> Model:
        """The version this reference points to now (in ``store``, the default store otherwise)."""
        if self.is_external:
            return source_of(self.tag).resolve(self.tag, store if store is not None else _default_store())
        return (store if store is not None else _default_store()).get(self.tag)

    def load(self, store: ModelStore | None = None, **kwargs: Any) -> Any:
        """Resolve and load the object."""
        return self.resolve(store).load(**kwargs)

    def __str__(self) -> str:
        return self.tag


def _default_store() -> ModelStore:
    return default_store()


__all__ = ["ModelRef"]
