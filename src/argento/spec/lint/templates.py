"""Rules for one template definition (Argo's ``validateTemplate``, ``validateLeaf``, ``validateOutputs``)."""

from __future__ import annotations

import re

import yaml

from argento.errors import SpecError
from argento.spec.lint.calls import check_expression, check_names
from argento.spec.lint.checker import TYPE_NAMES, Checker
from argento.spec.lint.context import raw_at
from argento.spec.lint.pods import check_template_pod
from argento.spec.lint.scope import Scope, check_tags
from argento.spec.models import Template
from argento.spec.names import METRIC_NAME_RE, is_parameter, param_name_errors
from argento.spec.source_map import Path
from argento.yamlsafe import safe_load_all

TYPE_CHOICES = "container, containerSet, steps, script, resource, dag, suspend, template, template ref"
RETRY_POLICIES = ("", "Always", "OnError", "OnFailure", "OnTransientError")
RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
_TAG = re.compile(r"{{.*?}}", re.S)


def template_scope(tmpl: Template, ck: Checker) -> Scope:
    """The scope inside a template definition: globals, its inputs, ``pod.name`` for pods."""
    scope = ck.globals.copy()
    inputs = tmpl.inputs
    if inputs is not None:
        params = inputs.parameters or []
        scope.add(*(f"inputs.parameters.{p.name}" for p in params))
        if params:
            scope.add("inputs.parameters")
        for art in inputs.artifacts or ():
            scope.add(f"inputs.artifacts.{art.name}")
            if tmpl.is_leaf:
                scope.add(f"inputs.artifacts.{art.name}.path")
    if tmpl.is_pod_type:
        scope.add("pod.name")
    if tmpl.retry_strategy is not None:
        scope.add("retries")
    return scope


def check_template(tmpl: Template, path: Path, ck: Checker) -> None:
    """Every rule for one template definition at ``path`` (in the linted document)."""
    from argento.spec.lint.flow import check_dag, check_steps

    e = ck.emit
    kinds = tmpl.kinds()
    if not kinds:
        e.error(path, f"template type unspecified. choose one of: {TYPE_CHOICES}")
    elif len(kinds) > 1:
        e.error(
            path, f"multiple template types specified ({', '.join(kinds)}). choose one of: {TYPE_CHOICES}"
        )
    _check_inputs(tmpl, path, ck)
    for i, c in enumerate(tmpl.init_containers or ()):
        if not c.name:
            e.error((*path, "initContainers", i), "initContainers must all have container name")
    _check_behaviour(tmpl, path, ck)
    scope = template_scope(tmpl, ck)
    raw = raw_at(ck.holder.doc.raw, path)
    kind = tmpl.kind
    if kind == "steps":
        check_steps(tmpl, path, scope, ck)
    elif kind == "dag":
        check_dag(tmpl, path, scope, ck)
    else:
        check_tags(raw, path, scope, e, ck.exprs)
        _check_leaf(tmpl, path, ck)
    _check_outputs(tmpl, path, scope, ck)
    _check_metrics(tmpl, path, ck)
    check_template_pod(tmpl, path, ck)


def _check_inputs(tmpl: Template, path: Path, ck: Checker) -> None:
    inputs = tmpl.inputs
    if inputs is None:
        return
    check_names(inputs.parameters, (*path, "inputs", "parameters"), ck, templated=False)
    check_names(inputs.artifacts, (*path, "inputs", "artifacts"), ck, templated=False)
    for i, art in enumerate(inputs.artifacts or ()):
        p = (*path, "inputs", "artifacts", i)
        if not tmpl.is_leaf and art.path:
            ck.emit.error(
                (*p, "path"), f"inputs.artifacts.{art.name}.path only valid in container/script templates"
            )
        if art.from_:
            ck.emit.error((*p, "from"), f"inputs.artifacts.{art.name}.from not valid in inputs")
        if art.git is not None and not art.git.repo:
            ck.emit.error((*p, "git"), f"inputs.artifacts.{art.name}.git.repo is required")
    for i, param in enumerate(inputs.parameters or ()):
        if param.enum and param.default is not None:
            default = param.default_str or ""
            if not is_parameter(default) and default not in (param.enum_str or []):
                ck.emit.error(
                    (*path, "inputs", "parameters", i, "default"),
                    f"default '{default}' should be present in enum list {param.enum_str}",
                )


