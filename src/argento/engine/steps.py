"""Steps templates: groups run in order, the steps of a group in parallel (Argo's ``executeSteps``)."""

from __future__ import annotations

import asyncio
from collections import ChainMap
from typing import TYPE_CHECKING, Any

from argento.engine.loops import expand, should_expand
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.outputs import resolve_artifact_args, template_outputs
from argento.engine.scope import Scope
from argento.engine.views import CallSite, step_groups
from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext


FAIL_FAST_MESSAGE = "template has failed or errored children and failFast enabled"
_COUNTED = (NodeType.POD, NodeType.STEPS, NodeType.DAG)


def fail_fast_tripped(run: RunContext, template: dict[str, Any], boundary: NodeStatus) -> bool:
    """Argo's ``checkParallelism``: a template with ``failFast: true`` starts no further child once a Pod, Steps or
    DAG node under its boundary has Failed or Errored (``getUnsuccessfulChildren``)."""
    if template.get("failFast") is not True:
        return False
    return any(
        n.boundary_id == boundary.id and n.type in _COUNTED and n.phase.failed_or_error
        for n in run.state.nodes.values()
    )


def continues_on(holder: dict[str, Any], phase: NodePhase) -> bool:
    """Argo's ``ContinuesOn``: ``continueOn.failed`` covers Failed, ``continueOn.error`` covers Error."""
    site = CallSite.of(holder)
    return (phase is NodePhase.FAILED and site.continue_on_failed) or (
        phase is NodePhase.ERROR and site.continue_on_error
    )


async def execute_steps(run: RunContext, call: Call, node: NodeStatus) -> None:
    """Run the step groups of ``call.template`` under ``node``."""
    from argento.engine.call import int_field

    state = run.state
    if node.phase is NodePhase.PENDING:
        state.mark(node, NodePhase.RUNNING)
    scope = run.workflow_scope(call.template)
    groups = step_groups(call.template)
    try:
        limit = int_field(call.template.get("parallelism"), "parallelism")
    except ArgentoError as exc:
        state.mark(node, NodePhase.ERROR, str(exc))
        return
    parallel = asyncio.Semaphore(limit) if limit else None
    for i, group in enumerate(groups):
        sg_name = f"{call.node_name}[{i}]"
        sg = state.by_name(sg_name) or state.init_node(
            sg_name, NodeType.STEP_GROUP, boundary_id=node.id, template_scope=call.base.scope
        )
        if i == 0:
            state.add_child(node, sg_name)
        else:
            prev = state.by_name(f"{call.node_name}[{i - 1}]")
            for child in prev.children if prev else []:
                for out in state.outbound_nodes(child):
                    state.add_child(state.get(out), sg_name)
        await _execute_group(run, call, node, sg, group or [], scope, parallel)
        if not sg.phase.completed or sg.phase is not NodePhase.SUCCEEDED:
            _update_outbound(run, call, node)
            # Argo's executeSteps: a failed or errored step group rolls up to the steps node as Failed
            state.mark(node, NodePhase.FAILED, sg.message)
            return
        for step in group or []:
            child_name = f"{sg_name}.{step['name']}"
            prefix = f"steps.{step['name']}"
            child = state.by_name(child_name)
            if child is None:
                # withItems/withParam expansion: aggregate the outputs of the expanded children.
                kids = [
                    state.get(cid)
                    for cid in sg.children
                    if state.get(cid).name.startswith(child_name + "(")
                    and state.get(cid).type is not NodeType.SKIPPED
                ]
                scope.add_aggregate(prefix, kids)
                scope.add_node(state, prefix, sg)  # Argo: a loop step's id, status, … are its step group's
                continue
            scope.add_node(state, prefix, child)
            if child.type is NodeType.SKIPPED:
                scope.add_skipped(prefix, run.template_of(step, call.base))
            run.add_global_outputs(child.outputs)
        # Argo's executeSteps rebuilds its scope with addWorkflowOutputsToLocalScope on every pass (steps.go), so
        # a later group sees the `workflow.outputs.artifacts.*` an earlier one set (or overwrote).
        scope.add_outputs("workflow", run.state.outputs)
    try:
        node.outputs = template_outputs(run, call.template, scope) or node.outputs
    except ArgentoError as exc:
        _update_outbound(run, call, node)
        state.mark(node, NodePhase.ERROR, str(exc))
        return
    _update_outbound(run, call, node)
    if node.outputs:
        run.add_global_outputs(node.outputs)
    state.mark(node, NodePhase.SUCCEEDED)


def _update_outbound(run: RunContext, call: Call, node: NodeStatus) -> None:
    """Argo's ``updateOutboundNodes``: outbound nodes of the last step group that was started."""
    state = run.state
    for i in range(len(step_groups(call.template)) - 1, -1, -1):
        sg = state.by_name(f"{call.node_name}[{i}]")
        if sg is not None:
            out: list[str] = []
            for child in sg.children:
                out.extend(state.outbound_nodes(child))
            node.outbound_nodes = out
            state.changed(node)
            return


