"""MLflow as a model source of the registry (:mod:`argento.registry.sources`): ``mlflow:models:/iris@champion``,
``models:/…`` and ``runs:/…`` in ``argento.models.ref``, a bento's models and ``argento deploy``. Registered on
import; parsing needs no MLflow, resolving imports the model through :mod:`argento.tracking.bridge`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento.registry.sources import register_source
from argento.tracking.uris import PREFIX, MlflowURI, is_mlflow_ref, store_name

if TYPE_CHECKING:
    from argento.registry.model import Model
    from argento.registry.store import ModelStore


class MlflowSource:
    """MLflow model URIs, kept as ``mlflow:<uri>``."""

    prefix = PREFIX

    def claims(self, text: str) -> bool:
        return is_mlflow_ref(text)

    def canonical(self, text: str) -> str:
        uri = str(text).strip()
        MlflowURI.parse(uri)
        return uri if uri.startswith(PREFIX) else PREFIX + uri

    def store_name(self, ref: str) -> str:
        uri = MlflowURI.parse(ref)
        return store_name(uri.name or uri.path or uri.ref)

    def resolve(self, ref: str, store: ModelStore) -> Model:
        from argento.tracking.bridge import resolve_ref

        return resolve_ref(ref, store)


MLFLOW = MlflowSource()
register_source(MLFLOW)

__all__ = ["MLFLOW", "MlflowSource"]
