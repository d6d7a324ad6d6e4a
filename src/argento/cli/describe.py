"""``argento describe pod POD``: what ``kubectl describe pod`` shows of a workflow step, from the workflow's status.

A pod name is Argo's (``<workflow>-<template>-<hash>``, as ``argento get`` and ``argento logs`` print it). The
step's container (image, command, arguments, resources, environment — secret values never shown), its phase,
message, exit code, host and times, and the events Kubernetes would have recorded for it (scheduled, started,
completed or failed).
"""

from __future__ import annotations

from typing import Any

import click

from argento.cli.remote import (
    connection_options,
    echo_lines,
    emit,
    locate_namespaces,
    name_of,
    output_option,
    since,
)
from argento.cli.tree import pod_name
from argento.client import ArgoClient
from argento.client.workflows import LIST_FIELDS
from argento.errors import NotFound


def find_pod(client: ArgoClient, pod: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(workflow, node)`` of pod ``pod`` in the client's namespace (or, without ``-n``, any namespace)."""
    for namespace in locate_namespaces(client):
        for item in client.workflows.list(namespace=namespace, fields=LIST_FIELDS):
            name = name_of(item)
            if not (pod == name or pod.startswith(name + "-")):
                continue
            wf = client.workflows.get(name, namespace=namespace)
            for node in ((wf.get("status") or {}).get("nodes") or {}).values():
                if node.get("type") == "Pod" and pod_name(wf, node) == pod:
                    return wf, node
    where = (
        f'namespace "{client.namespace}"' if getattr(client, "explicit_namespace", True) else "any namespace"
    )
    raise NotFound(f'pod "{pod}" not found in {where} (`argento get WORKFLOW` lists the pods of a workflow)')


def _template(wf: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    name = node.get("templateName") or (node.get("templateRef") or {}).get("template")
    stored = (wf.get("status") or {}).get("storedTemplates") or {}
    for tmpl in [*((wf.get("spec") or {}).get("templates") or []), *stored.values()]:
        if tmpl.get("name") == name:
            return tmpl
    return {}


def _env_line(var: dict[str, Any]) -> str:
    if "value" in var:
        return f"{var.get('name')}: {var['value']}"
    source = var.get("valueFrom") or {}
    if source.get("secretKeyRef"):
        ref = source["secretKeyRef"]
        return f"{var.get('name')}: <set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>"
    if source.get("configMapKeyRef"):
        ref = source["configMapKeyRef"]
        return f"{var.get('name')}: <set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>"
    if source.get("fieldRef"):
        return f"{var.get('name')}:  ({source['fieldRef'].get('fieldPath')})"
    return f"{var.get('name')}: <unset>"


def describe_lines(wf: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """``kubectl describe pod``'s layout for one step."""
    meta = wf.get("metadata") or {}
    tmpl = _template(wf, node)
    container = tmpl.get("container") or tmpl.get("script") or {}
    pod, phase = pod_name(wf, node), node.get("phase", "")
    exit_code = (node.get("outputs") or {}).get("exitCode")
    resources = container.get("resources") or {}
    lines = [
        f"Name:         {pod}",
        f"Namespace:    {meta.get('namespace', '')}",
        f"Node:         {node.get('hostNodeName') or '-'}",
        f"Start Time:   {node.get('startedAt') or '-'}",
        f"Labels:       workflows.argoproj.io/workflow={meta.get('name', '')}",
        f"Annotations:  workflows.argoproj.io/node-id={node.get('id', '')}",
        f"              workflows.argoproj.io/node-name={node.get('name', '')}",
        f"Status:       {phase}",
    ]
    if node.get("message"):
        lines.append(f"Message:      {node['message']}")
    lines += ["Containers:", "  main:", f"    Image:      {container.get('image', '')}"]
    if container.get("command"):
        lines += ["    Command:", *(f"      {c}" for c in container["command"])]
    if container.get("args"):
        lines += ["    Args:", *(f"      {a}" for a in container["args"])]
    if tmpl.get("script") is not None:
        lines.append("    Script:     (source written to a file and passed as the last argument)")
    state = "Terminated" if node.get("finishedAt") else ("Running" if phase == "Running" else "Waiting")
    lines.append(f"    State:      {state}")
    if exit_code is not None:
        lines.append(f"      Exit Code:  {exit_code}")
    if node.get("finishedAt"):
        lines.append(f"      Finished:   {node['finishedAt']}")
    for kind in ("limits", "requests"):
        if resources.get(kind):
            lines.append(f"    {kind.capitalize()}:")
            lines += [f"      {k}: {v}" for k, v in resources[kind].items()]
    env = container.get("env") or []
    lines.append("    Environment:" if env else "    Environment:  <none>")
    lines += [f"      {_env_line(v)}" for v in env]
    lines += ["Events:", "  Type     Reason     Age    Message", "  ----     ------     ----   -------"]
    started = node.get("startedAt")
    if started:
        lines.append(
            f"  Normal   Scheduled  {since(started):<6} Successfully assigned {meta.get('namespace')}/{pod} "
            f"to {node.get('hostNodeName') or 'this machine'}"
        )
        lines.append(f"  Normal   Started    {since(started):<6} Started container main")
    finished = node.get("finishedAt")
    if finished and phase == "Succeeded":
        lines.append(
            f"  Normal   Completed  {since(finished):<6} Container main exited with code {exit_code or 0}"
        )
    elif finished:
        lines.append(f"  Warning  {phase:<10} {since(finished):<6} {node.get('message') or 'failed'}")
    elif not started:
        lines.append(f"  Normal   Pending    -      {node.get('message') or 'waiting to be scheduled'}")
    return lines


@click.group("describe")
def describe() -> None:
    """Show details of a resource, as `kubectl describe` does.

    \b
    Example:
      argento describe pod ml-pipeline-x7k2p-train-model-2723597687 -n mlops
    """


@describe.command("pod")
@click.argument("pod")
@output_option(("json", "yaml"))
@connection_options
def describe_pod(client: ArgoClient, pod: str, output: str | None) -> None:
    """Show one workflow step (its pod): container, status, exit code, events.

    \b
    Examples:
      argento describe pod ml-pipeline-x7k2p-train-model-2723597687 -n mlops
      argento describe pod ml-pipeline-x7k2p-train-model-2723597687 -o json
    """
    wf, node = find_pod(client, pod)
    if output:
        emit(
            {
                "pod": pod_name(wf, node),
                "workflow": name_of(wf),
                "namespace": (wf.get("metadata") or {}).get("namespace"),
                "node": node,
                "template": _template(wf, node),
            },
            output,
        )
    else:
        echo_lines(describe_lines(wf, node))


__all__ = ["describe", "describe_lines", "find_pod"]
