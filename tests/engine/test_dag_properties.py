"""Property test: random DAGs on the in-memory executor keep Argo's invariants (issue 19 item 7).

Hypothesis builds acyclic DAGs of up to 7 tasks: random ``depends`` over earlier tasks (``||``, ``&&``, bare
names, ``.Succeeded``/``.Failed``/``.Omitted``/``.Skipped``/``.AnySucceeded``/``.AllFailed``), random exit codes, random
``continueOn: {failed: true}`` (with ``dependencies``: Argo rejects it beside ``depends``), a false ``when``
(Skipped) and fan-out (``withItems`` of exit codes). An independent model of Argo's rules
(workflow/controller/dag.go ``evaluateDependsLogic``, the TaskGroup phase at the end of ``executeDAGTask``;
workflow/common/ancestry.go ``expandDependency`` for bare names) predicts every task's phase, and the run must:

* end with every node in a final phase, and a final workflow phase;
* start no task before every task it depends on has finished;
* run a task iff its ``depends`` is true over its dependencies' results, otherwise mark it ``Omitted``;
* end in the phase dag.go ``assessDAGPhase`` gives (omitted targets inherit their branch's phase);
* produce a status whose nodes survive JSON and ``WorkflowState`` (how a persisted workflow is resumed).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.state import WorkflowState
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor
from argento.spec.lint import lint_documents
from argento.spec.load import load_documents

FINAL = {"Succeeded", "Failed", "Error", "Skipped", "Omitted"}
RESULTS = ("Succeeded", "Failed", "Omitted", "Skipped", "AnySucceeded", "AllFailed")


@dataclass
class Task:
    name: str
    deps: list[int]
    expr: Any  # ("ref", dep, result | None) | ("and" | "or", left, right); None without deps
    codes: list[int]  # one exit code, or one per item of a fan-out
    fan_out: bool
    continue_on_failed: bool
    skip: bool = False  # ``when`` is false: Skipped (every item of a fan-out)


@dataclass
class Dag:
    #: Argo's validation rejects ``continueOn`` in a DAG that uses ``depends`` (and mixing ``depends`` with
    #: ``dependencies``): a DAG either uses ``depends`` expressions, or ``dependencies`` lists and continueOn.
    uses_depends: bool = True
    tasks: list[Task] = field(default_factory=list)


def render(expr: Any, dag: Dag) -> str:
    if expr[0] == "ref":
        name = dag.tasks[expr[1]].name
        return name if expr[2] is None else f"{name}.{expr[2]}"
    return f"({render(expr[1], dag)} {'&&' if expr[0] == 'and' else '||'} {render(expr[2], dag)})"


@st.composite
def expressions(draw: st.DrawFn, deps: list[int], dag: Dag) -> Any:
    # every dependency appears; .AnySucceeded/.AllFailed only of a fan-out (validation rejects them elsewhere)
    leaves = [
        ("ref", d, draw(st.sampled_from((None, *(RESULTS if dag.tasks[d].fan_out else RESULTS[:4])))))
        for d in deps
    ]
    leaves = draw(st.permutations(leaves))
    expr = leaves[0]
    for leaf in leaves[1:]:
        expr = (draw(st.sampled_from(("and", "or"))), expr, leaf)
    return expr


@st.composite
def dags(draw: st.DrawFn) -> Dag:
    dag = Dag(uses_depends=draw(st.booleans()))
    for i in range(draw(st.integers(1, 7))):
        deps = sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        fan_out = draw(st.booleans())
        codes = draw(st.lists(st.sampled_from((0, 0, 1)), min_size=1, max_size=3 if fan_out else 1))
        if not deps:
            expr = None
        elif dag.uses_depends:
            expr = draw(expressions(deps, dag))
        else:  # dependencies: [a, b] is "a && b" over bare names (ancestry.go)
            expr = ("ref", deps[0], None)
            for d in deps[1:]:
                expr = ("and", expr, ("ref", d, None))
        dag.tasks.append(
            Task(
                name=f"t{i}",
                deps=deps,
                expr=expr,
                codes=codes,
                fan_out=fan_out,
                continue_on_failed=not dag.uses_depends and draw(st.booleans()),
                skip=draw(st.sampled_from((False, False, False, True))),
            )
        )
    return dag


def manifest(dag: Dag) -> dict[str, Any]:
    tasks = []
    for t in dag.tasks:
        task: dict[str, Any] = {"name": t.name, "template": "step"}
        if t.expr is not None and dag.uses_depends:
            task["depends"] = render(t.expr, dag)
        elif t.deps:
            task["dependencies"] = [dag.tasks[d].name for d in t.deps]
        if t.fan_out:
            task["withItems"] = list(t.codes)
            code = "{{item}}"
        else:
            code = str(t.codes[0])
        task["arguments"] = {"parameters": [{"name": "id", "value": t.name}, {"name": "code", "value": code}]}
        if t.continue_on_failed:
            task["continueOn"] = {"failed": True}
        if t.skip:
            task["when"] = "1 == 2"
        tasks.append(task)
    step = {
        "name": "step",
        "inputs": {"parameters": [{"name": "id"}, {"name": "code"}]},
        "container": {
            "image": "alpine",
            "command": ["run"],
            "args": ["{{inputs.parameters.id}}", "{{inputs.parameters.code}}"],
        },
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "prop"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": tasks}}, step]},
    }


# --- the model: what Argo decides ---------------------------------------------------------------------------


@dataclass
class Outcome:
    phase: str
    children: list[str] = field(default_factory=list)  # phases of a fan-out's children


def _result(dep: Task, out: Outcome, result: str | None) -> bool:
    phase = out.phase
    if (
        result is None
    ):  # ancestry.go expandDependency: Succeeded || Skipped || Daemoned, widened by continueOn
        return phase in ("Succeeded", "Skipped") or (dep.continue_on_failed and phase == "Failed")
    if result == "AnySucceeded":
        return "Succeeded" in out.children
    if result == "AllFailed":
        return bool(out.children) and all(p == "Failed" for p in out.children)
    return phase == result


def _evaluate(expr: Any, dag: Dag, outcomes: dict[int, Outcome]) -> bool:
    if expr[0] == "ref":
        return _result(dag.tasks[expr[1]], outcomes[expr[1]], expr[2])
    left, right = _evaluate(expr[1], dag, outcomes), _evaluate(expr[2], dag, outcomes)
    return left and right if expr[0] == "and" else left or right


def predict(dag: Dag) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    for i, t in enumerate(dag.tasks):
        if t.expr is not None and not _evaluate(t.expr, dag, outcomes):
            outcomes[i] = Outcome("Omitted")
            continue
        phases = ["Skipped" if t.skip else "Succeeded" if c == 0 else "Failed" for c in t.codes]
        if t.fan_out:
            # dag.go executeDAGTask: the TaskGroup takes the phase of a Failed/Errored child (continueOn or not)
            outcomes[i] = Outcome("Failed" if "Failed" in phases else "Succeeded", phases)
        else:
            outcomes[i] = Outcome(phases[0])
    return outcomes


def predict_phase(dag: Dag, outcomes: dict[int, Outcome]) -> str:
    """dag.go assessDAGPhase over the node graph connectDependencies builds: a breadth-first walk from the DAG
    node; an Omitted node inherits the phase of its branch, a Failed one wins over Succeeded at a target;
    targets are the leaf tasks (findLeafTaskNames, sorted) and failFast stops at the first failed one."""
    children: dict[str, list[str]] = {"dag": []}
    phases: dict[str, str] = {}

    def outbound(i: int) -> list[str]:  # getOutboundNodes: a TaskGroup's are its children's
        items = outcomes[i].children
        return [f"t{i}({k})" for k in range(len(items))] if items else [f"t{i}"]

    for i, t in enumerate(dag.tasks):
        node, out = f"t{i}", outcomes[i]
        phases[node] = out.phase
        children[node] = []
        if out.children:
            for k, phase in enumerate(out.children):
                children[node].append(f"{node}({k})")
                phases[f"{node}({k})"] = phase
                children[f"{node}({k})"] = []
        parents = [p for d in t.deps for p in outbound(d)] if t.deps else ["dag"]
        for parent in parents:
            children[parent].append(node)
    depended = {d for t in dag.tasks for d in t.deps}
    targets = sorted(f"t{i}" for i in range(len(dag.tasks)) if i not in depended)
    target_phase: dict[str, str] = dict.fromkeys(targets, "")
    queue = [(c, "Succeeded") for c in children["dag"]]
    seen: set[tuple[str, str]] = set()
    while queue:
        node, branch = queue.pop(0)
        if (node, branch) in seen:
            continue
        seen.add((node, branch))
        if phases[node] in ("Succeeded", "Failed", "Error"):  # Completed(): Omitted inherits its branch
            branch = phases[node]
        if node in target_phase and target_phase[node] not in ("Failed", "Error"):
            target_phase[node] = branch
        queue.extend((c, branch) for c in children[node])
    for target in targets:
        phase = target_phase[target]
        task = dag.tasks[int(target[1:])]
        if phase in ("Failed", "Error") and not (task.continue_on_failed and phase == "Failed"):
            return phase
    return "Succeeded"


# --- the run --------------------------------------------------------------------------------------------------


def run(dag: Dag, home: Settings) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []

    async def script(pod: PodSpec) -> StepResult:
        name, code = pod.args
        events.append(("start", name))
        await asyncio.sleep(0)  # let other ready tasks start in between
        events.append(("end", name))
        return StepResult(exit_code=int(code), message="" if code == "0" else f"Error (exit code {code})")

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(manifest(dag), RunOptions(settings=home, executor=FakeExecutor(script)))
        return await runner.run()

    return asyncio.run(go()), events


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dag=dags())
def test_random_dags_keep_argo_invariants(dag: Dag, settings: Settings) -> None:
    report = lint_documents(load_documents(json.dumps(manifest(dag))))
    assert not report.errors, [p.message for p in report.errors]  # only workflows Argo accepts
    wf, events = run(dag, settings)
    status = wf["status"]
    nodes = {n["name"]: n for n in status["nodes"].values()}
    described = json.dumps(manifest(dag)["spec"]["templates"][0]["dag"]["tasks"])

    # every node ends in a final phase, and so does the workflow
    assert status["phase"] in ("Succeeded", "Failed", "Error"), described
    assert all(n["phase"] in FINAL for n in nodes.values()), (described, nodes)

    # depends honoured: a task runs iff its expression is true, else it is Omitted; fan-out groups as Argo
    expected = predict(dag)
    for i, t in enumerate(dag.tasks):
        node = nodes[f"prop.{t.name}"]
        assert node["phase"] == expected[i].phase, (t.name, described, node)
        started = sum(1 for kind, name in events if kind == "start" and name == t.name)
        assert started == (0 if expected[i].phase == "Omitted" or t.skip else len(t.codes)), (
            t.name,
            described,
        )
        if expected[i].phase == "Omitted":
            assert node["type"] == "Skipped" and node["message"] == "omitted: depends condition not met"

    # no task starts before every task it depends on has finished
    for t in dag.tasks:
        starts = [k for k, (kind, name) in enumerate(events) if kind == "start" and name == t.name]
        for dep in t.deps:
            ends = [
                k for k, (kind, name) in enumerate(events) if kind == "end" and name == dag.tasks[dep].name
            ]
            assert not starts or not ends or max(ends) < min(starts), (t.name, dag.tasks[dep].name, events)

    # the workflow's phase is the DAG's, as assessDAGPhase decides it
    assert status["phase"] == predict_phase(dag, expected), (
        described,
        {n: v["phase"] for n, v in nodes.items()},
    )
    if all(c == 0 or t.skip for t in dag.tasks for c in t.codes):
        assert status["phase"] == "Succeeded", described

    # the status survives JSON and being loaded back (a resumed workflow)
    raw = json.loads(json.dumps(status))
    assert raw == status
    again = WorkflowState("prop", nodes=raw["nodes"])
    assert {nid: n.to_dict() for nid, n in again.nodes.items()} == status["nodes"]
