"""Local mutexes and semaphores (Argo's ``synchronization``), shared by every workflow of one process.

Keys follow Argo: ``<namespace>/Mutex/<name>`` and ``<namespace>/ConfigMap/<configmap>/<key>``; a semaphore's
limit comes from a ConfigMap given with the workflow (there is no cluster to read it from).
"""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeType
from argento.errors import SpecError

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext


@dataclass
class _Lock:
    limit: int
    holders: set[str] = field(default_factory=set)
    waiters: collections.deque[tuple[str, asyncio.Future[None]]] = field(default_factory=collections.deque)


Held = list[tuple[str, str]]


class LockManager:
    """Fair FIFO mutexes and semaphores keyed by Argo's lock names."""

    def __init__(self, configmaps: dict[str, dict[str, str]] | None = None) -> None:
        self.configmaps = configmaps or {}
        self._locks: dict[str, _Lock] = {}

    def _keys(self, namespace: str, sync: dict[str, Any] | None) -> list[tuple[str, int]]:
        if not sync:
            return []
        out: list[tuple[str, int]] = []
        mutexes = list(sync.get("mutexes") or []) + ([sync["mutex"]] if sync.get("mutex") else [])
        for mutex in mutexes:
            ns = mutex.get("namespace") or namespace
            out.append((f"{ns}/Mutex/{mutex.get('name', '')}", 1))
        semaphores = list(sync.get("semaphores") or []) + (
            [sync["semaphore"]] if sync.get("semaphore") else []
        )
        for sem in semaphores:
            ref = sem.get("configMapKeyRef") or {}
            ns = sem.get("namespace") or namespace
            cm = self.configmaps.get(ref.get("name", ""))
            if cm is None or ref.get("key") not in cm:
                raise SpecError(
                    f"failed to get semaphore limit: ConfigMap '{ref.get('name')}' key '{ref.get('key')}' not found "
                    "(give the ConfigMap in the same file or with --templates)"
                )
            try:
                limit = int(cm[ref["key"]])
            except ValueError as exc:
                raise SpecError(f"semaphore limit {cm[ref['key']]!r} is not an integer") from exc
            out.append((f"{ns}/ConfigMap/{ref['name']}/{ref['key']}", limit))
        return out

    async def _acquire(self, key: str, limit: int, holder: str, on_wait: Any = None) -> None:
        lock = self._locks.setdefault(key, _Lock(limit))
        lock.limit = limit
        if holder in lock.holders:
            return
        if len(lock.holders) < lock.limit and not lock.waiters:
            lock.holders.add(holder)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lock.waiters.append((holder, fut))
        if on_wait is not None:
            on_wait(key, lock)
        try:
            await fut
        except asyncio.CancelledError:
            if (holder, fut) in lock.waiters:
                lock.waiters.remove((holder, fut))
            lock.holders.discard(holder)
            raise

    def _release(self, key: str, holder: str) -> None:
        lock = self._locks.get(key)
        if lock is None:
            return
        lock.holders.discard(holder)
        while lock.waiters and len(lock.holders) < lock.limit:
            nxt, fut = lock.waiters.popleft()
            if not fut.done():
                lock.holders.add(nxt)
                fut.set_result(None)

    def release(self, held: Held | None) -> None:
        for key, holder in held or []:
            self._release(key, holder)

    async def acquire_template(self, run: RunContext, call: Call) -> Held:
        """Acquire a template's locks; the node shows Pending with Argo's message while it waits."""
        tmpl = call.template
        sync = tmpl.get("synchronization")
        legacy = {k: tmpl[k] for k in ("mutex", "semaphore") if tmpl.get(k)}
        keys = self._keys(run.workflow["metadata"]["namespace"], sync or legacy or None)
        if not keys:
            return []
        holder = f"{run.workflow['metadata']['namespace']}/{run.name}/{run.state.id_of(call.node_name)}"

        def on_wait(key: str, lock: _Lock) -> None:
            node = run.state.by_name(call.node_name)
            if node is None:
                from argento.engine.resolve import template_type

                kind = template_type(tmpl)
                node_type = {"steps": NodeType.STEPS, "dag": NodeType.DAG}.get(kind or "", NodeType.POD)
                node = run.state.init_node(
                    call.node_name, node_type, phase=NodePhase.PENDING, **call.init_kwargs()
                )
            run.state.mark(
                node,
                NodePhase.PENDING,
                f"Waiting for {key} lock. Lock status: {lock.limit - len(lock.holders)}/{lock.limit}",
            )

        held: Held = []
        try:
            for key, limit in keys:
                await self._acquire(key, limit, holder, on_wait)
                held.append((key, holder))
        except BaseException:
            self.release(held)
            raise
        node = run.state.by_name(call.node_name)
        if node is not None and node.phase is NodePhase.PENDING:
            run.state.mark(node, NodePhase.PENDING, "")
        return held

    async def acquire_workflow(self, run: RunContext) -> Held:
        """Workflow-level ``spec.synchronization``."""
        keys = self._keys(run.workflow["metadata"]["namespace"], run.spec.get("synchronization"))
        holder = f"{run.workflow['metadata']['namespace']}/{run.name}"
        held: Held = []
        for key, limit in keys:
            await self._acquire(key, limit, holder)
            held.append((key, holder))
        return held

    def release_workflow(self, run: RunContext, held: Held) -> None:
        self.release(held)
