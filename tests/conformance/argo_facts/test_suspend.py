"""Suspend templates: durations, supplied outputs and their defaults.

Facts from Argo's ``executeSuspend``, ``addRawOutputFields`` (workflow/controller/operator.go) and
``OverrideOutputParametersWithDefault`` (workflow/util/util.go), operator_test.go
(TestSuspendTimeoutWithInputDefaults, TestSuspendWithDeadline) and the e2e suite (suspend_test.go
TestSuspendNodeTimeoutWithoutDefaultValue, TestSuspendNodeTimeoutWithDefaultValue). Durations run under
``time_scale``.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


APPROVE = """
metadata: {{name: {name}}}
spec:
  entrypoint: suspend
  templates:
  - name: suspend
    steps:
    - - {{name: approve, template: approve}}
    - - name: release
        template: whalesay
        arguments:
          parameters:
            - {{name: message, value: "{{{{steps.approve.outputs.parameters.message}}}}"}}
  - name: approve
    suspend: {{duration: 5s}}
    outputs:
      parameters:
        - name: message
          valueFrom: {value_from}
  - name: whalesay
    inputs:
      parameters: [{{name: message}}]
    container: {{image: docker/whalesay, command: [cowsay], args: ["{{{{inputs.parameters.message}}}}"]}}
"""


@pytest.mark.fact(
    "suspend",
    "test/e2e/suspend_test.go:TestSuspendNodeTimeoutWithoutDefaultValue; util.go:OverrideOutputParametersWithDefault",
)
def test_duration_elapsed_without_a_default_fails(argo) -> None:
    run = _run(
        argo,
        APPROVE.format(name="suspend-node-timeout-without-default-value", value_from="{supplied: {}}"),
        time_scale=0.02,
    )
    assert run.phase == "Failed"
    approve = run.node("approve")
    assert approve["phase"] == "Error"
    assert (
        approve["message"]
        == "raw output parameter 'message' has not been set and does not have a default value"
    )
    assert run.by_display("release") == []


@pytest.mark.fact("suspend", "test/e2e/suspend_test.go:TestSuspendNodeTimeoutWithDefaultValue")
def test_duration_elapsed_uses_the_default(argo) -> None:
    run = _run(
        argo,
        APPROVE.format(
            name="suspend-node-timeout-with-default-value",
            value_from="{default: default message, supplied: {}}",
        ),
        time_scale=0.02,
    )
    assert run.phase == "Succeeded"
    assert run.status["progress"] == "2/2"
    approve = run.node("approve")
    assert approve["phase"] == "Succeeded"
    assert approve["outputs"]["parameters"][0]["name"] == "message"
    assert approve["outputs"]["parameters"][0]["value"] == "default message"
    release = run.node("release")
    assert release["inputs"]["parameters"] == [{"name": "message", "value": "default message"}]


@pytest.mark.fact(
    "suspend", "workflow/controller/operator_test.go:TestSuspendTimeoutWithInputDefaults (addRawOutputFields)"
)
def test_supplied_outputs_default_to_inputs_of_the_same_name(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: suspend-with-input-defaults}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: wait, template: wait}
            - - name: print
                template: print
                arguments:
                  parameters:
                  - {name: input, value: "{{steps.wait.outputs.parameters.input}}"}
                  - {name: select, value: "{{steps.wait.outputs.parameters.select}}"}
          - name: wait
            suspend: {duration: "0s"}
            inputs:
              parameters:
                - {name: input, default: "Hello World"}
                - {name: select, default: "default", enum: [default, option1, option2]}
            outputs:
              parameters:
                - {name: input, valueFrom: {supplied: {}}}
                - {name: select, valueFrom: {supplied: {}}}
          - name: print
            inputs:
              parameters: [{name: input}, {name: select}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.input}} {{inputs.parameters.select}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    outputs = {p["name"]: p["value"] for p in run.node("wait")["outputs"]["parameters"]}
    assert outputs == {"input": "Hello World", "select": "default"}
    assert len([n for n in run.nodes.values() if n["type"] == "Pod"]) == 1


@pytest.mark.fact("suspend", "workflow/controller/operator.go:executeSuspend (duration elapsed: Succeeded)")
def test_suspend_with_a_duration_resumes_by_itself(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: sleepy}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: delay, template: delay}
          - name: delay
            suspend: {duration: "20"}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Succeeded"
    node = run.node("delay")
    assert (node["type"], node["phase"]) == ("Suspend", "Succeeded")
    assert node["templateName"] == "delay"
    assert time.monotonic() - start < 10  # "20" is seconds (ParseStringToDuration), scaled here


@pytest.mark.fact(
    "suspend", "workflow/controller/operator.go:executeSuspend (a suspend node records its inputs)"
)
def test_suspend_node_records_its_inputs(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: suspend-inputs}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: wait, template: wait, arguments: {parameters: [{name: who, value: alice}]}}
          - name: wait
            inputs:
              parameters: [{name: who}]
            suspend: {duration: "1s"}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Succeeded"
    assert run.node("wait")["inputs"]["parameters"] == [{"name": "who", "value": "alice"}]


@pytest.mark.fact(
    "suspend", "workflow/controller/operator.go:executeSuspend (a suspend template at the root)"
)
def test_suspend_as_the_entrypoint(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: root-suspend}
        spec:
          entrypoint: wait
          templates:
          - name: wait
            suspend: {duration: "2s"}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Succeeded"
    root = run.nodes["root-suspend"]
    assert (root["type"], root["phase"], root["progress"]) == ("Suspend", "Succeeded", "1/1")
    assert run.status["progress"] == "1/1"


@pytest.mark.fact(
    "suspend", "workflow/controller/dag.go (a suspend task is a leaf like a pod: dependents wait for it)"
)
def test_dag_dependents_wait_for_a_suspend_task(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-suspend}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: gate, template: gate}
              - {name: after, depends: gate, template: ok}
          - name: gate
            suspend: {duration: "10s"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Succeeded"
    gate, after = run.node("gate"), run.node("after")
    assert gate["children"] == [after["id"]]
    assert after["startedAt"] >= gate["finishedAt"]
