"""The registry bridge: copy an MLflow model into Argento's model store, with its lineage.

.. code-block:: python

    model = argento.models.import_mlflow("models:/iris@champion")   # Model iris:<version>, framework sklearn
    model.metadata["mlflow"]["run_id"], model.metadata["metrics"]["accuracy"]

What is copied: the model (a scikit-learn flavor is loaded with ``mlflow.sklearn`` and saved with Argento's
``sklearn`` framework, so a service loads a plain estimator; any other flavor is kept whole as an MLflow model
directory under the ``mlflow`` framework and loads as a ``pyfunc``); the lineage as metadata (``mlflow``:
tracking URI, source URI, registered name and version, run id, experiment id, flavors; ``metrics`` and
``params`` of the run that produced it); labels ``source=mlflow``.

Imports are idempotent: an MLflow model version (or run artifact, or logged model) already imported into the
same Argento model is returned, not copied again, so ``import_mlflow`` can run on every start of a service.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import ArgentoError, NotFound, SpecError
from argento.registry.frameworks import mlflow_flavors
from argento.registry.model import Model
from argento.registry.store import ModelStore, default_store
from argento.tracking.uris import MlflowURI, store_name
from argento.yamlsafe import safe_load

log = logging.getLogger("argento.tracking")


@dataclass
class Source:
    """What an MLflow URI resolved to: the concrete URI to download and the lineage to record."""

    uri: str
    key: str
    name: str
    run_id: str = ""
    registered_model: str = ""
    version: str = ""
    model_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def require_mlflow() -> Any:
    """Import MLflow or say how to install it."""
    try:
        import mlflow
    except ImportError:
        raise ArgentoError("MLflow is not installed: pip install 'argento[mlflow]'") from None
    return mlflow


def client(tracking_uri: str | None = None, settings: Settings | None = None) -> Any:
    """An ``MlflowClient`` for ``tracking_uri``, or the URI steps get (``MLFLOW_TRACKING_URI`` / managed)."""
    require_mlflow()
    from mlflow.tracking import MlflowClient

    uri = tracking_uri or resolve_tracking_uri(settings)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@contextlib.contextmanager
def using(tracking_uri: str) -> Iterator[Any]:
    """MLflow's process-wide tracking and registry URIs set to ``tracking_uri`` for the block, then restored.

    Some MLflow calls (``runs:/`` and ``models:/`` downloads, ``register_model``, fluent logging) read only the
    global URIs, whatever ``tracking_uri`` argument they take; left unset they would fall back to a
    ``./mlflow.db`` in the working directory.
    """
    mlflow = require_mlflow()
    before = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    try:
        yield mlflow
    finally:
        mlflow.set_tracking_uri(before[0])
        mlflow.set_registry_uri(before[1])


def resolve_tracking_uri(settings: Settings | None = None) -> str:
    """``MLFLOW_TRACKING_URI``, else the managed server of ``argento up``; an error when neither exists."""
    from argento.tracking.targets import tracking_uri

    settings = settings or Settings.from_env()
    if settings.mlflow_tracking_uri:  # an in-cluster URI with nothing behind it: say why
        from argento.tracking.targets import resolve_address

        resolve_address(settings.mlflow_tracking_uri, settings)
    uri = tracking_uri(settings)
    if not uri:
        raise ArgentoError(
            "no MLflow tracking server: start one with `argento up` or set MLFLOW_TRACKING_URI"
        )
    return uri


def _mlflow_call(what: str, fn: Any, *args: Any) -> Any:
    """Call MLflow, turning its 'does not exist' into NotFound and other failures into one clear line."""
    try:
        return fn(*args)
    except Exception as exc:
        code = getattr(exc, "error_code", "")
        message = getattr(exc, "message", None) or str(exc)
        message = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        if code == "RESOURCE_DOES_NOT_EXIST" or "not found" in message.lower():
            raise NotFound(f"MLflow: {what}: {message}") from None
        raise ArgentoError(f"MLflow: {what}: {message}") from None


def resolve_source(mlf: Any, uri: MlflowURI) -> Source:
    """Turn a URI that may move (an alias, a stage, latest) into the concrete source it means now."""
    if uri.kind == "run":
        run = _mlflow_call(f"run {uri.ref}", mlf.get_run, uri.ref)
        name = run.data.tags.get("mlflow.runName") or Path(uri.path).name
        return Source(str(uri), f"runs:/{uri.ref}/{uri.path}", name, run_id=uri.ref)
    if uri.kind == "logged":
        logged = _mlflow_call(f"logged model {uri.ref}", mlf.get_logged_model, uri.ref)
        return Source(
            str(uri), str(uri), logged.name or uri.ref, run_id=logged.source_run_id or "", model_id=uri.ref
        )
    if uri.kind == "alias":
        mv = _mlflow_call(str(uri), mlf.get_model_version_by_alias, uri.name, uri.ref)
    elif uri.kind == "version":
        mv = _mlflow_call(str(uri), mlf.get_model_version, uri.name, uri.ref)
    else:  # stage or latest
        stages = None if uri.kind == "latest" else [uri.ref]
        found = _mlflow_call(str(uri), mlf.get_latest_versions, uri.name, stages)
        if uri.kind == "latest" and found:
            found = [max(found, key=lambda v: int(v.version))]
        if not found:
            raise NotFound(
                f"MLflow: {uri}: registered model {uri.name!r} has no version in stage {uri.ref!r}"
            )
        mv = found[0]
    concrete = f"models:/{mv.name}/{mv.version}"
    return Source(
        concrete,
        concrete,
        mv.name,
        run_id=mv.run_id or "",
        registered_model=mv.name,
        version=str(mv.version),
        model_id=getattr(mv, "model_id", None) or "",
        extra={"aliases": list(getattr(mv, "aliases", []) or []), "stage": mv.current_stage or ""},
    )


def _run_lineage(mlf: Any, run_id: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(metrics, params, experiment id) of the run that produced the model."""
    if not run_id:
        return {}, {}, ""
    try:
        run = mlf.get_run(run_id)
    except Exception as exc:  # the run may be deleted while its registered version lives on
        log.warning("MLflow run %s of the model is not readable: %s", run_id, exc)
        return {}, {}, ""
    return dict(run.data.metrics), dict(run.data.params), str(run.info.experiment_id)


