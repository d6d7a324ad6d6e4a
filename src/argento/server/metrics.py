"""``/metrics``: Argo's controller metrics and the workflows' own ``metrics.prometheus``.

Names and labels follow Argo's metrics documentation (``argo_workflows_gauge{namespace,phase}``,
``argo_workflows_total_count``, ``argo_workflows_pods_gauge``, ``argo_workflows_queue_*``, …). The manager
reports transitions through the methods below; gauges that describe the present (busy workers, workflows
per phase) are computed when scraped.
"""

from __future__ import annotations

import logging
import time
import weakref
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
#: OpenTelemetry's default histogram boundaries, which Argo's instruments without their own use
#: (util/telemetry/metrics_list.go: workflowtemplate_runtime declares none).
RUNTIME_BUCKETS = (0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0, 10000.0)
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
            ("concurrency_policy", "name", "namespace"),
        )
        self.template_triggered = r.get_or_create(
            "argo_workflows_workflowtemplate_triggered_total",
            "Workflows run from a (cluster) workflow template",
            "counter",
            ("cluster_scope", "name", "namespace", "phase"),
        )
        self.template_runtime = r.get_or_create(
            "argo_workflows_workflowtemplate_runtime",
            "Seconds workflows of a template ran",
            "histogram",
            ("cluster_scope", "name", "namespace"),
            RUNTIME_BUCKETS,
        )
        self.errors = r.get_or_create(
            "argo_workflows_error_count", "Errors of the controller", "counter", ("cause",)
        )
        r.get_or_create("argo_workflows_is_leader", "1: this controller is the leader", "gauge").set(1)
        r.get_or_create(
            "argo_workflows_version", "Build information", "gauge", ("go_version", "platform", "version")
        ).set(1, {"version": ARGO_VERSION, "platform": "argento", "go_version": f"argento-{__version__}"})
        self.workers.set_function(lambda: self.busy_workers(), {"worker_type": "workflow"})
        # workflow_condition (gauge_workflow_condition.go, controller.go getWorkflowConditionMetrics): workflows
        # by their PodRunning condition, True while one of its pods runs. ``pod_running`` is set by the manager.
        self.pod_running: Callable[[], int] = lambda: 0
        self.conditions = r.get_or_create(
            "argo_workflows_workflow_condition",
            "A gauge of the number of workflows with different conditions",
            "gauge",
            ("status", "type"),
        )
        self.conditions.set_function(lambda: self.pod_running(), {"status": "True", "type": "PodRunning"})
        self.conditions.set_function(
            lambda: max(0, self._workflow_count() - self.pod_running()), {"status": "False", "type": "PodRunning"}
        )
        # log_messages (counter_log.go): the server's log records by level, every level shown from zero.
        self.log_messages = r.get_or_create(
            "argo_workflows_log_messages",
            "A count of log messages emitted by the controller by log level: `error`, `warn` and `info`",
            "counter",
            ("level",),
        )
        for level in ("debug", "info", "warning", "error"):
            self.log_messages.inc(0, {"level": level})
        _LogCounter.attach(self.log_messages)
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
            if ref:  # counter_template.go: on each phase a workflow enters; it is Running as soon as created
                for phase in ("New", "Running"):
                    self.template_triggered.inc(1, {**ref, "namespace": run.namespace, "phase": phase})

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

    def _workflow_count(self) -> int:
        return sum(self._count_by_phase().values()) if self._count_by_phase is not None else 0

    # -- exposition ----------------------------------------------------------------------------------------------
    def render(self) -> str:
        """The Prometheus text of every metric (workflows per phase counted now)."""
        if self._count_by_phase is not None:
            counts = self._count_by_phase()
            self.gauge.values = {}
            for (ns, phase), n in counts.items():
                self.gauge.set(n, {"namespace": ns, "phase": phase or "Pending"})
        return self.registry.render()


class _LogCounter(logging.Handler):
    """Counts the records of the ``argento`` loggers into ``argo_workflows_log_messages`` (a weak reference:
    a discarded server's counter stops counting and the handler removes itself)."""

    def __init__(self, counter: Any) -> None:
        super().__init__(logging.DEBUG)
        self.counter = weakref.ref(counter)

    @classmethod
    def attach(cls, counter: Any) -> None:
        logging.getLogger("argento").addHandler(cls(counter))

    def emit(self, record: logging.LogRecord) -> None:
        counter = self.counter()
        if counter is None:
            logging.getLogger("argento").removeHandler(self)
            return
        level = {"WARNING": "warning", "CRITICAL": "error"}.get(record.levelname, record.levelname.lower())
        counter.inc(1, {"level": level})


def _template_ref(run: Run) -> dict[str, str] | None:
    ref: dict[str, Any] = (run.workflow.get("spec") or {}).get("workflowTemplateRef") or {}
    if not ref.get("name"):
        return None
    return {"name": str(ref["name"]), "cluster_scope": "true" if ref.get("clusterScope") else "false"}
