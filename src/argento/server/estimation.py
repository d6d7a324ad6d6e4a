"""Duration estimates of a new workflow (``status.estimatedDuration`` and each node's): Argo's
``workflow/controller/estimation`` (``estimator_factory.go``, ``estimator.go``).

A workflow made from a CronWorkflow, a WorkflowTemplate or a ClusterWorkflowTemplate (its label names which)
takes as baseline the newest Succeeded workflow with the same label — a live one first, else an archived one.
The workflow's estimate is the baseline's duration; a node's is the duration of the baseline's node of the
same name (the workflow's name replaced by the baseline's), in whole seconds (``NewEstimatedDuration``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from argento.store.base import ListQuery
from argento.store.selectors import FieldRequirement, Requirement

#: How many of the newest succeeded runs are looked at (by creation: a list's order).
CANDIDATES = 20

#: The labels that name what a workflow was made from, in the order Argo's factory reads them.
BASELINE_LABELS = (
    "workflows.argoproj.io/cron-workflow",
    "workflows.argoproj.io/workflow-template",
    "workflows.argoproj.io/cluster-workflow-template",
)


def _seconds(started: Any, finished: Any) -> int | None:
    if not started or not finished:
        return None
    try:
        a = datetime.fromisoformat(str(started).replace("Z", "+00:00"))
        b = datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, int((b - a).total_seconds()))


class Estimator:
    """Estimates of one workflow from its baseline."""

    def __init__(self, name: str, baseline: dict[str, Any]) -> None:
        self.name = name
        self.baseline_name = str(baseline["metadata"]["name"])
        self.status = baseline.get("status") or {}
        self._nodes = {str(n.get("name")): n for n in (self.status.get("nodes") or {}).values()}

    def workflow(self) -> int | None:
        return _seconds(self.status.get("startedAt"), self.status.get("finishedAt"))

    def node(self, node_name: str) -> int | None:
        old = self._nodes.get(node_name.replace(self.name, self.baseline_name, 1))
        return _seconds(old.get("startedAt"), old.get("finishedAt")) if old else None


def estimator_for(store: Any, workflow: dict[str, Any]) -> Estimator | None:
    """The estimator of ``workflow`` (``store``: `argento.store` with ``workflows`` and ``archive``), or None
    when it was not made from a template or no run of that template succeeded yet."""
    meta = workflow.get("metadata") or {}
    labels = meta.get("labels") or {}
    key = next((k for k in BASELINE_LABELS if labels.get(k)), None)
    if key is None:
        return None
    query = ListQuery(
        namespace=meta.get("namespace"),
        labels=[Requirement(key, "=", (str(labels[key]),))],
        fields=[FieldRequirement("status.phase", "=", "Succeeded")],
        limit=CANDIDATES,
    )
    # Bounded: a cron that ran thousands of times must not load every run (with its nodes) per new workflow.
    # The newest runs by creation are the candidates; the newest of them by end is the baseline.
    live = [w for w in store.workflows.list(query).items if w["metadata"]["name"] != meta.get("name")]
    if live:
        newest = _newest(live)
        baseline = store.workflows.get(newest["metadata"]["namespace"], newest["metadata"]["name"])
    else:
        archived = store.archive.list(query).items
        if not archived:
            return None
        baseline = _newest(archived)
    return Estimator(str(meta.get("name") or ""), baseline)


def _newest(workflows: list[dict[str, Any]]) -> dict[str, Any]:
    return max(workflows, key=lambda w: str((w.get("status") or {}).get("finishedAt") or ""))
