"""Argo's workflow actions that rewrite ``status.nodes``: retry, resubmit (memoized) and node selection.

Pure functions over Argo's JSON: the manager persists what they return and hands the nodes to a new
:class:`~argento.engine.WorkflowRunner`, which returns fulfilled nodes as they are and re-runs the rest.
"""

from __future__ import annotations

import re
from typing import Any

from argento.engine.nodes import node_id, now_rfc3339
from argento.errors import Conflict, SpecError

#: Labels the controller owns, and the creator labels of the original request: not copied to a resubmitted
#: workflow (``FormulateResubmitWorkflow``; a resubmit by an unauthenticated request carries no creator).
CONTROLLER_LABELS = (
    "workflows.argoproj.io/phase",
    "workflows.argoproj.io/completed",
    "workflows.argoproj.io/workflow-archiving-status",
    "workflows.argoproj.io/creator",
    "workflows.argoproj.io/creator-email",
    "workflows.argoproj.io/creator-preferred-username",
)

_SELECTOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(==|=|!=)\s*(.*?)\s*$")


def parse_node_selector(text: str | None, path: str = "nodeFieldSelector") -> list[tuple[str, bool, str]]:
    """``displayName=approve,phase!=Succeeded`` → ``[(field path, equal?, value)]``."""
    out: list[tuple[str, bool, str]] = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        m = _SELECTOR.match(part)
        if not m:
            raise SpecError(f"invalid node field selector {part!r}", path=path)
        out.append((m.group(1), m.group(2) != "!=", m.group(3)))
    return out


def _lookup(node: dict[str, Any], dotted: str) -> str:
    # `inputs.parameters.NAME.value` walks the parameter list by name, as Argo's selector does.
    parts = dotted.split(".")
    value: Any = node
    i = 0
    while i < len(parts):
        key = parts[i]
        if (
            isinstance(value, dict)
            and key == "parameters"
            and isinstance(value.get(key), list)
            and i + 1 < len(parts)
        ):
            value = next((p for p in value[key] if p.get("name") == parts[i + 1]), None)
            i += 2
            continue
        value = value.get(key) if isinstance(value, dict) else None
        i += 1
    return "" if value is None else str(value)


#: Argo's answer when resume/stop/set by ``nodeFieldSelector`` reaches no suspended node
#: (``workflow/util/util.go:updateSuspendedNode``); a paused step (ARGO_DEBUG_PAUSE_*) counts as suspended.
NO_SUSPENDED_MATCH = "currently, set only targets suspend nodes: no suspend nodes matching nodeFieldSelector: {}"


def select_nodes(nodes: dict[str, Any], selector: list[tuple[str, bool, str]]) -> list[dict[str, Any]]:
    """The nodes matching every requirement (all nodes for an empty selector)."""
    return [n for n in nodes.values() if all((_lookup(n, f) == v) == eq for f, eq, v in selector)]


_GROUPS = frozenset({"Steps", "StepGroup", "DAG", "TaskGroup"})
_EXECUTIONS = frozenset({"Container", "Pod", "HTTP", "Plugin"})


def check_retryable(workflow: dict[str, Any], *, restart_successful: bool, selector: str | None) -> None:
    """Argo's phase gate of ``FormulateRetryWorkflow``: a Failed/Error workflow can be retried; a Succeeded one
    only with ``restartSuccessful`` and a node selector; any other phase not at all."""
    phase = (workflow.get("status") or {}).get("phase") or ""
    if phase in ("Failed", "Error"):
        return
    if phase == "Succeeded":
        if restart_successful and selector:
            return
        raise Conflict("to retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector")
    raise Conflict(f"cannot retry a workflow in phase {phase or 'Pending'}")


