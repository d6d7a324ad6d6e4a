"""Outputs: parameters from files, defaults, ``outputs.result``, ``exitCode``, steps/DAG outputs, globals.

Facts from Argo's executor (workflow/executor/executor.go ``SaveParameters``, ``CaptureScriptResult``;
executor_test.go TestSaveParameters, TestDefaultParameters*), the controller (operator.go
``getTemplateOutputsFromScope``, ``addOutputsToGlobalScope``; operator_test.go TestNestedStepGroupGlobalParams,
TestResolvePlaceholdersInGlobalVariables, TestContainerOutputsResult, TestWorkflowOutputs) and Argo's examples.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _one_output(argo, script: str, param: str = "valueFrom: {path: /tmp/out}", name: str = "out-wf"):
    return _run(
        argo,
        f"""
        metadata: {{name: {name}}}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {{image: alpine:3.23, command: [sh, -c], args: [{script!r}]}}
            outputs:
              parameters:
                - {{name: out, {param}}}
        """,
    )


@pytest.mark.fact(
    "outputs", "workflow/executor/executor_test.go:TestSaveParameters (one trailing newline is trimmed)"
)
def test_output_parameter_from_a_file_loses_its_trailing_newline(argo) -> None:
    run = _one_output(argo, "echo 'has a newline' > /tmp/out")
    (param,) = run.nodes["out-wf"]["outputs"]["parameters"]
    assert param["value"] == "has a newline"


@pytest.mark.fact(
    "outputs", "workflow/executor/executor.go:SaveParameters (strings.TrimSuffix: only one newline)"
)
def test_only_one_trailing_newline_is_trimmed(argo) -> None:
    run = _one_output(argo, "printf 'two\\n\\n' > /tmp/out")
    assert run.nodes["out-wf"]["outputs"]["parameters"][0]["value"] == "two\n"


@pytest.mark.fact("outputs", "workflow/executor/executor.go:SaveParameters (no newline: unchanged)")
def test_file_without_newline_is_kept_as_is(argo) -> None:
    run = _one_output(argo, "printf '  spaced  ' > /tmp/out")
    assert run.nodes["out-wf"]["outputs"]["parameters"][0]["value"] == "  spaced  "


@pytest.mark.fact("outputs", "workflow/executor/executor_test.go:TestDefaultParameters")
def test_missing_file_uses_the_default(argo) -> None:
    run = _one_output(argo, "true", "valueFrom: {path: /tmp/missing, default: Default Value}")
    assert run.phase == "Succeeded"
    assert run.nodes["out-wf"]["outputs"]["parameters"][0]["value"] == "Default Value"


@pytest.mark.fact("outputs", "workflow/executor/executor_test.go:TestDefaultParametersEmptyString")
def test_missing_file_with_an_empty_default_is_empty(argo) -> None:
    run = _one_output(argo, "true", "valueFrom: {path: /tmp/missing, default: ''}")
    assert run.phase == "Succeeded"
    assert run.nodes["out-wf"]["outputs"]["parameters"][0]["value"] == ""


@pytest.mark.fact("outputs", "workflow/executor/executor.go:SaveParameters (the default is trimmed too)")
def test_default_loses_its_trailing_newline_too(argo) -> None:
    run = _one_output(argo, "true", 'valueFrom: {path: /tmp/missing, default: "dflt\\n"}')
    assert run.nodes["out-wf"]["outputs"]["parameters"][0]["value"] == "dflt"


@pytest.mark.fact(
    "outputs",
    "workflow/executor/executor.go:SaveParameters (no file, no default: the pod fails to save its outputs)",
)
def test_missing_file_without_default_errors_the_node(argo) -> None:
    run = _one_output(argo, "true", "valueFrom: {path: /tmp/missing}")
    assert run.phase == "Error"
    assert run.nodes["out-wf"]["phase"] == "Error"


@pytest.mark.fact(
    "outputs", "workflow/executor/executor.go:ReportOutputs (the template's outputs, valueFrom included)"
)
def test_pod_outputs_keep_value_from(argo) -> None:
    run = _one_output(argo, "echo x > /tmp/out")
    (param,) = run.nodes["out-wf"]["outputs"]["parameters"]
    assert param == {"name": "out", "value": "x", "valueFrom": {"path": "/tmp/out"}}
    assert run.nodes["out-wf"]["outputs"]["exitCode"] == "0"


@pytest.mark.fact("outputs", "issue 15.3: a trimmed output compares in `when` as written (echo yes > file)")
def test_trimmed_output_is_usable_in_when(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: when-out}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: decide, template: decide}
            - - {name: yes-branch, template: ok, when: "{{steps.decide.outputs.parameters.answer}} == yes"}
          - name: decide
            container: {image: alpine:3.23, command: [sh, -c, "echo yes > /tmp/answer"]}
            outputs:
              parameters: [{name: answer, valueFrom: {path: /tmp/answer}}]
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, ok]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("yes-branch")["type"] == "Pod"


@pytest.mark.fact(
    "outputs", "workflow/executor/executor.go:CaptureScriptResult (one trailing newline trimmed)"
)
def test_script_result_loses_one_trailing_newline(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: script-result}
        spec:
          entrypoint: main
          templates:
          - name: main
            script: {image: alpine:3.23, command: [sh], source: "printf 'a\\n\\n'"}
        """,
    )
    assert run.nodes["script-result"]["outputs"]["result"] == "a\n"


