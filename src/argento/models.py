"""``argento.models``: the model store, as BentoML users know it (``bentoml.models``), plus mutable aliases.

.. code-block:: python

    import argento
    m = argento.models.save("iris", clf, metadata={"acc": 0.97})      # Model, tag "iris:20261126-153012-4f9c"
    argento.models.tag(m.tag, "production")                          # move the alias (recorded in history)
    clf = argento.models.get("iris:production").load()
    argento.models.resolve_at("iris:production", datetime(2026, 11, 1))   # which version was production then

Tags: ``name:version`` (custom versions such as ``v1.0.0`` allowed), ``name:alias``, ``name`` or
``name:latest`` (newest by creation). All functions work on the store of ``ARGENTO_HOME``
(``<home>/models``); see :mod:`argento.registry.store` for the layout and the guarantees.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from argento.registry.aliases import AliasEvent
from argento.registry.model import Model, Tag
from argento.registry.refs import ModelRef
from argento.registry.store import Draft, ModelStore, default_store
from argento.tracking import sources as _sources  # noqa: F401  (registers MLflow's model source: `mlflow:models:/…`)

__all__ = [
    "AliasEvent",
    "Model",
    "ModelRef",
    "ModelStore",
    "Tag",
    "aliases",
    "create",
    "delete",
    "export_model",
    "get",
    "history",
    "import_mlflow",
    "import_model",
    "list",
    "ref",
    "resolve_at",
    "save",
    "set_labels",
    "store",
    "tag",
    "untag",
]


def store() -> ModelStore:
    """The store of the current ``ARGENTO_HOME``."""
    return default_store()


def save(
    name: str,
    obj: Any,
    *,
    framework: str | None = None,
    labels: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    signatures: dict[str, Any] | None = None,
    version: str | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Model:
    """Save ``obj`` as a new version of model ``name``; returns the :class:`Model`.

    ``framework`` is detected from the object's class when omitted (``sklearn``, ``xgboost``, ``lightgbm``,
    ``pytorch``; anything else ``pickle``). ``version`` is generated (sortable by time) unless given;
    a custom version must not exist yet. ``signatures`` maps method names to ``{"batchable": bool,
    "batch_dim": int}``. Labels can change later; the artifacts, metadata and signatures cannot.
    """
    return default_store().save(
        name,
        obj,
        framework=framework,
        labels=labels,
        metadata=metadata,
        signatures=signatures,
        version=version,
        custom_objects=custom_objects,
    )


@contextmanager
def create(
    name: str,
    *,
    version: str | None = None,
    labels: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    signatures: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Iterator[Draft]:
    """Save files of your own as a model (``bentoml.models.create`` style)::

        with argento.models.create("tokenizer") as draft:
            (draft.path / "vocab.txt").write_text(vocab)
        draft.model.tag     # published when the block ends; load() returns the folder

    Nothing is visible until the block ends without an exception.
    """
    with default_store().create(
        name,
        version=version,
        framework="custom",
        labels=labels,
        metadata=metadata,
        signatures=signatures,
        custom_objects=custom_objects,
    ) as draft:
        yield draft


def get(tag: str | Tag | Model) -> Model:
    """The model a tag means: ``iris:v3``, ``iris:production``, ``iris`` or ``iris:latest``."""
    return default_store().get(tag)


def list(name: str | None = None) -> builtins.list[Model]:
    """All saved versions (of ``name`` if given), grouped by name, newest first."""
    return default_store().list(name)


def delete(tag: str | Tag | Model, *, force: bool = False) -> builtins.list[str]:
    """Delete a version, or every version of a bare name; returns the deleted tags.

    Refused (:class:`~argento.errors.Conflict`) while an alias points to a version being deleted, unless
    ``force=True``, which removes the alias as well (recorded in its history).
    """
    return default_store().delete(tag, force=force)


def tag(tag: str | Tag | Model, alias: str) -> AliasEvent:
    """Point ``alias`` (e.g. ``production``) at the version ``tag`` means, moving it if needed.

    ``argento.models.tag("iris:latest", "production")`` pins the current newest version; later saves do
    not move the alias. Returns the history entry.
    """
    return default_store().tag(tag, alias)


def untag(name: str, alias: str) -> AliasEvent:
    """Remove ``alias`` from model ``name``; returns the history entry."""
    return default_store().untag(name, alias)


def aliases(name: str) -> dict[str, str]:
    """Current aliases of model ``name``: ``{"production": "v3", …}``."""
    return default_store().aliases(name)


def history(name: str, alias: str | None = None) -> builtins.list[AliasEvent]:
    """Every alias change of model ``name`` (or of one alias), oldest first: who, when, from → to."""
    return default_store().history(name, alias)


def resolve_at(tag: str | Tag, when: datetime) -> str:
    """The version ``tag`` meant at ``when`` (e.g. which version was ``iris:production`` last Monday)."""
    return default_store().resolve_at(tag, when)


def set_labels(tag: str | Tag | Model, labels: dict[str, Any], *, replace: bool = False) -> Model:
    """Change a version's labels: merged into the current ones (``None`` removes a key), or ``replace``d."""
    return default_store().set_labels(tag, labels, replace=replace)


def ref(tag: str | Tag) -> ModelRef:
    """A lazy reference for a service class body: ``model = argento.models.ref("iris:production")``.

    The tag is validated now; the store is read only by ``.resolve()`` / ``.load()``.
    """
    return ModelRef.of(tag)


def export_model(tag: str | Tag | Model, path: str | os.PathLike[str]) -> str:
    """Export one version to an archive file, a folder, or ``s3://bucket/key``; returns where it went."""
    from argento.registry.archive import export_model as _export

    return _export(default_store(), Tag.parse(tag), path)


def import_model(path: str | os.PathLike[str]) -> Model:
    """Import an archive made by :func:`export_model` from a path or ``s3://bucket/key``."""
    from argento.registry.archive import import_model as _import

    return _import(default_store(), path)


def import_mlflow(
    uri: str, *, name: str | None = None, alias: str | None = None, tracking_uri: str | None = None
) -> Model:
    """Copy an MLflow model into the store with its lineage (run id, metrics, params as metadata).

    ``uri``: ``models:/name@alias``, ``models:/name/Stage``, ``models:/name/3``, ``models:/m-<id>`` or
    ``runs:/<run id>/<path>``. The scikit-learn flavor is stored as framework ``sklearn``, others as ``mlflow``.
    Re-importing the same MLflow version returns the stored one. Needs ``pip install 'argento[mlflow]'``.
    """
    from argento.tracking.bridge import import_mlflow as _import

    return _import(uri, name=name, alias=alias, tracking_uri=tracking_uri, store=default_store())
