"""``/metrics``: Argo's controller metrics and the workflows' own ``metrics.prometheus``.

Names and labels follow Argo's metrics documentation (``argo_workflows_gauge{namespace,phase}``,
``argo_workflows_total_count``, ``argo_workflows_pods_gauge``, ``argo_workflows_queue_*``, …). The manager
reports transitions through the methods below; gauges that describe the present (busy workers, workflows
per phase) are computed when scraped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from argento.promtext import Registry
from argento.server.custom_metrics import CustomMetrics
from argento.version import __version__

if TYPE_CHECKING:
    from argento.engine.nodes import NodeStatus
    from argento.server.runs import Run

ARGO_VERSION = "v3.7.0"
OPERATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
RUNTIME_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0)
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")


class Metrics:
    """The server's metric registry and the hooks the controller calls."""

    def __init__(self, count_by_phase: Callable[[], dict[tuple[str, str], int]] | None = None) -> None:
        r = self.registry = Registry()
        self.busy_workers: Callable[[], int] = lambda: 0
        self._count_by_phase = count_by_phase
        self.gauge = r.get_or_create(
            "argo_workflows_gauge",
            "Workflows currently in the server, by phase",
            "gauge",
            ("namespace", "phase"),
        )
        self.total = r.get_or_create(
            "argo_workflows_total_count",
            "Workflows that entered each phase",
            "counter",
            ("namespace", "phase"),
        )
        self.pods = r.get_or_create(
            "argo_workflows_pods_gauge", "Pods currently in each phase", "gauge", ("phase",)
        )
        self.pods_total = r.get_or_create(
            "argo_workflows_pods_total_count", "Pods that entered each phase", "counter", ("phase",)
        )
        self.queue_adds = r.get_or_create(
            "argo_workflows_queue_adds_count", "Items added to a work queue", "counter", ("queue_name",)
        )
        self.queue_depth = r.get_or_create(
            "argo_workflows_queue_depth_gauge", "Items waiting in a work queue", "gauge", ("queue_name",)
        )
        self.queue_latency = r.get_or_create(
            "argo_workflows_queue_latency",
            "Seconds an item waits before it is processed",
            "histogram",
            ("queue_name",),
            OPERATION_BUCKETS,
        )
        self.operation = r.get_or_create(
            "argo_workflows_operation_duration_seconds",
            "Seconds one workflow operation takes",
            "histogram",
            (),
            OPERATION_BUCKETS,
        )
        self.workers = r.get_or_create(
            "argo_workflows_workers_busy_count", "Workers busy running workflows", "gauge", ("worker_type",)
        )
        self.cron_count = r.get_or_create(
            "argo_workflows_cronworkflows_triggered_total",
            "CronWorkflow runs started",
            "counter",
            ("name", "namespace"),
        )
        self.cron_policy_count = r.get_or_create(
            "argo_workflows_cronworkflows_concurrencypolicy_triggered",
            "CronWorkflow runs decided by the concurrency policy",
            "counter",
            ("name", "namespace", "concurrency_policy"),
        )
        self.template_triggered = r.get_or_create(
            "argo_workflows_workflowtemplate_triggered_total",
            "Workflows run from a (cluster) workflow template",
            "counter",
            ("name", "namespace", "cluster_scope", "phase"),
        )
        self.template_runtime = r.get_or_create(
            "argo_workflows_workflowtemplate_runtime",
            "Seconds workflows of a template ran",
            "histogram",
            ("name", "namespace", "cluster_scope"),
            RUNTIME_BUCKETS,
        )
        self.errors = r.get_or_create(
            "argo_workflows_error_count", "Errors of the controller", "counter", ("cause",)
        )
        r.get_or_create("argo_workflows_is_leader", "1: this controller is the leader", "gauge").set(1)
        r.get_or_create(
            "argo_workflows_version", "Build information", "gauge", ("version", "platform", "go_version")
        ).set(1, {"version": ARGO_VERSION, "platform": "argento", "go_version": f"argento-{__version__}"})
        self.workers.set_function(lambda: self.busy_workers(), {"worker_type": "workflow"})
        for queue in ("workflow_queue", "cron_wf_queue"):
            self.queue_depth.set(0, {"queue_name": queue})
        self.custom = CustomMetrics(self.registry)

    # -- hooks -------------------------------------------------------------------------------------------------
    def workflow_created(self, namespace: str, run: Run | None = None) -> None:
        self.total.inc(1, {"namespace": namespace, "phase": "Running"})
        self.queue_adds.inc(1, {"queue_name": "workflow_queue"})
        self.queue_latency.observe(0.0, {"queue_name": "workflow_queue"})
        if run is not None:
            self.custom.workflow_started(run)
            ref = _template_ref(run)
            if ref:
                self.template_triggered.inc(1, {**ref, "namespace": run.namespace, "phase": "New"})

    def workflow_done(self, run: Run, phase: str) -> None:
        self.total.inc(1, {"namespace": run.namespace, "phase": phase})
        self.custom.workflow_done(run)
        ref = _template_ref(run)
        if ref:
            self.template_triggered.inc(1, {**ref, "namespace": run.namespace, "phase": phase})
            self.template_runtime.observe(
                time.monotonic() - run.runner.t_start, {**ref, "namespace": run.namespace}
            )

    def pod_phase(self, before: str | None, after: str) -> None:
        if before in ("Pending", "Running"):
            self.pods.inc(-1, {"phase": before})
        if after in ("Pending", "Running"):
            self.pods.inc(1, {"phase": after})
        self.pods_total.inc(1, {"phase": after})

    def node_done(self, run: Run, node: NodeStatus) -> None:
        self.custom.node_done(run, node)

    def observe_operation(self, seconds: float) -> None:
        self.operation.observe(seconds)

    def cron_triggered(self, name: str, namespace: str) -> None:
        self.cron_count.inc(1, {"name": name, "namespace": namespace})
        self.queue_adds.inc(1, {"queue_name": "cron_wf_queue"})

    def cron_policy_applied(self, name: str, namespace: str, policy: str) -> None:
        self.cron_policy_count.inc(1, {"name": name, "namespace": namespace, "concurrency_policy": policy})

    def error(self, cause: str) -> None:
        self.errors.inc(1, {"cause": cause})

    # -- exposition ----------------------------------------------------------------------------------------------
    def render(self) -> str:
        """The Prometheus text of every metric (workflows per phase counted now)."""
        if self._count_by_phase is not None:
            counts = self._count_by_phase()
            self.gauge.values = {}
            for (ns, phase), n in counts.items():
                self.gauge.set(n, {"namespace": ns, "phase": phase or "Pending"})
        return self.registry.render()


def _template_ref(run: Run) -> dict[str, str] | None:
    ref: dict[str, Any] = (run.workflow.get("spec") or {}).get("workflowTemplateRef") or {}
    if not ref.get("name"):
        return None
    return {"name": str(ref["name"]), "cluster_scope": "true" if ref.get("clusterScope") else "false"}
