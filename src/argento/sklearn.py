"""``argento.sklearn``: the seed guide's helpers for scikit-learn models (``bentoml.sklearn`` style).

.. code-block:: python

    import argento
    argento.sklearn.save_model("iris", clf)                 # Model, tag "iris:<auto version>"
    clf = argento.sklearn.load_model("iris:latest")

scikit-learn itself is imported only when a model is saved or loaded.
"""

from __future__ import annotations

from typing import Any

from argento.errors import SpecError
from argento.registry.model import Model, Tag
from argento.registry.store import default_store

__all__ = ["get", "load_model", "save_model"]

FRAMEWORK = "sklearn"


def save_model(
    name: str,
    model: Any,
    *,
    signatures: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    version: str | None = None,
) -> Model:
    """Save a scikit-learn estimator or pipeline as a new version of ``name``."""
    return default_store().save(
        name,
        model,
        framework=FRAMEWORK,
        signatures=signatures,
        labels=labels,
        custom_objects=custom_objects,
        metadata=metadata,
        version=version,
    )


def get(tag: str | Tag | Model) -> Model:
    """The stored model ``tag`` means; it must have been saved with the ``sklearn`` framework."""
    model = tag if isinstance(tag, Model) else default_store().get(tag)
    if model.framework != FRAMEWORK:
        raise SpecError(
            f"model {model.tag} was saved with framework {model.framework!r}, not {FRAMEWORK!r}: "
            f"load it with argento.models.get({model.tag!r}).load()"
        )
    return model


def load_model(tag: str | Tag | Model) -> Any:
    """Load the estimator ``tag`` means (``iris:latest``, ``iris:production``, ``iris:v3``)."""
    return get(tag).load()
