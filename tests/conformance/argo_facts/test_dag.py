"""DAG templates: depends logic, failFast, targets, continueOn, skipped producers, outbound nodes.

Facts from Argo's dag.go (``executeDAG``, ``assessDAGPhase``, ``evaluateDependsLogic``) and dag_test.go
(TestEvaluateDependsLogic, TestEvaluateAnyAllDependsLogic, TestSingleDependency, TestDagDisableFailFast,
TestLeafContinueOn, TestDAGSkippedInlineExpressionFallback, TestDAGSkippedOutputDefault, TestDagTargetTaskOnExit,
TestDAGReferTaskAggregatedOutputs), and the e2e suites (functional_test.go TestDAGDepends, TestContinueOnFailDag).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


OK = "container: {image: alpine:3.23, command: [sh, -c, 'exit 0']}"
FAIL = "container: {image: alpine:3.23, command: [sh, -c, 'exit 1']}"


@pytest.mark.fact(
    "dag",
    "workflow/controller/dag_test.go:TestEvaluateDependsLogic; test/e2e/functional_test.go:TestDAGDepends",
)
def test_enhanced_depends(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: dag-depends}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {{name: A, template: ok}}
              - {{name: B, depends: A, template: ok}}
              - {{name: C, depends: A, template: fail}}
              - {{name: should-execute-1, depends: "A && (C.Succeeded || C.Failed)", template: ok}}
              - {{name: should-execute-2, depends: "B || C", template: ok}}
              - {{name: should-not-execute, depends: "B && C", template: ok}}
              - {{name: should-execute-3, depends: "should-execute-2 || should-not-execute", template: ok}}
          - name: ok
            {OK}
          - name: fail
            {FAIL}
        """,
    )
    for name in ("should-execute-1", "should-execute-2", "should-execute-3"):
        assert run.node(name)["phase"] == "Succeeded", name
    assert run.node("should-not-execute")["phase"] == "Omitted"
    assert run.node("C")["phase"] == "Failed"


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestSingleDependency")
@pytest.mark.parametrize("status", ["Succeeded", "Failed", "Skipped"])
def test_depends_on_each_phase(argo, status: str) -> None:
    when = 'when: "False == True"' if status == "Skipped" else ""
    run = _run(
        argo,
        f"""
        metadata: {{generateName: dag-diamond-}}
        spec:
          entrypoint: diamond
          templates:
          - name: diamond
            dag:
              tasks:
              - name: A
                template: {status}
                {when}
              - {{name: TestSingle, template: Succeeded, depends: A.{status}}}
          - name: Succeeded
            {OK}
          - name: Failed
            {FAIL}
          - name: Skipped
            {OK}
        """,
    )
    assert run.node("A")["phase"] == status
    assert run.node("TestSingle")["phase"] == "Succeeded"
    assert run.node("TestSingle")["type"] == "Pod"


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestEvaluateAnyAllDependsLogic")
def test_any_succeeded_and_all_failed(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: any-all}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: A, template: exit, arguments: {parameters: [{name: code, value: "{{item}}"}]}, withItems: ["0", "1"]}
              - {name: B, template: exit, arguments: {parameters: [{name: code, value: "1"}]}, withItems: [a, b]}
              - {name: any, depends: A.AnySucceeded, template: exit, arguments: {parameters: [{name: code, value: "0"}]}}
              - {name: all, depends: B.AllFailed, template: exit, arguments: {parameters: [{name: code, value: "0"}]}}
              - {name: none, depends: A.AllFailed, template: exit, arguments: {parameters: [{name: code, value: "0"}]}}
          - name: exit
            inputs: {parameters: [{name: code}]}
            container: {image: alpine:3.23, command: [sh, -c, "exit {{inputs.parameters.code}}"]}
        """,
    )
    assert run.node("any")["phase"] == "Succeeded"
    assert run.node("all")["phase"] == "Succeeded"
    assert run.node("none")["phase"] == "Omitted"
    assert run.node("A")["type"] == "TaskGroup"


@pytest.mark.fact(
    "dag", "workflow/controller/dag_test.go:TestDagDisableFailFast (testdata/dag-disable-fail-fast.yaml)"
)
def test_fail_fast_false_lets_other_branches_finish(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: no-fail-fast}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              failFast: false
              tasks:
              - {{name: A, template: fail}}
              - {{name: B, template: slow}}
              - {{name: C, depends: B, template: ok}}
          - name: ok
            {OK}
          - name: fail
            {FAIL}
          - name: slow
            container: {{image: argoproj/argosay:v2, args: [sleep, 0.5s]}}
        """,
    )
    assert run.phase == "Failed"
    assert run.node("C")["phase"] == "Succeeded"


