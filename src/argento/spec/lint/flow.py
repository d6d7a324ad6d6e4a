"""Rules for ``steps`` and ``dag`` templates (Argo's ``validateSteps`` and ``validateDAG``)."""

from __future__ import annotations

from typing import Any

from argento.spec.lint.calls import (
    check_arguments,
    check_hooks,
    check_supplied,
    check_when,
    report_resolution,
)
from argento.spec.lint.checker import Checker, output_names
from argento.spec.lint.context import Resolution, raw_at, resolve
from argento.spec.lint.scope import Scope, add_items, check_tags
from argento.spec.models import EXIT_HOOK, DAGTask, Template, WorkflowStep
from argento.spec.names import skeleton, workflow_field_name_errors
from argento.spec.source_map import Path

#: ``depends`` results (``task.Succeeded``); the last two need the task to loop.
TASK_RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)
ITEM_RESULTS = ("AnySucceeded", "AllFailed")


def _argo_step_name(step: WorkflowStep | DAGTask, path: Path, ck: Checker) -> str | None:
    """How Argo's validation names a step (``templates.<template>.steps[<group>].<step>``); None: a task."""
    if not isinstance(step, WorkflowStep) or "steps" not in path:
        return None
    k = len(path) - 1 - list(reversed(path)).index("steps")
    template = raw_at(ck.holder.doc.raw, path[:k])
    name = template.get("name") if isinstance(template, dict) else None
    return f"templates.{name}.steps[{path[k + 1]}].{step.name}" if name and k + 1 < len(path) else None


def _call(step: WorkflowStep | DAGTask, path: Path, ck: Checker) -> Resolution:
    """Resolve and check what a step/task calls (template, hooks, onExit, when, arguments)."""
    res = resolve(
        template=step.template,
        template_ref=step.template_ref,
        inline=step.inline,
        holder=ck.holder,
        registry=ck.registry,
        path=path,
        local=True,
    )
    report_resolution(res, path, ck)
    if step.inline is not None:
        assert ck.check_template is not None, "the Checker is made with the template rules (lint.resource)"
        ck.check_template(step.inline, (*path, "inline"), ck)
    check_hooks(step.hooks, path, ck, argo_base=_argo_step_name(step, path, ck))
    if step.on_exit:
        exit_res = resolve(
            template=step.on_exit,
            template_ref=None,
            inline=None,
            holder=ck.holder,
            registry=ck.registry,
            path=path,
            local=True,
        )
        if exit_res.problem:
            ck.emit.error((*path, "onExit"), exit_res.problem[1])
    check_when(step.when, (*path, "when"), ck)
    return res


def _has_exit_hook(step: WorkflowStep | DAGTask) -> bool:
    return bool(step.on_exit) or EXIT_HOOK in (step.hooks or {})


def _add_outputs(
    scope: Scope, res: Resolution, prefix: str, name: str, *, aggregate: bool, ancestor: bool
) -> None:
    tmpl = res.target.template if res.target else None
    scope.add(*output_names(tmpl, prefix, name, aggregate=aggregate, ancestor=ancestor))
    if tmpl is None:
        scope.wild.add(f"{prefix}.{name}.")  # unresolved: accept anything below, do not cascade


def _step_scope(scope: Scope, step: WorkflowStep | DAGTask) -> Scope:
    child = scope.copy()
    if step.inline is not None and step.inline.inputs is not None:
        child.add(*(f"inputs.parameters.{p.name}" for p in step.inline.inputs.parameters or ()))
    return child


def _check_name(name: str, seen: set[str], path: Path, ck: Checker) -> bool:
    if not name:
        ck.emit.error(path, "name is required")
        return False
    if name in seen:
        ck.emit.error((*path, "name"), f"name '{name}' is not unique")
        return False
    errors = workflow_field_name_errors(skeleton(name))
    if errors:
        ck.emit.error((*path, "name"), f"name '{name}' is invalid: {';'.join(errors)}")
    seen.add(name)
    return True


