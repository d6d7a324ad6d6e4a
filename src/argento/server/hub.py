"""Fan-out of workflow watch events and Kubernetes-style events to streaming clients.

Node transitions arrive many per second; a watcher wants the latest workflow, not every intermediate one.
So a change only marks the workflow dirty, and one flush per ``interval`` sends each dirty workflow once
(built once, for all subscribers). Nothing is built when nobody watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argento.store.base import now_rfc3339
from argento.store.selectors import FieldRequirement, Requirement, matches_fields, matches_labels

Snapshot = Callable[[], dict[str, Any] | None]

#: Events kept per subscriber before the oldest are dropped (a slow client loses history, not memory).
QUEUE_LIMIT = 1000


@dataclass
class Subscriber:
    """One streaming client: a namespace ("" for all), selectors, and a queue of ``result`` objects."""

    kind: str  # "workflow" | "event"
    namespace: str
    labels: list[Requirement] = field(default_factory=list)
    fields: list[FieldRequirement] = field(default_factory=list)
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def wants(self, resource: dict[str, Any]) -> bool:
        meta = resource.get("metadata") or {}
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        return matches_labels(self.labels, meta.get("labels")) and matches_fields(self.fields, resource)

    def put(self, item: dict[str, Any]) -> None:
        if self.queue.qsize() >= QUEUE_LIMIT:
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(item)


class Hub:
    """Publishes ``{"type", "object"}`` workflow events and Kubernetes ``Event`` objects."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._subs: list[Subscriber] = []
        self._dirty: dict[str, Snapshot] = {}
        self._flush: asyncio.TimerHandle | None = None
        self._seq = itertools.count(1)

    @property
    def watching(self) -> bool:
        return bool(self._subs)

    def subscribe(self, sub: Subscriber) -> Subscriber:
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with contextlib.suppress(ValueError):
            self._subs.remove(sub)

    # -- workflows -------------------------------------------------------------------------------------------
    def publish(self, event_type: str, workflow: dict[str, Any]) -> None:
        """Send ``ADDED``/``MODIFIED``/``DELETED`` now (to workflow watchers)."""
        if not self._subs:
            return
        item = {"type": event_type, "object": workflow}
        for sub in self._subs:
            if sub.kind == "workflow" and sub.wants(workflow):
                sub.put(item)

    def touch(self, key: str, snapshot: Snapshot) -> None:
        """The workflow changed: send one ``MODIFIED`` with its state at the next flush."""
        if not self._subs:
            return
        self._dirty[key] = snapshot
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(self.interval, self._send_dirty)

    def _send_dirty(self) -> None:
        self._flush = None
        dirty, self._dirty = self._dirty, {}
        for snapshot in dirty.values():
            workflow = snapshot()
            if workflow is not None:
                self.publish("MODIFIED", workflow)

    # -- Kubernetes events -------------------------------------------------------------------------------------
    def event(
        self,
        workflow: dict[str, Any],
        reason: str,
        message: str,
        *,
        warning: bool = False,
        annotations: dict[str, str] | None = None,
    ) -> None:
        """A Kubernetes ``Event`` about a workflow (Argo's ``WorkflowRunning``, ``WorkflowNodeSucceeded``, …)."""
        if not any(s.kind == "event" for s in self._subs):
            return
        meta = workflow.get("metadata") or {}
        now = now_rfc3339()
        obj = {
            "metadata": {
                "name": f"{meta.get('name')}.{next(self._seq):x}",
                "namespace": meta.get("namespace"),
                **({"annotations": dict(annotations)} if annotations else {}),
            },
            "involvedObject": {
                "kind": "Workflow",
                "namespace": meta.get("namespace"),
                "name": meta.get("name"),
                "uid": meta.get("uid"),
                "apiVersion": "argoproj.io/v1alpha1",
            },
            "reason": reason,
            "message": message,
            "source": {"component": "workflow-controller"},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": "Warning" if warning else "Normal",
        }
        for sub in self._subs:
            if sub.kind == "event" and (not sub.namespace or sub.namespace == meta.get("namespace")):
                sub.put(obj)
