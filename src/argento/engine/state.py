"""The mutable status of one workflow run: ``status.nodes`` plus Argo's tree bookkeeping.

All node creation and phase changes go through :class:`WorkflowState` so that listeners (the live CLI view,
the store that commits every transition before its effect) see each transition exactly once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from argento.engine.durations import roll_up_resources_duration
from argento.engine.nodes import NodePhase, NodeStatus, NodeType, display_name, node_id, now_rfc3339

Listener = Callable[["WorkflowState", NodeStatus], None]

#: Argo's ``executable`` node types (workflow/progress/updater.go): their progress is their own, not a sum.
EXECUTABLE = frozenset({NodeType.POD, NodeType.CONTAINER, NodeType.HTTP, NodeType.PLUGIN, NodeType.SUSPEND})
#: From this many children on, `WorkflowState.add_child` checks membership in a set instead of the list.
_CHILD_SET_FROM = 32
_COMPLETE_PHASES = frozenset({NodePhase.SUCCEEDED, NodePhase.SKIPPED, NodePhase.OMITTED})


def parse_progress(text: str) -> tuple[int, int]:
    """Argo's ``Progress``: ``N/M`` is valid when ``0 <= N <= M`` and ``M > 0``; a part that is not an integer
    reads as 0 (Go's ``ParseInt`` error ignored). Invalid values are ``(0, 0)``."""
    head, sep, tail = text.partition("/")
    n, m = _go_int(head), _go_int(tail)
    if not sep or m <= 0 or n < 0 or n > m:
        return 0, 0
    return n, m


def _go_int(text: str) -> int:
    return int(text) if _GO_INT.fullmatch(text) else 0


_GO_INT = re.compile(r"[+-]?[0-9]+")


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
        #: ``status.storedWorkflowTemplateSpec``: the spec a ``workflowTemplateRef`` workflow runs with (its own
        #: fields over the WorkflowTemplate's; operator.go setStoredWfSpec), read back by later reconcilers such
        #: as artifact GC at deletion.
        self.stored_workflow_spec: dict[str, Any] | None = None
        #: ``status.estimatedDuration`` and the estimate of a node by name (Argo's estimator: the last
        #: successful run of the same template or cron workflow); None: no baseline.
        self.estimated_duration: int | None = None
        self.estimate_node: Callable[[str], int | None] | None = None
        self._listeners: list[Listener] = []
        self._watchers: dict[str, list[Callable[[NodeStatus], None]]] = {}
        #: node name → ID (the FNV-1a hash of every lookup is computed once per name)
        self._ids: dict[str, str] = {}
        self._child_sets: dict[str, set[str]] = {}
        for raw in (nodes or {}).values():
            node = NodeStatus.from_dict(raw)
            self.nodes[node.id] = node

    def warn(self, message: str) -> None:
        """Record a ``SpecWarning`` condition (Argo's ``ConditionTypeSpecWarning``), each message once.

        Argo keeps a node's ``message`` for why it failed; something the user should know about a run that
        may well succeed (an image running without a local mapping) is a workflow condition instead.
        """
        condition = {"type": "SpecWarning", "status": "True", "message": message}
        if condition not in self.conditions:
            self.conditions.append(condition)

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
        nid = self._ids.get(name)
        if nid is None:
            nid = self._ids[name] = node_id(self.workflow_name, name)
        return nid

    def by_name(self, name: str) -> NodeStatus | None:
        return self.nodes.get(self.id_of(name))

    def get(self, nid: str) -> NodeStatus:
        return self.nodes[nid]

    def attempts(self, node: NodeStatus) -> list[NodeStatus]:
        """Argo's ``getChildNodeIdsRetried``: the attempts of a Retry node, in order.

        A Retry node's children also hold its hooks (``<node>.hooks.<name>``) and its ``onExit`` node; only
        the children flagged ``retried`` are attempts. A child linked but not yet created is skipped.
        """
        out = []
        for cid in node.children:
            child = self.nodes.get(cid)
            if child is not None and child.node_flag and child.node_flag.get("retried"):
                out.append(child)
        return out

    def last_attempt(self, node: NodeStatus) -> NodeStatus | None:
        """Argo's ``possiblyGetRetryChildNode``: the newest attempt of a Retry node (None for other nodes)."""
        if node.type is not NodeType.RETRY or (node.memoization_status or {}).get("hit"):
            return None
        attempts = self.attempts(node)
        return attempts[-1] if attempts else None

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
        nid = self.id_of(name)
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
        if self.estimate_node is not None:
            node.estimated_duration = self.estimate_node(name)
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
        cid = self.id_of(child_name)
        children = parent.children
        if len(children) < _CHILD_SET_FROM:
            if cid in children:
                return
        else:  # a wide fan-out: a set of the children, so that linking n of them is not O(n²)
            seen = self._child_sets.get(parent.id)
            if seen is None or len(seen) != len(children):
                seen = self._child_sets[parent.id] = set(children)
            if cid in seen:
                return
            seen.add(cid)
        children.append(cid)
        self.changed(parent)

    # -- Argo's outbound-node rule -------------------------------------------------------------------------
    def outbound_nodes(self, nid: str) -> list[str]:
        """Argo's ``getOutboundNodes``: the nodes a successor attaches to."""
        node = self.nodes.get(nid)
        if node is None:  # linked before it was created (Argo links a retry attempt first, too)
            return []
        if node.type in (NodeType.SKIPPED, NodeType.SUSPEND, NodeType.HTTP, NodeType.PLUGIN):
            return [node.id]
        if node.type is NodeType.POD and not any(
            (c := self.nodes.get(cid)) is not None and c.type is NodeType.CONTAINER for cid in node.children or []
        ):
            return [node.id]
        if node.type in (NodeType.POD, NodeType.CONTAINER, NodeType.TASK_GROUP):
            # A container set's pod stands for its containers: a successor hangs under the last containers of
            # its graph (a container whose child lies outside the pod is itself an outbound node).
            if not node.children:
                return [node.id]
            out: list[str] = []
            for cid in node.children:
                child = self.nodes.get(cid)
                if child is None:
                    continue
                if node.type is NodeType.CONTAINER and child.boundary_id != node.boundary_id:
                    out.append(node.id)
                else:
                    out.extend(self.outbound_nodes(cid))
            return out
        if node.type is NodeType.RETRY:
            return [node.children[-1]] if node.children else [node.id]
        if node.type in (NodeType.STEPS, NodeType.DAG) and (node.memoization_status or {}).get("hit"):
            return [node.id]  # a cache hit has no children: it is its own outbound node
        out = []
        for oid in node.outbound_nodes or []:
            if oid in self.nodes:
                out.extend(self.outbound_nodes(oid))
        return out

    # -- progress & status ---------------------------------------------------------------------------------
    def compute_progress(self) -> str:
        """Argo's ``UpdateProgress`` (workflow/progress/updater.go).

        Executable nodes (Pod, Container, HTTP, Plugin, Suspend) carry their own progress: ``0/1`` by default,
        or what the step reported (``ARGO_PROGRESS_FILE``, the ``workflows.argoproj.io/progress``
        annotation); Succeeded, Skipped and Omitted ones are complete (``M/M``); an invalid value is not
        counted. Every other node sums the executable nodes below it (each counted once); the workflow sums
        all executable nodes.
        """
        done = total = 0
        for node in self.nodes.values():
            if node.type not in EXECUTABLE:
                continue
            n, m = parse_progress(node.progress or "0/1")
            if m <= 0:
                continue  # Argo ignores a corrupt value
            if node.phase in _COMPLETE_PHASES:
                n = m
            node.progress = f"{n}/{m}"
            done += n
            total += m
        for node in self.nodes.values():
            if node.type in EXECUTABLE:
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
                if child.type in EXECUTABLE and child.progress:
                    cn, cm = parse_progress(child.progress)
                    if cm > 0:
                        n += cn
                        m += cm
            if m > 0:
                node.progress = f"{n}/{m}"
        return f"{done}/{total}"

    def to_status(self) -> dict[str, Any]:
        """``status`` in Argo's JSON shape."""
        progress = self.compute_progress()
        status: dict[str, Any] = {
            "phase": self.phase,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
        }
        if self.estimated_duration:
            status["estimatedDuration"] = self.estimated_duration
        status["progress"] = progress
        if self.message:
            status["message"] = self.message
        # Argo's UpdateResourceDurations runs on every persist; the sums of the non-Pod nodes walk each node's
        # descendants (a steps chain links every group under the previous pods: quadratic in its length), so
        # here they are summed once the workflow has finished; the workflow's total is kept current.
        resources = roll_up_resources_duration(self.nodes, nodes_too=bool(self.finished_at))
        if resources:
            status["resourcesDuration"] = resources
        status["nodes"] = {nid: n.to_dict() for nid, n in self.nodes.items()}
        if self.stored_templates:
            status["storedTemplates"] = self.stored_templates
        if self.outputs:
            status["outputs"] = self.outputs
        if self.conditions:
            status["conditions"] = self.conditions
        if self.stored_workflow_spec is not None:
            status["storedWorkflowTemplateSpec"] = self.stored_workflow_spec
        if self.artifact_repository_ref is not None:
            status["artifactRepositoryRef"] = self.artifact_repository_ref
        return status
