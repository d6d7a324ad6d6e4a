"""Argo's ``ProcessArgs``: bind arguments to a template's inputs, then substitute the template."""

from __future__ import annotations

import copy
import json
from typing import Any

from argento.engine.resolve import Template
from argento.engine.scope import ABSENT, anystr
from argento.errors import SpecError
from argento.expr.template import MAX_VALUE_BYTES, substitute, substitute_obj, substitute_obj_left


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
    tmpl: Template,
    args: dict[str, Any] | None,
    configmaps: dict[str, dict[str, str]] | None = None,
    global_params: dict[str, str] | None = None,
) -> Template:
    """Merge ``args`` into ``tmpl.inputs`` (defaults, supplied values, enum and artifact checks)."""
    args = args or {}
    # Only ``inputs`` is changed here (and the substitution that follows copies every container it returns).
    tmpl = dict(tmpl)
    if tmpl.get("inputs"):
        tmpl["inputs"] = copy.deepcopy(tmpl["inputs"])
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
        if supplied is not None:  # Argo's overwriteWithArguments: a passed value replaces valueFrom
            if supplied.get("value") is not None:
                param["value"] = supplied["value"]
                param.pop("valueFrom", None)
            elif supplied.get("valueFrom") is not None:
                param["valueFrom"] = supplied["valueFrom"]
                param.pop("value", None)
        value_from = param.get("valueFrom") or {}
        if value_from.get("configMapKeyRef"):
            param["value"] = _input_from_configmap(name, value_from, configmaps or {}, global_params or {})
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


def _input_from_configmap(
    name: str,
    value_from: dict[str, Any],
    configmaps: dict[str, dict[str, str]],
    global_params: dict[str, str],
) -> Any:
    """Argo's ``substituteAndGetConfigMapValue``: the map's name and key may use the workflow's globals; a
    missing map or key gives ``valueFrom.default`` when there is one."""
    ref = dict(value_from["configMapKeyRef"])
    for field in ("name", "key"):
        if "{{" in str(ref.get(field, "")):
            ref[field] = substitute(str(ref[field]), global_params)
    try:
        return configmap_value(ref, configmaps)
    except SpecError as exc:
        if value_from.get("default") is None:
            raise SpecError(
                f"unable to retrieve inputs.parameters.{name} from ConfigMap: {exc.message}"
            ) from None
        return value_from["default"]


def configmap_value(ref: dict[str, Any], configmaps: dict[str, dict[str, str]]) -> str:
    """``configMapKeyRef`` resolved from ConfigMaps given with the workflow (there is no cluster), with the
    messages of Argo's ``GetConfigMapValue`` (``optional`` is not consulted, as in Argo)."""
    name, key = ref.get("name", ""), ref.get("key", "")
    cm = configmaps.get(name)
    if cm is None:
        raise SpecError(
            f"ConfigMap '{name}' does not exist. Please make sure it has the label "
            "workflows.argoproj.io/configmap-type: Parameter to be detectable by the controller"
        )
    if key not in cm:
        raise SpecError(f"ConfigMap '{name}' does not have the key '{key}'")
    return cm[key]


def check_size(value: str, limit: int, what: str) -> None:
    """A parameter value over ``limit`` bytes (ARGENTO_MAX_PARAMETER_BYTES) fails its node, naming it."""
    if len(value) * 4 > limit and (size := len(value.encode("utf-8", "surrogatepass"))) > limit:
        raise SpecError(
            f"{what} is {size} bytes, more than the {limit} allowed (ARGENTO_MAX_PARAMETER_BYTES)"
        )


def substitute_template(
    tmpl: Template,
    global_params: dict[str, str],
    local_params: dict[str, str],
    max_bytes: int = MAX_VALUE_BYTES,
) -> Template:
    """Argo's ``SubstituteParams``: globals and locals first, then ``inputs.*`` and output paths."""
    first, left = substitute_obj_left(tmpl, {**global_params, **local_params}, max_bytes=max_bytes)
    values = dict(global_params)
    values.update(local_params)
    inputs = first.get("inputs") or {}
    params = inputs.get("parameters") or []
    for param in params:
        if param.get("value") is not None:
            value = anystr(param["value"])
            if "{{" in value:  # an input may be computed from the inputs before it
                value = param["value"] = substitute(value, values, max_bytes=max_bytes)
            check_size(value, max_bytes, f"inputs.parameters.{param['name']}")
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
    if not left:  # no tag is left for the inputs and output paths to resolve
        return first
    return substitute_obj(first, values, max_bytes=max_bytes)


def process_args(
    tmpl: Template,
    args: dict[str, Any] | None,
    global_params: dict[str, str],
    local_params: dict[str, str],
    configmaps: dict[str, dict[str, str]] | None = None,
    max_bytes: int = MAX_VALUE_BYTES,
) -> Template:
    """Bind and substitute: the template a node runs. A parameter value or ``{{=…}}`` result over
    ``max_bytes`` is an error naming it (the node fails)."""
    return substitute_template(
        bind_inputs(tmpl, args, configmaps, global_params), global_params, local_params, max_bytes
    )