class _Tree:
    """The node graph as Argo's retry sees it: ``children`` edges, and one parent per node (the last parent in
    node-ID order, as ``newWorkflowsDag`` records it, so a retry of the same workflow resets the same nodes)."""

    def __init__(self, nodes: dict[str, dict[str, Any]]) -> None:
        self.nodes = nodes
        self.parent: dict[str, str] = {}
        for nid in sorted(nodes):
            for child in nodes[nid].get("children") or []:
                if child in nodes:
                    self.parent[child] = nid

    def type(self, nid: str | None) -> str:
        return str(self.nodes[nid].get("type", "")) if nid in self.nodes else ""

    def below(self, nid: str) -> set[str]:
        """Every node reachable from ``nid`` through ``children`` (``nid`` itself only when on a cycle)."""
        out: set[str] = set()
        stack = list(self.nodes[nid].get("children") or [])
        while stack:
            cur = stack.pop()
            if cur in out or cur not in self.nodes:
                continue
            out.add(cur)
            stack.extend(self.nodes[cur].get("children") or [])
        return out

    def succeeded_below(self, nid: str, selected: set[str]) -> bool:
        """``isDescendantNodeSucceeded``: a node under ``nid`` succeeded and is not selected for a rerun."""
        return any(
            (c not in selected and self.nodes[c].get("phase") == "Succeeded") for c in self.below(nid)
        )

    def breadth_first(self, root: str) -> list[str]:
        order, seen, i = [root], {root}, 0
        while i < len(order):
            for child in self.nodes[order[i]].get("children") or []:
                if child in self.nodes and child not in seen:
                    seen.add(child)
                    order.append(child)
            i += 1
        return order

    def reset_path(self, start: str) -> tuple[set[str], set[str]]:
        """Argo's ``resetPath``: ``start`` and everything under it go; the groups (and failed Retry nodes) on its
        way up to the root, through the boundaries, go back to Running. A Container node takes its pod along."""
        delete = self.below(start) | {start}
        reset: set[str] = set()
        if start not in self.parent:
            return reset, delete
        cur: str | None = start
        while cur is not None:
            kind = self.type(cur)
            if kind in _GROUPS:
                reset.add(cur)
                cur = self._reset_boundaries(cur, reset)
                continue
            if kind == "Retry" and self.nodes[cur].get("phase") in ("Failed", "Error"):
                reset.add(cur)
            elif kind == "Container":
                pod = self._up_to(cur, lambda n: self.type(n) == "Pod")
                if pod is not None:
                    delete |= self.below(pod) | {pod}
                cur = pod
                continue
            cur = self.parent.get(cur)
        return reset, delete

    def _up_to(self, nid: str, match: Any) -> str | None:
        cur: str | None = nid
        while cur is not None and not match(cur):
            cur = self.parent.get(cur)
        return cur

    def _reset_boundaries(self, nid: str, reset: set[str]) -> str | None:
        cur: str | None = nid
        while cur is not None:
            up = self.parent.get(cur)
            if up is not None and self.type(up) == "Retry":
                reset.add(up)
                cur, up = up, self.parent.get(up)
            if up is not None and self.type(up) in ("StepGroup", "TaskGroup"):
                reset.add(up)
            boundary = self.nodes[cur].get("boundaryID") or ""
            if not boundary:
                return up
            cur = self._up_to(cur, lambda n, b=boundary: n == b)
            if cur is not None:
                reset.add(cur)
        return None


def _reset_node(node: dict[str, Any]) -> dict[str, Any]:
    """``resetNode``: Running again (a Skipped node stays Skipped), no message or end; a Suspend node's supplied
    output parameters are emptied so a resume supplies them anew."""
    if node.get("type") == "Suspend" and (node.get("outputs") or {}).get("parameters"):
        node["outputs"] = {
            **node["outputs"],
            "parameters": [
                {"name": p.get("name"), "valueFrom": {"supplied": {}}} for p in node["outputs"]["parameters"]
            ],
        }
    elif node.get("type") != "Suspend":
        node.pop("outputs", None)  # recomputed when the node completes again
    if node.get("phase") != "Skipped":
        node["phase"] = "Running"
    node.pop("message", None)
    node["startedAt"] = now_rfc3339()
    node["finishedAt"] = None
    return node


def retry_nodes(
    workflow: dict[str, Any],
    *,
    restart_successful: bool = False,
    selector: str | None = None,
    parameters: list[str] | None = None,
) -> dict[str, Any]:
    """Argo's ``FormulateRetryWorkflow`` (workflow/util/util.go): the nodes a retried workflow starts from.

    Nodes to rerun are the ones the selector matches (with ``restart_successful``) and every failed or errored
    execution node (Pod, Container, HTTP, Plugin) with no succeeded node under it (an attempt of a Retry node
    counts what is under the Retry node). Taken from the root down, each goes with everything under it, and the
    groups on its way up (Steps, DAG, step and task groups, through the template boundaries) and failed Retry
    nodes go back to Running (``resetPath``), so the engine walks down to the removed nodes and runs them anew.
    The workflow's exit-handler nodes go too. With ``parameters`` overridden, the content of a reset step or
    task group goes as well, so a loop is expanded again from the new values.
    """
    name = workflow["metadata"]["name"]
    nodes: dict[str, dict[str, Any]] = {
        k: dict(v) for k, v in ((workflow.get("status") or {}).get("nodes") or {}).items()
    }
    tree = _Tree(nodes)
    selected = (
        {n["id"] for n in select_nodes(nodes, parse_node_selector(selector))}
        if restart_successful and selector
        else set()
    )
    rerun = set(selected)
    for nid, node in nodes.items():
        if node.get("phase") in ("Failed", "Error") and node.get("type") in _EXECUTIONS:
            probe = nid
            if (node.get("nodeFlag") or {}).get("retried") and tree.type(tree.parent.get(nid)) == "Retry":
                probe = tree.parent[nid]
            if not tree.succeeded_below(probe, selected):
                rerun.add(nid)
    root = next((nid for nid, n in nodes.items() if n.get("name") == name), None)
    reset: set[str] = set()
    delete: set[str] = set()
    for nid in tree.breadth_first(root) if root is not None else []:
        if nid in rerun and nid not in delete:
            more_reset, more_delete = tree.reset_path(nid)
            reset |= more_reset
            delete |= more_delete
    if parameters:
        for nid in reset - delete:
            if tree.type(nid) in ("TaskGroup", "StepGroup"):
                delete |= tree.below(nid)
    on_exit = f"{name}.onExit"
    out: dict[str, Any] = {}
    for nid, node in nodes.items():
        if nid in delete or node.get("name", "").startswith(on_exit):
            continue
        if nid in reset:
            node = _reset_node(node)
            node.pop("outboundNodes", None)
        node["children"] = [c for c in node.get("children") or [] if c not in delete]
        if node.get("outboundNodes"):
            node["outboundNodes"] = [c for c in node["outboundNodes"] if c not in delete]
        out[nid] = node
    return out


