"""The deployment controller: converge running replicas to each deployment's desired state.

One reconcile loop (an asyncio task on the control plane's event loop) does, every ``interval``:

* **start** replicas a variant lacks (its replica count, or the autoscaler's), each on a free port, in the
  variant's *template* (what it runs: target, env, resources — :meth:`Variant.template_hash`);
* **probe** them: a dead process is a crash; ``/readyz`` 200 makes a starting replica routable; three
  failed probes make a ready one unroutable until it answers again;
* **restart** crashed replicas with exponential backoff (0.5 s doubling to 30 s, reset after 30 s healthy);
  the gateway stops sending to a crashed replica the moment the crash is seen (and retries what it had);
* **roll** (:func:`~argento.deploy.rollout.plan_variant`): replicas of an older template are drained only
  once the variant has as many *ready* replicas of the current template as it wants — new ready first, old
  out after (SPEC §6 R6);
* **drain**: a replica leaving is removed from the routing table first, then waited on until its in-flight
  requests finish, then SIGTERMed (the serving runtime drains again on its side), then reaped;
* **autoscale** variants with ``autoscaling`` on mean in-flight requests per replica over the last 3 s:
  up at once, down after a 10 s stabilisation window.

The routing table (:class:`~argento.deploy.routing.DeploymentRoute`) is rebuilt whenever the set of routable
replicas or the spec changes. The replica table is persisted so that a restarted control plane re-adopts
running replicas (:meth:`Backend.adopt`) instead of starting them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

from argento.deploy.autoscale import Autoscaler
from argento.deploy.backends.base import Backend, ReplicaHandle, ReplicaSpec
from argento.deploy.backends.local import free_port
from argento.deploy.gateway import Gateway
from argento.deploy.rollout import DRAINING, LIVE, READY, STARTING, STOPPING, UNREADY, plan_variant
from argento.deploy.routing import DeploymentRoute, Endpoint, VariantRoute
from argento.deploy.spec import DeploymentSpec, normalised_weights
from argento.deploy.state import StateStore
from argento.deploy.upstream import UpstreamError

log = logging.getLogger("argento.deploy")

_ids = itertools.count(1)


@dataclass
class Replica:
    """One replica process as the controller tracks it."""

    id: str
    deployment: str
    variant: str
    template_hash: str
    handle: ReplicaHandle
    endpoint: Endpoint
    state: str = STARTING
    started_at: float = field(default_factory=time.monotonic)
    ready_at: float | None = None
    failures: int = 0
    next_probe: float = 0.0
    deadline: float = 0.0
    restarts: int = 0

    def to_status(self) -> dict[str, Any]:
        """The replica as the API shows it."""
        return {
            "id": self.id,
            "variant": self.variant,
            "state": self.state,
            "url": self.handle.url,
            "pid": self.handle.pid,
            "port": self.handle.port,
            "template": self.template_hash,
            "inflight": self.endpoint.inflight,
            "restarts": self.restarts,
        }


@dataclass
class VariantState:
    """Per-variant bookkeeping: the replica count wanted now, crash backoff, autoscaler samples."""

    desired: int
    backoff: float = 0.0
    not_before: float = 0.0
    crashes: int = 0
    scaler: Autoscaler = field(default_factory=Autoscaler)


@dataclass
class Runtime:
    """What the controller holds for one deployment."""

    spec: DeploymentSpec
    revision: int
    replicas: dict[str, Replica] = field(default_factory=dict)
    variants: dict[str, VariantState] = field(default_factory=dict)
    deleting: bool = False


class Controller:
    """Reconciles every deployment's replicas on one event loop."""

    def __init__(
        self,
        state: StateStore,
        backends: Backend | dict[str, Backend],
        gateway: Gateway,
        *,
        interval: float = 0.1,
        probe_interval: float = 1.0,
        startup_timeout: float = 120.0,
        drain_timeout: float = 30.0,
        stop_timeout: float = 35.0,
        scale_down_delay: float = 10.0,
    ) -> None:
        self.state = state
        #: Backends by name (``spec.backend`` picks one): ``local`` here; ``ray`` / ``kubernetes`` plug in.
        self.backends = backends if isinstance(backends, dict) else {backends.name: backends}
        self.gateway = gateway
        self.interval = interval
        self.probe_interval = probe_interval
        self.startup_timeout = startup_timeout
        self.drain_timeout = drain_timeout
        self.stop_timeout = stop_timeout
        self.scale_down_delay = scale_down_delay
        self.runtimes: dict[str, Runtime] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._dirty_replicas = False

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self, specs: dict[str, tuple[DeploymentSpec, int]]) -> None:
        """Take over ``specs`` (name → (spec, revision)), re-adopt their live replicas, start the loop."""
        for name, (spec, revision) in specs.items():
            self.runtimes[name] = self._runtime(spec, revision)
        for record in self.state.load_replicas():
            rt = self.runtimes.get(str(record.get("deployment")))
            backend = self.backends.get(str(record.get("backend", "local")))
            handle = backend.adopt(record) if backend is not None else None
            if handle is None:
                continue
            if rt is None:  # a replica of a deployment deleted while we were down
                handle.signal_stop()
                continue
            rid = str(record.get("replica_id") or f"r{next(_ids)}")
            rep = Replica(
                rid,
                rt.spec.name,
                str(record.get("variant")),
                str(record.get("template_hash")),
                handle,
                Endpoint(rid, "127.0.0.1", handle.port),
            )
            rt.replicas[rid] = rep
            log.info(
                "re-adopted replica %s of %s (pid %s, port %s)", rid, rt.spec.name, handle.pid, handle.port
            )
        for rt in self.runtimes.values():
            await self._ensure_port(rt)
        self._dirty_replicas = True
        self._task = asyncio.create_task(self._loop(), name="argento-deploy-controller")

    async def close(self, *, stop_replicas: bool = False) -> None:
        """Stop the loop; with ``stop_replicas`` also stop every replica (else they wait to be re-adopted)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for rt in self.runtimes.values():
            await self._stop_port(rt)
            if stop_replicas:
                for rep in rt.replicas.values():
                    rep.handle.signal_stop()
        if stop_replicas:
            deadline = time.monotonic() + 10
            for rt in self.runtimes.values():
                for rep in rt.replicas.values():
                    while rep.handle.alive() and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                    if rep.handle.alive():
                        rep.handle.kill()
            self.state.save_replicas([])
        else:
            self._persist_replicas()
        await self.gateway.close()

    def _variant_state(self, desired: int) -> VariantState:
        return VariantState(desired, scaler=Autoscaler(delay=self.scale_down_delay))

    def _runtime(self, spec: DeploymentSpec, revision: int) -> Runtime:
        rt = Runtime(spec, revision)
        for v in spec.variants:
            rt.variants[v.name] = self._variant_state(spec.replicas_of(v))
        return rt

    # ---- desired state --------------------------------------------------------------------------------------

    async def apply(self, spec: DeploymentSpec, revision: int) -> None:
        """Make ``spec`` the desired state of its deployment (new, updated, scaled or re-weighted)."""
        rt = self.runtimes.get(spec.name)
        if rt is None:
            rt = self.runtimes[spec.name] = self._runtime(spec, revision)
        else:
            old_port = rt.spec.gateway_port
            rt.spec, rt.revision, rt.deleting = spec, revision, False
            for v in spec.variants:
                vs = rt.variants.get(v.name)
                if vs is None or spec.scaling_of(v) is None:
                    rt.variants[v.name] = self._variant_state(spec.replicas_of(v)) if vs is None else vs
                    rt.variants[v.name].desired = spec.replicas_of(v)
                else:
                    scaling = spec.scaling_of(v)
                    assert scaling is not None
                    vs.desired = min(max(vs.desired, scaling.min), scaling.max)
            for name in [n for n in rt.variants if n not in {v.name for v in spec.variants}]:
                del rt.variants[name]
            if old_port != spec.gateway_port:
                await self._stop_port(rt)
        await self._ensure_port(rt)
        self._rebuild_route(rt)
        self.wake()

    async def remove(self, name: str) -> None:
        """Drain and stop every replica of ``name``, then forget it."""
        rt = self.runtimes.get(name)
        if rt is None:
            return
        rt.deleting = True
        self.wake()

    def wake(self) -> None:
        """Run a reconcile pass now."""
        self._wake.set()

    # ---- the loop -------------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop supervision of every other replica
                log.exception("reconcile failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            self._wake.clear()

    async def reconcile(self) -> None:
        """One pass over every deployment."""
        now = time.monotonic()
        for name, rt in list(self.runtimes.items()):
            changed = await self._probe(rt, now)
            if rt.deleting:
                changed |= await self._delete_pass(rt, now)
                if not rt.replicas:
                    await self._stop_port(rt)
                    del self.runtimes[name]
                    self.gateway.forget(name)
                    self._dirty_replicas = True
                    continue
            else:
                self._autoscale(rt, now)
                changed |= await self._converge(rt, now)
            changed |= self._progress_drains(rt, now)
            if changed:
                self._rebuild_route(rt)
        if self._dirty_replicas:
            self._persist_replicas()

    async def _probe(self, rt: Runtime, now: float) -> bool:
        changed = False
        probes = []
        for rep in list(rt.replicas.values()):
            if rep.state in (DRAINING, STOPPING):
                continue
            if not rep.handle.alive():
                code = rep.handle.exit_code()
                log.warning("replica %s of %s/%s exited (%s)", rep.id, rt.spec.name, rep.variant, code)
                self._crashed(rt, rep, now)
                changed = True
                continue
            if rep.state == STARTING and now - rep.started_at > self.startup_timeout:
                log.warning(
                    "replica %s of %s did not become ready in %ss", rep.id, rt.spec.name, self.startup_timeout
                )
                rep.handle.kill()
                self._crashed(rt, rep, now)
                changed = True
                continue
            if now >= rep.next_probe:
                probes.append(rep)
        if probes:
            results = await asyncio.gather(*(self._ready(rep) for rep in probes))
            for rep, ok in zip(probes, results, strict=True):
                rep.next_probe = now + (self.interval if rep.state == STARTING else self.probe_interval)
                if ok:
                    rep.failures = 0
                    if rep.state != READY:
                        rep.state, rep.ready_at = READY, now
                        changed = True
                elif rep.state == READY:
                    rep.failures += 1
                    if rep.failures >= 3:
                        rep.state = UNREADY
                        changed = True
        for vs_name, vs in rt.variants.items():  # a variant healthy for 30 s forgets its crash history
            if vs.crashes and all(
                r.state == READY and r.ready_at and now - r.ready_at > 30
                for r in rt.replicas.values()
                if r.variant == vs_name
            ):
                vs.crashes, vs.backoff = 0, 0.0
        return changed

    @staticmethod
    async def _ready(rep: Replica) -> bool:
        try:
            response = await rep.endpoint.pool.request(
                b"GET", b"/readyz", [], b"", timeout=1.0, connect_timeout=0.5
            )
        except UpstreamError:
            return False
        return response.status == 200

    def _crashed(self, rt: Runtime, rep: Replica, now: float) -> None:
        rt.replicas.pop(rep.id, None)
        rep.endpoint.pool.close()
        self._dirty_replicas = True
        vs = rt.variants.get(rep.variant)
        if vs is not None:
            vs.crashes += 1
            vs.backoff = min(30.0, max(0.5, vs.backoff * 2)) if vs.crashes > 1 else 0.5
            vs.not_before = now + vs.backoff

    async def _converge(self, rt: Runtime, now: float) -> bool:
        spec = rt.spec
        changed = False
        wanted = {v.name for v in spec.variants}
        for rep in list(rt.replicas.values()):
            if rep.variant not in wanted and rep.state in LIVE:
                self._drain(rep, now)
                changed = True
        for v in spec.variants:
            vs = rt.variants[v.name]
            template = v.template_hash(spec)
            step = plan_variant(
                [r for r in rt.replicas.values() if r.variant == v.name],
                vs.desired,
                template,
                may_start=now >= vs.not_before,
            )
            for _ in range(step.start):
                await self._start(rt, v.name, template)
            for rid in step.drain:
                self._drain(rt.replicas[rid], now)
            changed |= bool(step.start or step.drain)
        return changed

    async def _start(self, rt: Runtime, variant_name: str, template: str) -> None:
        spec = rt.spec
        v = spec.variant(variant_name)
        rid = f"{spec.name}-{variant_name}-{os.getpid() % 10000:04d}{next(_ids):04d}"
        port = free_port()
        rs = ReplicaSpec(
            replica_id=rid,
            deployment=spec.name,
            variant=v.name,
            target=v.target,
            is_bento=bool(v.bento),
            template_hash=template,
            port=port,
            working_dir=v.working_dir,
            env={**spec.env, **v.env},
            resources=dict(spec.resources),
        )
        try:
            handle = await self.backends[spec.backend].start(rs)
        except Exception as exc:
            log.error("cannot start a replica of %s/%s: %s", spec.name, v.name, exc)
            vs = rt.variants[v.name]
            vs.crashes += 1
            vs.backoff = min(30.0, max(1.0, vs.backoff * 2))
            vs.not_before = time.monotonic() + vs.backoff
            return
        rep = Replica(rid, spec.name, v.name, template, handle, Endpoint(rid, "127.0.0.1", handle.port))
        rep.restarts = rt.variants[v.name].crashes
        rt.replicas[rid] = rep
        self._dirty_replicas = True

    def _drain(self, rep: Replica, now: float) -> None:
        rep.state = DRAINING
        rep.deadline = now + self.drain_timeout

    async def _delete_pass(self, rt: Runtime, now: float) -> bool:
        changed = False
        for rep in rt.replicas.values():
            if rep.state in LIVE:
                self._drain(rep, now)
                changed = True
        return changed

    def _progress_drains(self, rt: Runtime, now: float) -> bool:
        changed = False
        for rep in list(rt.replicas.values()):
            if rep.state == DRAINING and (rep.endpoint.inflight == 0 or now >= rep.deadline):
                rep.handle.signal_stop()
                rep.state, rep.deadline = STOPPING, now + self.stop_timeout
                changed = True
            elif rep.state == STOPPING:
                if rep.handle.alive() and now >= rep.deadline:
                    rep.handle.kill()
                if not rep.handle.alive():
                    del rt.replicas[rep.id]
                    rep.endpoint.pool.close()
                    self._dirty_replicas = True
                    changed = True
        return changed

    # ---- autoscaling ----------------------------------------------------------------------------------------

    def _autoscale(self, rt: Runtime, now: float) -> None:
        for v in rt.spec.variants:
            scaling = rt.spec.scaling_of(v)
            if scaling is None:
                continue
            ready = [r for r in rt.replicas.values() if r.variant == v.name and r.state == READY]
            vs = rt.variants[v.name]
            before = vs.desired
            vs.desired = vs.scaler.observe(sum(r.endpoint.inflight for r in ready), vs.desired, scaling, now)
            if vs.desired != before:
                log.info("autoscale %s/%s: %d -> %d replicas", rt.spec.name, v.name, before, vs.desired)

    # ---- routing table, status, persistence -----------------------------------------------------------------

    def _rebuild_route(self, rt: Runtime) -> None:
        spec = rt.spec
        weights = normalised_weights(spec)
        variants: list[VariantRoute] = []
        shadow: VariantRoute | None = None
        for v in spec.variants:
            eps = [r.endpoint for r in rt.replicas.values() if r.variant == v.name and r.state == READY]
            route = VariantRoute(
                v.name,
                weights[v.name],
                eps,
                self.gateway.metrics_for(spec.name, v.name, shadow=v.name == spec.shadow),
            )
            if v.name == spec.shadow:
                shadow = route
            else:
                variants.append(route)
            self.gateway.weights[(spec.name, v.name)] = weights[v.name]
            for state in (STARTING, READY, UNREADY, DRAINING, STOPPING):
                self.gateway.replica_states[(spec.name, v.name, state)] = sum(
                    1 for r in rt.replicas.values() if r.variant == v.name and r.state == state
                )
        if rt.deleting and not any(r.state == READY for r in rt.replicas.values()):
            self.gateway.routes.pop(spec.name, None)
            return
        self.gateway.routes[spec.name] = DeploymentRoute(
            spec.name,
            variants,
            mode=spec.routing,
            key=spec.routing_key,
            shadow=shadow,
            shadow_percent=spec.shadow_percent,
            retry_post=spec.retry_post,
        )

    def _persist_replicas(self) -> None:
        self._dirty_replicas = False
        rows = []
        for rt in self.runtimes.values():
            for rep in rt.replicas.values():
                rows.append(
                    {
                        **rep.handle.to_record(),
                        "replica_id": rep.id,
                        "deployment": rep.deployment,
                        "variant": rep.variant,
                        "template_hash": rep.template_hash,
                        "backend": rt.spec.backend,
                    }
                )
        try:
            self.state.save_replicas(rows)
        except OSError as exc:  # the next pass tries again
            self._dirty_replicas = True
            log.warning("cannot persist the replica table: %s", exc)

    def status(self, name: str) -> dict[str, Any]:
        """Live state of one deployment: replicas, per-variant counts, whether it converged."""
        rt = self.runtimes.get(name)
        if rt is None:
            return {"phase": "Deleted", "replicas": [], "variants": {}}
        variants = {}
        converged = not rt.deleting
        for v in rt.spec.variants:
            template = v.template_hash(rt.spec)
            reps = [r for r in rt.replicas.values() if r.variant == v.name]
            ready = sum(1 for r in reps if r.state == READY and r.template_hash == template)
            vs = rt.variants[v.name]
            outdated = sum(1 for r in reps if r.template_hash != template)
            extra = sum(1 for r in reps if r.template_hash == template and r.state != READY)
            variants[v.name] = {
                "desired": vs.desired,
                "ready": ready,
                "outdated": outdated,
                "restarts": vs.crashes,
                "template": template,
            }
            converged &= ready == vs.desired and not outdated and not extra
        # Degraded: replicas keep crashing and a variant is short of ready replicas (restarts back off).
        degraded = any(v["restarts"] and v["ready"] < v["desired"] for v in variants.values())
        phase = (
            "Deleting"
            if rt.deleting
            else "Available"
            if converged
            else "Degraded"
            if degraded
            else "Progressing"
        )
        return {
            "phase": phase,
            "revision": rt.revision,
            "converged": converged,
            "variants": variants,
            "replicas": [r.to_status() for r in rt.replicas.values()],
        }

    async def _ensure_port(self, rt: Runtime) -> None:
        if rt.spec.gateway_port:
            await self.gateway.open_port(rt.spec.name, rt.spec.gateway_port)

    async def _stop_port(self, rt: Runtime) -> None:
        await self.gateway.close_port(rt.spec.name)