def check_steps(tmpl: Template, path: Path, scope: Scope, ck: Checker) -> None:
    """Argo's ``validateSteps``: names, calls, arguments and the variables each step may use.

    A step sees the outputs of earlier step groups; Argo also accepts earlier steps of the *same* group,
    which cannot have run yet — that is a warning here.
    """
    seen: set[str] = set()
    for i, group in enumerate(tmpl.steps or ()):
        finished: list[tuple[Resolution, str, bool]] = []
        for j, step in enumerate(group):
            p = (*path, "steps", i, j)
            if not _check_name(step.name, seen, p, ck):
                continue
            scope.add(f"steps.{step.name}.status")
            problem = add_items(step.with_items, step.with_param, step.with_sequence, scope)
            if problem:
                ck.emit.error(p, problem)
            check_arguments(step.arguments, (*p, "arguments"), ck, allow_empty=False)
            res = _call(step, p, ck)
            if _has_exit_hook(step):
                _add_outputs(scope, res, "steps", step.name, aggregate=False, ancestor=False)
            check_tags(raw_at(ck.holder.doc.raw, p), p, _step_scope(scope, step), ck.emit, ck.exprs)
            aggregate = bool(step.with_items) or bool(step.with_param)
            tmpl_out = res.target.template if res.target else None
            for name in output_names(tmpl_out, "steps", step.name, aggregate=aggregate, ancestor=False):
                scope.add_soft(
                    name, f"steps.{step.name} is in the same step group; its outputs do not exist yet"
                )
            finished.append((res, step.name, aggregate))
            if res.target is not None:
                check_supplied(res.target.template, step.arguments, p, ck, lenient=False)
        for res, name, aggregate in finished:
            _add_outputs(scope, res, "steps", name, aggregate=aggregate, ancestor=False)


def _dependencies(task: DAGTask, p: Path, ck: Checker) -> list[tuple[str, str | None, Path]]:
    """``(task name, result or None, path)`` for each dependency of ``task``."""
    if task.depends:
        refs, problem = ck.exprs.depends(task.depends)
        if problem:
            ck.emit.error((*p, "depends"), problem)
            return []
        return [(name, result, (*p, "depends")) for name, result in refs]
    return [(name, None, (*p, "dependencies", k)) for k, name in enumerate(task.dependencies or ())]


def check_dag(tmpl: Template, path: Path, scope: Scope, ck: Checker) -> None:
    """Argo's ``validateDAG``: task names, dependencies, cycles, targets, calls and variables."""
    dag = tmpl.dag
    assert dag is not None
    e = ck.emit
    tasks = dag.tasks
    if not tasks:
        e.error((*path, "dag", "tasks"), "must have at least one task")
        return
    by_name: dict[str, DAGTask] = {}
    seen: set[str] = set()
    using_depends = any(t.depends for t in tasks)
    for i, task in enumerate(tasks):
        p = (*path, "dag", "tasks", i)
        if _check_name(task.name, seen, p, ck):
            by_name.setdefault(task.name, task)
    deps: dict[str, list[str]] = {}
    resolutions: dict[str, Resolution] = {}
    for i, task in enumerate(tasks):
        p = (*path, "dag", "tasks", i)
        if not task.name:
            continue
        if (using_depends or task.dependencies) and task.name[0].isdigit():
            e.error(
                (*p, "name"), "name cannot begin with a digit when using either 'depends' or 'dependencies'"
            )
        if using_depends and task.dependencies:
            e.error(
                (*p, "dependencies"), "cannot use both 'depends' and 'dependencies' in the same DAG template"
            )
        if using_depends and task.continue_on is not None:
            e.error(
                (*p, "continueOn"),
                "cannot use 'continueOn' when using 'depends'. Instead use 'dep-task.Failed'/'dep-task.Errored'",
            )
        task_deps = deps.setdefault(task.name, [])
        for name, result, dp in _dependencies(task, p, ck):
            if name not in by_name:
                e.error(dp, f"dependency '{name}' not defined")
                continue
            if result is not None and result not in TASK_RESULTS:
                e.error(dp, f"task result '{result}' for task '{name}' is invalid")
            elif result in ITEM_RESULTS and not by_name[name].has_loop():
                e.error(
                    dp,
                    f"dependency '{name}' uses an items-based condition such as .AnySucceeded or .AllFailed but "
                    "does not contain any items",
                )
            if name not in task_deps:
                task_deps.append(name)
        resolutions[task.name] = _call(task, p, ck)
    cyclic = _check_cycles(tasks, deps, path, ck)
    # Argo puts every task's outputs in the DAG's scope; a task sees them all, but only its dependencies are
    # sure to have run: the others resolve with a warning (shared table, built once per DAG).
    task_base = scope.copy()
    others: dict[str, str] = {}
    for task in tasks:
        if task.name not in resolutions:
            continue
        res = resolutions[task.name]
        aggregate = bool(task.with_items) or bool(task.with_param)
        _add_outputs(scope, res, "tasks", task.name, aggregate=aggregate, ancestor=False)
        tmpl_out = res.target.template if res.target else None
        for name in output_names(tmpl_out, "tasks", task.name, aggregate=aggregate, ancestor=False):
            if name.endswith((".id", ".startedAt", ".finishedAt", ".hostNodeName")):
                task_base.add(name)
            else:
                others.setdefault(name, task.name)
        if tmpl_out is None:
            task_base.wild.add(f"tasks.{task.name}.")
    _check_target(dag.target, by_name, (*path, "dag", "target"), scope, ck)
    for i, task in enumerate(tasks):
        if task.name not in resolutions:
            continue
        p = (*path, "dag", "tasks", i)
        ancestry = set() if cyclic else _ancestry(task.name, deps)
        task_scope = _step_scope(task_base, task)
        task_scope.others = others
        task_scope.others_warning = (
            "task '{task}' is not a dependency of '" + task.name + "'; its outputs may not exist yet"
        )
        for ancestor in ancestry:
            anc = by_name[ancestor]
            aggregate = bool(anc.with_items) or bool(anc.with_param)
            _add_outputs(
                task_scope, resolutions[ancestor], "tasks", ancestor, aggregate=aggregate, ancestor=True
            )
        if task.hooks:
            task_scope.add(f"tasks.{task.name}.status")
        problem = add_items(task.with_items, task.with_param, task.with_sequence, task_scope)
        if problem:
            e.error(p, problem)
        check_tags(raw_at(ck.holder.doc.raw, p), p, task_scope, e, ck.exprs)
        check_arguments(task.arguments, (*p, "arguments"), ck, allow_empty=False)
        _check_argument_dependencies(task, ancestry, p, ck)
        res = resolutions[task.name]
        if res.target is not None:
            check_supplied(res.target.template, task.arguments, p, ck, lenient=False)


