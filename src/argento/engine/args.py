"""Argo's ``ProcessArgs``: bind arguments to a template's inputs, then substitute the template."""

from __future__ import annotations

import copy
import json
from typing import Any

from argento.engine.resolve import Template
from argento.engine.scope import ABSENT, anystr
from argento.errors import SpecError
from argento.expr.template import substitute, substitute_obj


def _by_name(items: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    for item in items or []:
        if item.get("name") == name:
            return item
    return None


def has_location(art: dict[str, Any]) -> bool:
    """An artifact that says where it lives (a repository location, ``raw`` data, or a key)."""
    return any(
        art.get(k)
        for k in ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")
    ) or bool(art.get("key"))


def bind_inputs(
    tmpl: Template, args: dict[str, Any] | None, configmaps: dict[str, dict[str, str]] | None = None
) -> Template:
    """Merge ``args`` into ``tmpl.inputs`` (defaults, supplied values, enum and artifact checks)."""
    args = args or {}
    tmpl = copy.deepcopy(tmpl)
    inputs = tmpl.get("inputs") or {}
    for param in inputs.get("parameters") or []:
        name = param.get("name")
        if param.get("value") is None and param.get("default") is not None:
            param["value"] = param["default"]
        supplied = _by_name(args.get("parameters"), name)
        if supplied is not None and supplied.get(ABSENT) and param.get("value") is None:
            raise SpecError(
                f"inputs.parameters.{name}: {supplied[ABSENT]} is an absent optional: its producer did not run "
                "and neither the output nor this input declares a default"
            )
        if supplied is not None:
            if supplied.get("value") is not None:
                param["value"] = supplied["value"]
            elif supplied.get("valueFrom") is not None:
                param["valueFrom"] = supplied["valueFrom"]
        value_from = param.get("valueFrom") or {}
        if param.get("value") is None and value_from.get("configMapKeyRef"):
            param["value"] = configmap_value(value_from["configMapKeyRef"], configmaps or {})
        if param.get("value") is None:
            if value_from.get("supplied") is not None or value_from.get("event"):
                continue  # suspend templates: supplied on resume
            raise SpecError(f"inputs.parameters.{name} was not supplied")
        enum = param.get("enum")
        if enum and anystr(param["value"]) not in [anystr(e) for e in enum]:
            raise SpecError(
                f"inputs.parameters.{name}.value '{anystr(param['value'])}' is not one of the enum values "
                f"[{' '.join(anystr(e) for e in enum)}]"
            )
    for i, art in enumerate(inputs.get("artifacts") or []):
        if has_location(art):
            continue
        supplied = _by_name(args.get("artifacts"), art.get("name"))
        if supplied is None:
            if art.get("optional"):
                continue
            raise SpecError(f"inputs.artifacts.{art.get('name')} was not supplied")
        merged = dict(supplied)
        for key in ("path", "mode", "recurseMode"):
            if art.get(key) is not None:
                merged[key] = art[key]
        if art.get("optional") is not None and merged.get("optional") is None:
            merged["optional"] = art["optional"]
        inputs["artifacts"][i] = merged
    return tmpl


def configmap_value(ref: dict[str, Any], configmaps: dict[str, dict[str, str]]) -> str:
    """``configMapKeyRef`` resolved from ConfigMaps given with the workflow (there is no cluster)."""
    cm = configmaps.get(ref.get("name", ""))
    if cm is None or ref.get("key") not in cm:
        if ref.get("optional"):
            return ""
        raise SpecError(f"ConfigMap '{ref.get('name')}' does not have the key '{ref.get('key')}'")
    return cm[ref["key"]]


def substitute_template(
    tmpl: Template, global_params: dict[str, str], local_params: dict[str, str]
) -> Template:
    """Argo's ``SubstituteParams``: globals and locals first, then ``inputs.*`` and output paths."""
    first = substitute_obj(tmpl, {**global_params, **local_params})
    values = dict(global_params)
    values.update(local_params)
    inputs = first.get("inputs") or {}
    params = inputs.get("parameters") or []
    for param in params:
        if param.get("value") is not None:
            value = anystr(param["value"])
            if "{{" in value:  # an input may be computed from the inputs before it
                value = param["value"] = substitute(value, values)
            values[f"inputs.parameters.{param['name']}"] = value
    values["inputs.parameters"] = json.dumps(params, separators=(",", ":"))
    for art in inputs.get("artifacts") or []:
        if art.get("path"):
            values[f"inputs.artifacts.{art['name']}.path"] = art["path"]
    outputs = first.get("outputs") or {}
    for art in outputs.get("artifacts") or []:
        if art.get("path"):
            values[f"outputs.artifacts.{art['name']}.path"] = art["path"]
    for param in outputs.get("parameters") or []:
        path = (param.get("valueFrom") or {}).get("path")
        if path:
            values[f"outputs.parameters.{param['name']}.path"] = path
    return substitute_obj(first, values)


def process_args(
    tmpl: Template,
    args: dict[str, Any] | None,
    global_params: dict[str, str],
    local_params: dict[str, str],
    configmaps: dict[str, dict[str, str]] | None = None,
) -> Template:
    """Bind and substitute: the template a node runs."""
    return substitute_template(bind_inputs(tmpl, args, configmaps), global_params, local_params)
