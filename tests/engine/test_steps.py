from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: st}
spec:
  entrypoint: main
  arguments: {parameters: [{name: who, value: world}]}
  templates:
  - name: main
    steps:
    - - {name: hello, template: echo, arguments: {parameters: [{name: msg, value: "hi {{workflow.parameters.who}}"}]}}
    - - {name: p1, template: echo, arguments: {parameters: [{name: msg, value: "{{steps.hello.outputs.result}}"}]}}
      - {name: p2, template: echo, when: "'{{steps.hello.outputs.result}}' == nope", arguments: {parameters: [{name: msg, value: x}]}}
    - - name: loop
        template: echo
        arguments: {parameters: [{name: msg, value: "{{item.n}}"}]}
        withItems: [{n: 1}, {n: 2}]
  - name: echo
    inputs: {parameters: [{name: msg}]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.msg}}; echo {{inputs.parameters.msg}} > /tmp/out"}
"""


def test_steps_tree_and_scopes(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(STEPS)
    assert wf["status"]["phase"] == "Succeeded", wf["status"]
    nodes = nodes_by_name(wf)
    ids = {n["name"]: n["id"] for n in nodes.values()}
    root = nodes["st"]
    assert root["type"] == "Steps"
    assert root["children"] == [ids["st[0]"]]
    sg0 = nodes["st[0]"]
    assert sg0["type"] == "StepGroup" and sg0["displayName"] == "[0]" and sg0["boundaryID"] == "st"
    assert sg0["children"] == [ids["st[0].hello"]]
    assert nodes["st[0].hello"]["children"] == [ids["st[1]"]]
    assert nodes["st[0].hello"]["displayName"] == "hello"
    assert nodes["st[1].p1"]["outputs"]["result"] == "hi world"
    assert nodes["st[1].p1"]["outputs"]["parameters"] == [
        {"name": "out", "value": "hi world", "valueFrom": {"path": "/tmp/out"}}
    ]
    assert nodes["st[1].p2"]["type"] == "Skipped"
    # Both the ran and the skipped step lead to the next group.
    assert nodes["st[1].p1"]["children"] == [ids["st[2]"]] and nodes["st[1].p2"]["children"] == [ids["st[2]"]]
    assert [wf["status"]["nodes"][c]["displayName"] for c in nodes["st[2]"]["children"]] == [
        "loop(0:n:1)",
        "loop(1:n:2)",
    ]
    assert root["outboundNodes"] == [ids["st[2].loop(0:n:1)"], ids["st[2].loop(1:n:2)"]]


def test_failed_step_fails_group_and_workflow(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: sf}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: fail}
      - {name: b, template: fail, continueOn: {failed: true}}
    - - {name: never, template: fail}
  - {name: fail, container: {image: alpine, command: [sh, -c, "exit 1"]}}
"""
    wf = run_wf(text)
    nodes = nodes_by_name(wf)
    assert nodes["sf[0]"]["phase"] == "Failed"
    assert nodes["sf[0]"]["message"] == f"child '{nodes['sf[0].a']['id']}' failed"
    assert nodes["sf"]["phase"] == "Failed"
    assert "sf[1]" not in nodes
    assert wf["status"]["phase"] == "Failed"
    assert wf["status"]["message"] == nodes["sf[0]"]["message"]


def test_missing_template_errors_the_group(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: mt}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: nope}
"""
    wf = run_wf(text)
    nodes = nodes_by_name(wf)
    assert nodes["mt[0].a"]["phase"] == "Error"
    assert nodes["mt[0].a"]["message"] == "template nope not found"
    # Argo's executeStepGroup / executeSteps: the group errors, the steps node (and the workflow) fail
    assert nodes["mt[0]"]["phase"] == "Error"
    assert (
        nodes["mt[0]"]["message"]
        == "step group deemed errored due to child mt[0].a error: template nope not found"
    )
    assert wf["status"]["phase"] == "Failed"
