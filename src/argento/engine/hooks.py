"""Exit handlers (``onExit``, ``hooks.exit``) and lifecycle hooks, for steps, tasks and the workflow."""

from __future__ import annotations

import asyncio
import json
from collections import ChainMap
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus
from argento.engine.scope import Scope
from argento.errors import ArgentoError
from argento.expr.template import substitute_obj

if TYPE_CHECKING:
    from argento.engine.controller import Call, WorkflowRunner
    from argento.engine.resolve import TemplateBase


def exit_hook(holder: dict[str, Any]) -> dict[str, Any] | None:
    """Argo's ``GetExitHook``: ``onExit`` (a template name) or ``hooks.exit``."""
    if holder.get("onExit"):
        return {"template": holder["onExit"]}
    return (holder.get("hooks") or {}).get("exit")


def _expression_true(run: WorkflowRunner, expression: str, flat: dict[str, str]) -> bool:
    from argento.expr.lang import build_env, evaluate

    try:
        return evaluate(expression, build_env(flat)) is True
    except ArgentoError:
        return False


async def run_on_exit(
    run: WorkflowRunner,
    call: Call,
    holder: dict[str, Any],
    node: NodeStatus,
    boundary_id: str | None,
    prefix: str,
    scope: Scope,
) -> NodeStatus | None:
    """Argo's ``runOnExitNode`` for a step or task: ``<node>.onExit``, a child of the node."""
    hook = exit_hook(holder)
    if not hook or not run.should_run(True):
        return None
    local = scope.copy()
    local.add_node(run.state, prefix, node)
    flat = {**run.global_params, **local.params}
    if hook.get("expression") and not _expression_true(run, hook["expression"], flat):
        return None
    name = f"{node.name}.onExit"
    args = substitute_obj(hook.get("arguments") or {}, ChainMap(local.params, run.global_params))
    run.state.add_child(node, name)
    return await _run_hook_node(run, name, hook, call.base, args, boundary_id)


def _ref(hook: dict[str, Any]) -> dict[str, Any]:
    return {k: hook[k] for k in ("template", "templateRef", "inline") if hook.get(k)}


async def _run_hook_node(
    run: WorkflowRunner,
    name: str,
    hook: dict[str, Any],
    base: TemplateBase,
    args: dict[str, Any] | None,
    boundary_id: str | None,
    *,
    on_exit: bool = True,
) -> NodeStatus:
    """Run a hook's template as the node ``name`` (flagged ``hooked``); a node that errored is returned."""
    from argento.engine.controller import NodeFailure

    try:
        return await run.execute_template(
            name, _ref(hook), base, args, boundary_id=boundary_id, on_exit=on_exit, node_flag={"hooked": True}
        )
    except NodeFailure as failure:
        return failure.node


class LifecycleHooks:
    """The non-exit ``hooks`` of one step/task: each fires once, when its expression first holds."""

    def __init__(
        self,
        run: WorkflowRunner,
        call: Call,
        hooks: dict[str, Any],
        node_name: str,
        boundary_id: str | None,
        prefix: str,
    ) -> None:
        self.run = run
        self.call = call
        self.hooks = hooks
        self.node_name = node_name
        self.boundary_id = boundary_id
        self.prefix = prefix
        self.started: dict[str, asyncio.Task[Any]] = {}
        if hooks:
            run.state.watch(node_name, self._on_change)

    def _on_change(self, node: NodeStatus) -> None:
        if node.phase is NodePhase.RUNNING:
            self._evaluate(node)

    def _evaluate(self, node: NodeStatus) -> None:
        scope = Scope()
        scope.add_node(self.run.state, self.prefix, node)
        flat = {**self.run.global_params, **scope.params}
        for name, hook in self.hooks.items():
            if name in self.started or not hook.get("expression"):
                continue
            if _expression_true(self.run, hook["expression"], flat):
                self.started[name] = asyncio.ensure_future(self._run_hook(name, hook, node, scope))

    async def _run_hook(self, name: str, hook: dict[str, Any], node: NodeStatus, scope: Scope) -> None:
        hook_name = f"{node.name}.hooks.{name}"
        self.run.state.add_child(node, hook_name)
        args = substitute_obj(hook.get("arguments") or {}, ChainMap(scope.params, self.run.global_params))
        await _run_hook_node(self.run, hook_name, hook, self.call.base, args, self.boundary_id)

    async def finish(self, node: NodeStatus) -> None:
        """Evaluate once more on the final phase and wait for every hook that fired."""
        if not self.hooks:
            return
        self.run.state.unwatch(self.node_name, self._on_change)
        self._evaluate(node)
        if self.started:
            await asyncio.gather(*self.started.values())


def run_lifecycle_hooks(
    run: WorkflowRunner,
    call: Call,
    holder: dict[str, Any],
    node_name: str,
    boundary_id: str | None,
    prefix: str,
) -> LifecycleHooks:
    hooks = {k: v for k, v in (holder.get("hooks") or {}).items() if k != "exit"}
    return LifecycleHooks(run, call, hooks, node_name, boundary_id, prefix)


async def run_workflow_hooks(run: WorkflowRunner, *, final: bool, phase: str = "Running") -> None:
    """Workflow-level ``spec.hooks`` (other than ``exit``): ``<wf>.hooks.<name>``, each at most once."""
    hooks = {k: v for k, v in (run.spec.get("hooks") or {}).items() if k != "exit"}
    if not hooks:
        return
    flat = dict(run.global_params)
    flat["workflow.status"] = phase
    jobs = []
    for name, hook in hooks.items():
        node_name = f"{run.name}.hooks.{name}"
        if run.state.by_name(node_name) is not None or not hook.get("expression"):
            continue
        if _expression_true(run, hook["expression"], flat):
            args = substitute_obj(hook.get("arguments") or {}, flat)
            jobs.append(_run_hook_node(run, node_name, hook, run.base, args, None, on_exit=final))
    await asyncio.gather(*jobs)


async def run_workflow_exit(run: WorkflowRunner, phase: str) -> NodeStatus | None:
    """The workflow's exit handler ``<wf>.onExit`` with ``workflow.status`` and ``workflow.failures`` set."""
    hook = exit_hook(run.spec)
    if not hook or run.shutdown == "Terminate":
        return None
    failures = [
        {
            "displayName": n.display_name,
            "message": n.message,
            "templateName": n.template_name or "",
            "phase": str(n.phase),
            "podName": run.pod_name(n.name, n.template_name),
            "finishedAt": n.finished_at,
        }
        for n in run.state.nodes.values()
        if n.phase.failed_or_error
    ]
    run.global_params["workflow.status"] = phase
    run.global_params["workflow.failures"] = json.dumps(failures, separators=(",", ":"))
    import time

    run.global_params["workflow.duration"] = f"{time.monotonic() - run.t_start:.6f}"
    args = hook.get("arguments") or run.arguments
    return await _run_hook_node(run, f"{run.name}.onExit", hook, run.base, args, None)
