"""``argo get``-style rendering of a workflow's node tree (shared by ``run``, ``get`` and ``watch``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

ICONS = {
    "Succeeded": "✔",
    "Failed": "✖",
    "Error": "⚠",
    "Running": "●",
    "Pending": "◷",
    "Skipped": "○",
    "Omitted": "○",
}


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start:
        return None
    try:
        t0 = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ")
        t1 = datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ") if end else datetime.utcnow()
    except ValueError:
        return None
    return (t1 - t0).total_seconds()


def duration_text(start: str | None, end: str | None) -> str:
    secs = _seconds(start, end)
    if secs is None:
        return ""
    secs = int(secs)
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m{secs % 60}s"
    return f"{secs // 3600}h{(secs % 3600) // 60}m"


def _children(nodes: dict[str, dict[str, Any]], node: dict[str, Any]) -> list[dict[str, Any]]:
    """Children shown under a node: its own children within its boundary, as ``argo get`` nests them."""
    return [nodes[c] for c in node.get("children") or [] if c in nodes]


def render_tree(wf: dict[str, Any], *, wide: bool = False) -> list[str]:
    """Lines of the STEP/TEMPLATE/PODNAME/DURATION/MESSAGE table, like ``argo get``."""
    status = wf.get("status") or {}
    nodes: dict[str, dict[str, Any]] = status.get("nodes") or {}
    name = (wf.get("metadata") or {}).get("name", "")
    root = nodes.get(name)
    rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()

    def visit(node: dict[str, Any], prefix: str, last: bool, top: bool) -> None:
        if node["id"] in seen:
            return
        seen.add(node["id"])
        icon = ICONS.get(node.get("phase", ""), "?")
        branch = "" if top else ("└─" if last else "├─")
        label = f"{prefix}{branch}{icon} {node.get('displayName', node['name'])}"
        pod = ""
        if node.get("type") == "Pod":
            tmpl = node.get("templateName") or (node.get("templateRef") or {}).get("template", "")
            pod = _pod_name(name, node["name"], tmpl)
        rows.append(
            (
                label,
                node.get("templateName") or (node.get("templateRef") or {}).get("template", ""),
                pod,
                duration_text(node.get("startedAt"), node.get("finishedAt"))
                if node.get("type") == "Pod"
                else "",
                node.get("message", "") or reuse_marker(node),
            )
        )
        kids = [k for k in _children(nodes, node) if k["id"] not in seen]
        # StepGroups are shown flattened, as argo does: their children appear at the group's level.
        for i, kid in enumerate(kids):
            child_prefix = prefix if top else prefix + ("  " if last else "│ ")
            visit(kid, child_prefix, i == len(kids) - 1, False)

    if root is not None:
        visit(root, " ", True, True)
    for node in nodes.values():  # hooks/exit handlers attached to nothing
        if node["id"] not in seen and not node.get("boundaryID"):
            visit(node, " ", True, True)
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=False)]
    out = []
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
        out.append("  ".join(cells).rstrip())
    return out


def reuse_marker(node: dict[str, Any]) -> str:
    """``reused from WF`` (a rerun kept the node), ``cached`` (a cache hit) or ``memoized``; else empty."""
    memo = node.get("memoizationStatus") or {}
    if not memo.get("hit"):
        return ""
    if memo.get("cacheName") == "argento-rerun":
        return f"reused from {str(memo.get('key', '')).split('/')[0]}"
    return "cached" if memo.get("cacheName") == "argento-cache" else "memoized"


def _pod_name(wf_name: str, node_name: str, template: str) -> str:
    from argento.engine.nodes import fnv1a_32

    if node_name == wf_name:
        return wf_name
    prefix = f"{wf_name}-{template}" if template else wf_name
    return f"{prefix[:242]}-{fnv1a_32(node_name)}"  # Argo truncates the prefix to fit 253 characters


def pod_name(wf: dict[str, Any], node: dict[str, Any]) -> str:
    """The pod a ``Pod`` node of ``wf`` ran in, by Argo's v2 pod names (``<wf>-<template>-<fnv32(node)>``)."""
    template = node.get("templateName") or (node.get("templateRef") or {}).get("template", "")
    return _pod_name((wf.get("metadata") or {}).get("name", ""), node.get("name", ""), template)


