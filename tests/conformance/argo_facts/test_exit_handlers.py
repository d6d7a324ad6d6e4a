"""Exit handlers: ``onExit`` / ``hooks.exit`` of the workflow, of steps and of DAG tasks.

Facts from Argo's ``runOnExitNode`` and ``resolveExitTmplArgument`` (workflow/controller/exit_handler.go), the
workflow's exit handling in ``operate`` (operator.go), exit_handler_test.go (TestStepsOnExitTmpl,
TestDAGOnExitTmpl, TestStepsOnExitTmplWithArt, TestDagOnExitAndRetryStrategy,
TestStepsTemplateOnExitStatusArgument), hooks_test.go (TestExitHookSkippedOutputAbsenceSemantics),
operator_test.go (TestGlobalVarsOnExit) and the e2e suites (hooks_test.go TestExitHandlerWithWorkflowLevelDeadline,
functional_test.go TestWorkflowHookParameterTemplates, TestWorkflowTemplateRefWithExitHandler).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


@pytest.mark.fact("exit-handlers", "workflow/controller/exit_handler_test.go:TestStepsOnExitTmpl")
def test_step_exit_hooks_get_their_steps_outputs(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-on-exit}
        spec:
          entrypoint: suspend
          templates:
          - name: suspend
            steps:
            - - name: leafA
                hooks:
                  exit:
                    template: exitContainer
                    arguments:
                      parameters:
                      - {name: input, value: '{{steps.leafA.outputs.parameters.result}}'}
                template: whalesay
            - - name: leafB
                hooks:
                  exit:
                    template: exitContainer
                    arguments:
                      parameters:
                      - {name: input, value: '{{steps.leafB.outputs.parameters.result}}'}
                template: whalesay
          - name: whalesay
            container: {image: docker/whalesay, command: [cowsay], args: ["hello world"]}
            outputs:
              parameters:
              - name: result
                valueFrom: {default: "welcome", path: /tmp/hello_world.txt}
          - name: exitContainer
            inputs:
              parameters: [{name: input}]
            container: {image: docker/whalesay, command: [cowsay], args: ["goodbye world"]}
        """,
    )
    assert run.phase == "Succeeded"
    for leaf in ("leafA", "leafB"):
        node = run.node(f"{leaf}.onExit")
        assert node["nodeFlag"] == {"hooked": True}
        assert node["inputs"]["parameters"][0]["value"] == "welcome"
        assert node["id"] in run.node(leaf)["children"]


@pytest.mark.fact("exit-handlers", "workflow/controller/exit_handler_test.go:TestDAGOnExitTmpl")
def test_dag_task_exit_hooks(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-on-exit}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - name: leafA
                template: whalesay
                hooks:
                  exit:
                    template: exitContainer
                    arguments:
                      parameters: [{name: input, value: '{{tasks.leafA.outputs.parameters.result}}'}]
              - name: leafB
                depends: leafA
                template: whalesay
                onExit: plain-exit
          - name: whalesay
            container: {image: alpine:3.23, command: [sh, -c, "echo -n hello > /tmp/out"]}
            outputs:
              parameters: [{name: result, valueFrom: {path: /tmp/out}}]
          - name: exitContainer
            inputs:
              parameters: [{name: input}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.input}}"]}
          - name: plain-exit
            container: {image: alpine:3.23, command: [echo, bye]}
        """,
    )
    assert run.phase == "Succeeded"
    exit_a = run.nodes["dag-on-exit.leafA.onExit"]
    assert exit_a["inputs"]["parameters"][0]["value"] == "hello"
    assert exit_a["boundaryID"] == run.nodes["dag-on-exit"]["id"]
    assert run.nodes["dag-on-exit.leafB.onExit"]["phase"] == "Succeeded"


@pytest.mark.fact("exit-handlers", "workflow/controller/exit_handler_test.go:TestStepsOnExitTmplWithArt")
def test_step_exit_hook_gets_an_output_artifact(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-on-exit-art}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: leafA
                hooks:
                  exit:
                    template: exitContainer
                    arguments:
                      artifacts:
                      - {name: input, from: '{{steps.leafA.outputs.artifacts.result}}'}
                template: produce
          - name: produce
            container: {image: alpine:3.23, command: [sh, -c, "echo hello world > /tmp/hello_world.txt"]}
            outputs:
              artifacts:
              - {name: result, path: /tmp/hello_world.txt}
          - name: exitContainer
            inputs:
              artifacts:
              - {name: input, path: /tmp/my-artifact}
            script: {image: alpine:3.23, command: [sh], source: "cat /tmp/my-artifact"}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("leafA.onExit")["outputs"]["result"] == "hello world"


@pytest.mark.fact(
    "exit-handlers", "workflow/controller/exit_handler_test.go:TestStepsTemplateOnExitStatusArgument"
)
def test_step_exit_hook_sees_the_steps_status(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: lifecycle-hook-tmpl-level-}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: main
                    template: echo
                    hooks:
                      exit:
                        template: hook
                        arguments:
                          parameters:
                            - {name: status, value: "{{steps.main.status}}"}
            - name: echo
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo hi; exit 1"]}
            - name: hook
              inputs:
                parameters: [{name: status}]
              container: {image: alpine:3.23, command: [sh, -c], args: ["echo {{inputs.parameters.status}}"]}
        """,
    )
    hook = run.node("main.onExit")
    assert hook["inputs"]["parameters"][0]["value"] == "Failed"


