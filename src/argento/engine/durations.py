"""Durations in the engine: the parser is :mod:`argento.durations` (one for everything); Argo's humanized
output is here, and ``resourcesDuration`` (below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from argento.durations import parse_duration
from argento.engine.nodes import NodeStatus, NodeType
from argento.resources import parse_quantity


def humanize(seconds: float) -> str:
    """Argo's humanized durations in messages ("Backoff for 2 seconds")."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        out = f"{minutes} minute{'s' if minutes != 1 else ''}"
        return out + (f" {sec} second{'s' if sec != 1 else ''}" if sec else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hour{'s' if hours != 1 else ''}" + (
        f" {minutes} minute{'s' if minutes != 1 else ''}" if minutes else ""
    )


# -- resourcesDuration ------------------------------------------------------------------------------------------
#: ``resourcesDuration``: what a pod's containers asked for, times how long the pod ran (Argo's
#: ``util/resource``: ``DurationForPod``, ``Summaries.Duration``, ``UpdateResourceDurations``).
#:
#: Every container counts 100m CPU and 100Mi memory unless its ``resources`` say otherwise (limits, then requests
#: over them, as Kubernetes takes a limit for a missing request). A resource's duration is its quantity over a
#: denominator (100Mi for memory, 10Gi for storage and ephemeral-storage, 1 for anything else) times the pod's
#: whole seconds. A Pod node keeps its own; a finished node of any other type the sum of the pods under it (each
#: counted once), and the workflow the sum of all its Pod nodes.

_DEFAULTS = {"cpu": 0.1, "memory": 100 * 2**20}
_DENOMINATORS = {"memory": 100 * 2**20, "storage": 10 * 2**30, "ephemeral-storage": 10 * 2**30}


def _containers(tmpl: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from tmpl.get("initContainers") or []
    for key in ("container", "script"):
        if isinstance(tmpl.get(key), Mapping):
            yield tmpl[key]
    yield from (tmpl.get("containerSet") or {}).get("containers") or []
    yield from tmpl.get("sidecars") or []


def pod_resources_duration(tmpl: Mapping[str, Any], seconds: float) -> dict[str, int]:
    """The ``resourcesDuration`` of a pod of ``tmpl`` that ran ``seconds``."""
    age = max(0, int(seconds))
    total: dict[str, int] = {}
    for container in _containers(tmpl):
        asked: dict[str, float] = dict(_DEFAULTS)
        resources = container.get("resources") or {}
        for part in ("limits", "requests"):
            for name, value in (resources.get(part) or {}).items():
                try:
                    asked[str(name)] = parse_quantity(value)
                except ValueError:
                    continue  # lint reports a bad quantity; it counts as nothing here
        for name, quantity in asked.items():
            # Go's integer milli-arithmetic: milli(quantity) * age / milli(denominator)
            share = round(quantity * 1000) * age // int(_DENOMINATORS.get(name, 1) * 1000)
            total[name] = total.get(name, 0) + share
    return total


def _add(into: dict[str, int], more: Mapping[str, int] | None) -> None:
    for name, value in (more or {}).items():
        into[name] = into.get(name, 0) + int(value)


def roll_up_resources_duration(nodes: Mapping[str, NodeStatus], *, nodes_too: bool = True) -> dict[str, int]:
    """Returns the workflow's ``resourcesDuration`` (every Pod node's); with ``nodes_too``, also sets each
    finished non-Pod node's to the sum of the pods under it."""
    total: dict[str, int] = {}
    for node in nodes.values():
        if node.type is NodeType.POD:
            _add(total, node.resources_duration)
        elif nodes_too and node.phase.fulfilled:
            below: dict[str, int] = {}
            seen: set[str] = set()
            stack = list(node.children)
            while stack:
                cid = stack.pop()
                if cid in seen or cid not in nodes:
                    continue
                seen.add(cid)
                child = nodes[cid]
                if child.type is NodeType.POD:
                    _add(below, child.resources_duration)
                stack.extend(child.children)
            node.resources_duration = below or None
    return total


__all__ = ["humanize", "parse_duration", "pod_resources_duration", "roll_up_resources_duration"]
