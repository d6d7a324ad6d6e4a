"""Exit handlers (``onExit``, ``hooks.exit``) and lifecycle hooks, for steps, tasks and the workflow.

Argo (workflow/controller/hooks.go, exit_handler.go) evaluates a step's or task's hooks on every reconcile
with the node's *own* phase as ``steps.X.status`` / ``tasks.X.status`` (a Retry node's, not its attempt's) and
the workflow's hooks with ``workflow.status`` derived from the root node's phase. A hook whose expression holds
runs once, as ``<node>.hooks.<name>`` flagged ``hooked``, a child of the node it hooks (of the Retry node for a
retried step; of the root node for the workflow's hooks). The step group, the dependents of a task, and the
workflow's exit handler and final phase wait for every hook that fired. Here the evaluation happens on each
change of the hooked node instead of on each reconcile, so a short Running phase is never missed.
"""

from __future__ import annotations

import asyncio
import json
from collections import ChainMap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.scope import Scope
from argento.errors import ArgentoError
from argento.expr.template import substitute_obj

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext
    from argento.engine.resolve import TemplateBase

#: Argo's ``workflowStatus`` map: the workflow phase a root node phase stands for.
WORKFLOW_PHASE = {
    NodePhase.PENDING: "Pending",
    NodePhase.RUNNING: "Running",
    NodePhase.SUCCEEDED: "Succeeded",
    NodePhase.SKIPPED: "Succeeded",
    NodePhase.OMITTED: "Succeeded",
    NodePhase.FAILED: "Failed",
    NodePhase.ERROR: "Error",
}


def exit_hook(holder: dict[str, Any]) -> dict[str, Any] | None:
    """Argo's ``GetExitHook``: ``onExit`` (a template name) or ``hooks.exit``."""
    if holder.get("onExit"):
        return {"template": holder["onExit"]}
    return (holder.get("hooks") or {}).get("exit")


def _expression_true(expression: str, flat: dict[str, Any]) -> bool:
    from argento.expr.lang import build_env, evaluate

    try:
        return evaluate(expression, build_env(flat)) is True
    except ArgentoError:
        return False


def node_scope(run: RunContext, scope: Scope | None, prefix: str, node: NodeStatus) -> Scope:
    """The scope a hook of ``node`` sees: the enclosing one, the node's values (a Retry node's from its last
    attempt), and the node's own phase as ``<prefix>.status``."""
    local = scope.copy() if scope is not None else Scope()
    local.add_node(run.state, prefix, node)
    local.params[f"{prefix}.status"] = str(node.phase)
    return local


