"""Global variables of a workflow (Argo's ``setGlobalParameters``, ``substituteGlobalVariables``).

``workflow_globals`` computes the ``workflow.*`` variables once, before the workflow runs, and binds the spec's
``arguments``; ``substitute_spec`` puts them in every field of the spec but the templates.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from datetime import UTC, datetime
from typing import Any

from argento.engine.args import check_size
from argento.engine.scope import anystr
from argento.errors import SpecError

#: Global variables set while the workflow runs (Argo's ``setGlobalRuntimeParameters``, after the spec's
#: substitution).
RUNTIME_GLOBALS = frozenset({"workflow.status", "workflow.failures", "workflow.duration"})


_RFC3339_Z = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def _utc(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM:SSZ`` as an aware datetime (what ``strptime`` reads, without loading ``_strptime``
    on every run); ValueError otherwise."""
    m = _RFC3339_Z.fullmatch(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 UTC time: {text!r}")
    return datetime(*(int(g) for g in m.groups()), tzinfo=UTC)  # type: ignore[misc]


@functools.lru_cache(maxsize=64)
def _timestamp_params(created: str) -> dict[str, str]:
    """``workflow.creationTimestamp.<strftime letter>`` of a creation time (~40 ``strftime`` calls: a server
    creating many workflows a second computes them once per second)."""
    params: dict[str, str] = {}
    try:
        ts = _utc(created)
    except ValueError:
        return params
    for ch in "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ":
        with contextlib.suppress(ValueError):
            params[f"workflow.creationTimestamp.{ch}"] = ts.strftime(f"%{ch}")
    params["workflow.creationTimestamp.s"] = str(int(ts.timestamp()))
    return params


class GlobalParameterError(SpecError):
    """A workflow argument that cannot be set (Argo's ``setGlobalParameters``)."""


def _from_configmap(param: dict[str, Any], configmaps: dict[str, dict[str, str]]) -> Any:
    """A workflow argument's ``valueFrom.configMapKeyRef``; its ``valueFrom.default`` when the map or key is
    missing (any failure, as Argo's ``setGlobalParameters``), else the workflow fails."""
    from argento.engine.args import configmap_value

    value_from = param["valueFrom"]
    ref = value_from["configMapKeyRef"]
    try:
        return configmap_value(ref, configmaps)
    except SpecError as exc:
        if value_from.get("default") is not None:
            return value_from["default"]
        raise GlobalParameterError(
            f"failed to set global parameter {param.get('name')} from configmap with name {ref.get('name')} "
            f"and key {ref.get('key')}: {exc.message}"
        ) from None


def workflow_globals(
    name: str,
    meta: dict[str, Any],
    spec: dict[str, Any],
    *,
    entrypoint: str | None,
    configmaps: dict[str, dict[str, str]],
    max_bytes: int,
) -> tuple[dict[str, str], dict[str, Any]]:
    """Argo's ``setGlobalParameters``: the ``workflow.*`` variables and the spec's ``arguments`` with their
    values bound (``valueFrom.configMapKeyRef``, enum checks, ``{{workflow.*}}`` in values, size limits)."""
    created = meta["creationTimestamp"]
    params: dict[str, str] = {
        "workflow.name": name,
        "workflow.namespace": meta["namespace"],
        "workflow.uid": meta["uid"],
        "workflow.mainEntrypoint": entrypoint or spec.get("entrypoint", ""),
        "workflow.serviceAccountName": spec.get("serviceAccountName", ""),
        "workflow.priority": str(spec.get("priority", 0)),
        "workflow.creationTimestamp": created,
        "workflow.creationTimestamp.RFC3339": created,
        "workflow.status": "Running",
        "workflow.duration": "0.000000",
    }
    params.update(_timestamp_params(created))
    for key in ("labels", "annotations"):
        values = meta.get(key) or {}
        params[f"workflow.{key}"] = params[f"workflow.{key}.json"] = json.dumps(values, separators=(",", ":"))
        for k, v in values.items():
            params[f"workflow.{key}.{k}"] = str(v)
    scheduled = (meta.get("annotations") or {}).get("workflows.argoproj.io/scheduled-time")
    if scheduled:
        params["workflow.scheduledTime"] = str(scheduled)
    args = dict(spec.get("arguments") or {})
    wf_params = []
    for param in args.get("parameters") or []:
        param = dict(param)
        if param.get("value") is None and (param.get("valueFrom") or {}).get("configMapKeyRef"):
            param["value"] = _from_configmap(param, configmaps)
        wf_params.append(param)
    for param in wf_params:
        enum = param.get("enum")
        if (
            enum
            and param.get("value") is not None
            and anystr(param["value"]) not in [anystr(e) for e in enum]
        ):
            raise SpecError(
                f"value '{anystr(param['value'])}' is not one of the enum values "
                f"[{' '.join(anystr(e) for e in enum)}]",
                path=f"spec.arguments.parameters.{param['name']}",
            )
        if param.get("value") is not None:
            params[f"workflow.parameters.{param['name']}"] = anystr(param["value"])
    # Parameter values may themselves use workflow variables ("{{workflow.name}}").
    from argento.expr.template import substitute

    limit = max_bytes
    for key, value in list(params.items()):
        if key.startswith("workflow.parameters.") and "{{" in value:
            value = params[key] = substitute(value, params, max_bytes=limit)
        if key.startswith("workflow.parameters."):
            check_size(value, limit, f"spec.arguments.parameters.{key.removeprefix('workflow.parameters.')}")
    for param in wf_params:
        if param.get("value") is not None:
            param["value"] = params[f"workflow.parameters.{param['name']}"]
    params["workflow.parameters.json"] = json.dumps(wf_params, separators=(",", ":"))
    params["workflow.parameters"] = params["workflow.parameters.json"]  # deprecated spelling
    args["parameters"] = wf_params
    return params, args


def substitute_spec(spec: dict[str, Any], global_params: dict[str, str]) -> dict[str, Any]:
    """Argo's ``substituteGlobalVariables``: every field of the spec but the templates gets the global
    parameters (``parallelism: "{{workflow.parameters.p}}"``, ``activeDeadlineSeconds``, ``retryStrategy``,
    ``synchronization``, …); runtime values (``workflow.status``, ``workflow.failures``,
    ``workflow.duration``) are not known yet and stay for later passes (exit handlers, hooks)."""
    from argento.expr.template import substitute_obj

    if "{{" not in json.dumps({k: v for k, v in spec.items() if k != "templates"}):
        return spec
    values = {k: v for k, v in global_params.items() if k not in RUNTIME_GLOBALS}
    rest = substitute_obj({k: v for k, v in spec.items() if k != "templates"}, values)
    if "templates" in spec:
        rest["templates"] = spec["templates"]
    return rest