def _ancestry(name: str, deps: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(deps.get(name, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(deps.get(current, ()))
    return seen


def _check_cycles(tasks: list[DAGTask], deps: dict[str, list[str]], path: Path, ck: Checker) -> bool:
    """Argo's ``verifyNoCycles``: depth-first over dependencies; reports the first cycle found."""
    visited: set[str] = set()
    index = {t.name: i for i, t in enumerate(tasks)}

    def visit(name: str, chain: list[str]) -> list[str] | None:
        if name in visited:
            return None
        for dep in deps.get(name, ()):
            if dep in chain:
                return [*chain[chain.index(dep) :], dep]
            found = visit(dep, [*chain, dep])
            if found:
                return found
        visited.add(name)
        return None

    for task in tasks:
        cycle = visit(task.name, [task.name])
        if cycle:
            where = (*path, "dag", "tasks", index[cycle[0]])
            ck.emit.error(where, f"dependency cycle detected: {'->'.join(cycle)}")
            return True
    return False


def _check_target(target: str | None, by_name: dict[str, Any], path: Path, scope: Scope, ck: Checker) -> None:
    if not target:
        return
    check_tags(target, path, scope, ck.emit, ck.exprs)
    for name in target.split(" "):
        if name and "{{" not in name and name not in by_name:
            ck.emit.error(path, f"target '{name}' is not defined")


def _check_argument_dependencies(task: DAGTask, ancestry: set[str], path: Path, ck: Checker) -> None:
    """Argo's ``validateDAGTaskArgumentDependency``: ``{{tasks.X…}}`` arguments need X as a dependency."""
    args = task.arguments
    if args is None:
        return
    for i, param in enumerate(args.parameters or ()):
        value = param.value_str or ""
        if value.startswith("{{tasks."):
            ref = value.split(".")[1]
            if ref not in ancestry:
                ck.emit.error(
                    (*path, "arguments", "parameters", i, "value"),
                    f"missing dependency '{ref}' for parameter '{param.name}'",
                )
    for i, art in enumerate(args.artifacts or ()):
        if (art.from_ or "").startswith("{{tasks."):
            ref = (art.from_ or "").split(".")[1]
            if ref not in ancestry:
                ck.emit.error(
                    (*path, "arguments", "artifacts", i, "from"),
                    f"missing dependency '{ref}' for artifact '{art.name}'",
                )
