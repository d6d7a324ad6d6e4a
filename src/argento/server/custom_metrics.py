"""The workflows' own metrics (``spec.metrics.prometheus`` and ``templates[].metrics.prometheus``).

Argo's rules: a template's metrics are emitted when a node of that template finishes, with ``status``,
``duration``, ``exitCode``, ``inputs.*``, ``outputs.*`` and ``retries`` in scope; workflow metrics when the
workflow finishes, with ``workflow.status`` and ``workflow.duration``. ``when`` (govaluate, after
substitution) gates a metric. A ``realtime`` gauge whose value is ``{{workflow.duration}}`` (or
``{{duration}}``) is computed at every scrape while it runs. Names get Argo's ``argo_workflows_`` prefix.
Errors in a user's metric never fail the workflow: the metric is skipped and counted in
``argo_workflows_error_count{cause="CustomMetric"}``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from argento.engine.resolve import merge_defaults
from argento.errors import ArgentoError
from argento.expr import evaluate_when, substitute
from argento.promtext import Registry

if TYPE_CHECKING:
    from argento.engine.nodes import NodeStatus
    from argento.server.runs import Run

log = logging.getLogger("argento.server.metrics")
PREFIX = "argo_workflows_"
_DURATION_TAGS = ("{{workflow.duration}}", "{{duration}}")


class CustomMetrics:
    """Evaluates and records user-defined metrics into the server's registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # -- events --------------------------------------------------------------------------------------------
    def workflow_started(self, run: Run) -> None:
        for spec in _prometheus(run.runner.spec):
            gauge = spec.get("gauge") or {}
            if gauge.get("realtime") and str(gauge.get("value", "")).strip() in _DURATION_TAGS:
                t0 = run.runner.t_start
                self._emit(
                    run, spec, _workflow_values(run, "Running"), realtime=lambda t0=t0: time.monotonic() - t0
                )

    def workflow_done(self, run: Run) -> None:
        specs = _prometheus(run.runner.spec)
        if not specs:
            return
        values = _workflow_values(run, run.runner.state.phase)
        for spec in specs:
            self._emit(run, spec, values)

    def node_done(self, run: Run, node: NodeStatus) -> None:
        # A retried template's metrics (operator.go executeTemplate): each attempt that is followed by another
        # emits with its own values; the last one is covered by the Retry node, which emits when it completes.
        # So they are emitted together here, when the Retry node completes (an attempt alone: never).
        if (node.node_flag or {}).get("retried"):
            return
        tmpl = _template_of(run, node)
        specs = _prometheus(tmpl) if tmpl else []
        if not specs:
            return
        emitted: list[NodeStatus] = []
        if str(node.type) == "Retry":
            state = run.runner.state
            attempts = [state.get(cid) for cid in node.children if cid in state.nodes]
            emitted = [a for a in attempts[:-1] if a.fulfilled]
        for one in [*emitted, node]:
            values = _node_values(run, one)
            for spec in specs:
                self._emit(run, spec, values)

    # -- one metric ------------------------------------------------------------------------------------------
    def _emit(self, run: Run, spec: dict[str, Any], values: dict[str, str], realtime: Any = None) -> None:
        try:
            when = spec.get("when")
            if when and not evaluate_when(substitute(str(when), values)):
                return
            labels = {
                str(lab.get("key")): substitute(str(lab.get("value", "")), values)
                for lab in spec.get("labels") or []
                if isinstance(lab, dict)
            }
            name = PREFIX + str(spec.get("name", ""))
            for kind in ("gauge", "counter", "histogram"):
                body = spec.get(kind)
                if body is None:
                    continue
                metric = self.registry.get_or_create(
                    name, str(spec.get("help") or name), kind, sorted(labels), buckets=body.get("buckets")
                )
                if realtime is not None:
                    metric.set_function(realtime, labels)
                    return
                value = float(substitute(str(body.get("value", "1")), values) or 0)
                if kind == "gauge":
                    metric.set(value, labels)
                elif kind == "counter":
                    metric.inc(value, labels)
                else:
                    metric.observe(value, labels)
                return
        except (ArgentoError, ValueError, TypeError) as exc:
            log.warning("workflow %s: metric %r skipped: %s", run.name, spec.get("name"), exc)
            errors = self.registry.metrics.get("argo_workflows_error_count")
            if errors is not None:
                errors.inc(1, {"cause": "CustomMetric"})


def _prometheus(holder: dict[str, Any] | None) -> list[dict[str, Any]]:
    metrics = (holder or {}).get("metrics") or {}
    specs = metrics.get("prometheus") if isinstance(metrics, dict) else None
    return [s for s in specs or [] if isinstance(s, dict)]


def _workflow_values(run: Run, phase: str) -> dict[str, str]:
    values = {k: v for k, v in run.runner.global_params.items() if isinstance(v, str)}
    values["workflow.status"] = phase
    values["workflow.duration"] = f"{time.monotonic() - run.runner.t_start:g}"
    return values


def _node_values(run: Run, node: NodeStatus) -> dict[str, str]:
    """Argo's ``prepareMetricScope`` (steps.go): the node's status, duration, retries, inputs and outputs."""
    values = dict(_workflow_values(run, "Running"))
    duration = max(0.0, (node.t_finish or time.monotonic()) - (node.t_start or node.t_finish or 0.0))
    values.update({"status": str(node.phase), "duration": f"{duration:g}"})
    if node.children:
        values["retries"] = str(len(node.children) - 1)
    outputs = node.outputs or {}
    if "exitCode" in outputs:
        values["exitCode"] = str(outputs["exitCode"])
    if outputs.get("result") is not None:
        values["outputs.result"] = str(outputs["result"])
    for param in outputs.get("parameters") or []:
        if param.get("value") is not None:
            values[f"outputs.parameters.{param['name']}"] = str(param["value"])
    for param in (node.inputs or {}).get("parameters") or []:
        if param.get("value") is not None:
            values[f"inputs.parameters.{param['name']}"] = str(param["value"])
    return values


def _template_of(run: Run, node: NodeStatus) -> dict[str, Any] | None:
    ref = node.template_ref
    if ref:
        try:
            wft = run.runner.registry.get(ref.get("name", ""), cluster=bool(ref.get("clusterScope")))
        except ArgentoError:
            return None
        spec = wft.get("spec") or {}
        for tmpl in spec.get("templates") or []:
            if tmpl.get("name") == ref.get("template"):
                return merge_defaults(tmpl, spec.get("templateDefaults"))
        return None
    if node.template_name:
        tmpl = run.runner.base.templates.get(node.template_name)
        # a template's metrics may come from spec.templateDefaults (operator.go mergedTemplateDefaultsInto)
        return merge_defaults(tmpl, run.runner.base.defaults) if tmpl is not None else None
    return None
