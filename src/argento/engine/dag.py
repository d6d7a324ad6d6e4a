"""DAG templates (Argo's ``executeDAG``), event-driven: a task starts when its last dependency completes.

Argo re-walks the whole DAG on every reconciliation; here each completion only touches the dependents of the
task that completed, so a 10,000-task DAG costs O(tasks + edges). Node names, children, outbound nodes,
Omitted/Skipped nodes and the final phase (``assessDAGPhase``) follow Argo exactly.
"""

from __future__ import annotations

import asyncio
import re
from collections import ChainMap, deque
from typing import TYPE_CHECKING, Any

from argento.engine.loops import expand, should_expand
from argento.engine.nodes import NodePhase, NodeStatus, NodeType
from argento.engine.outputs import resolve_artifact_args, template_outputs
from argento.engine.scope import Scope
from argento.engine.steps import FAIL_FAST_MESSAGE, continues_on, fail_fast_tripped
from argento.engine.views import CallSite, DagView, TaskView
from argento.errors import ArgentoError, SpecError
from argento.expr.depends import ContinueOn, Depends, TaskStatus, from_dependencies, parse_depends
from argento.expr.govaluate import evaluate_when

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext

# A task reference in `depends`: a name, optionally followed by `.Result`.
_REF = re.compile(r"(?<![\w.\-])([A-Za-z0-9_][\w\-]*)(?:\.(\w+))?")


