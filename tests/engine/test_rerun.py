"""``rerun --from``: a new workflow keeps the original's nodes that do not depend on the named steps.

The reuse rule builds on Argo's resubmit (``FormulateResubmitWorkflow`` in workflow/util/util.go: a new
workflow from the same spec whose memoized nodes are carried over) and on Argo's node graph, where
``children`` point from a node to what runs after it (``addChildNode`` in dag.go/steps.go).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from engine_helpers import shell_script

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.rerun import RERUN_CACHE, Reuse, rerun_workflow
from argento.errors import Conflict, NotFound, SpecError
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor


class Recorder:
    """A fake executor that records which pods ran (by node ID) and answers with ``shell_script``."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.ran: list[str] = []
        self.fail = fail or set()

    def __call__(self, pod: PodSpec) -> StepResult:
        self.ran.append(pod.node_id)
        if any(word in self.fail for word in [*pod.args, pod.script_source or ""]):
            return StepResult(exit_code=1, message="Error (exit code 1)")
        return shell_script(pod)


def run(workflow: dict[str, Any], settings: Settings, rec: Recorder, **options: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(
            workflow, RunOptions(settings=settings, executor=FakeExecutor(rec), **options)
        )
        return await runner.run()

    return asyncio.run(go())


def rerun(
    original: dict[str, Any], settings: Settings, *, from_: list[str], parameters: list[str] | None = None
) -> tuple[dict[str, Any], list[str], Reuse]:
    """Rerun ``original``: (the new workflow, display names of the pods that ran, the reuse)."""
    new, plan = rerun_workflow(original, from_=from_, parameters=parameters or [])
    reuse = Reuse(plan)
    rec = Recorder()
    result = run(new, settings, rec, reuse=reuse)
    nodes = result["status"]["nodes"]
    return result, sorted(nodes[i]["displayName"] for i in rec.ran), reuse


def by_display(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: chain}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - [{name: s0, template: echo, arguments: {parameters: [{name: m, value: zero}]}}]
    - [{name: s1, template: echo, arguments: {parameters: [{name: m, value: "{{steps.s0.outputs.result}}-one"}]}}]
    - [{name: s2, template: echo, arguments: {parameters: [{name: m, value: two}]}}]
    - [{name: s3, template: echo, arguments: {parameters: [{name: m, value: "{{steps.s1.outputs.result}}"}]}}]
  - name: echo
    inputs: {parameters: [{name: m}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.m}}"}
"""


def test_rerun_from_a_step_keeps_what_came_before(settings: Settings) -> None:
    original = run(yaml.safe_load(STEPS), settings, Recorder())
    assert original["status"]["phase"] == "Succeeded"
    new, ran, reuse = rerun(original, settings, from_=["s2"])
    assert new["status"]["phase"] == "Succeeded", new["status"]
    assert ran == ["s2", "s3"]
    nodes = by_display(new)
    for kept in ("s0", "s1"):
        old = by_display(original)[kept]
        assert nodes[kept]["phase"] == "Succeeded"
        assert nodes[kept]["outputs"] == old["outputs"]
        assert nodes[kept]["startedAt"] == old["startedAt"]
        assert nodes[kept]["memoizationStatus"] == {
            "hit": True,
            "key": f"chain/{old['id']}",
            "cacheName": RERUN_CACHE,
        }
    assert "memoizationStatus" not in nodes["s2"]
    # the reused outputs flow on: s3 got s1's recorded result
    assert nodes["s3"]["outputs"]["result"] == "zero-one"
    assert new["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "chain"
    assert new["metadata"]["annotations"]["workflows.argento.io/rerun-of"] == "chain"
    assert reuse.reused_names == [f"{new['metadata']['name']}[0].s0", f"{new['metadata']['name']}[1].s1"]
    # the tree is Argo's: the reused pods link to what runs after them
    assert nodes["s1"]["children"] == [nodes["[2]"]["id"]]
    assert new["status"]["progress"] == "4/4"


DIAMOND = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: diamond}
spec:
  entrypoint: main
  arguments: {parameters: [{name: a, value: "1"}, {name: b, value: "2"}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: echo, arguments: {parameters: [{name: m, value: "a{{workflow.parameters.a}}"}]}}
      - {name: B, depends: A, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.A.outputs.result}}"}]}}
      - {name: C, depends: A, template: direct}
      - {name: D, depends: B && C, template: echo, arguments: {parameters: [{name: m, value: d}]}}
      - {name: E, template: echo, arguments: {parameters: [{name: m, value: e}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.m}}"}
  - name: direct
    script: {image: alpine, command: [sh], source: "echo b={{workflow.parameters.b}}"}
"""


def test_rerun_a_dag_branch_runs_its_descendants_only(settings: Settings) -> None:
    original = run(yaml.safe_load(DIAMOND), settings, Recorder())
    _, ran, _ = rerun(original, settings, from_=["B"])
    assert ran == ["B", "D"]
    _, ran, _ = rerun(original, settings, from_=["C", "E"])
    assert ran == ["C", "D", "E"]
    # a node name or an ID works as well as a display name
    c = by_display(original)["C"]
    _, ran, _ = rerun(original, settings, from_=[c["id"]])
    assert ran == ["C", "D"]
    _, ran, _ = rerun(original, settings, from_=[c["name"]])
    assert ran == ["C", "D"]


def test_changed_parameters_run_the_nodes_that_use_them(settings: Settings) -> None:
    original = run(yaml.safe_load(DIAMOND), settings, Recorder())
    # `a` reaches A's input: A runs, and everything downstream of it (B gets the new output)
    new, ran, _ = rerun(original, settings, from_=["E"], parameters=["a=9"])
    assert ran == ["A", "B", "C", "D", "E"]
    assert by_display(new)["B"]["outputs"]["result"] == "a9"
    # `b` is used by C's template directly (no input): C and D run, A and B are kept
    _, ran, _ = rerun(original, settings, from_=["E"], parameters=["b=3"])
    assert ran == ["C", "D", "E"]
    # the same value is no change
    _, ran, _ = rerun(original, settings, from_=["E"], parameters=["a=1"])
    assert ran == ["E"]


NESTED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: nested}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: prep, template: inner}
      - {name: side, template: echo}
      - {name: after, depends: prep, template: echo}
  - name: inner
    steps:
    - [{name: x, template: echo}]
    - [{name: y, template: echo}, {name: z, template: echo, when: "1 == 2"}]
  - name: echo
    script: {image: alpine, command: [sh], source: "echo hi"}
