"""Workflow logs served from the executor's log files (``<ARGENTO_HOME>/runs/<wf>/<pod>/main.log``).

Entries are Argo's ``LogEntry`` (``{"content", "podName"}``), one per line, pod by pod in start order.
``follow`` keeps tailing every pod's file (new pods included) until the workflow has finished and the files
are drained. ``grep`` is a regular expression lines must match; ``tailLines`` keeps the last N lines of
each pod.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argento.engine.nodes import fnv1a_32
from argento.errors import SpecError

POLL = 0.1


@dataclass
class LogRequest:
    """What a log call asks for."""

    pod_name: str = ""
    container: str = "main"
    follow: bool = False
    tail_lines: int = 0
    grep: re.Pattern[str] | None = None

    @staticmethod
    def compile(pattern: str | None) -> re.Pattern[str] | None:
        if not pattern:
            return None
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise SpecError(f"invalid grep pattern {pattern!r}: {exc}", path="grep") from None


def pod_name(workflow_name: str, node: dict[str, Any]) -> str:
    """Argo's v2 pod name of a Pod node: ``<wf>-<template>-<fnv32(node name)>``."""
    if node["name"] == workflow_name:
        return workflow_name
    template = node.get("templateName") or (node.get("templateRef") or {}).get("template")
    prefix = f"{workflow_name}-{template}" if template else workflow_name
    return f"{prefix[:242]}-{fnv1a_32(node['name'])}"


def pods_of(workflow: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(pod name, node id, node name)`` of every Pod node, in start order."""
    name = workflow["metadata"]["name"]
    nodes = [
        n for n in ((workflow.get("status") or {}).get("nodes") or {}).values() if n.get("type") == "Pod"
    ]
    nodes.sort(key=lambda n: (n.get("startedAt") or "", n["id"]))
    return [(pod_name(name, n), n["id"], n["name"]) for n in nodes]


def log_file(run_dir: Path, pod: str, node_name: str, container: str) -> Path:
    """The log file of a pod's container; falls back to the pod dir that ends with the node's hash."""
    filename = "main.log" if container in ("", "main") else f"{container}.log"
    path = run_dir / pod / filename
    if path.exists() or not run_dir.is_dir():
        return path
    suffix = f"-{fnv1a_32(node_name)}"
    for entry in run_dir.iterdir():
        if entry.name.endswith(suffix):
            return entry / filename
    return path


def _select(workflow: dict[str, Any], wanted: str) -> list[tuple[str, str, str]]:
    pods = pods_of(workflow)
    if not wanted:
        return pods
    return [p for p in pods if wanted in (p[0], p[1])] or [(wanted, wanted, "")]


async def log_entries(
    get_workflow: Callable[[], dict[str, Any]],
    finished: Callable[[], bool],
    run_dir: Path,
    req: LogRequest,
) -> AsyncIterator[dict[str, str]]:
    """Yield ``{"content", "podName"}`` entries (following the workflow with ``req.follow``)."""
    offsets: dict[str, int] = {}
    partial: dict[str, str] = {}
    first = True
    while True:
        done = finished()  # read before the files, so nothing written after it is missed
        workflow = get_workflow()
        produced = False
        for pod, _nid, node_name in _select(workflow, req.pod_name):
            path = log_file(run_dir, pod, node_name, req.container)
            try:
                with path.open("rb") as fh:
                    fh.seek(offsets.get(pod, 0))
                    data = fh.read()
            except OSError:
                continue
            if not data:
                continue
            offsets[pod] = offsets.get(pod, 0) + len(data)
            text = partial.pop(pod, "") + data.decode("utf-8", "replace")
            lines = text.split("\n")
            if not text.endswith("\n"):
                partial[pod] = lines.pop()
                if done:
                    lines.append(partial.pop(pod))
            elif lines and lines[-1] == "":
                lines.pop()
            if first and req.tail_lines:
                lines = lines[-req.tail_lines :]
            for line in lines:
                if req.grep is None or req.grep.search(line):
                    produced = True
                    yield {"content": line, "podName": pod}
        first = False
        if not req.follow or (done and not produced):
            for pod, rest in partial.items():
                if rest and (req.grep is None or req.grep.search(rest)):
                    yield {"content": rest, "podName": pod}
            return
        await asyncio.sleep(POLL)