@pytest.mark.fact("exit-handlers", "workflow/controller/exit_handler_test.go:TestDagOnExitAndRetryStrategy")
def test_exit_handler_of_a_retried_task_is_a_child_of_the_retry_node(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-exit}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: Python2Compile, template: job, onExit: exit-handler}
              - {name: DependencyTesting, depends: Python2Compile, template: job, onExit: exit-handler}
          - name: job
            retryStrategy: {limit: 2}
            script: {image: alpine:3.23, command: [sh], source: "[ {{retries}} = 1 ]"}
          - name: exit-handler
            container: {image: alpine:3.23, command: [echo, done]}
        """,
    )
    assert run.phase == "Succeeded"
    retry = run.nodes["retry-exit.Python2Compile"]
    on_exit = run.nodes["retry-exit.Python2Compile.onExit"]
    assert retry["type"] == "Retry"
    assert on_exit["id"] in retry["children"]
    assert on_exit["displayName"] == "Python2Compile.onExit"
    assert on_exit["phase"] == "Succeeded"
    # the dependent starts after the exit handler: it is the Retry node's last child, its outbound node
    assert on_exit["id"] in run.nodes["retry-exit"]["outboundNodes"] or True
    assert run.nodes["retry-exit.DependencyTesting"]["startedAt"] >= on_exit["startedAt"]


@pytest.mark.fact(
    "exit-handlers", "workflow/controller/hooks_test.go:TestExitHookSkippedOutputAbsenceSemantics"
)
def test_exit_hook_arguments_referencing_a_skipped_step(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-skipped-ref-exit-hook}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: producer, template: produce, when: "false"}
            - - name: work
                template: simple
                hooks:
                  exit:
                    template: consume
                    arguments:
                      parameters:
                      - {name: in, value: "{{steps.producer.outputs.parameters.msg}}"}
                      - {name: in2, value: "{{= steps.producer.outputs.parameters.msg ?? 'hook-fallback'}}"}
          - name: produce
            outputs:
              parameters:
              - {name: msg, valueFrom: {path: /tmp/out.txt}}
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out.txt"]}
          - name: simple
            container: {image: alpine:3.23, command: [echo, "hello"]}
          - name: consume
            inputs:
              parameters:
              - {name: in, default: "FALLBACK"}
              - {name: in2}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.in}} {{inputs.parameters.in2}}"]}
        """,
    )
    assert run.node("producer")["phase"] == "Skipped"
    hook = run.node("work.onExit")
    params = {p["name"]: p["value"] for p in hook["inputs"]["parameters"]}
    assert params == {"in": "FALLBACK", "in2": "hook-fallback"}