def task_depends(task: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> tuple[Depends | None, list[str]]:
    """A task's parsed ``depends`` (or ``dependencies``) and the tasks it names, in first-mention order.

    Bare names accept what Argo's ``expandDependency`` accepts, widened by the dependency's ``continueOn``.
    """
    view = TaskView.of(task)
    text = view.depends
    names = [m.group(1) for m in _REF.finditer(text)] if text else view.dependencies
    names = list(dict.fromkeys(n for n in names if n in tasks))
    if not text and not names:
        return None, []
    continue_on = {
        n: ContinueOn(error=bool(c.get("error")), failed=bool(c.get("failed")))
        for n in names
        if (c := tasks[n].get("continueOn"))
    }
    if text:
        return parse_depends(text, continue_on=continue_on), names
    return from_dependencies(names, continue_on=continue_on), names


def leaf_tasks(tasks: dict[str, dict[str, Any]], deps: dict[str, list[str]]) -> list[str]:
    """Argo's ``findLeafTaskNames``: tasks nobody depends on, sorted."""
    depended = {d for ds in deps.values() for d in ds}
    return sorted(t for t in tasks if t not in depended)


class _Dag:
    """Bookkeeping of one DAG node's execution."""

    def __init__(self, run: RunContext, call: Call, node: NodeStatus) -> None:
        self.run = run
        self.call = call
        self.node = node
        dag = DagView.of(call.template)
        self.tasks: dict[str, dict[str, Any]] = dag.tasks
        self.logic: dict[str, Depends | None] = {}
        self.deps: dict[str, list[str]] = {}
        for name, task in self.tasks.items():
            self.logic[name], self.deps[name] = task_depends(task, self.tasks)
        self.targets = dag.targets or leaf_tasks(self.tasks, self.deps)
        for t in self.targets:
            if t not in self.tasks:
                raise SpecError(f"target '{t}' is not a task of the DAG", path="dag.target")
        self.fail_fast = dag.fail_fast
        self.scope: Scope = run.workflow_scope(call.template)
        self.values = ChainMap(self.scope.params, run.global_params)
        from argento.engine.call import int_field

        limit = int_field(call.template.get("parallelism"), "parallelism")
        self.parallel = asyncio.Semaphore(limit) if limit else None

    def task_node(self, name: str) -> NodeStatus | None:
        return self.run.state.by_name(f"{self.call.node_name}.{name}")

    def connect(self, child_name: str, name: str, group: NodeStatus | None = None) -> None:
        """Argo's ``connectDependencies``."""
        state = self.run.state
        if group is not None:
            state.add_child(group, child_name)
        elif not self.deps[name]:
            state.add_child(self.node, child_name)
        else:
            for dep in self.deps[name]:
                dep_node = self.task_node(dep)
                if dep_node is None:
                    continue
                for out in state.outbound_nodes(dep_node.id):
                    state.add_child(state.get(out), child_name)

    def should_execute(self, name: str) -> bool:
        """Argo's ``evaluateDependsLogic`` once every dependency is fulfilled."""
        logic = self.logic[name]
        if logic is None:
            return True
        state = self.run.state

        def status(dep: str) -> TaskStatus:
            node = self.task_node(dep)
            assert node is not None
            if node.type is NodeType.TASK_GROUP:
                return TaskStatus.of_group(str(node.phase), [str(state.get(c).phase) for c in node.children])
            return TaskStatus(phase=str(node.phase), daemoned=node.daemoned)

        return logic.evaluate(status)

    # ------------------------------------------------------------------------------------------------------
    async def run_dag(self) -> None:
        state = self.run.state
        needed: set[str] = set()
        stack = list(self.targets)
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(self.deps[name])
        dependents: dict[str, list[str]] = {n: [] for n in needed}
        for name in needed:
            for dep in self.deps[name]:
                dependents[dep].append(name)
        remaining = {n: len(self.deps[n]) for n in needed}
        ready = deque(n for n in self.tasks if n in needed and remaining[n] == 0)
        running: dict[asyncio.Task[None], str] = {}

        def completed(name: str) -> None:
            node = self.task_node(name)
            if node is not None and node.type is not NodeType.TASK_GROUP:
                self.scope.add_node(state, f"tasks.{name}", node)
                if node.type is NodeType.SKIPPED:
                    self.scope.add_skipped(
                        f"tasks.{name}", self.run.template_of(self.tasks[name], self.call.base)
                    )
                self.run.add_global_outputs(node.outputs)
                # dag.go executeDAG: addWorkflowOutputsToLocalScope on every pass (see steps.py)
                self.scope.add_outputs("workflow", self.run.state.outputs)
            for dependent in dependents[name]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    ready.append(dependent)

        while True:
            while ready:
                name = ready.popleft()
                node_name = f"{self.call.node_name}.{name}"
                existing = self.task_node(name)
                if existing is None:
                    try:
                        execute = self.should_execute(name)
                    except ArgentoError as exc:
                        state.init_node(
                            node_name,
                            NodeType.SKIPPED,
                            phase=NodePhase.ERROR,
                            message=str(exc),
                            **self._skip_kwargs(name),
                        )
                        self.connect(node_name, name)
                        completed(name)
                        continue
                    if not execute:
                        state.init_node(
                            node_name,
                            NodeType.SKIPPED,
                            phase=NodePhase.OMITTED,
                            message="omitted: depends condition not met",
                            **self._skip_kwargs(name),
                        )
                        self.connect(node_name, name)
                        completed(name)
                        continue
                elif existing.fulfilled and existing.type is not NodeType.TASK_GROUP:
                    completed(name)
                    continue
                if existing is None and fail_fast_tripped(self.run, self.call.template, self.node):
                    continue  # Argo's checkParallelism: a failFast template starts no task after a failure
                running[asyncio.create_task(self.run_task(name))] = name
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                name = running.pop(task)
                task.result()
                completed(name)

    def _skip_kwargs(self, name: str) -> dict[str, Any]:
        site = CallSite.of(self.tasks[name])
        return {
            "boundary_id": self.node.id,
            "template_name": site.template,
            "template_ref": site.template_ref,
            "template_scope": self.call.base.scope,
        }

    async def run_task(self, name: str) -> None:
        """Argo's ``executeDAGTask`` for a task whose dependencies allow it to run."""
        state = self.run.state
        task = self.tasks[name]
        node_name = f"{self.call.node_name}.{name}"
        try:
            resolved = self.scope.substitute(task, self.run.global_params)
            self.scope.drop_absent_arguments(resolved)
            resolve_artifact_args(resolved, self.scope)
            expanded = expand(resolved, self.values) if should_expand(resolved) else None
        except ArgentoError as exc:
            if state.by_name(node_name) is None:
                self.connect(node_name, name)
                state.init_node(
                    node_name,
                    NodeType.SKIPPED,
                    phase=NodePhase.ERROR,
                    message=str(exc),
                    **self._skip_kwargs(name),
                )
            return
        if expanded is None:
            self.connect(node_name, name)
            if not self._when(node_name, name, resolved):
                return
            await self.run_one(node_name, name, resolved)
            return
        if not expanded:
            state.init_node(
                node_name,
                NodeType.SKIPPED,
                phase=NodePhase.SKIPPED,
                message="Skipped, empty params",
                **self._skip_kwargs(name),
            )
            self.connect(node_name, name)
            return
        group = state.by_name(node_name)
        if group is None:
            self.connect(node_name, name)
            group = state.init_node(node_name, NodeType.TASK_GROUP, **self._skip_kwargs(name))
        jobs = []
        for child, child_task in expanded:
            child_name = f"{self.call.node_name}.{child}"
            self.connect(child_name, name, group)
            if state.by_name(child_name) is None and not self._when(child_name, name, child_task):
                continue
            jobs.append(self.run_one(child_name, name, child_task))
        await asyncio.gather(*jobs)
        kids = [state.get(c) for c in group.children]
        # dag.go executeDAGTask: the TaskGroup takes the phase of a Failed/Errored child whatever its continueOn
        # (continueOn is honoured where the group is used: expandDependency and assessDAGPhase).
        phase = NodePhase.SUCCEEDED
        for kid in kids:
            if kid.phase.failed_or_error:
                phase = kid.phase
        self.scope.add_aggregate(f"tasks.{name}", kids)
        self.scope.add_node(state, f"tasks.{name}", state.mark(group, phase))

    def _when(self, node_name: str, name: str, task: dict[str, Any]) -> bool:
        when = CallSite.of(task).when
        if not when:
            return True
        try:
            if evaluate_when(when):
                return True
            phase, message = NodePhase.SKIPPED, f"when '{when}' evaluated false"
        except ArgentoError as exc:
            phase, message = NodePhase.ERROR, str(exc)
        self.run.state.init_node(
            node_name, NodeType.SKIPPED, phase=phase, message=message, **self._skip_kwargs(name)
        )
        return False

    async def run_one(self, node_name: str, name: str, task: dict[str, Any]) -> NodeStatus:
        from argento.engine.call import NodeFailure
        from argento.engine.hooks import run_lifecycle_hooks, run_on_exit

        if self.parallel is not None:
            await self.parallel.acquire()
        try:
            prefix = f"tasks.{name}"
            hooks = run_lifecycle_hooks(
                self.run, self.call, task, node_name, self.node.id, prefix, self.scope
            )
            try:
                node = await self.run.execute_template(
                    node_name,
                    task,
                    self.call.base,
                    CallSite.of(task).arguments,
                    boundary_id=self.node.id,
                    on_exit=self.call.on_exit,
                )
            except NodeFailure as failure:
                # Argo's executeDAGTask: the task's own error, wrapped
                node = self.run.state.mark(
                    failure.node, NodePhase.ERROR, f"task '{node_name}' errored: {failure.node.message}"
                )
            await hooks.finish(node)
            if node.completed:
                await run_on_exit(self.run, self.call, task, node, self.node.id, prefix, self.scope)
            return node
        finally:
            if self.parallel is not None:
                self.parallel.release()

    # ------------------------------------------------------------------------------------------------------
    def assess(self) -> NodePhase:
        """Argo's ``assessDAGPhase``: omitted targets inherit the phase of their branch."""
        state = self.run.state
        # A shutdown fails the DAG outright, except a DAG of an exit handler (Argo's ``executeDAG`` passes
        # isShutdown only when the DAG is not ``onExitTemplate``): it runs to its own end.
        if (self.run.shutdown or self.run.deadline_exceeded) and not self.call.on_exit:
            return NodePhase.FAILED
        target_ids = {state.id_of(f"{self.call.node_name}.{t}"): t for t in self.targets}
        branch_of: dict[str, NodePhase | None] = dict.fromkeys(target_ids)
        queue = deque((c, NodePhase.SUCCEEDED) for c in self.node.children)
        seen: set[tuple[str, NodePhase]] = set()
        while queue:
            nid, branch = queue.popleft()
            if (nid, branch) in seen:
                continue
            seen.add((nid, branch))
            node = state.nodes.get(nid)
            if node is None:
                return NodePhase.RUNNING
            if not node.fulfilled and not node.daemoned:
                return NodePhase.RUNNING
            if node.completed:
                branch = node.phase
            if nid in branch_of:
                previous = branch_of[nid]
                if previous is None or not previous.failed_or_error:
                    branch_of[nid] = branch
            children = node.children
            if node.type is NodeType.RETRY:
                children = _retry_children(state, node)
            queue.extend((c, branch) for c in children)
        result = NodePhase.SUCCEEDED
        for nid, name in target_ids.items():
            phase = branch_of[nid]
            if phase is None:
                result = NodePhase.RUNNING
                if not self.fail_fast:
                    break
            elif phase.failed_or_error:
                if continues_on(self.tasks[name], phase):
                    continue
                result = phase
                if self.fail_fast:
                    break
        return result

    def finish(self) -> None:
        state = self.run.state
        out: list[str] = []
        for t in self.targets:
            node = self.task_node(t)
            if node is not None:
                out.extend(state.outbound_nodes(node.id))
        self.node.outbound_nodes = out
        if fail_fast_tripped(self.run, self.call.template, self.node):
            # Argo's checkParallelism: once no pod under it is active, a failFast template with a failed or
            # errored child is Failed, whatever its tasks' dependencies say
            state.mark(self.node, NodePhase.FAILED, FAIL_FAST_MESSAGE)
            return
        phase = self.assess()
        if phase is NodePhase.RUNNING:
            phase = NodePhase.FAILED  # nothing runs any more: a target can never be reached
        if phase is not NodePhase.SUCCEEDED:
            state.mark(self.node, phase)
            return
        try:
            outputs = template_outputs(self.run, self.call.template, self.scope)
        except ArgentoError as exc:
            state.mark(self.node, NodePhase.ERROR, str(exc))
            return
        if outputs:
            self.node.outputs = outputs
            self.run.add_global_outputs(outputs)
        state.mark(self.node, NodePhase.SUCCEEDED)


def _retry_children(state: Any, node: NodeStatus) -> list[str]:
    """Argo's ``getRetryNodeChildrenIds``: a fulfilled Retry node stands for its attempts, so the walk goes on
    through the children of its attempts and through its hook (and onExit) nodes themselves."""
    out: list[str] = []
    for cid in reversed(node.children):
        child = state.nodes.get(cid)
        if child is None:
            continue
        if child.node_flag and child.node_flag.get("hooked"):
            out.append(child.id)
        else:
            out.extend(child.children)
    return out


async def execute_dag(run: RunContext, call: Call, node: NodeStatus) -> None:
    """Run the DAG of ``call.template`` under ``node``."""
    if node.phase is NodePhase.PENDING:
        run.state.mark(node, NodePhase.RUNNING)
    try:
        dag = _Dag(run, call, node)
    except ArgentoError as exc:
        run.state.mark(node, NodePhase.ERROR, str(exc))
        return
    await dag.run_dag()
    dag.finish()
