"""Workflow globals and exit handlers as ``workflow/controller/operator_test.go`` pins them (tests not ported
before: ``TestSuppliedArgValue``, ``TestWorkflowMainEntrypointVariable``, ``TestSetGlobalParametersOverriding``,
``TestStepsOnExit``)."""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import wf

OPERATOR = "workflow/controller/operator_test.go"


@pytest.mark.fact("parameters", f"{OPERATOR}:TestSuppliedArgValue (value beside valueFrom.supplied)")
def test_supplied_argument_with_a_value(argo) -> None:
    run = argo.run(
        wf("""
        arguments:
          parameters:
          - name: message
            value: argo
            valueFrom: {supplied: {}}
        entrypoint: whalesay
        templates:
        - name: whalesay
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.message}}"'}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "argo"


@pytest.mark.fact("variables", f"{OPERATOR}:TestWorkflowMainEntrypointVariable")
def test_workflow_main_entrypoint_variable(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.mainEntrypoint}}"'}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "whalesay"


@pytest.mark.fact("parameters", f"{OPERATOR}:TestSetGlobalParametersOverriding (value wins over valueFrom)")
def test_argument_value_wins_over_its_value_from(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: echo
        arguments: &args
          parameters:
          - name: message
            value: configmap argument overwrite with argument
            valueFrom:
              configMapKeyRef: {name: config-properties, key: message}
        templates:
        - name: echo
          inputs: *args
          container:
            image: busybox
            args: ["printf", "WORKFLOW: %s\\nINPUT: %s", "{{workflow.parameters.message}}", "{{inputs.parameters.message}}"]
        """),
        lint=False,
    )
    assert run.phase == "Succeeded", run.message
    assert run.workflow["spec"]["arguments"]["parameters"][0]["value"] == (
        "configmap argument overwrite with argument"
    )
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "configmap argument overwrite with argument"


@pytest.mark.fact("exit-handlers", f"{OPERATOR}:TestStepsOnExit (a step that never ran has no exit handler)")
def test_steps_on_exit_only_for_steps_that_ran(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: leafA
              onExit: exitContainer
              template: fail
          - - name: leafB
              onExit: exitContainer
              template: fail
        - name: fail
          container: {image: alpine, command: [sh, -c], args: ["exit 1"]}
        - name: exitContainer
          container: {image: alpine, command: [sh, -c], args: ["echo goodbye world"]}
        """)
    )
    assert run.phase == "Failed"
    exit_a = run.node("leafA.onExit")
    assert exit_a["phase"] == "Succeeded" and exit_a["nodeFlag"] == {"hooked": True}
    assert run.by_display("leafB") == [] and run.by_display("leafB.onExit") == []