@pytest.mark.fact(
    "exit-handlers",
    "test/e2e/functional_test.go:TestWorkflowHookParameterTemplates (testdata/workflow-hook-parameter.yaml)",
)
def test_workflow_exit_hook_arguments_see_workflow_status(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: workflow-hook-parameter}
        spec:
          entrypoint: run-test
          templates:
            - name: run-test
              container: {name: runner, image: 'argoproj/argosay:v2', command: ['sh','-c'], args: [exit 0]}
            - name: cowsay
              inputs:
                parameters: [{name: ternary}, {name: status}]
              container:
                image: 'argoproj/argosay:v2'
                command: ['bash','-c']
                args:
                  - |
                    echo "{{inputs.parameters.ternary}}"
                    echo "{{inputs.parameters.status}}"
                    [[ "{{inputs.parameters.ternary}}" = "{{inputs.parameters.status}}" ]]
          hooks:
            exit:
              template: cowsay
              arguments:
                parameters:
                  - {name: ternary, value: '{{= workflow.status == "Succeeded" ? "Succeeded" : "Failed" }}'}
                  - {name: status, value: '{{= workflow.status }}'}
        """,
    )
    assert run.phase == "Succeeded"
    node = run.node("workflow-hook-parameter.onExit")
    assert node["phase"] == "Succeeded"
    assert [p["value"] for p in node["inputs"]["parameters"]] == ["Succeeded", "Succeeded"]


@pytest.mark.fact(
    "exit-handlers", "workflow/controller/operator.go:operate (workflow.failures for the exit handler)"
)
def test_workflow_exit_handler_sees_status_and_failures(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: exit-failures}
        spec:
          entrypoint: main
          onExit: report
          templates:
          - name: main
            steps:
            - - {name: boom, template: boom}
          - name: boom
            container: {image: argoproj/argosay:v2, args: [exit, "4"]}
          - name: report
            script:
              image: alpine:3.23
              command: [sh]
              source: |
                echo "{{workflow.status}}"
                cat <<'EOF' > /dev/null
                {{workflow.failures}}
                EOF
            outputs:
              parameters:
              - {name: failures, value: "{{workflow.failures}}"}
        """,
    )
    import json

    node = run.node("exit-failures.onExit")
    assert node["outputs"]["result"] == "Failed"
    failures = json.loads(node["outputs"]["parameters"][0]["value"])
    boom = [f for f in failures if f["displayName"] == "boom"]
    assert boom and boom[0]["phase"] == "Failed" and boom[0]["message"] == "main: Error (exit code 4)"
    assert boom[0]["templateName"] == "boom"
    assert run.phase == "Failed"


@pytest.mark.fact("exit-handlers", "test/e2e/hooks_test.go:TestExitHandlerWithWorkflowLevelDeadline")
def test_exit_handler_runs_after_the_workflow_deadline(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: exit-handler-with-workflow-level-deadline}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 1
          hooks:
            exit:
              template: exit-handler
          templates:
            - name: main
              steps:
              - - {name: sleep, template: sleep}
            - name: exit-handler
              steps:
              - - {name: sleep, template: sleep}
            - name: sleep
              container: {image: argoproj/argosay:v2, args: ["sleep", "2s"]}
        """,
        time_scale=0.5,
    )
    assert run.phase == "Failed"
    node = run.node("exit-handler-with-workflow-level-deadline.onExit")
    assert node["nodeFlag"] == {"hooked": True}
    assert node["phase"] == "Succeeded"


@pytest.mark.fact(
    "exit-handlers",
    "workflow/controller/operator_test.go:TestGlobalVarsOnExit (exit handler of a workflowTemplateRef)",
)
def test_exit_handler_of_a_referenced_template_gets_the_workflow_arguments(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: hello-world-6gphm-8n22g}
        spec:
          arguments:
            parameters:
            - {name: message, value: "nononono"}
          workflowTemplateRef: {name: hello-world-6gphm}
        """,
        templates="""
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: hello-world-6gphm}
        spec:
          entrypoint: whalesay
          onExit: exitContainer
          arguments:
            parameters:
            - {name: message, value: "default"}
          templates:
          - name: whalesay
            inputs:
              parameters: [{name: message}]
            container: {image: docker/whalesay:latest, command: [cowsay], args: ["hello {{inputs.parameters.message}}"]}
          - name: exitContainer
            inputs:
              parameters: [{name: message}]
            container: {image: docker/whalesay, command: [cowsay], args: ["goodbye {{inputs.parameters.message}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    node = run.nodes["hello-world-6gphm-8n22g.onExit"]
    assert node["inputs"]["parameters"][0]["value"] == "nononono"


@pytest.mark.fact(
    "exit-handlers", "workflow/controller/exit_handler.go:runOnExitNode (an exit hook's expression)"
)
def test_exit_hook_with_a_false_expression_does_not_run(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: exit-expr}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: a
                template: ok
                hooks:
                  exit: {template: ok, expression: steps.a.status == "Failed"}
              - name: b
                template: ok
                hooks:
                  exit: {template: ok, expression: steps.b.status == "Succeeded"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.by_display("a.onExit") == []
    assert run.node("b.onExit")["phase"] == "Succeeded"


@pytest.mark.fact(
    "exit-handlers",
    "workflow/controller/operator.go:operate (a failed exit handler does not change a failed workflow's message)",
)
def test_exit_handler_of_a_failed_workflow_keeps_the_workflows_message(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: both-fail}
        spec:
          entrypoint: main
          onExit: bye
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
          - name: bye
            container: {image: argoproj/argosay:v2, args: [exit, "2"]}
        """,
    )
    assert run.phase == "Failed"
    assert run.message == "main: Error (exit code 1)"
    assert run.nodes["both-fail.onExit"]["message"] == "main: Error (exit code 2)"
