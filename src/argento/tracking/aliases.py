"""Mirror model aliases between Argento's model store and MLflow's model registry, when asked.

- Argento → MLflow (:func:`mirror_alias`, ``argento models tag iris:v3 champion --mirror-mlflow``): the MLflow
  registered model version the Argento version came from gets the same alias. A version imported from a run or
  a logged model is registered first; a version saved in Argento (scikit-learn) is logged to MLflow (experiment
  ``argento-models``) and registered. The MLflow version is remembered in the label ``mlflow-version``.
- MLflow → Argento (:func:`pull_alias`, ``argento models import-mlflow models:/iris@champion --mirror-alias``):
  the version MLflow's alias points to is imported (once) and the Argento alias of the same name moves to it.
"""

from __future__ import annotations

from typing import Any

from argento.errors import SpecError
from argento.registry.model import Model
from argento.registry.store import ModelStore, default_store
from argento.tracking.bridge import _mlflow_call, client, import_mlflow, resolve_tracking_uri, using

#: Label holding the MLflow registered model version an Argento version is mirrored to.
VERSION_LABEL = "mlflow-version"
#: Label holding the MLflow registered model name (when it differs from the Argento name).
NAME_LABEL = "mlflow-name"
EXPERIMENT = "argento-models"


def mirror_alias(
    tag: str, alias: str, *, tracking_uri: str | None = None, store: ModelStore | None = None
) -> tuple[str, str]:
    """Point MLflow's ``alias`` at the registered version of the Argento model ``tag``; returns
    ``(registered model name, version)``."""
    store = store if store is not None else default_store()
    model = store.get(tag)
    uri = tracking_uri or resolve_tracking_uri()
    mlf = client(uri)
    name, version = registered_version(model, mlf, uri, store)
    _mlflow_call(f"set alias {alias} of {name}", mlf.set_registered_model_alias, name, alias, version)
    return name, version


def registered_version(model: Model, mlf: Any, tracking_uri: str, store: ModelStore) -> tuple[str, str]:
    """The MLflow registered (name, version) of ``model``, registering it first if it has none."""
    lineage = model.metadata.get("mlflow") or {}
    if model.labels.get(VERSION_LABEL):
        return model.labels.get(NAME_LABEL) or lineage.get("registered_model") or model.name, model.labels[
            VERSION_LABEL
        ]
    if lineage.get("registered_model") and lineage.get("version"):
        return str(lineage["registered_model"]), str(lineage["version"])
    with using(tracking_uri) as mlflow:
        if lineage.get("model_id"):
            source = f"models:/{lineage['model_id']}"
        elif lineage.get("source", "").startswith("runs:/"):
            source = lineage["source"]
        else:
            source = _log_to_mlflow(mlflow, model)
        mv = _mlflow_call(f"register {source}", mlflow.register_model, source, model.name)
    store.set_labels(model.tag, {VERSION_LABEL: str(mv.version), NAME_LABEL: mv.name})
    return mv.name, str(mv.version)


def _log_to_mlflow(mlflow: Any, model: Model) -> str:
    """Log a model saved in Argento to MLflow (a run in ``argento-models``); returns its model URI."""
    if model.framework != "sklearn":
        raise SpecError(
            f"model {model.tag} (framework {model.framework!r}) did not come from MLflow and only scikit-learn "
            "models can be logged to it: import the model from MLflow instead"
        )
    import mlflow.sklearn

    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=model.tag.replace(":", "-")) as run:
        mlflow.set_tags({"argento.model": model.tag})
        metrics = {
            k: v for k, v in (model.metadata.get("metrics") or {}).items() if isinstance(v, int | float)
        }
        if metrics:
            mlflow.log_metrics(metrics)
        # cloudpickle, as Argento stored it: skops would refuse types it does not list as trusted (trees).
        info = mlflow.sklearn.log_model(
            model.load(),
            name="model",
            serialization_format="cloudpickle",
            pip_requirements=_requirements(model),
        )
    return getattr(info, "model_uri", None) or f"runs:/{run.info.run_id}/model"


def _requirements(model: Model) -> list[str]:
    """Pinned requirements from the versions Argento recorded (so MLflow does not spend seconds inferring)."""
    versions = (model.context.get("framework_versions") or {}) if model.context else {}
    return [f"{pkg}=={ver}" for pkg, ver in sorted(versions.items())] or ["scikit-learn"]


def pull_alias(
    registered_model: str,
    alias: str,
    *,
    name: str | None = None,
    tracking_uri: str | None = None,
    store: ModelStore | None = None,
) -> Model:
    """Import the version MLflow's ``alias`` points to and move the Argento alias ``alias`` to it."""
    return import_mlflow(
        f"models:/{registered_model}@{alias}", name=name, alias=alias, tracking_uri=tracking_uri, store=store
    )


__all__ = ["NAME_LABEL", "VERSION_LABEL", "mirror_alias", "pull_alias", "registered_version"]