def rename_nodes(nodes: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """Nodes of workflow ``old`` as nodes of workflow ``new`` (names, IDs and references rewritten)."""
    ids: dict[str, str] = {}
    renamed: dict[str, dict[str, Any]] = {}
    for nid, node in nodes.items():
        name = node["name"]
        new_name = new + name[len(old) :] if name.startswith(old) else name
        ids[nid] = node_id(new, new_name)
        renamed[nid] = {**node, "name": new_name, "id": ids[nid]}
    out: dict[str, Any] = {}
    for node in renamed.values():
        if node.get("boundaryID"):
            node["boundaryID"] = ids.get(node["boundaryID"], node["boundaryID"])
        for key in ("children", "outboundNodes"):
            if node.get(key):
                node[key] = [ids[c] for c in node[key] if c in ids]
        if node["name"] == new:
            node["displayName"] = new
        out[node["id"]] = node
    return out


def memoized_nodes(workflow: dict[str, Any], new_name: str) -> dict[str, Any]:
    """Argo's memoized resubmit (``workflow/util/util.go:FormulateResubmitWorkflow``): every succeeded Pod node
    is carried over — with its outputs, as a node of type and phase Skipped whose message names the original
    pod, stamped now — and is not run again (a fulfilled node is taken as it is). The workflow's exit-handler
    nodes are never carried: the exit handler runs again."""
    on_exit = workflow["metadata"]["name"] + ".onExit"
    nodes = {
        nid: n
        for nid, n in ((workflow.get("status") or {}).get("nodes") or {}).items()
        if not str(n.get("name", "")).startswith(on_exit)
    }
    now = now_rfc3339()
    kept = {
        nid: {k: v for k, v in n.items() if k not in ("children", "outboundNodes")}
        | {"type": "Skipped", "phase": "Skipped", "message": f"original pod: {nid}"}
        | {"startedAt": now, "finishedAt": now}
        for nid, n in nodes.items()
        if n.get("type") == "Pod" and n.get("phase") == "Succeeded"
    }
    return rename_nodes(kept, workflow["metadata"]["name"], new_name)


def resubmitted(workflow: dict[str, Any], parameters: list[str]) -> dict[str, Any]:
    """Argo's ``FormulateResubmitWorkflow``: a new workflow with the same spec, named from the original's
    ``generateName`` (else ``<name>-``), its user labels, annotations and owner references carried over."""
    meta = workflow["metadata"]
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in CONTROLLER_LABELS}
    labels["workflows.argoproj.io/resubmitted-from-workflow"] = meta["name"]
    spec = without_termination(
        {k: v for k, v in (workflow.get("spec") or {}).items() if k not in ("shutdown", "suspend")}
    )
    new_meta: dict[str, Any] = {
        "generateName": meta.get("generateName") or meta["name"] + "-",
        "namespace": meta.get("namespace"),
        "labels": labels,
        "annotations": dict(meta.get("annotations") or {}),
    }
    if meta.get("ownerReferences"):
        new_meta["ownerReferences"] = [dict(r) for r in meta["ownerReferences"]]
    new = {
        "apiVersion": workflow.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": "Workflow",
        "metadata": new_meta,
        "spec": spec,
    }
    apply_parameters(new, parameters)
    return new


def without_termination(spec: dict[str, Any]) -> dict[str, Any]:
    """A retried or resubmitted spec: an ``activeDeadlineSeconds`` of 0 (the mark of a terminated workflow) is
    unset (``createNewRetryWorkflow``, ``FormulateResubmitWorkflow``)."""
    if spec.get("activeDeadlineSeconds") in (0, "0"):
        spec = {k: v for k, v in spec.items() if k != "activeDeadlineSeconds"}
    return spec


def apply_parameters(workflow: dict[str, Any], parameters: list[str], path: str = "parameters") -> None:
    """``["name=value", …]`` replace (or add) ``spec.arguments.parameters`` (Argo's ``overrideParameters``)."""
    from argento.spec.submit import override_parameters, parse_parameter

    for i, item in enumerate(parameters):
        try:
            parse_parameter(item)
        except SpecError as exc:
            raise SpecError(exc.message, path=f"{path}[{i}]") from None
    override_parameters(workflow, parameters)
