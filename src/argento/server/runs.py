"""A workflow being run by this server (:class:`Run`), as the manager drives it and the metrics read it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from argento.engine import WorkflowRunner


@dataclass
class Run:
    """One workflow being run by this server."""

    uid: str
    namespace: str
    name: str
    workflow: dict[str, Any]
    runner: WorkflowRunner
    gate: asyncio.Event
    task: asyncio.Task[None] | None = None
    #: Set when the server shuts down or the workflow is deleted: transitions are no longer recorded.
    detached: bool = False
    pods: dict[str, str] = field(default_factory=dict)  # node id -> last phase seen (metrics, logs)
    #: Nodes whose completion was reported to the metrics (a fulfilled node changes again — outputs, GC marks —
    #: and its template's metrics are emitted once per completion, operator.go executeTemplate).
    metered: set[str] = field(default_factory=set)
    #: Every node's last phase seen by the node events (``WorkflowNode<Phase>``).
    node_phases: dict[str, str] = field(default_factory=dict)
    #: Store writes that failed (a full disk, …), by what they write: retried, latest version only.
    unsaved: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: The workflow has ended but its end state is not recorded yet.
    ending: bool = False
    _sorted_ids: list[str] = field(default_factory=list, repr=False)

    def sorted_node_ids(self) -> list[str]:
        """The IDs of the run's nodes, ascending (re-sorted only when nodes were added; nodes are never
        removed from a run)."""
        nodes = self.runner.state.nodes
        if len(self._sorted_ids) != len(nodes):
            self._sorted_ids = sorted(nodes)
        return self._sorted_ids

    def snapshot(self) -> dict[str, Any]:
        """The workflow with its live status (unset status fields omitted, see :func:`omit_unset`)."""
        wf = self.runner.to_workflow()
        wf["metadata"] = dict(wf["metadata"])
        wf["status"] = omit_unset(wf.get("status") or {})
        return wf


def omit_unset(value: Any) -> Any:
    """``value`` without null-valued object keys, recursively.

    Argo's swagger declares no nullable field, and the ``argo-workflows`` SDK checks response types against
    it: the ``"finishedAt": null`` of a running workflow or node (which Argo Server itself writes, a known
    SDK breakage, argoproj/argo-workflows#9122) fails there, while an absent field is fine for every client.
    """
    if isinstance(value, dict):
        return {k: omit_unset(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [omit_unset(v) for v in value]
    return value


__all__ = ["Run", "omit_unset"]
