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
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.config import Settings
from argento.engine import retry as retry_policy
from argento.engine.args import process_args
from argento.engine.durations import parse_duration
from argento.engine.memo import MemoCache
from argento.engine.nodes import NodePhase, NodeStatus, NodeType, fnv1a_32, now_rfc3339
from argento.engine.resolve import (
    POD_TYPES,
    Resolved,
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
from argento.errors import ArgentoError, SpecError

if TYPE_CHECKING:
    from argento.executors.base import Executor


class NodeFailure(Exception):
    """``executeTemplate`` returned an error: the node exists (phase Error) and callers react as Argo does."""

    def __init__(self, node: NodeStatus) -> None:
        super().__init__(node.message)
        self.node = node


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
    #: Artifact driver (``load_inputs``/``save_outputs``); None: only ``raw`` inputs are supported.
    artifacts: Any = None
    #: Secret resolver (``resolve(namespace, secretKeyRef)``); None: secret references fail clearly.
    secrets: Any = None
    #: Platform hooks for steps (``argento.tracking.StepPlatform``): ``env(run, node)`` → variables every step
    #: gets unless its container sets them (ARGENTO_HOME, MLFLOW_TRACKING_URI, …); ``async outputs(run, node)``
    #: → extra output parameters of a finished step (``mlflow-run-id``). None: neither.
    platform: Any = None


@dataclass(slots=True)
class Call:
    """One template invocation: the node it owns and where its references resolve."""

    node_name: str
    template: Template
    base: TemplateBase
    boundary_id: str | None
    holder: dict[str, Any]
    resolved: Resolved
    on_exit: bool = False
    node_flag: dict[str, bool] | None = None
    ready: asyncio.Future[NodeStatus] | None = None

    @property
    def template_name(self) -> str | None:
        return self.resolved.template_name

    def init_kwargs(self) -> dict[str, Any]:
        return {
            "boundary_id": self.boundary_id,
            "template_name": self.resolved.template_name,
            "template_ref": self.resolved.template_ref,
            "template_scope": self.base.scope
            if self.resolved.template_ref is None
            else self.resolved.base.scope,
            "node_flag": self.node_flag,
        }


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
        spec = workflow.get("spec") or {}
        if spec.get("workflowTemplateRef"):
            ref = spec["workflowTemplateRef"]
            wft = options.registry.get(ref.get("name", ""), cluster=bool(ref.get("clusterScope")))
            spec = merge_workflow_template(spec, wft.get("spec") or {})
        self.spec: dict[str, Any] = spec
        self.state = state or WorkflowState(self.name)
        for listener in options.listeners:
            self.state.subscribe(listener)
        self.base = TemplateBase(
            kind="local",
            name=self.name,
            templates={t["name"]: t for t in spec.get("templates") or [] if t.get("name")},
            defaults=spec.get("templateDefaults"),
        )
        self.registry = options.registry
        self.memo = options.memo or MemoCache(options.settings.home / "memo")
        self.locks = options.locks or LockManager(options.configmaps)
        self.run_dir = options.run_dir or options.settings.runs_dir / self.name
        self.global_params = self._global_params()
        self.shutdown: str | None = None
        self.deadline_exceeded = False
        self.stop_event = asyncio.Event()
        self._executor = options.executor
        self.options_artifacts = options.artifacts
        self.options_secrets = options.secrets
        self._daemons: dict[str, list[asyncio.Task[Any]]] = {}
        self._pod_slots = asyncio.Semaphore(int(spec["parallelism"])) if spec.get("parallelism") else None
        self._include_result = "outputs.result" in json.dumps(spec)
        self._suspended: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self.t_start = time.monotonic()

    # ------------------------------------------------------------------------------------------------ setup
    @property
    def executor(self) -> Executor:
        if self._executor is None:
            from argento.executors import get_executor

            self._executor = get_executor(self.options.executor_name, self.settings)
        return self._executor

    def _global_params(self) -> dict[str, str]:
        meta = self.workflow["metadata"]
        spec = self.spec
        created = meta["creationTimestamp"]
        params: dict[str, str] = {
            "workflow.name": self.name,
            "workflow.namespace": meta["namespace"],
            "workflow.uid": meta["uid"],
            "workflow.mainEntrypoint": self.options.entrypoint or spec.get("entrypoint", ""),
            "workflow.serviceAccountName": spec.get("serviceAccountName", ""),
            "workflow.priority": str(spec.get("priority", 0)),
            "workflow.creationTimestamp": created,
            "workflow.creationTimestamp.RFC3339": created,
            "workflow.status": "Running",
            "workflow.duration": "0",
        }
        try:
            ts = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            for ch in "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ":
                with contextlib.suppress(ValueError):
                    params[f"workflow.creationTimestamp.{ch}"] = ts.strftime(f"%{ch}")
            params["workflow.creationTimestamp.s"] = str(int(ts.timestamp()))
        except ValueError:
            pass
        for key in ("labels", "annotations"):
            values = meta.get(key) or {}
            params[f"workflow.{key}"] = params[f"workflow.{key}.json"] = json.dumps(values, separators=(",", ":"))
            for k, v in values.items():
                params[f"workflow.{key}.{k}"] = str(v)
        scheduled = (meta.get("annotations") or {}).get("workflows.argoproj.io/scheduled-time")
        if scheduled:
            params["workflow.scheduledTime"] = str(scheduled)
        args = dict(spec.get("arguments") or {})
        overrides = dict(self.options.parameters)
        wf_params = []
        for param in args.get("parameters") or []:
            param = dict(param)
            if param["name"] in overrides:
                param["value"] = overrides.pop(param["name"])
            elif param.get("value") is None and (param.get("valueFrom") or {}).get("configMapKeyRef"):
                from argento.engine.args import configmap_value

                param["value"] = configmap_value(
                    param["valueFrom"]["configMapKeyRef"], self.options.configmaps
                )
            elif param.get("value") is None and param.get("default") is not None:
                param["value"] = param["default"]
            wf_params.append(param)
        for name, value in overrides.items():
            wf_params.append({"name": name, "value": value})
        for param in wf_params:
            enum = param.get("enum")
            if (
                enum
                and param.get("value") is not None
                and anystr(param["value"]) not in [anystr(e) for e in enum]
            ):
                raise SpecError(
                    f"value '{anystr(param['value'])}' is not one of the enum values "
                    f"[{' '.join(anystr(e) for e in enum)}]",
                    path=f"spec.arguments.parameters.{param['name']}",
                )
            if param.get("value") is not None:
                params[f"workflow.parameters.{param['name']}"] = anystr(param["value"])
        # Parameter values may themselves use workflow variables ("{{workflow.name}}").
        from argento.expr.template import substitute

        for key, value in list(params.items()):
            if key.startswith("workflow.parameters.") and "{{" in value:
                params[key] = substitute(value, params)
        for param in wf_params:
            if param.get("value") is not None:
                param["value"] = params[f"workflow.parameters.{param['name']}"]
        params["workflow.parameters.json"] = json.dumps(wf_params, separators=(",", ":"))
        params["workflow.parameters"] = params["workflow.parameters.json"]  # deprecated spelling
        args["parameters"] = wf_params
        self.arguments = args
        return params

    def pod_name(self, node_name: str, template_name: str | None) -> str:
        """Argo's v2 pod names: ``<wf>-<template>-<fnv32(node name)>``."""
        if node_name == self.name:
            return self.name
        prefix = f"{self.name}-{template_name}" if template_name else self.name
        return f"{prefix[:242]}-{fnv1a_32(node_name)}"

    # ------------------------------------------------------------------------------------------------ run
    async def run(self) -> dict[str, Any]:
        """Run to completion and return the workflow with its final ``status``."""
        from argento.engine.hooks import run_workflow_exit, run_workflow_hooks

        entry = self.options.entrypoint or self.spec.get("entrypoint")
        deadline = self.spec.get("activeDeadlineSeconds")
        timer = None
        if deadline is not None:
            seconds = parse_duration(deadline, field="spec.activeDeadlineSeconds") * self.options.time_scale
            timer = asyncio.get_running_loop().call_later(max(0.0, seconds), self._deadline_hit)
        root: NodeStatus | None = None
        try:
            wf_lock = await self.locks.acquire_workflow(self)
            try:
                await run_workflow_hooks(self, final=False)
                if not entry:
                    raise SpecError("spec.entrypoint is required", path="spec.entrypoint")
                _check_claims(self.spec)
                try:
                    root = await self.execute_template(
                        self.name, {"template": entry}, self.base, self.arguments, boundary_id=None
                    )
                except NodeFailure as failure:
                    root = failure.node
                await self.kill_daemons(None)
                phase, message = _workflow_phase(root)
                self.global_params["workflow.status"] = phase
                self.state.phase = phase if phase != "Succeeded" else "Running"
                await run_workflow_hooks(self, final=True, phase=phase)
                exit_node = await run_workflow_exit(self, phase)
                if exit_node is not None and exit_node.phase.failed_or_error and phase == "Succeeded":
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
        on_completion = getattr(self.options_artifacts, "on_workflow_completion", None)
        if on_completion is not None:  # artifact GC strategy OnWorkflowCompletion
            await on_completion(self)
        return self.to_workflow()

    def _finish(self, phase: str, message: str) -> None:
        state = self.state
        state.phase = phase
        state.message = message
        state.finished_at = now_rfc3339()
        state.conditions = [
            {"type": "PodRunning", "status": "False"},
            {"type": "Completed", "status": "True"},
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
        existing = self.state.by_name(node_name)
        if existing is not None and (
            existing.fulfilled or (existing.daemoned and existing.phase is NodePhase.RUNNING)
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
        strategy = tmpl.get("retryStrategy") or self.spec.get("retryStrategy")
        local = {"node.name": node_name}
        if holder.get("name"):  # the step's or task's own name (`steps.name` / `tasks.name`)
            local["steps.name"] = local["tasks.name"] = str(holder["name"])
        if kind in POD_TYPES and not strategy:
            local["pod.name"] = self.pod_name(node_name, tmpl.get("name"))
        try:
            processed = process_args(tmpl, args, self.global_params, local, self.options.configmaps)
        except ArgentoError as exc:
            raise NodeFailure(
                self._error_node(node_name, holder, base, boundary_id, str(exc), node_flag)
            ) from None
        call = Call(node_name, processed, resolved.base, boundary_id, holder, resolved, on_exit, node_flag)
        memo_hit = self._memo_lookup(call)
        if memo_hit is not None:
            return memo_hit
        lock = await self.locks.acquire_template(self, call)
        try:
            if strategy:
                node = await self._execute_with_retries(call, tmpl, args, strategy, local)
            else:
                node = await self._execute_once(call)
        finally:
            self.locks.release(lock)
        if node.phase is NodePhase.SUCCEEDED:
            self._memo_save(call, node)
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
        strategy: dict[str, Any],
        local: dict[str, str],
    ) -> NodeStatus:
        retry_node = self.state.by_name(call.node_name) or self.state.init_node(
            call.node_name, NodeType.RETRY, **call.init_kwargs()
        )
        while True:
            last = self.state.get(retry_node.children[-1]) if retry_node.children else None
            if last is None or last.fulfilled:
                if last is not None:
                    decision = retry_policy.decide(self, retry_node, last, strategy)
                    if decision.final is not None:
                        if last.outputs:
                            retry_node.outputs = last.outputs
                        return self.state.mark(retry_node, decision.final, decision.message)
                    if decision.wait > 0:
                        self.state.mark(retry_node, retry_node.phase, decision.message)
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.stop_event.wait(), decision.wait)
                        self.state.mark(retry_node, retry_node.phase, "")
                        continue  # re-decide: a stop during the backoff ends the retries
                attempt = len(retry_node.children)
                child_name = f"{call.node_name}({attempt})"
                self.state.add_child(retry_node, child_name)
            else:
                attempt = len(retry_node.children) - 1
                child_name = last.name
            local_i = {**local, "retries": str(attempt), "node.name": child_name}
            if attempt > 0:  # the attempt before this one, as retryStrategy.expression sees it
                prev = self.state.get(retry_node.children[attempt - 1])
                local_i.update(retry_policy.last_retry(prev))
            if template_type(tmpl) in POD_TYPES:
                local_i["pod.name"] = self.pod_name(child_name, tmpl.get("name"))
            processed = process_args(tmpl, args, self.global_params, local_i, self.options.configmaps)
            flag = dict(call.node_flag or {})
            flag["retried"] = True
            child_call = Call(
                child_name,
                processed,
                call.base,
                call.boundary_id,
                call.holder,
                call.resolved,
                call.on_exit,
                flag,
            )
            with contextlib.suppress(NodeFailure):
                await self._execute_once(child_call)

    async def _execute_once(self, call: Call) -> NodeStatus:
        """Dispatch on the template type (Argo's switch in ``executeTemplate``)."""
        from argento.engine import dag, pod, steps, suspend

        kind = template_type(call.template)
        if kind == "containerSet":
            return await pod.run_pod(self, call)
        if kind in ("container", "script"):
            if call.template.get("daemon"):
                return await pod.run_daemon(self, call)
            return await pod.run_pod(self, call)
        if kind == "steps":
            runner = steps.execute_steps
            node_type = NodeType.STEPS
        elif kind == "dag":
            runner = dag.execute_dag
            node_type = NodeType.DAG
        elif kind == "suspend":
            return await suspend.execute_suspend(self, call)
        elif kind == "http":
            return await suspend.execute_http(self, call)
        elif kind == "data":
            from argento.engine.data import execute_data

            return await execute_data(self, call)
        else:
            node = self.state.by_name(call.node_name) or self.state.init_node(
                call.node_name, NodeType.POD, **call.init_kwargs()
            )
            reason = {
                "resource": "resource templates need a Kubernetes cluster",
                "plugin": "executor plugins need a Kubernetes cluster",
            }.get(kind or "", f"{kind} templates are not supported")
            return self.state.mark(node, NodePhase.ERROR, reason)
        node = self.state.by_name(call.node_name)
        if node is None:
            node = self.state.init_node(
                call.node_name, node_type, inputs=_inputs_of(call.template), **call.init_kwargs()
            )
        timeout = _template_timeout(call.template)
        if timeout is not None:
            timeout *= self.options.time_scale
        try:
            if timeout is None:
                await runner(self, call, node)
            else:
                await asyncio.wait_for(runner(self, call, node), timeout)
        except TimeoutError:
            await self.kill_daemons(node.id)
            self.state.mark(node, NodePhase.FAILED, f"{call.node_name} exceeded its deadline ({timeout:g}s)")
        await self.kill_daemons(node.id)
        return node

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


_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(prefix: str) -> str:
    """Kubernetes ``generateName``: the prefix plus five random characters from its alphabet."""
    import secrets

    return prefix + "".join(secrets.choice(_NAME_CHARS) for _ in range(5))


def _inputs_of(tmpl: Template) -> dict[str, Any] | None:
    """The ``inputs`` a node records: parameters with their bound values, artifacts as given."""
    inputs = tmpl.get("inputs") or {}
    out: dict[str, Any] = {}
    if inputs.get("parameters"):
        out["parameters"] = [
            {
                k: v
                for k, v in p.items()
                if k in ("name", "value", "default", "enum", "description", "globalName")
            }
            for p in inputs["parameters"]
        ]
    if inputs.get("artifacts"):
        out["artifacts"] = inputs["artifacts"]
    return out or None


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


def _template_timeout(tmpl: Template) -> float | None:
    value = tmpl.get("timeout")
    if value in (None, ""):
        return None
    return parse_duration(value, field="timeout")


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
