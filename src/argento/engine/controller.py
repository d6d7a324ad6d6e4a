"""The workflow controller: runs one Workflow to completion with Argo's semantics.

``execute_template`` is Argo's ``executeTemplate`` as a coroutine: it finds or creates the node for a
step/task/hook, resolves and binds the template, applies retries, memoization and locks, dispatches on the
template type and returns the node once it is fulfilled (or, for a daemon, once it is running). Because an
existing fulfilled node is returned as is, re-running a persisted workflow resumes it without repeating work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.config import Settings
from argento.engine import retry as retry_policy
from argento.engine.args import process_args
from argento.engine.call import Call, NodeFailure, int_field
from argento.engine.durations import parse_duration
from argento.engine.global_params import GlobalParameterError, substitute_spec, workflow_globals
from argento.engine.memo import MemoCache
from argento.engine.metadata import MetadataError, apply_workflow_metadata, metadata_globals, template_label
from argento.engine.nodes import NodePhase, NodeStatus, NodeType, fnv1a_32, generate_name, now_rfc3339
from argento.engine.resolve import (
    POD_TYPES,
    Template,
    TemplateBase,
    TemplateRegistry,
    merge_workflow_template,
    resolve,
    template_type,
)
from argento.engine.scope import Scope, anystr
from argento.engine.state import Listener, WorkflowState
from argento.engine.sync import LockManager
from argento.engine.views import RetryStrategy
from argento.errors import ArgentoError, NotFound, SpecError
from argento.paths import private_dir, safe_join

if TYPE_CHECKING:
    from argento.engine.ports import ArtifactDriver, Breakpoints, Resumed, SecretResolver, StepPlatform
    from argento.executors.base import Executor


class StopEvent(asyncio.Event):
    """The run's stop signal: an `asyncio.Event` that also hands out one shared future, resolved by `set`, so
    that every running step can wait for it (``asyncio.wait``) without a task of its own."""

    def __init__(self) -> None:
        super().__init__()
        self._future: asyncio.Future[bool] | None = None

    def future(self) -> asyncio.Future[bool]:
        """Done once the event is set (never cancel it: it is shared)."""
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
            if self.is_set():
                self._future.set_result(True)
        return self._future

    def set(self) -> None:
        super().set()
        if self._future is not None and not self._future.done():
            self._future.set_result(True)


#: Argo's ``maxAllowedStackDepth`` (controller.go): a template call nested this deep errors its node, unless
#: DISABLE_MAX_RECURSION=true. The depth is the call's nesting (the entrypoint is 1, each step, task or hook one more;
#: retry attempts add none), as ``executeTemplate`` counts ``currentStackDepth``.
MAX_STACK_DEPTH = 100
MAX_DEPTH_MESSAGE = (
    "Maximum recursion depth exceeded. See https://argo-workflows.readthedocs.io/en/latest/scaling/#maximum-recursion-depth"
)
_DEPTH: ContextVar[int] = ContextVar("argento_template_depth", default=0)


@dataclass
class RunOptions:
    """Everything a run needs besides the manifest."""

    settings: Settings
    executor: Executor | None = None
    executor_name: str = "local"
    entrypoint: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    registry: TemplateRegistry = field(default_factory=TemplateRegistry)
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    run_dir: Path | None = None
    listeners: list[Listener] = field(default_factory=list)
    memo: MemoCache | None = None
    locks: LockManager | None = None
    #: Time compression: multiplies every duration of the manifest (suspend, backoff, timeouts, deadlines) as
    #: ARGENTO_SLEEP_SCALE multiplies the sleeps of steps, so examples that wait for show run fast and keep
    #: their relative timing (a 10 s timeout on a 15 s sleep still fires).
    time_scale: float = 1.0
    #: Artifact driver (`ports.ArtifactDriver`: ``load_inputs``/``save_outputs``/…); None: only ``raw``
    #: inputs are supported.
    artifacts: ArtifactDriver | None = None
    #: Secret resolver (``resolve(namespace, secretKeyRef)``); None: secret references fail clearly.
    secrets: Any = None
    #: Platform hooks for steps (`ports.StepPlatform`, ``argento.tracking.StepPlatform``): ``env(run, node)`` →
    #: variables every step gets unless its container sets them (ARGENTO_HOME, MLFLOW_TRACKING_URI, …);
    #: ``finalize``; ``async outputs(run, node)`` → extra output parameters of a finished step
    #: (``mlflow-run-id``). None: neither.
    platform: StepPlatform | None = None
    #: A rerun's reuse of the original's nodes (``argento.engine.rerun.Reuse``); None: nothing is reused.
    reuse: Any = None
    #: Content-addressed step cache of ``argento run --cache`` (``argento.engine.cache.StepCache``).
    cache: Any = None
    #: Break points (``argento.engine.debug.Breakpoints``): pause before/after a step; None: Argo's
    #: ``ARGO_DEBUG_PAUSE_BEFORE/AFTER`` only.
    debug: Any = None
    #: Duration estimates (``workflow() -> seconds | None``, ``node(name) -> seconds | None``), as Argo's
    #: ``estimation.Estimator`` (``argento.server.estimation``); None: no ``estimatedDuration``.
    estimator: Any = None


class WorkflowRunner:
    """Runs one workflow; the object the CLI and the server hold to watch, stop or resume it."""

    def __init__(
        self, workflow: dict[str, Any], options: RunOptions, *, state: WorkflowState | None = None
    ) -> None:
        self.options = options
        self.settings = options.settings
        self.workflow = workflow
        meta = workflow.setdefault("metadata", {})
        if not meta.get("name"):
            meta["name"] = generate_name(meta.get("generateName") or "workflow-")
        meta.setdefault("namespace", options.settings.namespace)
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now_rfc3339())
        self.name: str = meta["name"]
        if options.parameters:  # as `argo submit -p`: the resource itself carries the values
            from argento.spec.submit import override_parameters

            override_parameters(workflow, options.parameters)
        #: why the controller refuses the workflow before it starts, as (phase, message): Argo's Error for a
        #: missing WorkflowTemplate or bad workflowMetadata, Failed "invalid spec: …" / "failed to set global
        #: parameters: …"; None when it may run
        self.refusal: tuple[str, str] | None = None
        spec = workflow.get("spec") or {}
        if spec.get("workflowTemplateRef"):
            ref = spec["workflowTemplateRef"]
            try:
                wft = options.registry.get(ref.get("name", ""), cluster=bool(ref.get("clusterScope")))
                spec = merge_workflow_template(spec, wft.get("spec") or {})
            except NotFound as exc:
                self.refusal = ("Error", exc.message)
        self.spec: dict[str, Any] = spec
        self.state = state or WorkflowState(self.name)
        if spec.get("workflowTemplateRef") is None and (workflow.get("spec") or {}).get("workflowTemplateRef"):
            self.state.stored_workflow_spec = spec
        if options.estimator is not None:
            self.state.estimated_duration = options.estimator.workflow()
            self.state.estimate_node = options.estimator.node
        #: Pod nodes an earlier engine left unfinished (a restarted server): their steps may still run, or
        #: have ended while no engine ran; they are adopted, never simply started again (SPEC §6 R1).
        self._restored: set[str] = {
            nid for nid, n in self.state.nodes.items() if n.type is NodeType.POD and not n.fulfilled
        }
        for listener in options.listeners:
            self.state.subscribe(listener)
        self.registry = options.registry
        self.memo = options.memo or MemoCache(options.settings.home / "memo")
        self.locks = options.locks or LockManager(options.configmaps)
        if options.run_dir is None:
            private_dir(options.settings.runs_dir)
        self.run_dir = options.run_dir or safe_join(
            options.settings.runs_dir, self.name, what="workflow name"
        )
        if self.refusal is None:
            self._check_spec(workflow)
        template_label(workflow)
        self.max_parameter_bytes = options.settings.max_parameter_bytes
        self.global_params = self._global_params_or_refuse()
        if self.refusal is None:
            metadata_globals(spec, self.global_params)
            try:
                apply_workflow_metadata(meta, spec, self.global_params)
            except MetadataError as exc:
                self.refusal = ("Error", exc.message)
        self.spec = spec = substitute_spec(spec, self.global_params)
        self.base = TemplateBase(
            kind="local",
            name=self.name,
            templates={t["name"]: t for t in spec.get("templates") or [] if t.get("name")},
            defaults=spec.get("templateDefaults"),
        )
        self.shutdown: str | None = None
        self.deadline_exceeded = False
        #: The message of an error of the entry template itself (Argo: "error in entry template execution").
        self.entry_error = ""
        #: The same of the workflow's exit handler (Argo: "error in exit template execution : …").
        self.exit_error = ""
        self.stop_event = StopEvent()
        self._executor = options.executor
        self._daemons: dict[str, list[asyncio.Task[Any]]] = {}
        self._pod_slots: asyncio.Semaphore | None = None
        #: Some template reads ``outputs.result``: every step records it, not only scripts.
        self.include_result = "outputs.result" in json.dumps(spec)
        self._suspended: dict[str, asyncio.Future[Resumed]] = {}
        self.t_start = time.monotonic()

    # ------------------------------------------------------------------------------------------------ setup
    @property
    def executor(self) -> Executor:
        if self._executor is None:
            from argento.executors import get_executor

            self._executor = get_executor(self.options.executor_name, self.settings)
        return self._executor

    @property
    def executor_name(self) -> str:
        return self.options.executor_name

    @property
    def configmaps(self) -> dict[str, dict[str, str]]:
        return self.options.configmaps

    @property
    def time_scale(self) -> float:
        return self.options.time_scale

    @property
    def artifacts(self) -> ArtifactDriver | None:
        return self.options.artifacts

    @property
    def secrets(self) -> SecretResolver | None:
        return self.options.secrets  # type: ignore[no-any-return]

    @property
    def platform(self) -> StepPlatform | None:
        return self.options.platform

    @property
    def breakpoints(self) -> Breakpoints | None:
        return self.options.debug  # type: ignore[no-any-return]

    def _check_spec(self, workflow: dict[str, Any]) -> None:
        from argento.engine.validation import arguments_problem, hooks_problem, merged_spec_problem

        problem = arguments_problem(self.spec) or hooks_problem(self.spec)
        if problem is None and (workflow.get("spec") or {}).get("workflowTemplateRef"):
            problem = merged_spec_problem(workflow, self.spec, self.options.registry)
        if problem is not None:
            self.refusal = ("Failed", f"invalid spec: {problem}")

    def _global_params_or_refuse(self) -> dict[str, str]:
        try:
            params, self.arguments = workflow_globals(
                self.name,
                self.workflow["metadata"],
                self.spec,
                entrypoint=self.options.entrypoint,
                configmaps=self.options.configmaps,
                max_bytes=self.max_parameter_bytes,
            )
            return params
        except GlobalParameterError as exc:
            if self.refusal is None:
                self.refusal = ("Failed", f"failed to set global parameters: {exc.message}")
            self.arguments = dict(self.spec.get("arguments") or {})
            return {"workflow.name": self.name, "workflow.status": "Failed"}

    def adopting(self, node: NodeStatus) -> bool:
        """Whether ``node``'s step must be adopted from an earlier engine (asked once per restored node)."""
        if node.id not in self._restored:
            return False
        self._restored.discard(node.id)
        from argento.executors.base import Adopter

        return isinstance(self.executor, Adopter)

    def pod_name(self, node_name: str, template_name: str | None) -> str:
        """Argo's v2 pod names: ``<wf>-<template>-<fnv32(node name)>``."""
        if node_name == self.name:
            return self.name
        prefix = f"{self.name}-{template_name}" if template_name else self.name
        return f"{prefix[:242]}-{fnv1a_32(node_name)}"

    # ------------------------------------------------------------------------------------------------ run
    async def run(self) -> dict[str, Any]:
        """Run to completion and return the workflow with its final ``status``."""
        from argento.engine.hooks import run_workflow_exit, workflow_hooks

        if self.refusal is not None:  # refused before any node runs (Argo's operator marks it Failed)
            self._finish(*self.refusal)
            return self.to_workflow()
        entry = self.options.entrypoint or self.spec.get("entrypoint")
        deadline = self.spec.get("activeDeadlineSeconds")
        timer = None
        root: NodeStatus | None = None
        try:
            if deadline is not None:
                seconds = (
                    parse_duration(deadline, field="spec.activeDeadlineSeconds") * self.options.time_scale
                )
                timer = asyncio.get_running_loop().call_later(max(0.0, seconds), self._deadline_hit)
            if self.spec.get("shutdown") in ("Stop", "Terminate") and not self.shutdown:
                self.stop(self.spec["shutdown"])  # submitted with spec.shutdown set (Argo's ShutdownStrategy)
            parallelism = int_field(self.spec.get("parallelism"), "spec.parallelism")
            if parallelism:
                self._pod_slots = asyncio.Semaphore(parallelism)
            wf_lock = await self.locks.acquire_workflow(self)
            try:
                hooks = workflow_hooks(self)
                if not entry:
                    raise SpecError("spec.entrypoint is required", path="spec.entrypoint")
                _check_claims(self.spec)
                try:
                    root = await self.execute_template(
                        self.name, {"template": entry}, self.base, self.arguments, boundary_id=None
                    )
                except NodeFailure as failure:
                    root = failure.node
                    self.entry_error = failure.node.message
                await self.kill_daemons(None)
                phase, message = _workflow_phase(root)
                if self.entry_error:  # Argo: an error of the entry template itself (not of a child)
                    phase, message = "Error", f"error in entry template execution: {self.entry_error}"
                # {{workflow.status}} is known to the exit handler; the workflow's own phase stays Running
                # until the exit handler is fulfilled (operator.go: the phase is marked only after it).
                self.global_params["workflow.status"] = phase
                await hooks.finish(
                    root
                )  # Argo waits for the workflow's triggered hooks before the exit handler
                exit_node = await run_workflow_exit(self, phase)
                if self.exit_error:  # operator.go: marks the workflow Error whatever its phase was
                    phase, message = "Error", f"error in exit template execution : {self.exit_error}"
                elif exit_node is not None and exit_node.phase.failed_or_error and phase == "Succeeded":
                    phase = "Failed" if exit_node.phase is NodePhase.FAILED else "Error"
                    message = exit_node.message
            finally:
                self.locks.release_workflow(self, wf_lock)
        except ArgentoError as exc:
            phase, message = "Error", str(exc)
        finally:
            if timer is not None:
                timer.cancel()
        if self.shutdown and phase != "Succeeded":
            message = f"Stopped with strategy '{self.shutdown}'"
        elif self.deadline_exceeded and phase != "Succeeded":
            message = "Step exceeded its deadline"
        self._finish(phase, message)
        if self.artifacts is not None:  # artifact GC strategy OnWorkflowCompletion
            await self.artifacts.on_workflow_completion(self)
        return self.to_workflow()

    def _finish(self, phase: str, message: str) -> None:
        state = self.state
        state.phase = phase
        state.message = message
        state.finished_at = now_rfc3339()
        state.conditions = [
            {"type": "PodRunning", "status": "False"},
            {"type": "Completed", "status": "True"},
            *(c for c in state.conditions if c.get("type") not in ("PodRunning", "Completed")),
        ]
        for node in state.nodes.values():  # nothing stays Running in a finished workflow
            if not node.fulfilled and not node.daemoned:
                state.mark(
                    node, NodePhase.FAILED if phase != "Error" else NodePhase.ERROR, node.message or message
                )
        labels = self.workflow["metadata"].setdefault("labels", {})
        labels["workflows.argoproj.io/phase"] = phase
        labels["workflows.argoproj.io/completed"] = "true"

    def to_workflow(self) -> dict[str, Any]:
        """The workflow resource with its current ``status``."""
        wf = dict(self.workflow)
        wf["status"] = self.state.to_status()
        return wf

    # ----------------------------------------------------------------------------------- stop / resume
    def stop(self, strategy: str = "Stop") -> None:
        """Argo's shutdown: ``Stop`` runs exit handlers, ``Terminate`` does not; running steps are killed."""
        self.shutdown = strategy
        self.stop_event.set()
        for fut in list(self._suspended.values()):
            if not fut.done():
                fut.set_result(None)

    def _deadline_hit(self) -> None:
        self.deadline_exceeded = True
        self.stop_event.set()
        for fut in list(self._suspended.values()):
            if not fut.done():
                fut.set_result(None)

    def resume(self, node_name: str | None = None, outputs: dict[str, str] | None = None) -> int:
        """Resume suspended nodes (all, or the one named); ``outputs`` supply ``valueFrom.supplied`` values."""
        count = 0
        for name, fut in list(self._suspended.items()):
            if node_name and name != node_name and not name.endswith("." + node_name):
                continue
            if not fut.done():
                fut.set_result({"outputs": outputs or {}})
                count += 1
        return count

    def set_suspended(self, node_name: str, resumed: Resumed) -> bool:
        """Complete the suspension of ``node_name`` with ``resumed`` (Argo's ``set``); False when it is not
        suspended (or already resumed)."""
        fut = self._suspended.get(node_name)
        if fut is None or fut.done():
            return False
        fut.set_result(resumed)
        return True

    @contextlib.contextmanager
    def suspension(self, node_name: str) -> Iterator[asyncio.Future[Resumed]]:
        """A future that `resume`/`set_suspended` (or a stop: None) completes, registered for ``node_name``
        while in the block."""
        fut: asyncio.Future[Resumed] = asyncio.get_running_loop().create_future()
        self._suspended[node_name] = fut
        try:
            yield fut
        finally:
            if self._suspended.get(node_name) is fut:
                del self._suspended[node_name]

    @contextlib.asynccontextmanager
    async def pod_slot(self) -> AsyncIterator[None]:
        """Held while a pod runs: at most ``spec.parallelism`` pods run at once."""
        slots = self._pod_slots
        if slots is None:
            yield
            return
        async with slots:
            yield

    def should_run(self, on_exit: bool) -> bool:
        """Argo's ``ShutdownStrategy.ShouldExecute``: exit handlers still run under ``Stop``."""
        if self.shutdown == "Terminate":
            return False
        if self.shutdown == "Stop" or self.deadline_exceeded:
            return on_exit
        return True

    # ------------------------------------------------------------------------------- executeTemplate
    async def execute_template(
        self,
        node_name: str,
        holder: dict[str, Any],
        base: TemplateBase,
        args: dict[str, Any] | None,
        *,
        boundary_id: str | None,
        on_exit: bool = False,
        node_flag: dict[str, bool] | None = None,
    ) -> NodeStatus:
        """Run (or resume) the node ``node_name`` for a step/task/hook; return it once fulfilled."""
        depth = _DEPTH.get() + 1
        if depth >= MAX_STACK_DEPTH and os.environ.get("DISABLE_MAX_RECURSION") != "true":
            existing = self.state.by_name(node_name)
            if existing is not None and existing.fulfilled:
                return existing
            raise NodeFailure(
                self._error_node(node_name, holder, base, boundary_id, MAX_DEPTH_MESSAGE, node_flag)
            )
        token = _DEPTH.set(depth)
        try:
            return await self._execute_template(
                node_name, holder, base, args, boundary_id=boundary_id, on_exit=on_exit, node_flag=node_flag
            )
        finally:
            _DEPTH.reset(token)

    async def _execute_template(
        self,
        node_name: str,
        holder: dict[str, Any],
        base: TemplateBase,
        args: dict[str, Any] | None,
        *,
        boundary_id: str | None,
        on_exit: bool,
        node_flag: dict[str, bool] | None,
    ) -> NodeStatus:
        existing = self.state.by_name(node_name)
        if existing is not None and (
            existing.fulfilled
            # a daemon left running by an earlier engine is adopted (and so killed with its boundary)
            or (
                existing.daemoned
                and existing.phase is NodePhase.RUNNING
                and existing.id not in self._restored
            )
        ):
            return existing
        try:
            resolved = resolve(holder, base, self.registry)
        except ArgentoError as exc:
            raise NodeFailure(
                self._error_node(node_name, holder, base, boundary_id, str(exc), node_flag)
            ) from None
        tmpl = resolved.template
        kind = template_type(tmpl)
        if kind is None:
            name = resolved.template_name or holder.get("template") or ""
            raise NodeFailure(
                self._error_node(
                    node_name, holder, base, boundary_id, f"template '{name}' type is unknown", node_flag
                )
            )
        strategy = RetryStrategy.for_template(tmpl, self.spec)
        # Argo recomputes workflow.duration (seconds, %f) on every reconcile
        self.global_params["workflow.duration"] = f"{time.monotonic() - self.t_start:.6f}"
        local = {"node.name": node_name}
        if holder.get("name"):  # the step's or task's own name (`steps.name` / `tasks.name`)
            local["steps.name"] = local["tasks.name"] = str(holder["name"])
        if kind in POD_TYPES and strategy is None:
            local["pod.name"] = self.pod_name(node_name, tmpl.get("name"))
        try:
            processed = process_args(
                tmpl, args, self.global_params, local, self.options.configmaps, self.max_parameter_bytes
            )
        except ArgentoError as exc:
            raise NodeFailure(
                self._error_node(node_name, holder, base, boundary_id, str(exc), node_flag)
            ) from None
        # Argo resolves retryStrategy from the processed template: `limit: "{{inputs.parameters.n}}"` works.
        strategy = RetryStrategy.for_template(processed, self.spec)
        call = Call(
            node_name, processed, resolved.base, boundary_id, holder, resolved, on_exit, node_flag, scope=base.scope
        )
        if self.options.reuse is not None:  # a rerun: keep the original's node when nothing it uses changed
            reused = self.options.reuse.lookup(self, call, on_exit=on_exit)
            if reused is not None:
                return reused
        memo_hit = self._memo_lookup(call)
        if memo_hit is not None:
            return memo_hit
        if self.options.cache is not None:  # `argento run --cache`: a content-addressed hit
            cached = await self.options.cache.lookup(self, call)
            if cached is not None:
                return cached
        try:
            lock = await self.locks.acquire_template(self, call)
        except ArgentoError as exc:  # Argo: a lock that cannot be had is the node's error
            raise NodeFailure(
                self._error_node(node_name, holder, base, boundary_id, str(exc), node_flag)
            ) from None
        try:
            if strategy is not None:
                node = await self._execute_with_retries(call, tmpl, args, strategy, local)
            else:
                node = await self._execute_once(call)
        finally:
            self.locks.release(lock)
        if node.phase is NodePhase.SUCCEEDED:
            self._memo_save(call, node)
            if self.options.cache is not None:
                await self.options.cache.save(self, call, node)
        return node

    def _error_node(
        self,
        node_name: str,
        holder: dict[str, Any],
        base: TemplateBase,
        boundary_id: str | None,
        message: str,
        node_flag: dict[str, bool] | None = None,
    ) -> NodeStatus:
        """Argo's ``initializeNodeOrMarkError``: a Skipped-type node in phase Error carrying the message."""
        node = self.state.by_name(node_name)
        if node is None:
            return self.state.init_node(
                node_name,
                NodeType.SKIPPED,
                phase=NodePhase.ERROR,
                boundary_id=boundary_id,
                template_name=holder.get("template"),
                template_ref=holder.get("templateRef"),
                template_scope=base.scope,
                message=message,
                node_flag=node_flag,
            )
        return self.state.mark(node, NodePhase.ERROR, message)

    async def _execute_with_retries(
        self,
        call: Call,
        tmpl: Template,
        args: dict[str, Any] | None,
        strategy: RetryStrategy,
        local: dict[str, str],
    ) -> NodeStatus:
        """Argo's Retry node: attempts ``<node>(0)``, ``<node>(1)``, … run until :func:`retry.decide` ends it.

        A daemon's Retry node is returned once an attempt is daemoned (Running), like any daemon; its attempts
        go on in a task of the boundary, so a daemon that fails later is retried as a new attempt (within the
        limit and backoff) until the boundary ends and kills it.
        """
        retry_node = self.state.by_name(call.node_name) or self.state.init_node(
            call.node_name, NodeType.RETRY, **call.init_kwargs()
        )
        if not (call.template.get("daemon") and template_type(call.template) in ("container", "script")):
            return await self._retry_attempts(call, tmpl, args, strategy, local, retry_node, None)
        ready: asyncio.Future[NodeStatus] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._retry_attempts(call, tmpl, args, strategy, local, retry_node, ready))
        self.register_daemon(call.boundary_id, task)
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():
            return ready.result()
        return task.result()

    async def _retry_attempts(
        self,
        call: Call,
        tmpl: Template,
        args: dict[str, Any] | None,
        strategy: RetryStrategy,
        local: dict[str, str],
        retry_node: NodeStatus,
        ready: asyncio.Future[NodeStatus] | None,
    ) -> NodeStatus:
        state = self.state
        try:
            while True:
                attempts = state.attempts(retry_node)
                last = attempts[-1] if attempts else None
                if last is None or last.fulfilled:
                    if last is not None:
                        decision = retry_policy.decide(self, attempts, strategy)
                        if decision.final is not None:
                            if last.outputs:
                                retry_node.outputs = last.outputs
                            retry_node.daemoned = False
                            return state.mark(retry_node, decision.final, decision.message)
                        if decision.wait > 0:
                            if decision.message:
                                state.mark(retry_node, retry_node.phase, decision.message)
                            with contextlib.suppress(TimeoutError):
                                await asyncio.wait_for(self.stop_event.wait(), decision.wait)
                            if decision.message:
                                state.mark(retry_node, retry_node.phase, "")
                            continue  # re-decide: a stop during the backoff ends the retries
                    attempt = len(attempts)
                    child_name = f"{call.node_name}({attempt})"
                    state.add_child(retry_node, child_name)
                else:
                    attempt = len(attempts) - 1
                    child_name = last.name
                local_i = {
                    **local,
                    "retries": str(attempt),
                    "node.name": child_name,
                    **retry_policy.last_retry(last),
                }
                if template_type(tmpl) in POD_TYPES:
                    local_i["pod.name"] = self.pod_name(child_name, tmpl.get("name"))
                flag = dict(call.node_flag or {})
                flag["retried"] = True
                try:
                    processed = process_args(
                        tmpl,
                        args,
                        self.global_params,
                        local_i,
                        self.options.configmaps,
                        self.max_parameter_bytes,
                    )
                except ArgentoError as exc:
                    self._error_node(child_name, call.holder, call.base, call.boundary_id, str(exc), flag)
                    continue
                child_call = Call(
                    child_name,
                    processed,
                    call.base,
                    call.boundary_id,
                    call.holder,
                    call.resolved,
                    call.on_exit,
                    flag,
                    # Argo caps every attempt after the first by backoff.maxDuration (processNodeRetries).
                    deadline=retry_policy.max_duration_deadline(attempts, strategy, self.options.time_scale)
                    or call.deadline,
                    scope=call.scope,
                )
                if ready is None:
                    with contextlib.suppress(NodeFailure):
                        await self._execute_once(child_call)
                    continue
                await self._daemon_attempt(child_call, retry_node, ready)
        except asyncio.CancelledError:
            # The boundary of a daemon ended (Argo's killDaemonedChildren): the daemon is done.
            if ready is not None and not retry_node.fulfilled:
                retry_node.daemoned = False
                state.mark(retry_node, NodePhase.SUCCEEDED)
            raise

    async def _daemon_attempt(
        self, child_call: Call, retry_node: NodeStatus, ready: asyncio.Future[NodeStatus]
    ) -> None:
        """Run one attempt of a daemon: the Retry node is daemoned (Running) while the attempt is."""
        child_call.ready = asyncio.get_running_loop().create_future()
        job = asyncio.ensure_future(self._execute_once(child_call))
        await asyncio.wait({job, child_call.ready}, return_when=asyncio.FIRST_COMPLETED)
        if child_call.ready.done():
            retry_node.daemoned = True
            retry_node.pod_ip = child_call.ready.result().pod_ip
            self.state.mark(retry_node, NodePhase.RUNNING)
            self.state.changed(retry_node)
            if not ready.done():
                ready.set_result(retry_node)
        with contextlib.suppress(NodeFailure):
            await job

    async def _execute_once(self, call: Call) -> NodeStatus:
        """Dispatch on the template type (Argo's switch in ``executeTemplate``): the type's handler."""
        from argento.engine.handlers import HANDLERS

        return await HANDLERS.get(template_type(call.template) or "").execute(self, call)

    def template_of(self, holder: dict[str, Any], base: TemplateBase) -> Template | None:
        """The template a step/task refers to, or None when it cannot be resolved."""
        try:
            return resolve(holder, base, self.registry).template
        except ArgentoError:
            return None

    # ------------------------------------------------------------------------------------------ daemons
    def register_daemon(self, boundary_id: str | None, task: asyncio.Task[Any]) -> None:
        self._daemons.setdefault(boundary_id or "", []).append(task)

    async def kill_daemons(self, boundary_id: str | None) -> None:
        """Argo's ``killDaemonedChildren``: stop daemons started inside a finished boundary (all at the end)."""
        keys = list(self._daemons) if boundary_id is None else [boundary_id]
        tasks = [t for k in keys for t in self._daemons.pop(k, [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------------------------------- outputs
    def add_global_outputs(self, outputs: dict[str, Any] | None) -> None:
        """Argo's ``addOutputsToGlobalScope``: ``globalName`` outputs become ``workflow.outputs.*``."""
        if not outputs:
            return
        for param in outputs.get("parameters") or []:
            gname = param.get("globalName")
            if not gname or param.get("value") is None:
                continue
            value = anystr(param["value"])
            self.global_params[f"workflow.outputs.parameters.{gname}"] = value
            plist = self.state.outputs.setdefault("parameters", [])
            entry = {"name": gname, "value": value}
            for i, existing in enumerate(plist):
                if existing["name"] == gname:
                    plist[i] = entry
                    break
            else:
                plist.append(entry)
        for art in outputs.get("artifacts") or []:
            gname = art.get("globalName")
            if not gname:
                continue
            alist = self.state.outputs.setdefault("artifacts", [])
            entry = {**art, "name": gname}
            for i, existing in enumerate(alist):
                if existing["name"] == gname:
                    alist[i] = entry
                    break
            else:
                alist.append(entry)

    def workflow_scope(self, template: Template | None = None) -> Scope:
        """A scope holding ``workflow.outputs.*`` (and ``inputs.artifacts.*`` of ``template``)."""
        scope = Scope()
        scope.add_outputs("workflow", self.state.outputs)
        for art in self.state.outputs.get("artifacts") or []:
            scope.artifacts[f"workflow.outputs.artifacts.{art['name']}"] = art
        # Argo's createScope: a steps/DAG template passes its input artifacts on as `{{inputs.artifacts.x}}`.
        for art in ((template or {}).get("inputs") or {}).get("artifacts") or []:
            scope.artifacts[f"inputs.artifacts.{art.get('name')}"] = art
        return scope

    # ------------------------------------------------------------------------------------------ memoize
    def _memo_lookup(self, call: Call) -> NodeStatus | None:
        memo = call.template.get("memoize")
        if not memo:
            return None
        key = str(memo.get("key", ""))
        cache_name = ((memo.get("cache") or {}).get("configMap") or {}).get("name", "")
        max_age = parse_duration(memo.get("maxAge") or 0, field="memoize.maxAge")
        entry = self.memo.load(self.workflow["metadata"]["namespace"], cache_name, key, max_age)
        if entry is None or self.state.by_name(call.node_name) is not None:
            return None
        kind = template_type(call.template)
        node_type = {"steps": NodeType.STEPS, "dag": NodeType.DAG}.get(kind or "", NodeType.POD)
        node = self.state.init_node(
            call.node_name, node_type, phase=NodePhase.SUCCEEDED, **call.init_kwargs()
        )
        node.outputs = entry.get("outputs")
        node.memoization_status = {"hit": True, "key": key, "cacheName": cache_name}
        self.state.changed(node)
        return node

    def _memo_save(self, call: Call, node: NodeStatus) -> None:
        memo = call.template.get("memoize")
        if not memo or (node.memoization_status or {}).get("hit"):
            return
        key = str(memo.get("key", ""))
        cache_name = ((memo.get("cache") or {}).get("configMap") or {}).get("name", "")
        node.memoization_status = {"hit": False, "key": key, "cacheName": cache_name}
        self.memo.save(self.workflow["metadata"]["namespace"], cache_name, key, node.id, node.outputs)
        self.state.changed(node)


_ACCESS_MODES = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}


def _check_claims(spec: dict[str, Any]) -> None:
    """Kubernetes' validation of ``volumeClaimTemplates`` (the claim would be refused before any pod ran)."""
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or []):
        name = (claim.get("metadata") or {}).get("name", "")
        for mode in (claim.get("spec") or {}).get("accessModes") or []:
            if mode not in _ACCESS_MODES:
                raise SpecError(
                    f'PersistentVolumeClaim "{name}" is invalid: spec.accessModes: Unsupported value: "{mode}": '
                    f"supported values: {', '.join(sorted(_ACCESS_MODES))}",
                    path=f"spec.volumeClaimTemplates[{i}].spec.accessModes",
                )


def _workflow_phase(root: NodeStatus | None) -> tuple[str, str]:
    if root is None:
        return "Error", "workflow did not start"
    if root.phase in (NodePhase.SUCCEEDED, NodePhase.SKIPPED):
        return "Succeeded", ""
    if root.phase is NodePhase.FAILED:
        return "Failed", root.message
    if root.phase is NodePhase.ERROR:
        return "Error", root.message
    return "Failed", root.message or "workflow did not finish"


async def run_workflow(workflow: dict[str, Any], options: RunOptions) -> dict[str, Any]:
    """Run ``workflow`` to completion and return it with ``status``."""
    runner = WorkflowRunner(workflow, options)
    start = time.monotonic()
    result = await runner.run()
    result.setdefault("metadata", {})
    _ = start
    return result


OnChange = Callable[[WorkflowState, NodeStatus], None]