"""


def test_rerun_inside_a_nested_template_reaches_the_outer_dependents(settings: Settings) -> None:
    original = run(yaml.safe_load(NESTED), settings, Recorder())
    new, ran, _ = rerun(original, settings, from_=["y"])
    assert ran == ["after", "y"]
    nodes = by_display(new)
    assert nodes["x"]["memoizationStatus"]["cacheName"] == RERUN_CACHE
    assert nodes["z"]["phase"] == "Skipped"
    # a container named as --from runs everything inside it
    _, ran, _ = rerun(original, settings, from_=["prep"])
    assert ran == ["after", "x", "y"]


LOOP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: loop}
spec:
  entrypoint: main
  arguments: {parameters: [{name: items, value: '["a","b"]'}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: fan, template: echo, withParam: "{{workflow.parameters.items}}", arguments: {parameters: [{name: m, value: "{{item}}"}]}}
      - {name: join, depends: fan, template: echo, arguments: {parameters: [{name: m, value: done}]}}
      - {name: other, template: echo, arguments: {parameters: [{name: m, value: other}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.m}}"}
"""


def test_a_new_loop_item_runs_with_what_follows_the_loop(settings: Settings) -> None:
    original = run(yaml.safe_load(LOOP), settings, Recorder())
    _, ran, _ = rerun(original, settings, from_=["other"], parameters=['items=["a","b","c"]'])
    assert ran == ["fan(2:c)", "join", "other"]


RETRIED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: flaky}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - [{name: flaky, template: flaky}]
    - [{name: last, template: echo}]
  - name: flaky
    retryStrategy: {limit: 2}
    container: {image: alpine, command: [sh, -c], args: ["{{retries}}"]}
  - name: echo
    container: {image: alpine, command: [sh, -c], args: ["echo last"]}
"""


def test_a_retried_step_is_reused_with_its_attempts(settings: Settings) -> None:
    original = run(yaml.safe_load(RETRIED), settings, Recorder(fail={"0"}))
    assert original["status"]["phase"] == "Succeeded"
    new, ran, _ = rerun(original, settings, from_=["last"])
    assert ran == ["last"]
    nodes = by_display(new)
    assert nodes["flaky"]["type"] == "Retry" and len(nodes["flaky"]["children"]) == 2
    assert [nodes[f"flaky({i})"]["phase"] for i in range(2)] == ["Failed", "Succeeded"]
    # naming an attempt reruns its step
    _, ran, _ = rerun(original, settings, from_=["flaky(1)"])
    assert ran == ["flaky(0)", "last"]


def test_failed_nodes_run_again(settings: Settings) -> None:
    original = run(yaml.safe_load(DIAMOND), settings, Recorder(fail={"echo b=2"}))
    assert original["status"]["phase"] == "Failed"
    new, ran, _ = rerun(original, settings, from_=["E"])
    assert ran == ["C", "D", "E"]
    assert new["status"]["phase"] == "Succeeded"


def test_bad_reruns_are_refused(settings: Settings) -> None:
    original = run(yaml.safe_load(DIAMOND), settings, Recorder())
    with pytest.raises(NotFound, match='node "nope" not found in workflow "diamond"'):
        rerun_workflow(original, from_=["nope"])
    with pytest.raises(SpecError, match="at least one node"):
        rerun_workflow(original, from_=[])
    with pytest.raises(SpecError) as err:
        rerun_workflow(original, from_=["A"], parameters=["no-equals"])
    assert err.value.path == "parameters[0]"
    running = {**original, "status": {**original["status"], "phase": "Running"}}
    with pytest.raises(Conflict):
        rerun_workflow(running, from_=["A"])
