"""The mutable status of one workflow run: ``status.nodes`` plus Argo's tree bookkeeping.

All node creation and phase changes go through :class:`WorkflowState` so that listeners (the live CLI view,
the store that commits every transition before its effect) see each transition exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from argento.engine.nodes import NodePhase, NodeStatus, NodeType, display_name, node_id, now_rfc3339

Listener = Callable[["WorkflowState", NodeStatus], None]


class WorkflowState:
    """``status`` of a workflow: nodes keyed by ID, phase, outputs; plus an index by node name."""

    def __init__(self, workflow_name: str, *, nodes: dict[str, dict[str, Any]] | None = None) -> None:
        self.workflow_name = workflow_name
        self.nodes: dict[str, NodeStatus] = {}
        self.phase: str = "Running"
        self.message: str = ""
        self.started_at: str = now_rfc3339()
        self.finished_at: str | None = None
        self.outputs: dict[str, Any] = {}
        self.stored_templates: dict[str, Any] = {}
        self.conditions: list[dict[str, str]] = []
        #: ``status.artifactRepositoryRef``: the repository the workflow's key-only artifacts live in.
        self.artifact_repository_ref: dict[str, Any] | None = None
        self._listeners: list[Listener] = []
        self._watchers: dict[str, list[Callable[[NodeStatus], None]]] = {}
        for raw in (nodes or {}).values():
            node = NodeStatus.from_dict(raw)
            self.nodes[node.id] = node

    # -- listeners ---------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(state, node)`` after every node creation or change."""
        self._listeners.append(listener)

    def changed(self, node: NodeStatus) -> None:
        for listener in self._listeners:
            listener(self, node)
        watchers = self._watchers.get(node.name)
        if watchers:
            for watcher in list(watchers):
                watcher(node)

    def watch(self, node_name: str, callback: Callable[[NodeStatus], None]) -> None:
        """Call ``callback(node)`` on every change of the node named ``node_name``."""
        self._watchers.setdefault(node_name, []).append(callback)

    def unwatch(self, node_name: str, callback: Callable[[NodeStatus], None]) -> None:
        callbacks = self._watchers.get(node_name, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            self._watchers.pop(node_name, None)

    # -- lookup ------------------------------------------------------------------------------------------
    def id_of(self, name: str) -> str:
        return node_id(self.workflow_name, name)

    def by_name(self, name: str) -> NodeStatus | None:
        return self.nodes.get(node_id(self.workflow_name, name))

    def get(self, nid: str) -> NodeStatus:
        return self.nodes[nid]

    # -- mutation ----------------------------------------------------------------------------------------
    def init_node(
        self,
        name: str,
        type_: NodeType,
        *,
        phase: NodePhase = NodePhase.RUNNING,
        boundary_id: str | None = None,
        template_name: str | None = None,
        template_ref: dict[str, Any] | None = None,
        template_scope: str | None = None,
        message: str = "",
        node_flag: dict[str, bool] | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> NodeStatus:
        """Argo's ``initializeNode``: create a node (idempotent: an existing node is returned as is)."""
        nid = node_id(self.workflow_name, name)
        existing = self.nodes.get(nid)
        if existing is not None:
            return existing
        boundary = self.nodes.get(boundary_id) if boundary_id else None
        now = now_rfc3339()
        node = NodeStatus(
            id=nid,
            name=name,
            display_name=display_name(name, boundary.name if boundary else None),
            type=type_,
            phase=phase,
            template_name=template_name,
            template_ref=template_ref,
            template_scope=template_scope,
            boundary_id=boundary_id,
            message=message,
            started_at=now,
            node_flag=node_flag or None,
            inputs=inputs or None,
            t_start=time.monotonic(),
        )
        if phase.fulfilled:
            node.finished_at = now
            node.t_finish = node.t_start
        self.nodes[nid] = node
        self.changed(node)
        return node

    def mark(self, node: NodeStatus, phase: NodePhase, message: str | None = None) -> NodeStatus:
        """Argo's ``markNodePhase``: set phase (and message); stamp ``finishedAt`` when fulfilled."""
        changed = node.phase is not phase
        node.phase = phase
        if message is not None and message != node.message:
            node.message = message
            changed = True
        if phase.fulfilled and node.finished_at is None:
            node.finished_at = now_rfc3339()
            node.t_finish = time.monotonic()
            changed = True
        if changed:
            self.changed(node)
        return node

    def add_child(self, parent: NodeStatus, child_name: str) -> None:
        """Argo's ``addChildNode``: link ``child`` under ``parent`` once."""
        cid = node_id(self.workflow_name, child_name)
        if cid not in parent.children:
            parent.children.append(cid)
            self.changed(parent)

    # -- Argo's outbound-node rule -------------------------------------------------------------------------
    def outbound_nodes(self, nid: str) -> list[str]:
        """Argo's ``getOutboundNodes``: the nodes a successor attaches to."""
        node = self.nodes[nid]
        if node.type in (NodeType.SKIPPED, NodeType.SUSPEND, NodeType.HTTP, NodeType.PLUGIN, NodeType.POD):
            return [node.id]
        if node.type is NodeType.TASK_GROUP:
            if not node.children:
                return [node.id]
            out: list[str] = []
            for child in node.children:
                out.extend(self.outbound_nodes(child))
            return out
        if node.type is NodeType.RETRY:
            return [node.children[-1]] if node.children else [node.id]
        out = []
        for oid in node.outbound_nodes or []:
            onode = self.nodes.get(oid)
            if onode is None:
                continue
            if onode.type is NodeType.POD:
                out.append(oid)
            else:
                out.extend(self.outbound_nodes(oid))
        return out

    # -- progress & status ---------------------------------------------------------------------------------
    def compute_progress(self) -> str:
        """Argo's ``UpdateProgress``: Pod nodes are "1/1" once Succeeded (else "0/1"); every other node sums
        the Pod nodes reachable through its children; the workflow sums all Pod nodes. A containerSet's
        Container nodes are executable nodes too (Argo's ``executable``), so they count like Pods."""
        pod_types = (NodeType.POD, NodeType.HTTP, NodeType.CONTAINER)
        done = total = 0
        for node in self.nodes.values():
            if node.type in pod_types:
                node.progress = "1/1" if node.phase is NodePhase.SUCCEEDED else "0/1"
                total += 1
                done += node.phase is NodePhase.SUCCEEDED
        for node in self.nodes.values():
            if node.type in pod_types:
                continue
            n = m = 0
            visited: set[str] = set()
            stack = list(node.children)
            while stack:
                cid = stack.pop()
                if cid in visited:
                    continue
                visited.add(cid)
                child = self.nodes.get(cid)
                if child is None:
                    continue
                stack.extend(child.children)
                if child.type in pod_types:
                    m += 1
                    n += child.phase is NodePhase.SUCCEEDED
            node.progress = f"{n}/{m}" if m else None
        return f"{done}/{total}"

    def to_status(self) -> dict[str, Any]:
        """``status`` in Argo's JSON shape."""
        progress = self.compute_progress()
        status: dict[str, Any] = {
            "phase": self.phase,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
        }
        status["progress"] = progress
        if self.message:
            status["message"] = self.message
        status["nodes"] = {nid: n.to_dict() for nid, n in self.nodes.items()}
        if self.stored_templates:
            status["storedTemplates"] = self.stored_templates
        if self.outputs:
            status["outputs"] = self.outputs
        if self.conditions:
            status["conditions"] = self.conditions
        if self.artifact_repository_ref is not None:
            status["artifactRepositoryRef"] = self.artifact_repository_ref
        return status