@pytest.mark.fact(
    "dag", "workflow/controller/dag.go:executeDAG (failFast: no new task starts once one failed)"
)
def test_fail_fast_stops_starting_new_tasks(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: fail-fast}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {{name: A, template: fail}}
              - {{name: B, template: slow}}
              - {{name: C, depends: B, template: ok}}
          - name: ok
            {OK}
          - name: fail
            {FAIL}
          - name: slow
            container: {{image: argoproj/argosay:v2, args: [sleep, 0.5s]}}
        """,
    )
    assert run.phase == "Failed"
    assert run.node("B")["phase"] == "Succeeded"  # already running: it finishes
    assert run.nodes["fail-fast"]["phase"] == "Failed"


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestLeafContinueOn")
def test_leaf_with_continue_on_failed_does_not_fail_the_dag(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: build-wf-kpxvm}}
        spec:
          entrypoint: test-workflow
          templates:
          - name: test-workflow
            dag:
              tasks:
              - {{name: A, template: ok}}
              - {{name: B, dependencies: [A], continueOn: {{failed: true}}, template: fail}}
          - name: ok
            {OK}
          - name: fail
            {FAIL}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("B")["phase"] == "Failed"


@pytest.mark.fact("dag", "test/e2e/functional_test.go:TestContinueOnFailDag")
def test_continue_on_failed_lets_dependents_run(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: continue-on-fail-dag}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {{name: A, template: ok}}
              - {{name: B, dependencies: [A], template: fail, continueOn: {{failed: true}}}}
              - {{name: C, dependencies: [B], template: ok}}
          - name: ok
            {OK}
          - name: fail
            {FAIL}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("B")["phase"] == "Failed"
    assert run.node("C")["phase"] == "Succeeded"


@pytest.mark.fact(
    "dag",
    "workflow/controller/dag.go:executeDAGTask (TaskGroup: groupPhase = a FailedOrError child's phase, "
    "continueOn not consulted); workflow/common/ancestry.go:expandDependency; dag.go:assessDAGPhase",
)
def test_fan_out_with_continue_on_failed_marks_its_group_failed(argo) -> None:
    """continueOn lets the DAG and the dependants go on, but the TaskGroup itself is Failed like its failed
    child (found by tests/engine/test_dag_properties.py; before, the group was Succeeded)."""
    run = _run(
        argo,
        f"""
        metadata: {{name: fan-out-continue-on}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {{name: A, template: code, continueOn: {{failed: true}}, withItems: ["0", "1"],
                  arguments: {{parameters: [{{name: c, value: "{{{{item}}}}"}}]}}}}
              - {{name: B, dependencies: [A], template: ok}}
          - name: code
            inputs: {{parameters: [{{name: c}}]}}
            container: {{image: alpine:3.23, command: [sh, -c, 'exit {{{{inputs.parameters.c}}}}']}}
          - name: ok
            {OK}
        """,
    )
    assert run.node("A")["type"] == "TaskGroup" and run.node("A")["phase"] == "Failed"
    assert run.node("B")["phase"] == "Succeeded"
    assert run.phase == "Succeeded"


@pytest.mark.fact("dag", "workflow/controller/dag.go:assessDAGPhase (dag.target)")
def test_target_runs_only_what_it_needs(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: dag-target}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              target: B
              tasks:
              - {{name: A, template: ok}}
              - {{name: B, depends: A, template: ok}}
              - {{name: C, depends: A, template: ok}}
          - name: ok
            {OK}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.by_display("C") == []
    assert run.nodes["dag-target"]["outboundNodes"] == [run.node("B")["id"]]


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestDAGSkippedInlineExpressionFallback")
def test_inline_expression_fallback_for_a_skipped_producer(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: dag-skipped-inline-expr-fallback-}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: producer, template: produce, when: "false"}
              - name: consumer
                template: consume
                depends: "producer.Succeeded || producer.Skipped"
                arguments:
                  parameters:
                  - {name: in, value: "{{= tasks.producer.outputs.parameters.msg ?? 'inline-fallback'}}"}
          - name: produce
            outputs:
              parameters:
              - {name: msg, valueFrom: {path: /tmp/out.txt}}
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out.txt"]}
          - name: consume
            inputs:
              parameters: [{name: in}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.in}}"]}
        """,
    )
    assert run.node("producer")["phase"] == "Skipped"
    assert run.node("consumer")["inputs"]["parameters"][0]["value"] == "inline-fallback"


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestDAGSkippedOutputDefault")
def test_skipped_producer_output_default(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-skipped-default}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: producer, template: produce, when: "false"}
              - name: consumer
                template: consume
                depends: "producer.Skipped"
                arguments:
                  parameters: [{name: in, value: "{{tasks.producer.outputs.parameters.msg}}"}]
          - name: produce
            outputs:
              parameters:
              - {name: msg, valueFrom: {path: /tmp/out.txt, default: from-producer-default}}
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out.txt"]}
          - name: consume
            inputs:
              parameters: [{name: in}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.in}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("consumer")["inputs"]["parameters"][0]["value"] == "from-producer-default"


