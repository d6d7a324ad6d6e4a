"""``bentoml.sklearn``, ``xgboost``, ``lightgbm``, ``pytorch``, ``picklable_model`` and ``mlflow``: per-framework
``save_model`` / ``load_model`` / ``get`` on Argento's model store (the frameworks of SPEC §3.1).

Each is a module object built here (``bentoml.sklearn.save_model("my-model", clf)`` →
``argento.models.save(..., framework="sklearn")``); the library itself is imported only to save or load.
"""

from __future__ import annotations

import types
from typing import Any

from argento import models as _models
from argento.compat.bentoml.unsupported import unsupported
from argento.errors import SpecError
from argento.registry.model import Model, Tag


def _save(framework: str) -> Any:
    def save_model(
        name: str | Tag,
        model: Any,
        *,
        signatures: dict[str, Any] | None = None,
        labels: dict[str, Any] | None = None,
        custom_objects: dict[str, Any] | None = None,
        external_modules: Any = None,
        metadata: dict[str, Any] | None = None,
        **_options: Any,
    ) -> Model:
        """Save ``model`` as a new version of ``name`` (``name:version`` sets the version); returns the Model."""
        parsed = Tag.parse(name)
        return _models.save(
            parsed.name,
            model,
            framework=framework,
            labels=labels,
            metadata=metadata,
            signatures=signatures,
            version=parsed.version,
            custom_objects=custom_objects,
        )

    return save_model


def _get(framework: str) -> Any:
    def get(tag: str | Tag | Model) -> Model:
        """The stored version ``tag`` means; it must have been saved with this framework."""
        model = tag if isinstance(tag, Model) else _models.get(tag)
        if model.framework != framework:
            raise SpecError(
                f"model {model.tag} was saved with framework {model.framework!r}, not {framework!r}: load it with "
                f"bentoml.models.get({model.tag!r}).load()"
            )
        return model

    return get


def _load(framework: str) -> Any:
    get = _get(framework)

    def load_model(bento_model: str | Tag | Model, **kwargs: Any) -> Any:
        """Load the object ``bento_model`` (a tag or a Model) means."""
        return get(bento_model).load(**kwargs)

    return load_model


def _module(name: str, framework: str, doc: str) -> types.ModuleType:
    module = types.ModuleType(f"argento.compat.bentoml.{name}", doc)
    module.save_model = _save(framework)  # type: ignore[attr-defined]
    module.load_model = _load(framework)  # type: ignore[attr-defined]
    module.get = _get(framework)  # type: ignore[attr-defined]
    module.__all__ = ["get", "load_model", "save_model"]  # type: ignore[attr-defined]

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise unsupported(f"{name}.{attr}")

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return module


sklearn = _module("sklearn", "sklearn", "``bentoml.sklearn``: scikit-learn estimators and pipelines.")
xgboost = _module("xgboost", "xgboost", "``bentoml.xgboost``: XGBoost boosters and sklearn-API models.")
lightgbm = _module("lightgbm", "lightgbm", "``bentoml.lightgbm``: LightGBM boosters and sklearn-API models.")
pytorch = _module("pytorch", "pytorch", "``bentoml.pytorch``: PyTorch modules (needs torch).")
picklable_model = _module("picklable_model", "pickle", "``bentoml.picklable_model``: any picklable object.")

mlflow = _module(
    "mlflow", "mlflow", "``bentoml.mlflow``: models imported from MLflow (argento.models.import_mlflow)."
)
del mlflow.save_model  # MLflow models are imported, not saved


def _import_model(
    name: str | Tag,
    model_uri: str,
    *,
    signatures: Any = None,
    labels: dict[str, Any] | None = None,
    custom_objects: Any = None,
    external_modules: Any = None,
    metadata: dict[str, Any] | None = None,
) -> Model:
    """``bentoml.mlflow.import_model("iris", "models:/iris/Production")``: copy the MLflow model into the store
    (scikit-learn flavors become framework ``sklearn``, so ``bentoml.sklearn.load_model`` works too)."""
    model = _models.import_mlflow(model_uri, name=Tag.parse(name).name)
    if labels:
        model = _models.set_labels(model, labels)
    return model


def _mlflow_load(bento_model: str | Tag | Model, **kwargs: Any) -> Any:
    """Load an imported MLflow model (whatever framework it was stored as)."""
    model = bento_model if isinstance(bento_model, Model) else _models.get(bento_model)
    return model.load(**kwargs)


def _mlflow_get(tag: str | Tag | Model) -> Model:
    return tag if isinstance(tag, Model) else _models.get(tag)


mlflow.import_model = _import_model  # type: ignore[attr-defined]
mlflow.load_model = _mlflow_load  # type: ignore[attr-defined]
mlflow.get = _mlflow_get  # type: ignore[attr-defined]
mlflow.__all__ = ["get", "import_model", "load_model"]  # type: ignore[attr-defined]

__all__ = ["lightgbm", "mlflow", "picklable_model", "pytorch", "sklearn", "xgboost"]
