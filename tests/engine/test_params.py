from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

PARAMS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: pr, labels: {team: ml}}
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: msg, value: "hello {{workflow.name}}"}
    - {name: color, value: red, enum: [red, blue]}
  templates:
  - name: main
    inputs:
      parameters:
      - {name: msg}
      - {name: n, default: "3"}
    outputs:
      parameters:
      - name: out
        globalName: final
        valueFrom: {default: "{{inputs.parameters.n}}"}
    script:
      image: alpine
      command: [sh]
      source: "echo {{inputs.parameters.msg}} {{inputs.parameters.n}} {{workflow.labels.team}} {{workflow.parameters.color}}"
"""


def test_arguments_bind_and_globals(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(PARAMS)
    root = nodes_by_name(wf)["pr"]
    assert root["outputs"]["result"] == "hello pr 3 ml red"
    assert wf["status"]["outputs"]["parameters"] == [{"name": "final", "value": "3"}]


def test_parameter_override_and_enum(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(PARAMS, parameters={"color": "blue"})
    assert nodes_by_name(wf)["pr"]["outputs"]["result"].endswith("blue")
    # Argo's overrideParameters: a -p value replaces the argument wholesale, its enum included
    wf = run_wf(PARAMS, parameters={"color": "green"})
    assert nodes_by_name(wf)["pr"]["outputs"]["result"].endswith("green")
    assert wf["spec"]["arguments"]["parameters"][0] == {"name": "color", "value": "green"}


def test_missing_input_is_an_error_node(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = PARAMS.replace('    - {name: msg, value: "hello {{workflow.name}}"}\n', "")
    wf = run_wf(text)
    root = nodes_by_name(wf)["pr"]
    assert root["phase"] == "Error"
    assert root["message"] == "inputs.parameters.msg was not supplied"
    assert wf["status"]["phase"] == "Error"


def test_memoization_hits_on_second_run(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: memo}
spec:
  entrypoint: main
  templates:
  - name: main
    memoize: {key: "k1", maxAge: "1h", cache: {configMap: {name: my-cache}}}
    script: {image: alpine, command: [sh], source: "echo computed"}
"""
    first = nodes_by_name(run_wf(text))["memo"]
    assert first["memoizationStatus"] == {"hit": False, "key": "k1", "cacheName": "my-cache"}
    second = nodes_by_name(run_wf(text))["memo"]
    assert second["memoizationStatus"]["hit"] is True
    assert second["outputs"]["result"] == "computed"
