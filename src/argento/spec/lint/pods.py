"""What Argo checks of the pod a template would create: pod-level resources, resource claims, the container
names Argo reserves for itself, executor plugins, and custom metric values and labels.

These fields do nothing locally (there is no pod), but a manifest Argo refuses must be refused here too, with
Argo's words (``validate.go``: ``validatePodResources``, ``validateTemplate``, ``validateLeaf``;
``workflow/metrics/util.go``; ``plugins/spec`` ``Sidecar.Validate``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from argento.spec.lint.checker import TYPE_NAMES
from argento.spec.models import Template, WorkflowSpec
from argento.spec.names import METRIC_NAME_RE
from argento.spec.source_map import Path

if TYPE_CHECKING:
    from argento.spec.lint.checker import Checker
    from argento.spec.lint.context import Emitter

#: Containers Argo adds to every pod (``common.IsArgoSidecar``): a user container may not take these names.
RESERVED_CONTAINERS = frozenset({"wait", "supervisor"})
RESERVED_CONTAINER_PREFIX = "artifact-plugin-"
#: Argo's ``IsPodType``: the templates that create a pod of their own.
POD_KINDS = frozenset({"container", "containerSet", "script", "resource", "data"})
#: Templates that run on the shared agent pod (no per-template pod budget).
AGENT_KINDS = frozenset({"http", "plugin"})


def is_reserved_container(name: str | None) -> bool:
    """Whether ``name`` is one of Argo's own container names."""
    return bool(name) and (name in RESERVED_CONTAINERS or str(name).startswith(RESERVED_CONTAINER_PREFIX))


def pod_resources_error(prefix: str, resources: dict[str, Any] | None) -> str | None:
    """Argo's ``validatePodResources``: only cpu, memory and hugepages-*; no claims."""
    if not resources:
        return None
    if resources.get("claims"):
        return f"{prefix}.claims is not supported for pod-level resources"
    for section in ("limits", "requests"):
        for name in resources.get(section) or {}:
            if name not in ("cpu", "memory") and not str(name).startswith("hugepages-"):
                return (
                    f"{prefix}: {json.dumps(name)} is not a valid pod-level resource, only cpu, memory and "
                    "hugepages-* are supported"
                )
    return None


def check_workflow_pod(spec: WorkflowSpec, path: Path, emit: Emitter) -> None:
    """Workflow-level ``podResources`` and ``executorPlugins``."""
    problem = pod_resources_error("spec.podResources", spec.pod_resources)
    if problem:
        emit.error((*path, "podResources"), problem)
    for i, plugin in enumerate(spec.executor_plugins or ()):
        problem = _plugin_error(plugin)
        if problem:
            emit.error((*path, "executorPlugins", i), f"spec.executorPlugins: {problem}")


def _plugin_error(plugin: Any) -> str | None:
    if not isinstance(plugin, dict):
        return "an executor plugin is an object with metadata and spec"
    if not (plugin.get("metadata") or {}).get("name"):
        return "executor plugin metadata name is mandatory"
    container = ((plugin.get("spec") or {}).get("sidecar") or {}).get("container") or {}
    if not container.get("ports"):
        return "at least one port is mandatory"
    return None


def check_template_pod(tmpl: Template, path: Path, ck: Checker) -> None:
    """A template's ``podResources``, ``resourceClaims``, container names and metrics."""
    e = ck.emit
    kind = tmpl.kind or ""
    type_name = TYPE_NAMES.get(kind, "Unknown")
    if tmpl.pod_resources is not None:
        if kind in AGENT_KINDS:
            e.error((*path, "podResources"), f"podResources is not supported for {type_name} templates")
        else:
            problem = pod_resources_error("podResources", tmpl.pod_resources)
            if problem:
                e.error((*path, "podResources"), problem)
    if tmpl.resource_claims and kind and kind not in POD_KINDS:
        e.error(
            (*path, "resourceClaims"),
            f"resourceClaims is not supported for {type_name} templates, which do not create a pod",
        )
    if tmpl.container_set is not None:
        for i, c in enumerate(tmpl.container_set.containers or ()):
            if is_reserved_container(c.name):
                e.error(
                    (*path, "containerSet", "containers", i, "name"),
                    f"containerSet.containers: {json.dumps(c.name)} is a reserved Argo container name",
                )
    for i, s in enumerate(tmpl.sidecars or ()):
        if is_reserved_container(s.name):
            e.error(
                (*path, "sidecars", i, "name"),
                f"sidecars: {json.dumps(s.name)} is a reserved Argo container name",
            )
    _check_metric_values(tmpl, path, e)


def _check_metric_values(tmpl: Template, path: Path, e: Emitter) -> None:
    """``ValidateMetricValues`` and ``ValidateMetricLabels`` (names as Prometheus' legacy rule, no ``:``)."""
    for i, metric in enumerate((tmpl.metrics.prometheus or ()) if tmpl.metrics else ()):
        p = (*path, "metrics", "prometheus", i)
        for j, label in enumerate(metric.labels or ()):
            if not METRIC_NAME_RE.match(label.key) or ":" in label.key:
                e.error(
                    (*p, "labels", j, "key"),
                    f"metric label '{label.key}' is invalid: keys may only contain alphanumeric characters or '_'",
                )
        problem = None
        if metric.gauge is not None:
            if not metric.gauge.value:
                problem = "missing gauge.value"
            elif metric.gauge.realtime and "resourcesDuration." in metric.gauge.value:
                problem = "'resourcesDuration.*' metrics cannot be used in real-time"
        elif metric.counter is not None and not metric.counter.value:
            problem = "missing counter.value"
        elif metric.histogram is not None and not metric.histogram.value:
            problem = "missing histogram.value"
        if problem:
            e.error(p, f"metric '{metric.name}' error: {problem}")