def find_imported(store: ModelStore, name: str, key: str) -> Model | None:
    """The version of ``name`` already imported from the MLflow source ``key``, if any."""
    with contextlib.suppress(NotFound):
        for model in store.list(name):
            if (model.metadata.get("mlflow") or {}).get("source") == key:
                return model
    return None


def import_mlflow(
    uri: str,
    *,
    name: str | None = None,
    alias: str | None = None,
    tracking_uri: str | None = None,
    store: ModelStore | None = None,
    labels: dict[str, Any] | None = None,
) -> Model:
    """Copy the MLflow model ``uri`` into the model store and return the stored :class:`Model`.

    ``uri``: ``models:/name@alias``, ``models:/name/Stage``, ``models:/name/3``, ``models:/m-<id>`` or
    ``runs:/<run id>/<path>`` (an ``mlflow:`` prefix is accepted). ``name``: the store name (default: the
    registered model's, lower-cased). ``alias``: also point this Argento alias at the imported version
    (``alias=True``-like mirroring is :func:`argento.tracking.aliases.pull_alias`). ``tracking_uri``:
    default ``MLFLOW_TRACKING_URI`` or the server ``argento up`` started.
    """
    parsed = MlflowURI.parse(uri)
    mlflow = require_mlflow()
    resolved_uri = tracking_uri or resolve_tracking_uri()
    mlf = client(resolved_uri)
    source = resolve_source(mlf, parsed)
    target = store if store is not None else default_store()
    model_name = store_name(name or source.name)
    existing = find_imported(target, model_name, source.key)
    if existing is None:
        existing = _copy(mlflow, mlf, source, model_name, resolved_uri, target, labels)
    if alias:
        target.tag(existing.tag, alias)
    return existing


def _copy(
    mlflow: Any,
    mlf: Any,
    source: Source,
    model_name: str,
    tracking_uri: str,
    store: ModelStore,
    labels: dict[str, Any] | None,
) -> Model:
    metrics, params, experiment_id = _run_lineage(mlf, source.run_id)
    with tempfile.TemporaryDirectory(prefix="argento-mlflow-") as tmp, using(tracking_uri):
        local = Path(
            _mlflow_call(
                f"download {source.uri}",
                lambda: mlflow.artifacts.download_artifacts(artifact_uri=source.uri, dst_path=tmp),
            )
        )
        flavors = _flavors(local)
        lineage = {
            "source": source.key,
            "uri": source.uri,
            "tracking_uri": tracking_uri,
            "run_id": source.run_id,
            "experiment_id": experiment_id,
            "registered_model": source.registered_model,
            "version": source.version,
            "model_id": source.model_id,
            "flavors": sorted(flavors),
            **source.extra,
        }
        metadata = {"mlflow": lineage, "metrics": metrics, "params": params}
        all_labels = {"source": "mlflow", **(labels or {})}
        # flavour -> the framework adapter that stores it (argento.registry.frameworks declares them)
        native = mlflow_flavors()
        flavor = next((f for f in native if f in flavors), None)
        if flavor is not None:
            framework = native[flavor]
            import importlib

            obj = importlib.import_module(f"mlflow.{flavor}").load_model(str(local))
            return store.save(model_name, obj, framework=framework, metadata=metadata, labels=all_labels)
        return store.save(model_name, local, framework="mlflow", metadata=metadata, labels=all_labels)


def _flavors(local: Path) -> dict[str, Any]:
    """The ``flavors`` of the downloaded model's ``MLmodel`` file."""

    mlmodel = local / "MLmodel"
    if not mlmodel.is_file():
        raise SpecError(
            f"{local.name}: not an MLflow model (no MLmodel file); point the URI at a model folder"
        )
    data = safe_load(mlmodel.read_text(), str(mlmodel)) or {}
    return dict(data.get("flavors") or {})


def resolve_ref(uri: str, store: ModelStore | None = None) -> Model:
    """What ``argento.models.ref("mlflow:models:/iris@champion").resolve()`` returns: the MLflow model the
    URI means now, imported into the store if it is not there yet."""
    return import_mlflow(uri, store=store)


__all__ = [
    "Source",
    "client",
    "find_imported",
    "import_mlflow",
    "resolve_ref",
    "resolve_source",
]