@pytest.mark.fact("dag", "workflow/controller/dag.go:executeDAG (children and outbound nodes of a diamond)")
def test_diamond_tree(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: diamond}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {{name: A, template: ok}}
              - {{name: B, depends: A, template: ok}}
              - {{name: C, depends: A, template: ok}}
              - {{name: D, depends: B && C, template: ok}}
          - name: ok
            {OK}
        """,
    )
    ids = {n["displayName"]: n["id"] for n in run.nodes.values()}
    root = run.nodes["diamond"]
    assert root["children"] == [ids["A"]]
    assert sorted(run.node("A")["children"]) == sorted([ids["B"], ids["C"]])
    assert run.node("B")["children"] == [ids["D"]] and run.node("C")["children"] == [ids["D"]]
    assert root["outboundNodes"] == [ids["D"]]
    for name in "ABCD":
        assert run.node(name)["boundaryID"] == root["id"]


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestDAGReferTaskAggregatedOutputs")
def test_dag_outputs_from_aggregated_task_outputs(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: parameter-aggregation-dag}
        spec:
          entrypoint: parameter-aggregation
          templates:
          - name: parameter-aggregation
            dag:
              tasks:
              - name: odd-or-even
                template: odd-or-even
                arguments: {parameters: [{name: num, value: "{{item}}"}]}
                withItems: [1, 2]
            outputs:
              parameters:
              - name: nums
                valueFrom: {parameter: "{{tasks.odd-or-even.outputs.parameters.num}}"}
          - name: odd-or-even
            inputs: {parameters: [{name: num}]}
            container:
              image: alpine:3.23
              command: [sh, -xc]
              args: ["echo -n {{inputs.parameters.num}} > /tmp/num"]
            outputs:
              parameters:
              - {name: num, valueFrom: {path: /tmp/num}}
        """,
    )
    assert run.phase == "Succeeded"
    # scalars stay strings: Argo's tryJSONUnmarshal keeps only JSON lists and objects (the Go test's `["1","2"]`)
    assert run.nodes["parameter-aggregation-dag"]["outputs"]["parameters"][0]["value"] == '["1","2"]'


@pytest.mark.fact("dag", "workflow/controller/dag_test.go:TestDagParallelism")
def test_dag_parallelism(argo) -> None:
    seen = {"most": 0}

    def watch(state, node) -> None:
        running = sum(1 for n in state.nodes.values() if str(n.type) == "Pod" and str(n.phase) == "Running")
        seen["most"] = max(seen["most"], running)

    argo.configure.append(lambda options: options.listeners.append(watch))
    run = _run(
        argo,
        """
        metadata: {name: dag-par}
        spec:
          entrypoint: main
          templates:
          - name: main
            parallelism: 2
            dag:
              tasks:
              - {name: a, template: sleep}
              - {name: b, template: sleep}
              - {name: c, template: sleep}
              - {name: d, template: sleep}
          - name: sleep
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 2
