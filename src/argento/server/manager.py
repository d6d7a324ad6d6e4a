"""The workflow controller of the server: runs workflows in-process with the engine, persisting as it goes.

Each workflow is a :class:`Run`: a :class:`~argento.engine.WorkflowRunner` whose state has one listener that
commits every node transition to the store *before* the engine goes on (the listener is called
synchronously from inside the transition). Status is served from memory while a workflow runs and from the
store once it is done; the final status is written once, and the workflow archived.

When the store cannot take a write (a full disk, SPEC §6 R5; a database that went away) nothing is lost and
nothing acts on the unrecorded state: the write is kept (its latest version) and retried with backoff, new
steps of every workflow wait meanwhile (running ones go on: their end is recorded by their supervisor), and
a finished workflow stays here until its end state is recorded. On a full disk the first retry gives up the
SQLite store's disk reserve (`argento.store.reserve`) — by then the steps that failed on the full disk have
ended and no new one starts — so the end states get recorded even while the disk stays full.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.state import WorkflowState
from argento.engine.sync import LockManager
from argento.errors import ArgentoError, Conflict, DiskFull, NotFound, SpecError, Unavailable
from argento.paths import private_dir, safe_join
from argento.server import actions, recovery
from argento.server.hub import Hub
from argento.server.metrics import Metrics
from argento.server.runs import Run
from argento.server.validate import Catalog, create_named
from argento.store import ListQuery, Page, Store
from argento.store.base import COMPLETED_PHASES, now_rfc3339
from argento.store.selectors import Requirement
from argento.tracking import StepPlatform

log = logging.getLogger("argento.server")

PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
ARCHIVING_LABEL = "workflows.argoproj.io/workflow-archiving-status"
#: ``maxNameGenerationCreateAttempts`` of the Kubernetes API server (``registry/generic/registry/store.go``).


class GatedExecutor:
    """The shared executor, behind a per-workflow gate (a suspended workflow starts no new steps) and the
    server's ``writable`` event (no step starts while workflow state cannot be recorded)."""

    def __init__(self, inner: Any, gate: asyncio.Event, writable: asyncio.Event | None = None) -> None:
        self.inner = inner
        self.gate = gate
        self.writable = writable
        self.name = getattr(inner, "name", "local")
        self.runs_processes = getattr(inner, "runs_processes", True)  # the fake runs none (`executors.base`)

    async def start(self, pod: Any) -> Any:
        while not self.gate.is_set() or (self.writable is not None and not self.writable.is_set()):
            await self.gate.wait()
            if self.writable is not None:
                await self.writable.wait()
        return await self.inner.start(pod)

    async def adopt(self, pod: Any) -> Any:
        """A step started by an earlier server runs already: no gate (None when the executor cannot adopt)."""
        adopt = getattr(self.inner, "adopt", None)
        return None if adopt is None else await adopt(pod)

    def detach(self) -> None:
        """The shared executor outlives every workflow; the manager detaches it when the server stops."""

    async def close(self) -> None:
        """The shared executor outlives every workflow; the manager closes it."""


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
        #: Cleared while workflow state cannot be recorded: no new step starts (see the module doc).
        self.writable = asyncio.Event()
        self.writable.set()
        self._retrying: asyncio.Task[None] | None = None
        metrics.busy_workers = lambda: len(self.runs)
        metrics.pod_running = lambda: sum(
            1 for run in list(self.runs.values()) if "Running" in run.pods.values()
        )

    @property
    def executor(self) -> Any:
        if self._executor is None:
            from argento.executors import get_executor

            # The server's steps outlive it and are adopted by the next one (SPEC §6 R1).
            options = {"durable": True} if self.executor_name == "local" else {}
            self._executor = get_executor(self.executor_name, self.settings, **options)
        return self._executor

    # ------------------------------------------------------------------------------------------- lifecycle
    def recover(self) -> int:
        """Re-adopt every unfinished workflow of the store (after a crash or a restart)."""
        count = 0
        # Durable steps ran on without us and are adopted; other executors' leftovers would run twice.
        executor = self._executor  # not built here: a Ray executor connects to its cluster when built
        durable = (
            bool(getattr(executor, "durable", False))
            if executor is not None
            else self.executor_name == "local"
        )
        for stored in self.store.workflows.unfinished():
            meta = stored["metadata"]
            if meta["uid"] in self.runs:
                continue
            killed = 0 if durable else recovery.kill_orphans(meta["uid"])
            resource, nodes, status = recovery.restorable(stored)
            try:
                run = self._new_run(resource, nodes=nodes, status=status, reuse=self._saved_reuse(resource))
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
        """Stop driving workflows without recording anything: they resume on the next start.

        Running durable steps are left running (detached): the next server adopts them, as Argo's pods
        outlive a restarted controller."""
        detach = getattr(self._executor, "detach", None)
        if detach is not None:
            detach()
        if self._retrying is not None:  # a last try to record what could not be (end states first of all)
            self._retrying.cancel()
            try:
                self._flush()
            except Unavailable as exc:
                log.error(
                    "workflow state not recorded at shutdown (%s): those workflows resume at start", exc
                )
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
        self,
        workflow: dict[str, Any],
        *,
        dry_run: bool = False,
        nodes: dict[str, Any] | None = None,
        reuse: Any = None,
    ) -> dict[str, Any]:
        """Persist ``workflow`` (already admitted) as Running and start it; return it as first stored."""
        t0 = time.perf_counter()
        meta = workflow["metadata"]
        labels = meta.setdefault("labels", {})
        labels[PHASE_LABEL] = "Running"
        labels[COMPLETED_LABEL] = "false"
        workflow.pop("status", None)
        if dry_run:
            return self._new_run(workflow, nodes=nodes or {}, status={}, reuse=reuse).snapshot()

        def create() -> tuple[Run, dict[str, Any]]:
            run = self._new_run(workflow, nodes=nodes or {}, status={}, reuse=reuse)
            snapshot = run.snapshot()
            self.store.workflows.create(snapshot)
            return run, snapshot

        # A colliding generated name is retried (memoized and reused nodes are tied to the name: not those).
        run, snapshot = create_named(meta, create, retry=not nodes and not reuse)
        meta["resourceVersion"] = snapshot["metadata"]["resourceVersion"]
        self._start(run)
        self.metrics.workflow_created(run.namespace, run)
        self.hub.publish("ADDED", snapshot)
        self.hub.event(snapshot, "WorkflowRunning", "Workflow Running")
        self.metrics.observe_operation(time.perf_counter() - t0)
        return snapshot

    def _new_run(
        self, workflow: dict[str, Any], *, nodes: dict[str, Any], status: dict[str, Any], reuse: Any = None
    ) -> Run:
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
            executor=GatedExecutor(self.executor, gate, self.writable),
            executor_name=self.executor_name,
            registry=self.catalog.registry(meta["namespace"]),
            memo=self._memo(),
            locks=self.locks,
            run_dir=safe_join(private_dir(self.settings.runs_dir), meta["name"], what="workflow name"),
            time_scale=self.settings.sleep_scale,
            # Steps get MLFLOW_TRACKING_URI while a tracking server runs (argento up) and report their run ids.
            platform=StepPlatform.from_settings(self.settings),
            reuse=reuse,
            estimator=self._estimator(workflow),
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

    def _estimator(self, workflow: dict[str, Any]) -> Any:
        """Argo's duration estimates from the last successful run of the same template (None: none)."""
        from argento.server.estimation import estimator_for

        try:
            return estimator_for(self.store, workflow)
        except ArgentoError:  # an estimate is a nicety: the store being unreadable must not stop a run
            log.warning("no duration estimate for %s", workflow["metadata"].get("name"), exc_info=True)
            return None

    def _memo(self) -> Any:
        """Memoization entries: the database, or an artifact repository (ARGENTO_CACHE; built once)."""
        memo = getattr(self, "_memo_cache", None)
        if memo is None:
            from argento.engine.shared_cache import memo_store

            memo = self._memo_cache = memo_store(
                self.settings, secrets=self._artifact_support()[0], local=self.store.memo
            )
        return memo

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

        def node_events(run: Run, node: NodeStatus) -> None:
            """Argo's ``recordNodePhaseChangeEvents``: an event per phase change of any node; a node first seen,
            or left Pending, already completed gets its ``Running`` event first; a new Pending node none."""
            before = run.node_phases.get(node.id)
            phase = str(node.phase)
            if before == phase:
                return
            run.node_phases[node.id] = phase
            done = node.phase.completed
            if before is None and not done and node.phase is not NodePhase.RUNNING:
                return
            if done and before in (None, "Pending"):
                node_event(run, node, "Running")
            node_event(run, node, phase)

        def node_event(run: Run, node: NodeStatus, phase: str) -> None:
            message = f"{phase} node {node.name}" + (f": {node.message}" if node.message else "")
            hub.event(
                run.workflow,
                f"WorkflowNode{phase}",
                message,
                warning=phase not in ("Succeeded", "Running"),
                annotations={
                    "workflows.argoproj.io/node-type": str(node.type),
                    "workflows.argoproj.io/node-name": node.name,
                    "workflows.argoproj.io/node-id": node.id,
                },
            )

        def on_change(state: WorkflowState, node: NodeStatus) -> None:
            if run.detached:
                return
            # committed before the engine goes on (or kept, and new steps wait, until it can be)
            self._write(run, ("node", node.id), lambda: store.workflows.save_node(run.uid, node.to_dict()))
            if node.type is NodeType.POD:
                before = run.pods.get(node.id)
                phase = str(node.phase)
                if before != phase:
                    run.pods[node.id] = phase
                    metrics.pod_phase(before, phase)
                    if before is None:
                        pod = run.runner.pod_name(node.name, node.template_name)
                        path = str(safe_join(runs_dir, run.name, pod, "main.log"))
                        self._write(
                            run, ("log", pod), lambda: store.workflows.record_log(run.uid, pod, "main", path)
                        )
            if hub.watching:
                node_events(run, node)
            if node.fulfilled:
                if node.id not in run.metered:
                    run.metered.add(node.id)
                    metrics.node_done(run, node)
            else:
                run.metered.discard(node.id)
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
        run.ending = True
        if run.unsaved:  # its node states first: the retries finish it
            return
        try:
            self._finish(run)
        except Unavailable as exc:  # a full disk, …: recorded by the retries
            self._unwritable(exc)
        except ArgentoError:
            log.exception("could not record the end of workflow %s/%s", run.namespace, run.name)

    def _finish(self, run: Run) -> None:
        final = run.snapshot()
        phase = final["status"]["phase"]
        labels = final["metadata"].setdefault("labels", {})
        labels[PHASE_LABEL] = phase
        labels[COMPLETED_LABEL] = "true"
        # Argo's archiving (controller.go:archiveWorkflowAux): the archived copy is labelled Persisted, the
        # live workflow Archived.
        archived = {**final, "metadata": {**final["metadata"], "labels": {**labels, ARCHIVING_LABEL: "Persisted"}}}
        labels[ARCHIVING_LABEL] = "Archived"
        self.store.workflows.finish(final, archived)  # its final status and the archive, in one transaction
        run.ending = False
        self.runs.pop(run.uid, None)
        self._names.pop((run.namespace, run.name), None)
        self.metrics.workflow_done(run, phase)
        self._schedule_ttl(final)
        self.hub.publish("MODIFIED", final)
        self.hub.event(
            final,
            f"Workflow{phase}",
            "Workflow completed"
            if phase == "Succeeded"
            else final["status"].get("message") or f"Workflow {phase.lower()}",
            warning=phase != "Succeeded",
        )

    # ------------------------------------------------------------------------------- unrecordable writes
    def _write(self, run: Run, key: tuple[str, str], write: Any) -> None:
        """Record something of ``run`` now, or keep it (latest version) for the retries (module doc)."""
        if not run.unsaved:
            try:
                write()
                return
            except Unavailable as exc:
                self._unwritable(exc)
        run.unsaved.pop(key, None)
        run.unsaved[key] = write  # after the older ones: replayed in the order they happened

    def _unwritable(self, exc: ArgentoError) -> None:
        if self.writable.is_set():
            log.error("cannot record workflow state (%s): new steps wait until it can be; retrying", exc)
        self.writable.clear()
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.get_running_loop().create_task(self._retry_writes(), name="store-retry")

    async def _retry_writes(self) -> None:
        """Replay the kept writes with backoff (0.5 s doubling to 30 s) until they all go through; on a full
        disk, with the store's disk reserve given up first."""
        delay = 0.5
        while True:
            await asyncio.sleep(delay)
            try:
                self._flush()
            except Unavailable as exc:
                log.error("cannot record workflow state yet (%s); retrying", exc)  # repeats are folded
                delay = min(delay * 2, 30.0)
                continue
            self.writable.set()
            log.warning("workflow state is recorded again")
            return

    def _flush(self) -> None:
        """Replay the kept writes; on a full disk, give up the store's disk reserve and replay again."""
        try:
            self._replay()
        except DiskFull:
            release = getattr(self.store, "release_reserve", None)
            if release is None or not release():
                raise
            self._replay()

    def _replay(self) -> None:
        for run in list(self.runs.values()):
            while run.unsaved:
                key, write = next(iter(run.unsaved.items()))
                write()
                if run.unsaved.get(key) is write:
                    del run.unsaved[key]
            if run.ending and not run.detached:
                self._finish(run)

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

    def _schedule_ttl(self, wf: dict[str, Any]) -> None:
        """Argo's workflow garbage collection (gccontroller/gc_controller.go ``ttl``): a completed workflow with a
        ``ttlStrategy`` is deleted that many seconds after it finished (``secondsAfterFailure`` for Failed,
        ``secondsAfterSuccess`` for Succeeded, else ``secondsAfterCompletion``)."""
        seconds = workflow_ttl(wf)
        if seconds is None:
            return
        meta = wf.get("metadata") or {}
        ns, name, uid = meta.get("namespace"), meta.get("name"), meta.get("uid")
        # counted from its finishedAt (gc_controller.go expiresIn), so a restarted server keeps the same deadline
        finished = _epoch((wf.get("status") or {}).get("finishedAt"))
        due = seconds - (time.time() - finished) if finished is not None else seconds
        asyncio.get_running_loop().call_later(max(due, 0), self._expire, ns, name, uid)

    def schedule_ttls(self) -> int:
        """At start: the TTL of every completed workflow in the store (those that ran out are deleted at once),
        as Argo's GC controller enqueues every workflow its informer lists. Reads pages without nodes."""
        count, token = 0, ""
        while True:
            page = self.store.workflows.list(
                ListQuery(labels=[Requirement(COMPLETED_LABEL, "=", ("true",))], limit=500, continue_token=token)
            )
            for wf in page.items:
                if workflow_ttl(wf) is not None:
                    self._schedule_ttl(wf)
                    count += 1
            token = page.continue_token
            if not token:
                return count

    def _expire(self, namespace: str, name: str, uid: str | None) -> None:
        """Delete the workflow whose TTL ran out, unless it is gone, replaced, or running again (a retry)."""
        if self.live(namespace, name) is not None:
            return
        try:
            wf = self.store.workflows.get(namespace, name)
        except ArgentoError:
            return
        if (wf.get("metadata") or {}).get("uid") != uid:
            return
        if ((wf.get("metadata") or {}).get("labels") or {}).get(COMPLETED_LABEL) != "true":
            return
        self.delete(namespace, name)

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
            matched = actions.select_nodes(run.snapshot()["status"].get("nodes") or {}, reqs)
            if not sum(run.runner.resume(node["name"]) for node in matched):
                raise Conflict(actions.NO_SUSPENDED_MATCH.format(selector))
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
        updated = False
        for node in actions.select_nodes(nodes, actions.parse_node_selector(selector)):
            if phase in ("Failed", "Error"):
                resumed = {"outputs": outputs or {}, "phase": phase, "message": message}
                updated |= run.runner.set_suspended(node["name"], resumed)
            elif phase == "Succeeded" or outputs:
                updated |= run.runner.set_suspended(node["name"], {"outputs": outputs or {}})
        if not updated:
            raise Conflict(actions.NO_SUSPENDED_MATCH.format(selector))
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
        actions.check_retryable(stored, restart_successful=restart_successful, selector=selector)
        nodes = actions.retry_nodes(
            stored, restart_successful=restart_successful, selector=selector, parameters=parameters
        )
        resource, _, status = recovery.restorable(stored)
        actions.apply_parameters(resource, parameters or [])
        resource.get("spec", {}).pop("shutdown", None)
        if "spec" in resource:
            resource["spec"] = actions.without_termination(resource["spec"])
        labels = resource["metadata"].setdefault("labels", {})
        labels[PHASE_LABEL] = "Running"
        labels[COMPLETED_LABEL] = "false"
        labels.pop(ARCHIVING_LABEL, None)  # archived again when it ends (util.go:FormulateRetryWorkflow)
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

    def rerun(
        self,
        namespace: str,
        name: str,
        *,
        from_: list[str],
        parameters: list[str] | None = None,
    ) -> dict[str, Any]:
        """Argento's rerun: a new workflow that runs ``from_`` and what depends on them, and reuses the rest."""
        from argento.engine import rerun
        from argento.server.validate import stamp_metadata

        old = self.get(namespace, name)
        new, plan = rerun.rerun_workflow(old, from_=from_, parameters=parameters or [])
        stamp_metadata(new["metadata"])
        # Kept beside the run's logs so a restarted server goes on reusing (recover → _saved_reuse).
        plan_file = safe_join(
            self.settings.runs_dir, new["metadata"]["name"], rerun.PLAN_FILE, what="workflow name"
        )
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        plan_file.write_text(json.dumps(plan.to_dict()))
        return self.create(new, reuse=rerun.Reuse(plan))

    def _saved_reuse(self, workflow: dict[str, Any]) -> Any:
        """The reuse of a rerun being re-adopted (its plan file), else None."""
        from argento.engine import rerun

        if rerun.ANNOTATION_OF not in (workflow["metadata"].get("annotations") or {}):
            return None
        path = safe_join(
            self.settings.runs_dir, workflow["metadata"]["name"], rerun.PLAN_FILE, what="workflow name"
        )
        try:
            return rerun.Reuse(rerun.RerunPlan.from_dict(json.loads(path.read_text())))
        except (OSError, ValueError, KeyError):
            log.warning("rerun plan of %s is gone: its remaining steps run again", path.parent.name)
            return None

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


def _epoch(stamp: Any) -> float | None:
    """An RFC 3339 timestamp in seconds since the epoch (None when absent or malformed)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp() if stamp else None
    except ValueError:
        return None


def workflow_ttl(wf: dict[str, Any]) -> float | None:
    """The seconds a completed workflow is kept (Argo's ``ttl``: the Workflow's own ``ttlStrategy``, else the
    one of the WorkflowTemplate it was stored from); None: kept."""
    status = wf.get("status") or {}
    strategy = (wf.get("spec") or {}).get("ttlStrategy") or (
        (status.get("storedWorkflowTemplateSpec") or {}).get("ttlStrategy")
    )
    if not strategy:
        return None
    phase = status.get("phase")
    for applies, key in (
        (phase == "Failed", "secondsAfterFailure"),
        (phase == "Succeeded", "secondsAfterSuccess"),
        (phase in ("Succeeded", "Failed", "Error"), "secondsAfterCompletion"),
    ):
        if applies and strategy.get(key) is not None:
            return float(strategy[key])
    return None
