"""Argo's node status: names, IDs, phases and types exactly as Argo writes them (SPEC §2.3)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class NodePhase(StrEnum):
    """Argo's ``NodePhase``."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    SKIPPED = "Skipped"
    FAILED = "Failed"
    ERROR = "Error"
    OMITTED = "Omitted"

    @property
    def completed(self) -> bool:
        """Argo's ``Completed()``: the node ran to an end."""
        return self in _COMPLETED

    @property
    def fulfilled(self) -> bool:
        """Argo's ``Fulfilled()``: the node will not change any more."""
        return self in _FULFILLED

    @property
    def failed_or_error(self) -> bool:
        return self is NodePhase.FAILED or self is NodePhase.ERROR


_COMPLETED = frozenset({NodePhase.SUCCEEDED, NodePhase.FAILED, NodePhase.ERROR})
_FULFILLED = _COMPLETED | {NodePhase.SKIPPED, NodePhase.OMITTED}


class NodeType(StrEnum):
    """Argo's ``NodeType``."""

    POD = "Pod"
    CONTAINER = "Container"
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    SKIPPED = "Skipped"
    SUSPEND = "Suspend"
    HTTP = "HTTP"
    PLUGIN = "Plugin"


def fnv1a_32(text: str) -> int:
    """The 32-bit FNV-1a hash Argo uses for node IDs."""
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def node_id(workflow_name: str, node_name: str) -> str:
    """Argo's node ID: the workflow name for the root, else ``<wf>-<fnv1a32(node name)>``."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv1a_32(node_name)}"


# Argo: displayName is the node name without its boundary's name and the separator that follows it.
_SEPARATOR = re.compile(r"^(\[\d+\])?\.")


def display_name(node_name: str, boundary_name: str | None) -> str:
    """Argo's ``initializeNode`` rule for ``displayName``."""
    if not boundary_name:
        return node_name
    shown = node_name.removeprefix(boundary_name)
    match = _SEPARATOR.match(shown)
    if match:
        shown = shown[match.end() :] if match.group(1) else shown[1:]
    return shown


def now_rfc3339() -> str:
    """Current time as Argo writes timestamps (second precision, UTC, ``Z``); formatted once per second (a
    step stamps several transitions, and ``strftime`` was a visible part of its cost)."""
    global _stamp
    now = int(time.time())
    stamp = _stamp
    if stamp[0] != now:
        stamp = _stamp = (now, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
    return stamp[1]


_stamp: tuple[int, str] = (-1, "")


@dataclass(slots=True, eq=False)
class NodeStatus:
    """One entry of ``status.nodes``. ``to_dict`` writes Argo's JSON in Argo's field order."""

    id: str
    name: str
    display_name: str
    type: NodeType
    phase: NodePhase = NodePhase.PENDING
    template_name: str | None = None
    template_ref: dict[str, Any] | None = None
    template_scope: str | None = None
    boundary_id: str | None = None
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    #: Seconds the same node took in the last successful run of its template (Argo's estimator).
    estimated_duration: int | None = None
    progress: str | None = None
    resources_duration: dict[str, int] | None = None
    pod_ip: str | None = None
    daemoned: bool = False
    node_flag: dict[str, bool] | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    children: list[str] = field(default_factory=list)
    outbound_nodes: list[str] | None = None
    host_node_name: str | None = None
    memoization_status: dict[str, Any] | None = None
    synchronization_status: dict[str, Any] | None = None
    # Engine-private (not written): monotonic start/finish for durations and ordering.
    t_start: float = 0.0
    t_finish: float = 0.0

    @property
    def fulfilled(self) -> bool:
        return self.phase.fulfilled

    @property
    def completed(self) -> bool:
        return self.phase.completed

    def to_dict(self) -> dict[str, Any]:
        """Argo's ``NodeStatus`` JSON (only set fields, in Go struct order)."""
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "type": str(self.type),
        }
        if self.template_name:
            d["templateName"] = self.template_name
        if self.template_ref:
            d["templateRef"] = self.template_ref
        if self.template_scope:
            d["templateScope"] = self.template_scope
        d["phase"] = str(self.phase)
        if self.boundary_id:
            d["boundaryID"] = self.boundary_id
        if self.message:
            d["message"] = self.message
        d["startedAt"] = self.started_at
        d["finishedAt"] = self.finished_at
        if self.estimated_duration:
            d["estimatedDuration"] = self.estimated_duration
        if self.progress:
            d["progress"] = self.progress
        if self.resources_duration:
            d["resourcesDuration"] = self.resources_duration
        if self.pod_ip:
            d["podIP"] = self.pod_ip
        if self.daemoned:
            d["daemoned"] = True
        if self.node_flag:
            d["nodeFlag"] = self.node_flag
        if self.inputs:
            d["inputs"] = self.inputs
        if self.outputs:
            d["outputs"] = self.outputs
        if self.children:
            d["children"] = list(self.children)
        if self.outbound_nodes:
            d["outboundNodes"] = list(self.outbound_nodes)
        if self.host_node_name:
            d["hostNodeName"] = self.host_node_name
        if self.memoization_status:
            d["memoizationStatus"] = self.memoization_status
        if self.synchronization_status:
            d["synchronizationStatus"] = self.synchronization_status
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NodeStatus:
        """Inverse of :meth:`to_dict` (used when a persisted workflow is resumed)."""
        return cls(
            id=d["id"],
            name=d["name"],
            display_name=d.get("displayName", d["name"]),
            type=NodeType(d["type"]),
            phase=NodePhase(d.get("phase") or "Pending"),
            template_name=d.get("templateName"),
            template_ref=d.get("templateRef"),
            template_scope=d.get("templateScope"),
            boundary_id=d.get("boundaryID"),
            message=d.get("message", ""),
            started_at=d.get("startedAt"),
            finished_at=d.get("finishedAt"),
            estimated_duration=d.get("estimatedDuration"),
            progress=d.get("progress"),
            resources_duration=d.get("resourcesDuration"),
            pod_ip=d.get("podIP"),
            daemoned=bool(d.get("daemoned")),
            node_flag=d.get("nodeFlag"),
            inputs=d.get("inputs"),
            outputs=d.get("outputs"),
            children=list(d.get("children") or []),
            outbound_nodes=d.get("outboundNodes"),
            host_node_name=d.get("hostNodeName"),
            memoization_status=d.get("memoizationStatus"),
            synchronization_status=d.get("synchronizationStatus"),
        )


_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(prefix: str) -> str:
    """Kubernetes ``generateName``: the prefix plus five random characters from its alphabet."""
    import secrets

    return prefix + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
