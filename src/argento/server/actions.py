"""Argo's workflow actions that rewrite ``status.nodes``: retry, resubmit (memoized) and node selection.

Pure functions over Argo's JSON: the manager persists what they return and hands the nodes to a new
:class:`~argento.engine.WorkflowRunner`, which returns fulfilled nodes as they are and re-runs the rest.
"""

from __future__ import annotations

import re
from typing import Any

from argento.engine.nodes import node_id, now_rfc3339
from argento.errors import SpecError

#: Labels the controller owns: not copied to a resubmitted workflow.
CONTROLLER_LABELS = (
    "workflows.argoproj.io/phase",
    "workflows.argoproj.io/completed",
    "workflows.argoproj.io/workflow-archiving-status",
)

_CONTAINERS = frozenset({"Steps", "StepGroup", "DAG", "TaskGroup"})
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


def _descendants(nodes: dict[str, Any], nid: str) -> set[str]:
    out: set[str] = set()
    stack = [nid]
    while stack:
        cur = stack.pop()
        if cur in out or cur not in nodes:
            continue
        out.add(cur)
        stack.extend(nodes[cur].get("children") or [])
    return out


def retry_nodes(
    workflow: dict[str, Any], *, restart_successful: bool = False, selector: str | None = None
) -> dict[str, Any]:
    """Argo's ``FormulateRetryWorkflow``: the nodes a retried workflow starts from.

    Failed and errored leaf nodes (and, with ``restart_successful``, every node the selector matches, of any
    type: ``getNodeIDsToReset``, ``resetPath``) are removed with their descendants, exit-handler nodes are removed, and every ancestor of a removed node
    goes back to Running, so the engine walks down to the removed nodes again and re-creates them.
    """
    name = workflow["metadata"]["name"]
    nodes: dict[str, Any] = {
        k: dict(v) for k, v in ((workflow.get("status") or {}).get("nodes") or {}).items()
    }
    matched = {n["id"] for n in select_nodes(nodes, parse_node_selector(selector))} if selector else set()
    parents: dict[str, list[str]] = {}
    for nid, node in nodes.items():
        for child in node.get("children") or []:
            parents.setdefault(child, []).append(nid)
    remove: set[str] = set()
    for nid, node in nodes.items():
        phase = node.get("phase")
        leaf = node.get("type") in ("Pod", "Skipped", "Suspend", "HTTP", "Retry", "Container", "Plugin")
        on_exit = node.get("name", "").startswith(f"{name}.onExit") or ".onExit" in node.get("name", "")
        failed = (leaf and phase in ("Failed", "Error")) or phase == "Omitted"
        if on_exit or failed or (restart_successful and nid in matched):  # a matched node of any type
            remove |= _descendants(nodes, nid)
    # Every container node above a removed one runs again; leaf nodes above it (Argo links a step group
    # under the previous group's pods) are walked through but never reset.
    reset: set[str] = set()
    seen: set[str] = set()
    stack = [p for nid in remove for p in parents.get(nid, [])]
    while stack:
        cur = stack.pop()
        if cur in seen or cur in remove:
            continue
        seen.add(cur)
        if nodes[cur].get("type") in _CONTAINERS:
            reset.add(cur)
        stack.extend(parents.get(cur, []))
    out: dict[str, Any] = {}
    for nid, node in nodes.items():
        if nid in remove:
            continue
        if nid in reset or (node.get("type") in _CONTAINERS and node.get("phase") in ("Failed", "Error")):
            node["phase"] = "Running"
            node["finishedAt"] = None
            node.pop("message", None)
            node.pop("outputs", None)
            node["children"] = [c for c in node.get("children") or [] if c not in remove]
            node.pop("outboundNodes", None)
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
    pod, stamped now — and is not run again (a fulfilled node is taken as it is)."""
    nodes = (workflow.get("status") or {}).get("nodes") or {}
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
    """Argo's ``FormulateResubmitWorkflow``: a new workflow (``generateName: <name>-``) with the same spec."""
    meta = workflow["metadata"]
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in CONTROLLER_LABELS}
    labels["workflows.argoproj.io/resubmitted-from-workflow"] = meta["name"]
    spec = {k: v for k, v in (workflow.get("spec") or {}).items() if k not in ("shutdown", "suspend")}
    new = {
        "apiVersion": workflow.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": "Workflow",
        "metadata": {
            "generateName": meta["name"] + "-",
            "namespace": meta["namespace"],
            "labels": labels,
            "annotations": dict(meta.get("annotations") or {}),
        },
        "spec": spec,
    }
    apply_parameters(new, parameters)
    return new


def apply_parameters(workflow: dict[str, Any], parameters: list[str], path: str = "parameters") -> None:
    """``["name=value", …]`` replace (or add) ``spec.arguments.parameters`` (Argo's ``overrideParameters``)."""
    from argento.spec.submit import override_parameters, parse_parameter

    for i, item in enumerate(parameters):
        try:
            parse_parameter(item)
        except SpecError as exc:
            raise SpecError(exc.message, path=f"{path}[{i}]") from None
    override_parameters(workflow, parameters)