def _check_behaviour(tmpl: Template, path: Path, ck: Checker) -> None:
    e = ck.emit
    kind = tmpl.kind
    type_name = TYPE_NAMES.get(kind or "", "Unknown")
    if tmpl.timeout is not None:
        if kind is not None and not tmpl.is_leaf:
            e.error((*path, "timeout"), f"{type_name} template doesn't support timeout field")
        elif re.fullmatch(r"[-+]?\d+", tmpl.timeout.strip()):
            e.error(
                (*path, "timeout"),
                f"{tmpl.name} has invalid duration format in timeout (e.g. use 30s, not 30)",
            )
    adl = tmpl.active_deadline_seconds
    if kind in ("steps", "dag"):
        if adl is not None:
            e.error(
                (*path, "activeDeadlineSeconds"), "activeDeadlineSeconds is only valid for leaf templates"
            )
    else:
        if adl is not None and not _valid_int_or_variable(adl):
            e.error(
                (*path, "activeDeadlineSeconds"),
                "activeDeadlineSeconds must be a positive integer > 0 or an argo variable",
            )
        if tmpl.parallelism is not None:
            e.error((*path, "parallelism"), "parallelism is only valid for steps and dag templates")
    retry = tmpl.retry_strategy
    if retry is not None:
        if (retry.retry_policy or "") not in RETRY_POLICIES:
            e.error(
                (*path, "retryStrategy", "retryPolicy"), f"{retry.retry_policy} is not a valid RetryPolicy"
            )
        if retry.expression:
            check_expression(ck, retry.expression, (*path, "retryStrategy", "expression"))
    if tmpl.memoize is not None and not tmpl.memoize.key:
        e.error((*path, "memoize", "key"), "memoize.key is required")


def _valid_int_or_variable(value: int | str) -> bool:
    if isinstance(value, int):
        return value >= 0
    return bool(re.fullmatch(r"\d+", value.strip())) or is_parameter(value) or "{{" in value


def _check_leaf(tmpl: Template, path: Path, ck: Checker) -> None:
    e = ck.emit
    defaults = ck.holder.spec.template_defaults
    if tmpl.container is not None:
        c = tmpl.container
        mounts: dict[str, str] = {}
        for i, vm in enumerate(c.volume_mounts or ()):
            if vm.mount_path in mounts:
                e.error(
                    (*path, "container", "volumeMounts", i, "mountPath"),
                    f"mountPath '{vm.mount_path}' already mounted in {mounts[vm.mount_path]}",
                )
            mounts[vm.mount_path] = f"container.volumeMounts.{vm.name}"
        for i, art in enumerate(tmpl.inputs.artifacts or () if tmpl.inputs else ()):
            if art.path and art.path in mounts:
                e.error(
                    (*path, "inputs", "artifacts", i, "path"),
                    f"path '{art.path}' already mounted in {mounts[art.path]}",
                )
            if art.path:
                mounts[art.path] = f"inputs.artifacts.{art.name}"
        if not c.image and not (defaults and defaults.container and defaults.container.image):
            e.error((*path, "container", "image"), "container.image may not be empty")
    has_default_image = bool(defaults and defaults.script and defaults.script.image)
    if tmpl.script is not None and not tmpl.script.image and not has_default_image:
        e.error((*path, "script", "image"), "script.image may not be empty")
    if tmpl.container_set is not None:
        _check_container_set(tmpl, path, ck)
    if tmpl.resource is not None:
        _check_resource(tmpl, path, ck)
    if tmpl.http is not None:
        if not tmpl.http.url:
            e.error((*path, "http", "url"), "http.url is required")
        if tmpl.http.success_condition:
            check_expression(ck, tmpl.http.success_condition, (*path, "http", "successCondition"))
    if tmpl.data is not None:
        for i, step in enumerate(tmpl.data.transformation):
            check_expression(ck, step.expression, (*path, "data", "transformation", i, "expression"))


def _check_container_set(tmpl: Template, path: Path, ck: Checker) -> None:
    cs = tmpl.container_set
    assert cs is not None
    p = (*path, "containerSet")
    names = [c.name or "" for c in cs.containers]
    if not cs.containers:
        ck.emit.error((*p, "containers"), "containerSet.containers must have at least one container")
    seen: set[str] = set()
    for i, c in enumerate(cs.containers):
        if not c.name:
            ck.emit.error((*p, "containers", i, "name"), "containerSet.containers name is required")
        elif c.name in seen:
            ck.emit.error(
                (*p, "containers", i, "name"), f"containerSet.containers name '{c.name}' is not unique"
            )
        seen.add(c.name or "")
        for j, dep in enumerate(c.dependencies or ()):
            if dep not in names:
                ck.emit.error((*p, "containers", i, "dependencies", j), f"dependency '{dep}' not defined")
    has_io = bool(tmpl.inputs and tmpl.inputs.artifacts) or bool(
        tmpl.outputs and (tmpl.outputs.parameters or tmpl.outputs.artifacts)
    )
    if has_io and "main" not in names:
        ck.emit.error(
            (*p, "containers"),
            'containerSet.containers must have a container named "main" for input or output',
        )