async def run_on_exit(
    run: RunContext,
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
    local = node_scope(run, scope, prefix, node)
    flat = local.expr_flat(run.global_params)
    if hook.get("expression") and not _expression_true(hook["expression"], flat):
        return None
    name = f"{node.name}.onExit"
    try:
        args = hook_arguments(run, hook, local)
    except ArgentoError as exc:
        return _error_hook(run, node, name, boundary_id, str(exc))
    run.state.add_child(node, name)
    return await _run_hook_node(run, name, hook, call.base, args, boundary_id)


def hook_arguments(run: RunContext, hook: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """Argo's ``resolveExitTmplArgument``: a hook's arguments are resolved as a step's are. A pure reference to
    an absent output (a skipped producer's, without a default) counts as not supplied, expressions see it as
    nil (``??`` applies), and ``from`` artifact references are resolved from the scope."""
    from argento.engine.outputs import resolve_artifact_args
    from argento.expr.lang import build_env

    holder = {"arguments": hook.get("arguments") or {}}
    env = build_env(scope.expr_flat(run.global_params))
    resolved = substitute_obj(holder, ChainMap(scope.params, run.global_params), expr_env=env)
    scope.drop_absent_arguments(resolved)
    resolve_artifact_args(resolved, scope)
    return resolved["arguments"]


def _error_hook(
    run: RunContext, node: NodeStatus, name: str, boundary_id: str | None, message: str
) -> NodeStatus:
    """A hook whose arguments cannot be resolved: an Error node (Argo: the error of ``executeTemplate``)."""
    hook = run.state.init_node(
        name,
        NodeType.SKIPPED,
        phase=NodePhase.ERROR,
        boundary_id=boundary_id,
        message=message,
        node_flag={"hooked": True},
    )
    run.state.add_child(node, name)
    return hook


def _ref(hook: dict[str, Any]) -> dict[str, Any]:
    return {k: hook[k] for k in ("template", "templateRef", "inline") if hook.get(k)}


async def _run_hook_node(
    run: RunContext,
    name: str,
    hook: dict[str, Any],
    base: TemplateBase,
    args: dict[str, Any] | None,
    boundary_id: str | None,
    *,
    on_exit: bool = True,
) -> NodeStatus:
    """Run a hook's template as the node ``name`` (flagged ``hooked``); a node that errored is returned."""
    from argento.engine.call import NodeFailure

    try:
        return await run.execute_template(
            name, _ref(hook), base, args, boundary_id=boundary_id, on_exit=on_exit, node_flag={"hooked": True}
        )
    except NodeFailure as failure:
        return failure.node


class LifecycleHooks:
    """The non-exit ``hooks`` of one node: each runs once, when its expression first holds.

    ``scope_of(node)`` gives the scope an expression and the hook's arguments see for the node's current
    state.
    """

    def __init__(
        self,
        run: RunContext,
        hooks: dict[str, Any],
        node_name: str,
        base: TemplateBase,
        boundary_id: str | None,
        scope_of: Callable[[NodeStatus], Scope],
    ) -> None:
        self.run = run
        self.hooks = hooks
        self.node_name = node_name
        self.base = base
        self.boundary_id = boundary_id
        self.scope_of = scope_of
        self.started: dict[str, asyncio.Task[Any]] = {}
        if hooks:
            run.state.watch(node_name, self._evaluate)

    def _evaluate(self, node: NodeStatus) -> None:
        pending = [n for n, h in self.hooks.items() if n not in self.started and h.get("expression")]
        if not pending:
            return
        scope = self.scope_of(node)
        flat = scope.expr_flat(self.run.global_params)
        for name in pending:
            hook = self.hooks[name]
            if _expression_true(hook["expression"], flat):
                self.started[name] = asyncio.ensure_future(self._run_hook(name, hook, node, scope))

    async def _run_hook(self, name: str, hook: dict[str, Any], node: NodeStatus, scope: Scope) -> None:
        hook_name = f"{node.name}.hooks.{name}"
        try:
            args = hook_arguments(self.run, hook, scope)
        except ArgentoError as exc:
            _error_hook(self.run, node, hook_name, self.boundary_id, str(exc))
            return
        self.run.state.add_child(node, hook_name)
        await _run_hook_node(self.run, hook_name, hook, self.base, args, self.boundary_id)

    async def finish(self, node: NodeStatus) -> None:
        """Evaluate once more on the final phase and wait for every hook that fired."""
        if not self.hooks:
            return
        self.run.state.unwatch(self.node_name, self._evaluate)
        self._evaluate(node)
        if self.started:
            await asyncio.gather(*self.started.values())


def _non_exit(hooks: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (hooks or {}).items() if k != "exit"}


def run_lifecycle_hooks(
    run: RunContext,
    call: Call,
    holder: dict[str, Any],
    node_name: str,
    boundary_id: str | None,
    prefix: str,
    scope: Scope | None = None,
) -> LifecycleHooks:
    """The hooks of a step or task (Argo's ``executeTmplLifeCycleHook``)."""

    def scope_of(node: NodeStatus) -> Scope:
        return node_scope(run, scope, prefix, node)

    return LifecycleHooks(run, _non_exit(holder.get("hooks")), node_name, call.base, boundary_id, scope_of)


def workflow_hooks(run: RunContext) -> LifecycleHooks:
    """The workflow's ``spec.hooks`` (Argo's ``executeWfLifeCycleHook``): ``<wf>.hooks.<name>``, children of the
    root node, with ``workflow.status`` from the root node's phase."""

    def scope_of(node: NodeStatus) -> Scope:
        return Scope({"workflow.status": WORKFLOW_PHASE.get(node.phase, "Running")})

    return LifecycleHooks(run, _non_exit(run.spec.get("hooks")), run.name, run.base, None, scope_of)


async def run_workflow_exit(run: RunContext, phase: str) -> NodeStatus | None:
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
    from argento.engine.call import NodeFailure

    try:
        return await run.execute_template(
            f"{run.name}.onExit", _ref(hook), run.base, args, boundary_id=None, on_exit=True,
            node_flag={"hooked": True},
        )
    except NodeFailure as failure:  # Argo: "error in exit template execution : …" errors the workflow
        run.exit_error = failure.node.message
        return failure.node
