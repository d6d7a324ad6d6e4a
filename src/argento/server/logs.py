"""Workflow logs served from the executor's log files (``<ARGENTO_HOME>/runs/<wf>/<pod>/main.log``).

Entries are Argo's ``LogEntry`` (``{"content", "podName"}``), one per line, the lines of all pods merged by
the time they were written (each line's time comes from the log's index, `logread`; a log without one —
written before the index existed, or a sidecar's — takes its node's start time, so its lines keep their order
after the pods started before). ``timestamps`` prefixes the content with that time as the kubelet does
(``2026-01-02T03:04:05.123456789Z line``); a line the step wrote to stderr has ``"stream": "stderr"`` too
(Argento's addition, which the UI marks). ``follow`` keeps tailing every pod's file (new pods included) until
the workflow has finished and the files are drained, merging what each poll finds. ``grep`` is a regular
expression lines must match; ``tailLines`` keeps the last N lines of each pod; ``sinceSeconds`` only lines
newer than that.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argento.engine.nodes import fnv1a_32
from argento.errors import SpecError
from argento.executors.logcap import STDERR
from argento.paths import safe_join

from .logread import Line, LogTail, parse_time_ns, rfc3339nano

POLL = 0.1


@dataclass
class LogRequest:
    """What a log call asks for."""

    pod_name: str = ""
    container: str = "main"
    follow: bool = False
    tail_lines: int | None = None  # Kubernetes' tailLines: None keeps every line, 0 none
    grep: re.Pattern[str] | None = None
    timestamps: bool = False
    since_seconds: int = 0

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


def pods_of(workflow: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """``(pod name, node id, node name, start in ns)`` of every Pod node, in start order."""
    name = workflow["metadata"]["name"]
    nodes = [
        n for n in ((workflow.get("status") or {}).get("nodes") or {}).values() if n.get("type") == "Pod"
    ]
    nodes.sort(key=lambda n: (n.get("startedAt") or "", n["id"]))
    return [(pod_name(name, n), n["id"], n["name"], parse_time_ns(n.get("startedAt"))) for n in nodes]


def log_file(run_dir: Path, pod: str, node_name: str, container: str) -> Path:
    """The log file of a pod's container; falls back to the pod dir that ends with the node's hash."""
    filename = "main.log" if container in ("", "main") else f"{container}.log"
    # Contained in runs/, not in the workflow's folder: a rerun's reused pod folder links to the original's.
    path = safe_join(run_dir.parent, run_dir.name, pod, filename, what="pod or container name")
    if path.exists() or not run_dir.is_dir():
        return path
    suffix = f"-{fnv1a_32(node_name)}"
    for entry in run_dir.iterdir():
        if entry.name.endswith(suffix):
            return entry / filename
    return path


def _select(workflow: dict[str, Any], wanted: str) -> list[tuple[str, str, str, int]]:
    pods = pods_of(workflow)
    if not wanted:
        return pods
    return [p for p in pods if wanted in (p[0], p[1])] or [(wanted, wanted, "", 0)]


async def log_entries(
    get_workflow: Callable[[], dict[str, Any]],
    finished: Callable[[], bool],
    run_dir: Path,
    req: LogRequest,
) -> AsyncIterator[dict[str, str]]:
    """Yield ``{"content", "podName"}`` entries (following the workflow with ``req.follow``)."""
    tails: dict[str, LogTail] = {}
    first = True
    since = time.time_ns() - req.since_seconds * 1_000_000_000 if req.since_seconds else 0
    while True:
        done = finished()  # read before the files, so nothing written after it is missed
        workflow = get_workflow()
        batch: list[tuple[int, int, int, str, Line]] = []
        for order, (pod, _nid, node_name, started) in enumerate(_select(workflow, req.pod_name)):
            tail = tails.get(pod)
            if tail is None:
                path = log_file(run_dir, pod, node_name, req.container)
                tail = tails[pod] = LogTail(path, fallback_ns=started)
            lines = tail.read(final=done or not req.follow)
            if first and req.tail_lines is not None:
                lines = lines[len(lines) - req.tail_lines :] if req.tail_lines < len(lines) else lines
            batch.extend(
                (line.ns, order, seq, pod, line)
                for seq, line in enumerate(lines)
                if line.ns >= since and (req.grep is None or req.grep.search(line.text))
            )
        first = False
        batch.sort(key=lambda item: item[:3])  # by time; a pod's lines of the same time keep their order
        for _ns, _order, _seq, pod, line in batch:
            yield _entry(pod, line, req.timestamps)
        if not req.follow or (done and not batch):
            return
        await asyncio.sleep(POLL)


def _entry(pod: str, line: Line, timestamps: bool) -> dict[str, str]:
    content = f"{rfc3339nano(line.ns)} {line.text}" if timestamps else line.text
    entry = {"content": content, "podName": pod}
    if line.stream == STDERR:
        entry["stream"] = "stderr"  # Argento's addition to Argo's LogEntry (the UI marks these lines)
    return entry
