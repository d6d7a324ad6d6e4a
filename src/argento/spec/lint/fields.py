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
    """Walk ``model`` and report unknown fields and fields ignored when running locally."""
    stack: list[tuple[ArgoModel, Path]] = [(model, path)]
    while stack:
        current, p = stack.pop()
        for key in current.unknown_fields:
            emit.error((*p, key), f'unknown field "{key}"')
        fields = type(current).model_fields
        for name in current.model_fields_set:
            info = fields.get(name)
            if info is None:
                continue
            alias = info.alias or name
            value = getattr(current, name)
            if value is None:
                continue
            if alias in current.ignored_locally:
                emit.warn_once(
                    alias, (*p, alias), f"{alias} has no effect when running locally (Kubernetes only)"
                )
            if alias == "volumes" and isinstance(current, WorkflowSpec | Template):
                _check_volumes(value, (*p, alias), emit)
            _push(value, (*p, alias), stack)


def _push(value: Any, path: Path, stack: list[tuple[ArgoModel, Path]]) -> None:
    if isinstance(value, ArgoModel):
        stack.append((value, path))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _push(item, (*path, i), stack)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, ArgoModel | list):
                _push(item, (*path, key), stack)


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
