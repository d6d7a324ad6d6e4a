"""Phases and messages of nodes and of the workflow, in Argo's wording.

Facts from Argo's ``inferFailedReason`` and ``operate`` (workflow/controller/operator.go), the emissary
(cmd/argoexec/commands/emissary.go, cmd/argoexec/main.go), steps.go and dag.go, exec_control.go, and the
tests that pin them (test/e2e/invalid_command_test.go, failed_main_test.go, cli_test.go, operator_test.go:
TestNoPodsWhenShutdown, TestSuspendWithDeadline, TestFailSuspendedAndPendingNodesAfter*).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


@pytest.mark.fact(
    "phases-messages",
    "test/e2e/invalid_command_test.go:TestInvalidCommand (testdata/cannot-start-workflow.yaml)",
)
def test_a_command_that_cannot_start_fails_the_workflow(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: cannot-start-}
        spec:
          entrypoint: main
          templates:
            - name: main
              container:
                image: argoproj/argosay:v2
                command: [ invalid ]
        """,
    )
    assert run.phase == "Failed"
    assert "executable file not found" in run.message


@pytest.mark.fact(
    "phases-messages",
    "cmd/argoexec/commands/emissary.go (LookPath error, exit 64) + operator.go:inferFailedReason",
)
def test_missing_executable_message_is_the_emissarys(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: no-such-cmd}
        spec:
          entrypoint: main
          templates:
            - name: main
              container: {image: alpine:3.23, command: [no-such-program-here]}
        """,
    )
    node = run.nodes["no-such-cmd"]
    assert node["phase"] == "Failed"
    assert node["message"] == (
        'main: Error (exit code 64): failed to find name in PATH: exec: "no-such-program-here": '
        "executable file not found in $PATH"
    )
    assert node["outputs"]["exitCode"] == "64"
    assert run.message == node["message"]


@pytest.mark.fact(
    "phases-messages",
    'test/e2e/failed_main_test.go:TestFailedMain; test/e2e/cli_test.go ("main: Error (exit code 1)")',
)
def test_failed_main_container(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: failed-main-}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [ exit, "1" ]}
        """,
    )
    assert run.phase == "Failed"
    (node,) = run.nodes.values()
    assert node["message"] == "main: Error (exit code 1)"
    assert run.message == "main: Error (exit code 1)"


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/steps.go:executeStepGroup (\"child '<id>' failed\") and executeSteps",
)
def test_failed_step_messages(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-fail}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: ok, template: ok}
              - {name: bad, template: bad}
            - - {name: never, template: ok}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: bad
            container: {image: argoproj/argosay:v2, args: [exit, "2"]}
        """,
    )
    bad = run.node("bad")
    expected = f"child '{bad['id']}' failed"
    assert run.phase == "Failed"
    assert run.nodes["steps-fail[0]"]["phase"] == "Failed"
    assert run.nodes["steps-fail[0]"]["message"] == expected
    assert run.nodes["steps-fail"]["phase"] == "Failed"
    assert run.nodes["steps-fail"]["message"] == expected
    assert run.message == expected
    assert run.by_display("never") == []


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/steps.go:executeSteps (the Steps node is Failed even when its group errored)",
)
def test_steps_node_fails_when_a_child_errors(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-err}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: errs, template: errs}
          - name: errs
            container: {image: alpine:3.23, command: [sh, -c, "true"]}
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/missing}}]
        """,
    )
    assert run.node("errs")["phase"] == "Error"
    assert run.nodes["steps-err"]["phase"] == "Failed"
    assert run.phase == "Failed"


@pytest.mark.fact(
    "phases-messages", "workflow/controller/dag.go:executeDAG (markNodePhase(dagPhase) without a message)"
)
def test_failed_dag_node_has_no_message(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-fail}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: bad}
          - name: bad
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert run.nodes["dag-fail"]["phase"] == "Failed"
    assert "message" not in run.nodes["dag-fail"]
    assert run.message == ""
    assert run.nodes["dag-fail.a"]["message"] == "main: Error (exit code 1)"