async def _execute_group(
    run: RunContext,
    call: Call,
    steps_node: NodeStatus,
    sg: NodeStatus,
    group: list[dict[str, Any]],
    scope: Scope,
    parallel: asyncio.Semaphore | None,
) -> None:
    """Argo's ``executeStepGroup``."""
    state = run.state
    if sg.fulfilled:
        return
    values = ChainMap(scope.params, run.global_params)
    expanded: list[tuple[str, dict[str, Any]]] = []
    try:
        for step in group:
            resolved = scope.substitute(step, run.global_params)
            scope.drop_absent_arguments(resolved)
            resolve_artifact_args(resolved, scope)
            if should_expand(resolved):
                items = expand(resolved, values)
                if not items:  # Argo's expandStepGroup: an empty loop is one Skipped node
                    _skip_empty_loop(run, call, steps_node, sg, resolved)
                expanded.extend(items)
            else:
                expanded.append((resolved["name"], resolved))
    except ArgentoError as exc:
        state.mark(sg, NodePhase.ERROR, str(exc))
        return
    holders: dict[str, dict[str, Any]] = {}
    errored: list[str] = []
    held: list[str] = []  # steps failFast kept from starting
    jobs: list[asyncio.Task[None]] = []
    # Argo creates every step of a group that parallelism lets start in one reconciliation: a sibling failing
    # meanwhile holds back only the steps that had to wait for a parallelism slot.
    tripped = fail_fast_tripped(run, call.template, steps_node)
    for name, step in expanded:
        child_name = f"{sg.name}.{name}"
        holders[state.id_of(child_name)] = step
        site = CallSite.of(step)
        when = site.when
        if when:
            from argento.expr.govaluate import evaluate_when  # loaded by the first `when`

            try:
                proceed = evaluate_when(when)
            except ArgentoError as exc:
                state.init_node(
                    child_name,
                    NodeType.SKIPPED,
                    phase=NodePhase.ERROR,
                    boundary_id=steps_node.id,
                    template_name=site.template,
                    template_scope=call.base.scope,
                    message=str(exc),
                )
                state.add_child(sg, child_name)
                state.mark(sg, NodePhase.ERROR, str(exc))
                return
            if not proceed:
                _skipped(run, call, steps_node, child_name, site, f"when '{when}' evaluated false")
                state.add_child(sg, child_name)
                continue
        jobs.append(
            asyncio.create_task(
                _run_step(run, call, steps_node, sg, child_name, step, scope, parallel, errored, held, tripped)
            )
        )
    if jobs:
        await asyncio.gather(*jobs)
    if errored:
        state.mark(sg, NodePhase.ERROR, errored[0])  # Argo's executeStepGroup wording
        return
    if held or fail_fast_tripped(run, call.template, steps_node):
        # Argo's checkParallelism, once no pod of the template is active, marks the leaf step group (and the
        # steps node) Failed
        state.mark(sg, NodePhase.FAILED, FAIL_FAST_MESSAGE)
        return
    for cid in sg.children:
        child = state.get(cid)
        step = holders.get(cid, {})
        if child.phase.failed_or_error and not continues_on(step, child.phase):
            state.mark(sg, NodePhase.FAILED, f"child '{cid}' failed")
            return
    state.mark(sg, NodePhase.SUCCEEDED)


def _skip_empty_loop(
    run: RunContext, call: Call, steps_node: NodeStatus, sg: NodeStatus, step: dict[str, Any]
) -> None:
    child_name = f"{sg.name}.{step['name']}"
    if _skipped(run, call, steps_node, child_name, CallSite.of(step), "Skipped, empty params"):
        run.state.add_child(sg, child_name)


def _skipped(
    run: RunContext, call: Call, steps_node: NodeStatus, child_name: str, site: CallSite, message: str
) -> bool:
    """The Skipped node of a step that does not run (``when`` false, an empty loop); False if it exists."""
    if run.state.by_name(child_name) is not None:
        return False
    run.state.init_node(
        child_name,
        NodeType.SKIPPED,
        phase=NodePhase.SKIPPED,
        boundary_id=steps_node.id,
        template_name=site.template,
        template_ref=site.template_ref,
        template_scope=call.base.scope,
        message=message,
    )
    return True


async def _run_step(
    run: RunContext,
    call: Call,
    steps_node: NodeStatus,
    sg: NodeStatus,
    child_name: str,
    step: dict[str, Any],
    scope: Scope,
    parallel: asyncio.Semaphore | None,
    errored: list[str],
    held: list[str],
    tripped: bool,
) -> None:
    from argento.engine.call import NodeFailure
    from argento.engine.hooks import run_lifecycle_hooks, run_on_exit

    state = run.state
    waited = parallel is not None and parallel.locked()
    if parallel is not None:
        await parallel.acquire()
    try:
        if tripped or (waited and fail_fast_tripped(run, call.template, steps_node)):
            held.append(child_name)
            return
        state.add_child(sg, child_name)
        prefix = f"steps.{step['name'].split('(')[0]}"
        try:
            hooks = run_lifecycle_hooks(run, call, step, child_name, steps_node.id, prefix, scope)
            node = await run.execute_template(
                child_name,
                step,
                call.base,
                CallSite.of(step).arguments,
                boundary_id=steps_node.id,
                on_exit=call.on_exit,
            )
        except NodeFailure as failure:
            errored.append(
                f"step group deemed errored due to child {child_name} error: {failure.node.message}"
            )
            return
        await hooks.finish(node)
        if node.completed:
            await run_on_exit(run, call, step, node, steps_node.id, prefix, scope)
    finally:
        if parallel is not None:
            parallel.release()
