"""Fields Argo does not know (errors, as ``argo lint``'s strict decoder reports them) and fields Argento
accepts but ignores locally (warnings, once per file and field)."""

from __future__ import annotations

from typing import Any

from argento.spec.lint.context import Emitter
from argento.spec.models import ArgoModel, Template, WorkflowSpec
from argento.spec.source_map import Path

#: Volume sources Argento provides locally (a shared temporary directory).
LOCAL_VOLUME_SOURCES = frozenset({"emptyDir"})


def check_fields(model: ArgoModel, path: Path, emit: Emitter) -> None:
    """Walk ``model`` in document order; report unknown fields and fields ignored when running locally."""
    for key in model.unknown_fields:
        emit.error((*path, key), f'unknown field "{key}"')
    fields = type(model).model_fields
    for name, info in fields.items():
        if name not in model.model_fields_set:
            continue
        value = getattr(model, name)
        if value is None:
            continue
        alias = info.alias or name
        p = (*path, alias)
        if alias in model.ignored_locally:
            emit.warn_once(alias, p, f"{alias} has no effect when running locally (Kubernetes only)")
        if alias == "volumes" and isinstance(model, WorkflowSpec | Template):
            _check_volumes(value, p, emit)
        _walk(value, p, emit)


def _walk(value: Any, path: Path, emit: Emitter) -> None:
    if isinstance(value, ArgoModel):
        check_fields(value, path, emit)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, (*path, i), emit)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, ArgoModel | list):
                _walk(item, (*path, key), emit)


def _check_volumes(volumes: list[dict[str, Any]], path: Path, emit: Emitter) -> None:
    for i, volume in enumerate(volumes):
        if not isinstance(volume, dict):
            continue
        sources = [k for k in volume if k != "name"]
        unsupported = [s for s in sources if s not in LOCAL_VOLUME_SOURCES]
        for source in unsupported:
            emit.warn_once(
                f"volume:{source}",
                (*path, i, source),
                f"{source} volume '{volume.get('name', '')}' is not supported when running locally "
                "(only emptyDir and volumeClaimTemplates are)",
            )
