"""``bentoml.models``: the model store of ``ARGENTO_HOME`` (``argento.models``) under BentoML's names.

``bentoml.models.tag(tag, alias)`` is Argento's mutable alias (the guide's "Tag versions"): afterwards
``bentoml.models.get("my-model:production")`` resolves to that version. Returned models are Argento's
:class:`~argento.registry.model.Model` (``tag``, ``path``, ``labels``, ``metadata``, ``load()``).
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from argento import models as _models
from argento.compat.bentoml.unsupported import unsupported
from argento.registry.model import Model, Tag
from argento.registry.refs import ModelRef
from argento.registry.store import Draft

__all__ = [
    "BentoModel",
    "Model",
    "create",
    "delete",
    "export_model",
    "get",
    "import_model",
    "list",
    "tag",
]


def list(tag: str | Tag | None = None) -> builtins.list[Model]:
    """Every saved version (of the model ``tag`` names; with a version, that version only), newest first."""
    if tag is None:
        return _models.list()
    parsed = Tag.parse(tag)
    if parsed.version is None:
        return _models.list(parsed.name)
    return [_models.get(parsed)]


def get(tag: str | Tag | Model) -> Model:
    """The version ``tag`` means: ``my-model:v1.0.0``, ``my-model:latest``, ``my-model:production``."""
    return _models.get(tag)


def tag(tag: str | Tag | Model, alias: str) -> Model:
    """Point the alias ``alias`` (e.g. ``production``) at the version ``tag`` means; returns that version."""
    _models.tag(tag, alias)
    return _models.get(f"{Tag.parse(tag).name}:{alias}")


def delete(tag: str | Tag | Model) -> None:
    """Delete a version (refused while an alias points to it)."""
    _models.delete(tag)


@contextmanager
def create(
    name: str | Tag,
    *,
    module: str = "",
    labels: dict[str, Any] | None = None,
    options: Any = None,
    custom_objects: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    context: Any = None,
    signatures: dict[str, Any] | None = None,
) -> Iterator[Draft]:
    """``with bentoml.models.create("name[:version]") as m:`` write files into ``m.path``; published at the end."""
    parsed = Tag.parse(name)
    with _models.create(
        parsed.name,
        version=parsed.version,
        labels=labels,
        metadata=metadata,
        signatures=signatures,
        custom_objects=custom_objects,
    ) as draft:
        yield draft


def export_model(tag: str | Tag | Model, path: str | os.PathLike[str], *_: Any, **__: Any) -> str:
    """Export one version to a file, a folder or ``s3://bucket/key``; returns where it went."""
    return _models.export_model(tag, path)


def import_model(path: str | os.PathLike[str], *_: Any, **__: Any) -> Model:
    """Import a version exported by :func:`export_model`."""
    return _models.import_model(path)


def BentoModel(tag: str | Tag) -> ModelRef:
    """``model = bentoml.models.BentoModel("iris:latest")`` in a service class: a lazy reference (recorded in the
    bento; ``self.model.load()`` or ``bentoml.models.get(...)`` in ``__init__`` loads it)."""
    return _models.ref(tag)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"models.{name}")