def workflow_status(wf: dict[str, Any]) -> str:
    """Argo's ``printer.WorkflowStatus``: the phase, ``Running (Suspended)`` while ``spec.suspend`` is set or a
    suspend node is waiting, ``Failed (Terminated)`` once stopped or terminated, ``Pending``/``Unknown``."""
    status = wf.get("status") or {}
    spec = wf.get("spec") or {}
    phase = status.get("phase") or ""
    if phase == "Running" and (
        spec.get("suspend")
        or any(
            n.get("type") == "Suspend" and n.get("phase") == "Running"
            for n in (status.get("nodes") or {}).values()
        )
    ):
        return "Running (Suspended)"
    if phase == "Failed" and spec.get("shutdown"):
        return "Failed (Terminated)"
    if phase in ("", "Pending", "Unknown"):
        return "Pending" if (wf.get("metadata") or {}).get("creationTimestamp") else "Unknown"
    return str(phase)


def service_account(wf: dict[str, Any]) -> str:
    """``argo get``'s ServiceAccount: the one the workflow runs with, or what it falls back to."""
    spec = wf.get("spec") or {}
    stored = (wf.get("status") or {}).get("storedWorkflowTemplateSpec") or {}
    account = stored.get("serviceAccountName") or spec.get("serviceAccountName")
    if account:
        return str(account)
    return "unset" if spec.get("workflowTemplateRef") else "unset (will run with the default ServiceAccount)"


def _field(label: str, value: Any) -> str:
    """One line of the summary: Go's ``%-20s %v``."""
    return f"{label:<20} {value}".rstrip()


def render_summary(wf: dict[str, Any]) -> list[str]:
    """The header block of ``argo get`` (``common.PrintWorkflowHelper``)."""
    meta = wf.get("metadata") or {}
    status = wf.get("status") or {}
    lines = [
        _field("Name:", meta.get("name", "")),
        _field("Namespace:", meta.get("namespace", "")),
        _field("ServiceAccount:", service_account(wf)),
        _field("Status:", workflow_status(wf)),
    ]
    if status.get("message"):
        lines.append(_field("Message:", status["message"]))
    lines += render_conditions(status.get("conditions") or [])
    lines += [
        _field("Created:", meta.get("creationTimestamp", "")),
        _field("Started:", status.get("startedAt", "")),
        _field("Finished:", status.get("finishedAt") or ""),
        _field("Duration:", duration_text(status.get("startedAt"), status.get("finishedAt"))),
        _field("Progress:", status.get("progress", "")),
    ]
    exec_spec = status.get("storedWorkflowTemplateSpec") or wf.get("spec") or {}
    params = [p for p in (exec_spec.get("arguments") or {}).get("parameters") or [] if "value" in p]
    if params:
        lines.append("Parameters:")
        lines += [_field(f"  {p.get('name')}:", p["value"]) for p in params]
    outs = (status.get("outputs") or {}).get("parameters") or []
    if outs:
        lines.append("Outputs:")
        lines += [f"  {p.get('name')}: {p.get('value', '')}" for p in outs]
    runs = mlflow_runs(wf)
    if runs:
        lines.append("MLflow runs:")
        lines += [f"  {step}: {url}" for step, url in runs]
    return lines


_CONDITION_ICONS = {"SpecWarning": "⚠", "MetricsError": "✖"}


def render_conditions(conditions: list[dict[str, Any]]) -> list[str]:
    """``argo get``'s ``Conditions:`` block (``Conditions.DisplayString``): icon, type, message or status."""
    if not conditions:
        return []
    lines = ["Conditions:"]
    for c in conditions:
        prefix = f"{_CONDITION_ICONS.get(str(c.get('type')), '')} {c.get('type', '')}"
        lines.append(f"{prefix:<20} {c.get('message') or c.get('status', '')}")
    return lines


def mlflow_runs(wf: dict[str, Any]) -> list[tuple[str, str]]:
    """(step, MLflow run URL) of the steps that created an MLflow run (``mlflow-run-url``, argento.tracking)."""
    out = []
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        for param in (node.get("outputs") or {}).get("parameters") or []:
            if param.get("name") == "mlflow-run-url" and param.get("value"):
                out.append((node.get("displayName") or node.get("name", ""), str(param["value"])))
    return sorted(out)
