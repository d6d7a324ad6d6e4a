"""The deployment controller: converge running replicas to each deployment's desired state.

One reconcile loop (an asyncio task on the control plane's event loop) does, every ``interval``:

* **start** replicas a variant lacks (its replica count, or the autoscaler's), each on a free port, in the
  variant's *template* (what it runs: target, env, resources — :meth:`Variant.template_hash`);
* **probe** them: a dead process is a crash; ``/readyz`` 200 makes a starting replica routable; three
  failed probes make a ready one unroutable until it answers again;
* **restart** crashed replicas as the kubelet does (:mod:`argento.backoff`): the first restart at once,
  then after 10 s doubling to 5 min (``CrashLoopBackOff``), starting over once a replica ran fine for
  10 min; restarts are counted per variant, and a variant that is short of ready replicas because they
  crash is ``Degraded`` with the last exit reason and log lines in its status. The gateway stops sending to
  a crashed replica the moment the crash is seen (and retries what it had);
* **roll** (:func:`~argento.deployments.rollout.plan_variant`): replicas of an older template are drained only
  once the variant has as many *ready* replicas of the current template as it wants — new ready first, old
  out after (SPEC §6 R6);
* **drain**: a replica leaving is removed from the routing table first, then waited on until its in-flight
  requests finish, then SIGTERMed (the serving runtime drains again on its side), then reaped;
* **autoscale** variants with ``autoscaling`` on mean in-flight requests per replica over the last 3 s:
  up at once, down after a 10 s stabilisation window.

The routing table (:class:`~argento.deployments.routing.DeploymentRoute`) is rebuilt whenever the set of routable
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

from argento.backoff import BackoffPolicy, CrashLoop, exit_reason
from argento.deployments.autoscale import Autoscaler
from argento.deployments.backends.base import Backend, ReplicaHandle, ReplicaSpec
from argento.deployments.backends.local import free_port
from argento.deployments.gateway import Gateway
from argento.deployments.rollout import DRAINING, LIVE, READY, STARTING, STOPPING, UNREADY, plan_variant
from argento.deployments.routing import DeploymentRoute, Endpoint, VariantRoute
from argento.deployments.spec import DeploymentSpec, normalised_weights
from argento.deployments.state import StateStore
from argento.deployments.upstream import UpstreamError

log = logging.getLogger("argento.deployments")

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
    born: float = 0.0  # on the back-off clock: how long it ran when it crashed

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
    """Per-variant bookkeeping: the replica count wanted now, the crash loop of its current template,
    autoscaler samples."""

    desired: int
    template: str = ""
    crash: CrashLoop = field(default_factory=CrashLoop)
    #: When each crashed replica may be started again (back-off clock); one entry per replica to restart.
    pending: list[float] = field(default_factory=list)
    #: The last time (back-off clock) every wanted replica of the current template was ready.
    settled_at: float = 0.0
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
        backoff: BackoffPolicy | None = None,
        log_lines: int = 10,
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
        #: Crash-loop back-off of restarts (its clock is injectable: tests advance it instead of waiting).
        self.backoff = backoff or BackoffPolicy()
        self.log_lines = log_lines
        self.runtimes: dict[str, Runtime] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._dirty_replicas = False
        #: Completed reconcile passes (tests wait for passes instead of sleeping to see that nothing happened).
        self.passes = 0
        gateway.on_failure = self._suspect
        gateway.retry_after = self._retry_after

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
                born=self.backoff.clock(),
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

    def _variant_state(self, desired: int, template: str) -> VariantState:
        return VariantState(
            desired, template, CrashLoop(self.backoff), scaler=Autoscaler(delay=self.scale_down_delay)
        )

    def _runtime(self, spec: DeploymentSpec, revision: int) -> Runtime:
        rt = Runtime(spec, revision)
        for v in spec.variants:
            rt.variants[v.name] = self._variant_state(spec.replicas_of(v), v.template_hash(spec))
        return rt

    # ---- desired state --------------------------------------------------------------------------------------

    async def apply(
        self, spec: DeploymentSpec, revision: int, *, renames: dict[str, str] | None = None
    ) -> None:
        """Make ``spec`` the desired state of its deployment (new, updated, scaled or re-weighted).

        ``renames`` (old → new variant name, from a promote) relabels running replicas instead of replacing
        them: the promoted canary's replicas become the ``main`` variant's and keep serving; replicas of the
        former ``main`` are outdated then and drain once the new ``main`` has its replicas ready.
        """
        rt = self.runtimes.get(spec.name)
        if rt is None:
            rt = self.runtimes[spec.name] = self._runtime(spec, revision)
        else:
            old_port = rt.spec.gateway_port
            rt.spec, rt.revision, rt.deleting = spec, revision, False
            for old, new in (renames or {}).items():
                if old == new or old not in rt.variants:
                    continue
                rt.variants[new] = rt.variants.pop(old)
                for rep in rt.replicas.values():
                    if rep.variant == old:
                        rep.variant = new
                self._dirty_replicas = True
            for v in spec.variants:
                template = v.template_hash(spec)
                vs = rt.variants.get(v.name)
                if vs is None:
                    vs = rt.variants[v.name] = self._variant_state(spec.replicas_of(v), template)
                elif vs.template != template:  # new replicas start afresh (as new pods do): no back-off
                    vs.template, vs.crash, vs.pending = template, CrashLoop(self.backoff), []
                scaling = spec.scaling_of(v)
                if scaling is None:
                    vs.desired = spec.replicas_of(v)
                else:
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
        self.passes += 1

    async def _probe(self, rt: Runtime, now: float) -> bool:
        changed = False
        probes = []
        for rep in list(rt.replicas.values()):
            if rep.state in (DRAINING, STOPPING):
                continue
            if not rep.handle.alive():
                self._crashed(rt, rep, *exit_reason(rep.handle.exit_code()))
                changed = True
                continue
            if rep.state == STARTING and now - rep.started_at > self.startup_timeout:
                rep.handle.kill()
                self._crashed(rt, rep, f"not ready within {self.startup_timeout:g}s (killed)", None, None)
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
                    rep.endpoint.healthy = True  # the gateway may have suspected it after a failed request
                    if rep.state != READY:
                        rep.state, rep.ready_at = READY, now
                        changed = True
                elif rep.state == READY:
                    rep.failures += 1
                    if rep.failures >= 3 or not rep.endpoint.healthy:
                        rep.state = UNREADY
                        changed = True
        return changed

    def _suspect(self, endpoint: Endpoint) -> None:
        """The gateway could not reach ``endpoint`` (it routes around it already): check its replica now."""
        for rt in self.runtimes.values():
            rep = rt.replicas.get(endpoint.replica_id)
            if rep is not None:
                rep.next_probe = 0.0
        self.wake()

    @staticmethod
    async def _ready(rep: Replica) -> bool:
        try:
            response = await rep.endpoint.pool.request(
                b"GET", b"/readyz", [], b"", timeout=1.0, connect_timeout=0.5
            )
        except UpstreamError:
            return False
        return response.status == 200

    def _retry_after(self, name: str) -> float:
        """Seconds until ``name`` may have a ready replica again: 1 while one starts, else the shortest
        restart back-off still running (for the gateway's ``Retry-After``)."""
        rt = self.runtimes.get(name)
        if rt is None or any(r.state == STARTING for r in rt.replicas.values()):
            return 1.0
        clock = self.backoff.clock()
        waits = [t - clock for vs in rt.variants.values() for t in vs.pending if t > clock]
        return min(waits) if waits else 1.0

    def _crashed(self, rt: Runtime, rep: Replica, reason: str, code: int | None, sig: str | None) -> None:
        """Forget a replica that died; schedule its restart after the variant's crash-loop back-off."""
        rt.replicas.pop(rep.id, None)
        rep.endpoint.healthy = False
        rep.endpoint.pool.close()
        self._dirty_replicas = True
        where = f"replica {rep.id} of {rt.spec.name}/{rep.variant}"
        vs = rt.variants.get(rep.variant)
        if vs is None or rep.template_hash != vs.template:  # an outdated replica: replaced, not restarted
            log.warning("%s %s (outdated, not restarted)", where, reason)
            return
        lines = _log_tail(rep.handle.to_record().get("log"), self.log_lines)
        delay = vs.crash.crashed(
            rep.born,
            reason,
            replica=rep.id,
            exit_code=code,
            signal=sig,
            at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            log=lines,
        )
        vs.pending.append(vs.crash.not_before)
        log.warning(
            "%s %s; restart %d %s%s",
            where,
            reason,
            vs.crash.restarts,
            f"in {delay:g}s (back-off)" if delay else "now",
            "".join(f"\n  | {line}" for line in lines[-3:]),
        )

    async def _converge(self, rt: Runtime, now: float) -> bool:
        spec = rt.spec
        changed = False
        wanted = {v.name for v in spec.variants}
        for rep in list(rt.replicas.values()):
            if rep.variant not in wanted and rep.state in LIVE:
                self._drain(rep, now)
                changed = True
        clock = self.backoff.clock()
        for v in spec.variants:
            vs = rt.variants[v.name]
            template = v.template_hash(spec)
            mine = [r for r in rt.replicas.values() if r.variant == v.name]
            current = [r for r in mine if r.template_hash == template and r.state in LIVE]
            if sum(1 for r in current if r.state == READY) >= vs.desired:
                vs.settled_at = clock
            # Restarts still owed (no more than replicas missing: a scale-down cancels them), earliest first.
            vs.pending = sorted(vs.pending)[: max(0, vs.desired - len(current))]
            held = sum(1 for t in vs.pending if t > clock)
            step = plan_variant(mine, vs.desired, template, held=held)
            due = [t for t in vs.pending if t <= clock]
            vs.pending = [t for t in vs.pending if t > clock] + due[step.start :]
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
            vs = rt.variants[v.name]
            delay = vs.crash.crashed(vs.crash.now(), f"could not start: {exc}", replica=rid, log=[])
            vs.pending.append(vs.crash.not_before)
            log.error("cannot start a replica of %s/%s: %s (next try in %gs)", spec.name, v.name, exc, delay)
            return
        rep = Replica(rid, spec.name, v.name, template, handle, Endpoint(rid, "127.0.0.1", handle.port))
        rep.born = self.backoff.clock()
        rep.restarts = rt.variants[v.name].crash.restarts
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
        """Live state of one deployment: phase, per-variant counts and crash loops, replicas.

        A variant is ``Degraded`` when it is short of ready replicas because they crashed since it last had
        them all (its replicas restart with back-off); the deployment is then ``Degraded`` too, with
        ``reason: CrashLoopBackOff`` and a ``message`` naming the last exit. ``restarts`` counts the restarts
        of the variant's current template (a rollout starts over, as new pods do).
        """
        rt = self.runtimes.get(name)
        if rt is None:
            return {"phase": "Deleted", "replicas": [], "variants": {}}
        variants = {}
        converged = not rt.deleting
        messages = []
        for v in rt.spec.variants:
            template = v.template_hash(rt.spec)
            reps = [r for r in rt.replicas.values() if r.variant == v.name]
            ready = sum(1 for r in reps if r.state == READY and r.template_hash == template)
            vs = rt.variants[v.name]
            outdated = sum(1 for r in reps if r.template_hash != template)
            extra = sum(1 for r in reps if r.template_hash == template and r.state != READY)
            done = ready == vs.desired and not outdated and not extra
            crash = vs.crash
            degraded = (
                ready < vs.desired and crash.last_crash is not None and crash.last_crash >= vs.settled_at
            )
            variants[v.name] = {
                "phase": "Available" if done else "Degraded" if degraded else "Progressing",
                "desired": vs.desired,
                "ready": ready,
                "outdated": outdated,
                "template": template,
                **crash.to_status(),
            }
            if degraded:
                wait = crash.remaining()
                messages.append(
                    f"variant {v.name}: replica {crash.last.get('replica')} {crash.last.get('reason')}; "
                    f"{crash.restarts} restart(s), "
                    + (f"next in {wait:.0f}s (back-off {crash.delay:g}s)" if wait else "restarting")
                )
            converged &= done
        degraded = bool(messages)
        phase = (
            "Deleting"
            if rt.deleting
            else "Available"
            if converged
            else "Degraded"
            if degraded
            else "Progressing"
        )
        out: dict[str, Any] = {
            "phase": phase,
            "revision": rt.revision,
            "converged": converged,
            "variants": variants,
            "replicas": [r.to_status() for r in rt.replicas.values()],
        }
        if phase == "Degraded":
            out["reason"] = "CrashLoopBackOff"
            out["message"] = "; ".join(messages)
        return out

    async def _ensure_port(self, rt: Runtime) -> None:
        if rt.spec.gateway_port:
            await self.gateway.open_port(rt.spec.name, rt.spec.gateway_port)

    async def _stop_port(self, rt: Runtime) -> None:
        await self.gateway.close_port(rt.spec.name)


def _log_tail(path: Any, lines: int) -> list[str]:
    """The last ``lines`` lines of a replica's log (why it crashed), or none if it cannot be read."""
    if not path or lines <= 0:
        return []
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]
