"""The workflow controller of the server: runs workflows in-process with the engine, persisting as it goes.

Each workflow is a :class:`Run`: a :class:`~argento.engine.WorkflowRunner` whose state has one listener that
commits every node transition to the store *before* the engine goes on (the listener is called
synchronously from inside the transition). Status is served from memory while a workflow runs and from the
store once it is done; the final status is written once, and the workflow archived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.state import WorkflowState
from argento.engine.sync import LockManager
from argento.errors import ArgentoError, Conflict, NotFound, SpecError
from argento.server import actions, recovery
from argento.server.hub import Hub
from argento.server.metrics import Metrics
from argento.server.validate import Catalog
from argento.store import ListQuery, Page, Store
from argento.store.base import COMPLETED_PHASES, now_rfc3339
from argento.tracking import StepPlatform

log = logging.getLogger("argento.server")

PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"


class GatedExecutor:
    """The shared executor, behind a per-workflow gate: a suspended workflow starts no new steps."""

    def __init__(self, inner: Any, gate: asyncio.Event) -> None:
        self.inner = inner
        self.gate = gate
        self.name = getattr(inner, "name", "local")

    async def start(self, pod: Any) -> Any:
        if not self.gate.is_set():
            await self.gate.wait()
        return await self.inner.start(pod)

    async def close(self) -> None:
        """The shared executor outlives every workflow; the manager closes it."""


@dataclass
class Run:
    """One workflow being run by this server."""

    uid: str
    namespace: str
    name: str
    workflow: dict[str, Any]
    runner: WorkflowRunner
    gate: asyncio.Event
    task: asyncio.Task[None] | None = None
    #: Set when the server shuts down or the workflow is deleted: transitions are no longer recorded.
    detached: bool = False
    pods: dict[str, str] = field(default_factory=dict)  # node id -> last phase seen (metrics, logs)

    def snapshot(self) -> dict[str, Any]:
        """The workflow with its live status (unset status fields omitted, see :func:`omit_unset`)."""
        wf = self.runner.to_workflow()
        wf["metadata"] = dict(wf["metadata"])
        wf["status"] = omit_unset(wf.get("status") or {})
        return wf


def omit_unset(value: Any) -> Any:
    """``value`` without null-valued object keys, recursively.

    Argo's swagger declares no nullable field, and the ``argo-workflows`` SDK checks response types against
    it: the ``"finishedAt": null`` of a running workflow or node (which Argo Server itself writes, a known
    SDK breakage, argoproj/argo-workflows#9122) fails there, while an absent field is fine for every client.
    """
    if isinstance(value, dict):
        return {k: omit_unset(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [omit_unset(v) for v in value]
    return value


class WorkflowManager:
    """Creates, runs, changes and re-adopts workflows."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        catalog: Catalog,
        hub: Hub,
        metrics: Metrics,
        executor_name: str = "local",
        executor: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.hub = hub
        self.metrics = metrics
        self.executor_name = executor_name
        self._executor = executor
        self.locks = LockManager()
        self.runs: dict[str, Run] = {}
        self._names: dict[tuple[str, str], str] = {}
        metrics.busy_workers = lambda: len(self.runs)

    @property
    def executor(self) -> Any:
        if self._executor is None:
            from argento.executors import get_executor

            self._executor = get_executor(self.executor_name, self.settings)
        return self._executor

    # ------------------------------------------------------------------------------------------- lifecycle
    def recover(self) -> int:
        """Re-adopt every unfinished workflow of the store (after a crash or a restart)."""
        count = 0
        for stored in self.store.workflows.unfinished():
            meta = stored["metadata"]
            if meta["uid"] in self.runs:
                continue
            killed = recovery.kill_orphans(meta["uid"])
            resource, nodes, status = recovery.restorable(stored)
            try:
                run = self._new_run(resource, nodes=nodes, status=status)
            except ArgentoError as exc:
                stored["status"] = {
                    **status,
                    "phase": "Error",
                    "message": str(exc),
                    "finishedAt": now_rfc3339(),
                }
                self.store.workflows.update(stored)
                continue
            log.info(
                "re-adopted workflow %s/%s (%d orphaned step processes killed)",
                meta["namespace"],
                meta["name"],
                killed,
            )
            self._start(run)
            count += 1
        return count

    async def close(self) -> None:
        """Stop driving workflows without recording anything: they resume on the next start."""
        runs = list(self.runs.values())
        for run in runs:
            run.detached = True
            if run.task is not None:
                run.task.cancel()
        await asyncio.gather(*(r.task for r in runs if r.task is not None), return_exceptions=True)
        if self._executor is not None:
            with contextlib.suppress(Exception):
                await self._executor.close()

    # -------------------------------------------------------------------------------------------- create
    def create(
        self, workflow: dict[str, Any], *, dry_run: bool = False, nodes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Persist ``workflow`` (already admitted) as Running and start it; return it as first stored."""
        t0 = time.perf_counter()
        meta = workflow["metadata"]
        labels = meta.setdefault("labels", {})
        labels[PHASE_LABEL] = "Running"
        labels[COMPLETED_LABEL] = "false"
        workflow.pop("status", None)
        run = self._new_run(workflow, nodes=nodes or {}, status={})
        snapshot = run.snapshot()
        if dry_run:
            return snapshot
        self.store.workflows.create(snapshot)
        meta["resourceVersion"] = snapshot["metadata"]["resourceVersion"]
        self._start(run)
        self.metrics.workflow_created(run.namespace, run)
        self.hub.publish("ADDED", snapshot)
        self.hub.event(snapshot, "WorkflowRunning", "Workflow Running")
        self.metrics.observe_operation(time.perf_counter() - t0)
        return snapshot

    def _new_run(self, workflow: dict[str, Any], *, nodes: dict[str, Any], status: dict[str, Any]) -> Run:
        meta = workflow["metadata"]
        gate = asyncio.Event()
        if not (workflow.get("spec") or {}).get("suspend"):
            gate.set()
        state = WorkflowState(meta["name"], nodes=nodes) if nodes else None
        if state is not None and status.get("startedAt"):
            state.started_at = status["startedAt"]
        if state is not None and status.get("outputs"):
            state.outputs = status["outputs"]
        options = RunOptions(
            settings=self.settings,
            executor=GatedExecutor(self.executor, gate),
            executor_name=self.executor_name,
            registry=self.catalog.registry(meta["namespace"]),
            memo=self.store.memo,  # type: ignore[arg-type]
            locks=self.locks,
            run_dir=self.settings.runs_dir / meta["name"],
            time_scale=self.settings.sleep_scale,
            # Steps get MLFLOW_TRACKING_URI while a tracking server runs (argento up) and report their run ids.
            platform=StepPlatform.from_settings(self.settings),
        )
        # Artifacts (the default repository) and the local secret store, as `argento run` has them.
        options.secrets, options.artifacts = self._artifact_support()
        try:
            runner = WorkflowRunner(workflow, options, state=state)
        except NotFound as exc:
            raise SpecError(str(exc), path="spec.workflowTemplateRef.name") from None
        for param in (status.get("outputs") or {}).get("parameters") or []:
            if param.get("value") is not None:
                runner.global_params[f"workflow.outputs.parameters.{param['name']}"] = str(param["value"])
        run = Run(meta["uid"], meta["namespace"], meta["name"], workflow, runner, gate)
        runner.state.subscribe(self._listener(run))
        return run

    def _artifact_support(self) -> tuple[Any, Any]:
        """The secret resolver and artifact driver shared by every workflow of this server (built once)."""
        cached = getattr(self, "_artifacts_cache", None)
        if cached is None:
            from argento.artifacts import build_driver
            from argento.secrets import SecretResolver, SecretStore

            secrets = SecretResolver(SecretStore(self.settings.home))
            cached = (secrets, build_driver(self.settings, configmaps={}, secrets=secrets))
            self._artifacts_cache = cached
        return cached

    def _start(self, run: Run) -> None:
        self.runs[run.uid] = run
        self._names[(run.namespace, run.name)] = run.uid
        run.task = asyncio.get_running_loop().create_task(self._drive(run), name=f"workflow:{run.name}")

    def _listener(self, run: Run) -> Any:
        store, hub, metrics = self.store, self.hub, self.metrics
        runs_dir = self.settings.runs_dir

        def on_change(state: WorkflowState, node: NodeStatus) -> None:
            if run.detached:
                return
            store.workflows.save_node(run.uid, node.to_dict())  # committed before the engine goes on
            if node.type is NodeType.POD:
                before = run.pods.get(node.id)
                phase = str(node.phase)
                if before != phase:
                    run.pods[node.id] = phase
                    metrics.pod_phase(before, phase)
                    if before is None:
                        pod = run.runner.pod_name(node.name, node.template_name)
                        store.workflows.record_log(
                            run.uid, pod, "main", str(runs_dir / run.name / pod / "main.log")
                        )
                    if hub.watching and node.fulfilled:
                        hub.event(
                            run.workflow,
                            f"WorkflowNode{phase}",
                            f"{phase} node {node.name}",
                            warning=node.phase.failed_or_error,
                        )
            if node.fulfilled:
                metrics.node_done(run, node)
            hub.touch(run.uid, run.snapshot)

        return on_change

    async def _drive(self, run: Run) -> None:
        try:
            await run.runner.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an engine bug must not leave the workflow Running forever
            log.exception("workflow %s/%s crashed", run.namespace, run.name)
            state = run.runner.state
            state.phase, state.message, state.finished_at = "Error", f"internal error: {exc}", now_rfc3339()
        if run.detached:
            return
        try:
            self._finish(run)
        except ArgentoError:
            log.exception("could not record the end of workflow %s/%s", run.namespace, run.name)

    def _finish(self, run: Run) -> None:
        final = run.snapshot()
        phase = final["status"]["phase"]
        labels = final["metadata"].setdefault("labels", {})
        labels[PHASE_LABEL] = phase
        labels[COMPLETED_LABEL] = "true"
        self.store.workflows.update(final)
        self.store.archive.archive(final)
        self.runs.pop(run.uid, None)
        self._names.pop((run.namespace, run.name), None)
        self.metrics.workflow_done(run, phase)
        self.hub.publish("MODIFIED", final)
        self.hub.event(
            final,
            f"Workflow{phase}",
            "Workflow completed"
            if phase == "Succeeded"
            else final["status"].get("message") or f"Workflow {phase.lower()}",
            warning=phase != "Succeeded",
        )

    # ---------------------------------------------------------------------------------------------- read
    def live(self, namespace: str, name: str) -> Run | None:
        uid = self._names.get((namespace, name))
        return self.runs.get(uid) if uid else None

    def get(self, namespace: str, name: str) -> dict[str, Any]:
        run = self.live(namespace, name)
        return run.snapshot() if run is not None else self.store.workflows.get(namespace, name)

    def list(self, query: ListQuery, *, with_nodes: bool) -> Page:
        page = self.store.workflows.list(query, with_nodes=with_nodes)
        for i, item in enumerate(page.items):
            run = self.runs.get(item["metadata"].get("uid", ""))
            if run is not None:
                live = run.snapshot()
                if not with_nodes:
                    live["status"] = {k: v for k, v in live["status"].items() if k != "nodes"}
                page.items[i] = live
        return page

    # ------------------------------------------------------------------------------------------ actions
    def _running(self, namespace: str, name: str, action: str) -> Run:
        run = self.live(namespace, name)
        if run is None:
            self.store.workflows.get(namespace, name)  # NotFound if it does not exist at all
            raise Conflict(f"cannot {action} a completed workflow")
        return run

    def _persist(self, run: Run) -> dict[str, Any]:
        snapshot = run.snapshot()
        self.store.workflows.update(snapshot)
        run.workflow["metadata"]["resourceVersion"] = snapshot["metadata"]["resourceVersion"]
        self.hub.touch(run.uid, run.snapshot)
        return snapshot

    def delete(self, namespace: str, name: str) -> None:
        run = self.live(namespace, name)
        if run is not None:
            run.detached = True
            run.gate.set()
            run.runner.stop("Terminate")
            self.runs.pop(run.uid, None)
            self._names.pop((namespace, name), None)
        wf = self.store.workflows.get(namespace, name) if run is None else run.snapshot()
        self.store.workflows.delete(namespace, name)
        self.hub.publish("DELETED", wf)

    def shutdown(self, namespace: str, name: str, strategy: str, message: str = "") -> dict[str, Any]:
        """Argo's stop (exit handlers run) and terminate (they do not)."""
        run = self._running(namespace, name, strategy.lower())
        run.workflow.setdefault("spec", {})["shutdown"] = strategy
        run.gate.set()
        run.runner.stop(strategy)
        if message:
            run.runner.state.message = message
        return self._persist(run)

    def suspend(self, namespace: str, name: str) -> dict[str, Any]:
        run = self._running(namespace, name, "suspend")
        run.workflow.setdefault("spec", {})["suspend"] = True
        run.gate.clear()
        return self._persist(run)

    def resume(self, namespace: str, name: str, selector: str | None = None) -> dict[str, Any]:
        run = self._running(namespace, name, "resume")
        if selector:
            reqs = actions.parse_node_selector(selector)
            for node in actions.select_nodes(run.snapshot()["status"].get("nodes") or {}, reqs):
                run.runner.resume(node["name"])
        else:
            run.workflow.setdefault("spec", {}).pop("suspend", None)
            run.gate.set()
            run.runner.resume(None)
        return self._persist(run)

    def set_nodes(
        self,
        namespace: str,
        name: str,
        selector: str,
        *,
        phase: str = "",
        message: str = "",
        outputs: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Argo's ``set``: finish suspend nodes with a phase, a message and output parameters."""
        run = self._running(namespace, name, "set")
        if phase and phase not in ("Succeeded", "Failed", "Error"):
            raise SpecError(f"phase must be Succeeded, Failed or Error, got {phase!r}", path="phase")
        nodes = run.snapshot()["status"].get("nodes") or {}
        suspended = run.runner._suspended
        for node in actions.select_nodes(nodes, actions.parse_node_selector(selector)):
            fut = suspended.get(node["name"])
            if fut is None or fut.done():
                continue
            if phase in ("Failed", "Error"):
                fut.set_result({"outputs": outputs or {}, "phase": phase, "message": message})
            elif phase == "Succeeded" or outputs:
                fut.set_result({"outputs": outputs or {}})
        return self._persist(run)

    def retry(
        self,
        namespace: str,
        name: str,
        *,
        restart_successful: bool = False,
        selector: str | None = None,
        parameters: list[str] | None = None,
    ) -> dict[str, Any]:
        """Argo's retry: re-run the failed part of a Failed/Error workflow under the same name."""
        if self.live(namespace, name) is not None:
            raise Conflict("workflow must be Failed/Error to retry")
        stored = self.store.workflows.get(namespace, name)
        status = stored.get("status") or {}
        if status.get("phase") not in ("Failed", "Error"):
            raise Conflict("workflow must be Failed/Error to retry")
        nodes = actions.retry_nodes(stored, restart_successful=restart_successful, selector=selector)
        resource, _, status = recovery.restorable(stored)
        actions.apply_parameters(resource, parameters or [])
        resource.get("spec", {}).pop("shutdown", None)
        labels = resource["metadata"].setdefault("labels", {})
        labels[PHASE_LABEL] = "Running"
        labels[COMPLETED_LABEL] = "false"
        status = {k: v for k, v in status.items() if k not in ("finishedAt", "message", "conditions")}
        run = self._new_run(resource, nodes=nodes, status=status)
        snapshot = run.snapshot()
        self.store.workflows.replace_nodes(run.uid, snapshot["status"].get("nodes") or {})
        self.store.workflows.update(snapshot)
        self._start(run)
        self.metrics.workflow_created(namespace, run)
        self.hub.publish("MODIFIED", snapshot)
        return snapshot

    def resubmit(
        self, namespace: str, name: str, *, memoized: bool = False, parameters: list[str] | None = None
    ) -> dict[str, Any]:
        """Argo's resubmit: a new workflow from the same spec; ``memoized`` keeps succeeded steps."""
        old = self.get(namespace, name)
        phase = (old.get("status") or {}).get("phase")
        if memoized and phase not in ("Failed", "Error"):
            raise Conflict("workflow must be Failed/Error to resubmit in memoized mode")
        new = actions.resubmitted(old, parameters or [])
        from argento.server.validate import stamp_metadata

        stamp_metadata(new["metadata"])
        nodes = actions.memoized_nodes(old, new["metadata"]["name"]) if memoized else {}
        return self.create(new, nodes=nodes)

    def is_finished(self, namespace: str, name: str) -> bool:
        """True once the workflow is no longer running here."""
        if self.live(namespace, name) is not None:
            return False
        try:
            phase = (self.store.workflows.get(namespace, name).get("status") or {}).get("phase")
        except NotFound:
            return True
        return phase in COMPLETED_PHASES


__all__ = ["GatedExecutor", "NodePhase", "Run", "WorkflowManager"]