@pytest.mark.fact("phases-messages", "workflow/controller/operator_test.go:TestNoPodsWhenShutdown")
def test_shutdown_set_before_the_start_creates_no_pods(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: hello-world}
        spec:
          entrypoint: whalesay
          shutdown: "Stop"
          templates:
          - name: whalesay
            container: {image: docker/whalesay:latest, command: [cowsay], args: ["hello world"]}
        """,
    )
    node = run.nodes["hello-world"]
    assert node["phase"] == "Failed"
    assert "workflow shutdown with strategy: Stop" in node["message"]
    assert run.phase == "Failed"
    assert run.message == "Stopped with strategy 'Stop'"


@pytest.mark.fact(
    "phases-messages", "workflow/controller/operator_test.go:TestFailSuspendedAndPendingNodesAfterShutdown"
)
def test_shutdown_fails_a_suspended_node(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-9fvnv}
        spec:
          entrypoint: main
          shutdown: Stop
          templates:
          - name: main
            steps:
            - - {name: approve, template: approve}
          - name: approve
            suspend: {}
        """,
    )
    assert run.phase == "Failed"
    for node in run.nodes.values():
        assert node["phase"] == "Failed", node["name"]
    assert run.node("approve")["message"] == "Stopped with strategy 'Stop'"


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/operator_test.go:TestSuspendWithDeadline / TestFailSuspendedAndPendingNodesAfterDeadline",
)
def test_deadline_fails_a_suspended_node(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: suspend-template}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 3
          templates:
          - name: main
            steps:
            - - {name: approve, template: approve}
          - name: approve
            suspend: {}
        """,
        time_scale=0.1,
    )
    assert run.phase == "Failed"
    (suspend,) = [n for n in run.nodes.values() if n["type"] == "Suspend"]
    assert suspend["phase"] == "Failed"
    assert "Step exceeded its deadline" in suspend["message"]
    for node in run.nodes.values():
        assert node["phase"] == "Failed", node["name"]


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/exec_control.go:applyExecutionControl (a running step past the workflow deadline)",
)
def test_deadline_fails_a_running_step(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: running-deadline}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 2
          templates:
          - name: main
            steps:
            - - {name: sleep, template: sleep}
          - name: sleep
            container: {image: argoproj/argosay:v2, args: [sleep, 60s]}
        """,
        time_scale=0.2,
    )
    assert run.phase == "Failed"
    assert run.node("sleep")["phase"] == "Failed"
    assert run.node("sleep")["message"] == "Step exceeded its deadline"


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/operator.go:operate (a failed exit handler fails a succeeded workflow with its message)",
)
def test_failed_exit_handler_fails_a_succeeded_workflow(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: exit-fails}
        spec:
          entrypoint: main
          onExit: bye
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: bye
            container: {image: argoproj/argosay:v2, args: [exit, "3"]}
        """,
    )
    assert run.nodes["exit-fails"]["phase"] == "Succeeded"
    assert run.nodes["exit-fails.onExit"]["phase"] == "Failed"
    assert run.phase == "Failed"
    assert run.message == "main: Error (exit code 3)"


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/operator.go:operate (workflowStatus map: a root in Error is a workflow in Error)",
)
def test_root_error_is_workflow_error(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: root-error}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: alpine:3.23, command: [sh, -c, "true"]}
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/missing}}]
        """,
    )
    assert run.nodes["root-error"]["phase"] == "Error"
    assert run.phase == "Error"
    assert run.message == run.nodes["root-error"]["message"]


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/steps.go:executeStepGroup (when evaluated false: the skip message)",
)
def test_skipped_step_message(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: when-false}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: maybe, template: ok, when: "foo == bar"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    node = run.node("maybe")
    assert (node["type"], node["phase"], node["message"]) == (
        "Skipped",
        "Skipped",
        "when 'foo == bar' evaluated false",
    )
    assert run.phase == "Succeeded"


@pytest.mark.fact(
    "phases-messages", "workflow/controller/dag.go:executeDAGTask (omitted: depends condition not met)"
)
def test_omitted_task_message(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: omitted}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: ok}
              - {name: b, template: ok, depends: a.Failed}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    node = run.node("b")
    assert (node["type"], node["phase"], node["message"]) == (
        "Skipped",
        "Omitted",
        "omitted: depends condition not met",
    )


@pytest.mark.fact(
    "phases-messages",
    "workflow/controller/operator.go:markNodePhase (finishedAt set once a node is fulfilled)",
)
def test_every_node_of_a_finished_workflow_is_fulfilled(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: all-done}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: ok}
              - {name: b, template: bad, depends: a}
              - {name: c, template: ok, depends: b}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: bad
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    for node in run.nodes.values():
        assert node["phase"] in ("Succeeded", "Failed", "Error", "Skipped", "Omitted"), node
        assert node["finishedAt"], node["name"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run.status["finishedAt"])


@pytest.mark.fact(
    "phases-messages",
    'workflow/controller/steps.go:executeStepGroup ("step group deemed errored due to child … error: …")',
)
def test_step_whose_template_cannot_be_resolved(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: mt}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: nope}
        """,
        lint=False,
    )
    assert run.nodes["mt[0].a"]["phase"] == "Error"
    group = run.nodes["mt[0]"]
    assert group["phase"] == "Error"
    assert group["message"].startswith("step group deemed errored due to child mt[0].a error: ")
    assert run.nodes["mt"]["phase"] == "Failed"  # rolls up as Failed (executeSteps)
    assert run.phase == "Failed"


@pytest.mark.fact("phases-messages", "workflow/controller/dag.go:executeDAGTask (\"task '…' errored: …\")")
def test_task_whose_template_cannot_be_resolved(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dt}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: nope}
        """,
        lint=False,
    )
    node = run.nodes["dt.a"]
    assert node["phase"] == "Error"
    assert node["message"].startswith("task 'dt.a' errored: ")
    assert run.phase == "Error"  # assessDAGPhase: the target errored


@pytest.mark.fact("phases-messages", "test/e2e/functional_test.go:TestStepsSkippedOutputRef")
def test_steps_reference_to_an_absent_output(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-skipped-output-ref}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: job1, template: ok}
            - - {name: job2, template: produce, when: "{{steps.job1.status}} == Failed"}
            - - name: handler
                template: show
                arguments:
                  parameters: [{name: msg, value: "{{steps.job2.outputs.parameters.out}}"}]
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: produce
            container: {image: alpine:3.23, command: [sh, -c, "echo x > /tmp/out"]}
            outputs:
              parameters: [{name: out, valueFrom: {path: /tmp/out}}]
          - name: show
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.phase == "Failed"  # the errored step group rolls up as Failed
    assert run.node("job1")["phase"] == "Succeeded"
    assert run.node("job2")["phase"] == "Skipped"
    errored = [n for n in run.nodes.values() if n["phase"] == "Error"]
    assert errored and "absent optional" in errored[0]["message"]