@pytest.mark.fact(
    "outputs",
    "workflow/controller/operator_test.go:TestContainerOutputsResult (a container's result is kept when referenced)",
)
def test_container_result_is_captured_when_referenced(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: container-result}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: hello1, template: hello}
            - - name: show
                template: show
                arguments: {parameters: [{name: msg, value: "{{steps.hello1.outputs.result}}"}]}
          - name: hello
            container: {image: alpine:3.23, command: [echo, hello world]}
          - name: show
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("hello1")["outputs"]["result"] == "hello world"
    assert run.node("show")["inputs"]["parameters"][0]["value"] == "hello world"


@pytest.mark.fact("outputs", "examples/exit-code-output-variable.yaml (steps.<name>.exitCode)")
def test_exit_code_of_a_failed_step_is_visible(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: exit-code}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: failing-container, template: failing, continueOn: {failed: true}}
            - - name: echo
                template: show
                arguments: {parameters: [{name: code, value: "{{steps.failing-container.exitCode}}"}]}
          - name: failing
            container: {image: alpine:3.23, command: [sh, -c, "exit 123"]}
          - name: show
            inputs: {parameters: [{name: code}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.code}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("failing-container")["outputs"]["exitCode"] == "123"
    assert run.node("echo")["inputs"]["parameters"][0]["value"] == "123"


@pytest.mark.fact("outputs", "workflow/controller/operator_test.go:TestNestedStepGroupGlobalParams")
def test_global_output_from_a_nested_steps_template(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: global-outputs}
        spec:
          entrypoint: generate-globals
          templates:
          - name: generate-globals
            steps:
            - - {name: generate, template: nested-global-output-generation}
          - name: output-generation
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo -n hello world > /tmp/hello_world.txt"]}
            outputs:
              parameters:
              - {name: hello-param, valueFrom: {path: /tmp/hello_world.txt}}
          - name: nested-global-output-generation
            outputs:
              parameters:
              - globalName: global-param
                name: hello-param
                valueFrom: {parameter: '{{steps.generate-output.outputs.parameters.hello-param}}'}
            steps:
            - - {name: generate-output, template: output-generation}
        """,
    )
    node = run.node("generate")
    (param,) = node["outputs"]["parameters"]
    assert (param["name"], param["globalName"], param["value"]) == (
        "hello-param",
        "global-param",
        "hello world",
    )
    assert "valueFrom" not in param  # getTemplateOutputsFromScope drops it
    assert run.status["outputs"]["parameters"][0] == {"name": "global-param", "value": "hello world"}


@pytest.mark.fact("outputs", "workflow/controller/operator_test.go:TestResolvePlaceholdersInGlobalVariables")
def test_output_values_may_use_global_variables(argo) -> None:
    # Argo's unit test names the namespace `testNamespace` (its fake client validates no names); a namespace
    # is a DNS-1123 label for the Kubernetes API server, so here it is spelt `test-namespace`.
    run = _run(
        argo,
        """
        metadata: {name: output-value-global-variables-wf, namespace: test-namespace}
        spec:
          serviceAccountName: testServiceAccountName
          entrypoint: tell-workflow-global-variables
          templates:
          - name: tell-workflow-global-variables
            outputs:
              parameters:
              - {name: namespace, value: "{{workflow.namespace}}"}
              - {name: serviceAccountName, value: "{{workflow.serviceAccountName}}"}
            container: {image: busybox, command: ["true"]}
        """,
    )
    params = {
        p["name"]: p["value"] for p in run.nodes["output-value-global-variables-wf"]["outputs"]["parameters"]
    }
    assert params == {"namespace": "test-namespace", "serviceAccountName": "testServiceAccountName"}


@pytest.mark.fact(
    "outputs", "workflow/controller/operator.go:getTemplateOutputsFromScope (DAG outputs by expression)"
)
def test_dag_output_from_an_expression(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-out}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: num, arguments: {parameters: [{name: n, value: "2"}]}}
              - {name: b, template: num, arguments: {parameters: [{name: n, value: "3"}]}}
            outputs:
              parameters:
              - name: sum
                valueFrom: {expression: "asInt(tasks.a.outputs.result) + asInt(tasks.b.outputs.result)"}
          - name: num
            inputs: {parameters: [{name: n}]}
            script: {image: alpine:3.23, command: [sh], source: "echo {{inputs.parameters.n}}"}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["dag-out"]["outputs"]["parameters"] == [{"name": "sum", "value": "5"}]


@pytest.mark.fact(
    "outputs",
    "workflow/controller/operator.go:getTemplateOutputsFromScope (an unresolvable reference uses valueFrom.default)",
)
def test_steps_output_default_when_the_reference_cannot_resolve(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-default}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: quick}
            outputs:
              parameters:
              - name: p
                valueFrom: {parameter: "{{steps.a.outputs.parameters.nope}}", default: fallback}
          - name: quick
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
        lint=False,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["steps-default"]["outputs"]["parameters"] == [{"name": "p", "value": "fallback"}]


@pytest.mark.fact(
    "outputs", "workflow/controller/operator.go:addOutputsToGlobalScope (workflow.outputs.parameters.<name>)"
)
def test_global_output_is_readable_by_later_steps(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: global-later}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: produce, template: produce}
            - - name: consume
                template: show
                arguments: {parameters: [{name: v, value: "{{workflow.outputs.parameters.shared}}"}]}
          - name: produce
            container: {image: alpine:3.23, command: [sh, -c, "echo 42 > /tmp/v"]}
            outputs:
              parameters: [{name: v, globalName: shared, valueFrom: {path: /tmp/v}}]
          - name: show
            inputs: {parameters: [{name: v}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.v}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("consume")["inputs"]["parameters"][0]["value"] == "42"
    assert run.status["outputs"]["parameters"] == [{"name": "shared", "value": "42"}]


@pytest.mark.fact(
    "outputs", "examples/artifact-passing.yaml (output artifact from a path, input artifact via from)"
)
def test_artifact_passing(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: artifact-passing}
        spec:
          entrypoint: artifact-example
          templates:
          - name: artifact-example
            steps:
            - - {name: generate-artifact, template: hello-world-to-file}
            - - name: consume-artifact
                template: print-message-from-file
                arguments:
                  artifacts:
                  - {name: message, from: "{{steps.generate-artifact.outputs.artifacts.hello-art}}"}
          - name: hello-world-to-file
            container: {image: busybox, command: [sh, -c], args: ["sleep 0.1; echo hello world | tee /tmp/hello_world.txt"]}
            outputs:
              artifacts:
              - {name: hello-art, path: /tmp/hello_world.txt}
          - name: print-message-from-file
            inputs:
              artifacts:
              - {name: message, path: /tmp/message}
            container: {image: alpine:latest, command: [sh, -c], args: ["cat /tmp/message"]}
        """,
    )
    assert run.phase == "Succeeded"
    (art,) = run.node("generate-artifact")["outputs"]["artifacts"]
    assert art["name"] == "hello-art"
