"""The deployment control plane: the operations of SPEC §3.6 over the state store and the controller.

:class:`DeploymentPlane` is what the server holds (and what tests and benchmarks run on their own loop):
every operation validates, writes a new revision of the deployment's record *before* acting on it, then
hands the spec to the :class:`~argento.deployments.controller.Controller`. Reads merge the record with the
controller's live status.

==============  =====================================================================================
operation       effect
==============  =====================================================================================
create          revision 1; replicas start; ``409`` if the name is taken
update          new spec; a variant whose template changed rolls (new ready first, old drained after)
scale           replica count of the deployment or of one variant (no restart)
set_traffic     variant weights (no restart)
promote         one variant takes 100 % and the deployment's replica count, and is named ``main``;
                the others drain
rollback        a new revision whose spec is an earlier revision's (default: the one before current)
delete          every replica drains, then the record goes
==============  =====================================================================================
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any

from argento.config import Settings
from argento.deployments.backends.base import Backend
from argento.deployments.controller import Controller
from argento.deployments.gateway import Gateway
from argento.deployments.rollout import promoted, reweighted, rollback_target, scaled
from argento.deployments.spec import DeploymentSpec, normalised_weights
from argento.deployments.state import (
    FileStateStore,
    Record,
    StateStore,
    add_revision,
    current_spec,
    new_record,
    revision_spec,
)
from argento.errors import AlreadyExists, NotFound, SpecError, Unavailable
from argento.paths import safe_join

log = logging.getLogger("argento.deployments")


class DeploymentPlane:
    """Deployments of one control plane (the server, or a test's own loop)."""

    def __init__(
        self,
        settings: Settings,
        *,
        state: StateStore | None = None,
        backend: Backend | None = None,
        backends: dict[str, Backend] | None = None,
        reuse_env: bool = False,
        **controller_options: Any,
    ) -> None:
        from argento.deployments.backends import available_backends

        self.settings = settings
        self.state = state if state is not None else FileStateStore(settings.home / "deployments")
        # every declared backend that can run here (argento.deployments.backends: local; ray when Ray is installed)
        self.backends: dict[str, Backend] = available_backends(settings, reuse_env=reuse_env)
        if backend is not None:
            self.backends[backend.name] = backend
        self.backends.update(backends or {})
        self.gateway = Gateway(allowed_hosts=settings.allowed_hosts)
        self.controller = Controller(self.state, self.backends, self.gateway, **controller_options)
        self.records: dict[str, Record] = {}
        self._lock = asyncio.Lock()
        self.started = False

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the persisted deployments, re-adopt their replicas, start reconciling."""
        specs = {}
        for record in self.state.load_all():
            try:
                spec = DeploymentSpec.from_dict(current_spec(record))
            except SpecError as exc:  # saved under older, looser rules: kept as it is, not served
                log.warning("deployment %r is not loaded (its record is kept): %s", record.get("name"), exc)
                continue
            self.records[record["name"]] = record
            specs[record["name"]] = (spec, record["revision"])
        await self.controller.start(specs)
        for name, record in self.records.items():
            if record.get("deleting"):
                await self.controller.remove(name)
        self.started = True

    async def close(self, *, stop_replicas: bool = False) -> None:
        """Stop reconciling; replicas keep running for the next start unless ``stop_replicas``."""
        await self.controller.close(stop_replicas=stop_replicas)
        self.started = False

    # ---- operations -----------------------------------------------------------------------------------------

    def _record(self, name: str) -> Record:
        record = self.records.get(name)
        if record is None or record.get("deleting"):
            raise NotFound(f"deployment {name!r} not found")
        return record

    def _pin_targets(self, spec: DeploymentSpec) -> DeploymentSpec:
        """Check that every bento exists and pin ``name``/``name:latest`` to its concrete version (so a later
        build changes nothing until the deployment is updated)."""
        from argento.deployments.bentos import BentoStore

        if spec.backend not in self.backends:
            raise SpecError(
                f"unknown backend {spec.backend!r}; available here: {', '.join(sorted(self.backends))} "
                "(kubernetes: render manifests with `argento deployments render`)",
                path="spec.backend",
            )
        if spec.gateway_port:
            for other, record in self.records.items():
                theirs = current_spec(record).get("gateway_port")
                if other != spec.name and not record.get("deleting") and theirs == spec.gateway_port:
                    raise SpecError(
                        f"gateway_port {spec.gateway_port} is taken by deployment {other!r}",
                        path="spec.gateway_port",
                    )
        store = BentoStore.from_settings(self.settings)
        variants = []
        for i, v in enumerate(spec.variants):
            if v.bento:
                if not store.exists(v.bento):
                    raise SpecError(
                        f"bento {v.bento} not found (build it with `argento build`)",
                        path=f"spec.variants[{i}].bento",
                    )
                v = dataclasses.replace(v, bento=store.get(v.bento).tag)
            variants.append(v)
        return spec.with_variants(variants)

    async def _commit(
        self,
        record: Record,
        spec: DeploymentSpec,
        reason: str,
        *,
        new: bool = False,
        renames: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        spec = self._pin_targets(spec)
        body = spec.to_dict()
        record = new_record(body, reason) if new else add_revision(record, body, reason)
        self.state.save(record)  # committed before it is acted on
        self.records[spec.name] = record
        await self.controller.apply(spec, record["revision"], renames=renames)
        return self.view(spec.name)

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a deployment from a spec body."""
        spec = DeploymentSpec.from_dict(body)
        async with self._lock:
            if spec.name in self.records and not self.records[spec.name].get("deleting"):
                raise AlreadyExists(f"deployment {spec.name!r} exists already (use update)")
            if spec.name in self.controller.runtimes:
                raise AlreadyExists(f"deployment {spec.name!r} is still being deleted; retry shortly")
            return await self._commit({}, spec, "create", new=True)

    async def update(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the spec (a rolling update for every variant whose template changed)."""
        body = {**body, "name": name}
        spec = DeploymentSpec.from_dict(body)
        async with self._lock:
            return await self._commit(self._record(name), spec, "update")

    def _spec(self, name: str) -> DeploymentSpec:
        return DeploymentSpec.from_dict(current_spec(self._record(name)))

    async def scale(self, name: str, replicas: int, variant: str | None = None) -> dict[str, Any]:
        """Set the replica count (of one variant, or of the deployment)."""
        async with self._lock:
            spec = scaled(self._spec(name), replicas, variant)
            return await self._commit(self._record(name), spec, f"scale to {replicas}")

    async def set_traffic(self, name: str, weights: dict[str, float]) -> dict[str, Any]:
        """Set variant weights (relative; usually percentages). Unnamed variants keep theirs."""
        async with self._lock:
            spec = reweighted(self._spec(name), weights)
            reason = "traffic " + ", ".join(f"{k}={v:g}" for k, v in normalised_weights(spec).items())
            return await self._commit(self._record(name), spec, reason)

    async def promote(self, name: str, variant: str) -> dict[str, Any]:
        """Send 100 % to ``variant`` and retire the others (their replicas drain); the survivor becomes the
        ``main`` variant, its running replicas relabelled, not restarted."""
        async with self._lock:
            spec = promoted(self._spec(name), variant)
            renames = {variant: spec.variants[0].name}
            return await self._commit(self._record(name), spec, f"promote {variant}", renames=renames)

    async def rollback(self, name: str, revision: int | None = None) -> dict[str, Any]:
        """Go back to an earlier revision's spec (default: the one before current), as a new revision."""
        async with self._lock:
            record = self._record(name)
            number, spec = rollback_target(record, revision)
            return await self._commit(record, spec, f"rollback to {number}")

    async def delete(self, name: str, *, wait: bool = False, timeout: float = 60.0) -> dict[str, Any]:
        """Drain and stop every replica, then forget the deployment."""
        async with self._lock:
            record = self._record(name)
            record = {**record, "deleting": True}
            self.state.save(record)
            self.records[name] = record
            await self.controller.remove(name)
        if wait:
            deadline = time.monotonic() + timeout
            while name in self.controller.runtimes and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        self.state.delete(name)
        self.records.pop(name, None)
        return {"name": name, "deleted": True}

    async def wait(self, name: str, *, timeout: float = 120.0) -> dict[str, Any]:
        """Wait until the deployment has converged (every variant ready at its revision)."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.view(name)
            if view["status"]["converged"]:
                return view
            if time.monotonic() >= deadline:
                raise Unavailable(
                    f"deployment {name} did not become available within {timeout:g}s: "
                    f"{view['status']['variants']}"
                )
            await asyncio.sleep(0.05)

    # ---- reads ----------------------------------------------------------------------------------------------

    def view(self, name: str) -> dict[str, Any]:
        """The record as the API shows it: spec, live status, revision history."""
        record = self._record(name)
        spec = DeploymentSpec.from_dict(current_spec(record))
        status = self.controller.status(name)
        status["traffic"] = normalised_weights(spec)
        status["url"] = f"/deployments/{name}"
        if spec.gateway_port:
            status["gateway_url"] = f"http://127.0.0.1:{spec.gateway_port}"
        stats = [m.snapshot() for (d, _), m in self.gateway.metrics.items() if d == name]
        return {
            "name": name,
            "namespace": record.get("namespace", "default"),
            "uid": record.get("uid"),
            "created_at": record.get("created_at"),
            "updated_at": record.get("updated_at"),
            "revision": record["revision"],
            "spec": spec.to_dict(),
            "status": {**status, "stats": stats},
            "revisions": [
                {k: r[k] for k in ("revision", "reason", "created_at")} for r in record["revisions"]
            ],
        }

    def list(self, namespace: str | None = None) -> list[dict[str, Any]]:
        """Every deployment (of ``namespace``)."""
        return [
            self.view(n)
            for n, r in sorted(self.records.items())
            if not r.get("deleting") and (namespace in (None, "") or r.get("namespace") == namespace)
        ]

    def logs(
        self, name: str, *, replica: str | None = None, tail: int = 100, files: int = 6
    ) -> list[dict[str, Any]]:
        """The last ``tail`` lines of the replicas' logs, newest replica first (crashed ones included: their
        last lines say why). ``replica`` picks one."""
        self._record(name)
        folder = safe_join(self.settings.home, "deployments", "logs", name, what="deployment name")
        try:
            found = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            found = []
        live = {r["id"]: r["state"] for r in self.controller.status(name)["replicas"]}
        out = []
        for path in found:
            rid = path.stem
            if replica and rid != replica:
                continue
            with open(path, "rb") as fh:
                fh.seek(0, 2)
                fh.seek(max(0, fh.tell() - 256 * 1024))
                lines = fh.read().decode(errors="replace").splitlines()[-tail:]
            out.append({"replica": rid, "state": live.get(rid, "gone"), "lines": lines})
            if len(out) >= (1 if replica else files):
                break
        if replica and not out:
            raise NotFound(f"no log of replica {replica!r} of deployment {name}")
        return out

    def revision(self, name: str, number: int) -> dict[str, Any]:
        """One revision with its full spec."""
        return {"revision": number, "spec": revision_spec(self._record(name), number)}