def _check_resource(tmpl: Template, path: Path, ck: Checker) -> None:
    r = tmpl.resource
    assert r is not None
    p = (*path, "resource")
    if not is_parameter(r.action) and "{{" not in r.action and r.action not in RESOURCE_ACTIONS:
        ck.emit.error((*p, "action"), f"resource.action must be one of: {', '.join(RESOURCE_ACTIONS)}")
    if r.action in ("delete", "get"):
        return
    if not r.manifest and r.manifest_from is None:
        ck.emit.error(p, "either resource.manifest or resource.manifestFrom must be specified")
    if r.manifest and r.manifest_from is not None:
        ck.emit.error(
            p,
            "shouldn't have both `manifest` and `manifestFrom` specified in `Manifest` for resource template",
        )
    if r.manifest_from is not None:
        art = r.manifest_from.artifact.name
        if not (tmpl.inputs and tmpl.inputs.artifact(art)):
            ck.emit.error(
                (*p, "manifestFrom"), f"artifact {art} in `manifestFrom` refer to a non-exist artifact"
            )
    if r.manifest:
        # Argo substitutes variables (with placeholders) before checking that the manifest is YAML.
        text = _TAG.sub("placeholder", r.manifest)
        try:
            safe_load_all(text)
        except (yaml.YAMLError, SpecError):  # SpecError: an alias bomb (argento.yamlsafe)
            ck.emit.error((*p, "manifest"), "resource.manifest must be a valid yaml")


def _check_outputs(tmpl: Template, path: Path, scope: Scope, ck: Checker) -> None:
    outputs = tmpl.outputs
    if outputs is None:
        return
    e = ck.emit
    p = (*path, "outputs")
    check_names(outputs.parameters, (*p, "parameters"), ck)
    check_names(outputs.artifacts, (*p, "artifacts"), ck)
    if tmpl.kind in ("steps", "dag"):  # leaf templates had their outputs checked with the whole template
        check_tags(raw_at(ck.holder.doc.raw, p), p, scope, e, ck.exprs)
    for i, art in enumerate(outputs.artifacts or ()):
        ap = (*p, "artifacts", i)
        if not tmpl.is_leaf and art.path:
            e.error(
                (*ap, "path"), f"outputs.artifacts.{art.name}.path only valid in container/script templates"
            )
        if art.global_name and not is_parameter(art.global_name) and param_name_errors(art.global_name):
            e.error((*ap, "globalName"), f"globalName: {param_name_errors(art.global_name)[0]}")
        if art.from_expression:
            check_expression(ck, art.from_expression, (*ap, "fromExpression"))
    type_name = TYPE_NAMES.get(tmpl.kind or "", "Unknown")
    for i, param in enumerate(outputs.parameters or ()):
        pp = (*p, "parameters", i)
        vf = param.value_from
        if vf is not None and param.value is not None:
            e.error(pp, f"outputs.parameters.{param.name} has both valueFrom and value specified, choose one")
            continue
        if param.value is not None:
            continue
        if vf is None:
            e.error(pp, f"outputs.parameters.{param.name} does not have valueFrom or value specified")
            continue
        count = sum(bool(x) for x in (vf.path, vf.jq_filter, vf.json_path, vf.parameter, vf.expression))
        count += vf.supplied is not None
        if count == 0:
            e.error(
                (*pp, "valueFrom"),
                "valueFrom type unspecified. choose one of: path, jqFilter, jsonPath, parameter, raw, expression",
            )
        elif count > 1:
            e.error(
                (*pp, "valueFrom"),
                "multiple valueFrom types specified. choose one of: path, jqFilter, jsonPath, parameter, raw",
            )
        kind = tmpl.kind
        if kind in ("container", "containerSet", "script") and not vf.path:
            e.error((*pp, "valueFrom"), f"valueFrom.path must be specified for {type_name} templates")
        elif kind == "resource" and not vf.jq_filter and not vf.json_path:
            e.error(
                (*pp, "valueFrom"),
                f"valueFrom.jqFilter or jsonPath must be specified for {type_name} templates",
            )
        elif kind in ("steps", "dag"):
            if not vf.parameter and not vf.expression:
                e.error(
                    (*pp, "valueFrom"),
                    f"valueFrom.parameter or expression must be specified for {type_name} templates",
                )
            elif vf.parameter and vf.expression:
                e.error(
                    (*pp, "valueFrom"),
                    f"shouldn't have both `from` and `expression` specified in `ValueFrom` for {type_name} templates",
                )
        if vf.expression:
            check_expression(ck, vf.expression, (*pp, "valueFrom", "expression"))
        if param.global_name and not is_parameter(param.global_name) and param_name_errors(param.global_name):
            e.error((*pp, "globalName"), f"globalName: {param_name_errors(param.global_name)[0]}")


def _check_metrics(tmpl: Template, path: Path, ck: Checker) -> None:
    if tmpl.metrics is None:
        return
    for i, metric in enumerate(tmpl.metrics.prometheus or ()):
        p = (*path, "metrics", "prometheus", i)
        if not METRIC_NAME_RE.match(metric.name):
            ck.emit.error(
                (*p, "name"),
                f"metric name '{metric.name}' is invalid. Metric names must contain alphanumeric characters or '_'",
            )
        if not metric.help:
            ck.emit.error(p, f"metric '{metric.name}' must contain a help string under 'help: ' field")
        if sum(x is not None for x in (metric.counter, metric.gauge, metric.histogram)) != 1:
            ck.emit.error(p, f"metric '{metric.name}' must have exactly one of counter, gauge or histogram")
