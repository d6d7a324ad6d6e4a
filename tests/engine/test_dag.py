from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

from argento.engine.nodes import node_id

DIAMOND = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: diamond}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: echo, arguments: {parameters: [{name: msg, value: A}]}}
      - {name: B, depends: A, template: echo, arguments: {parameters: [{name: msg, value: B}]}}
      - {name: C, depends: A, template: echo, arguments: {parameters: [{name: msg, value: "{{tasks.A.outputs.result}}-C"}]}}
      - {name: D, depends: B && C, template: echo, arguments: {parameters: [{name: msg, value: "{{tasks.C.outputs.result}}"}]}}
  - name: echo
    inputs: {parameters: [{name: msg}]}
    script: {image: python:3.11, command: [python], source: "print('{{inputs.parameters.msg}}')"}
"""


def test_diamond_tree(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(DIAMOND)
    assert wf["status"]["phase"] == "Succeeded"
    assert wf["status"]["progress"] == "4/4"
    nodes = nodes_by_name(wf)
    root = nodes["diamond"]
    assert root["type"] == "DAG" and root["id"] == "diamond"
    a, b, c, d = (nodes[f"diamond.{x}"] for x in "ABCD")
    assert a["id"] == node_id("diamond", "diamond.A")
    assert root["children"] == [a["id"]]
    assert set(a["children"]) == {b["id"], c["id"]}
    assert b["children"] == [d["id"]] and c["children"] == [d["id"]]
    assert root["outboundNodes"] == [d["id"]]
    assert all(n["boundaryID"] == "diamond" for n in (a, b, c, d))
    assert d["outputs"]["result"] == "A-C"
    assert d["inputs"]["parameters"] == [{"name": "msg", "value": "A-C"}]
    assert [a["displayName"], d["templateName"], d["templateScope"]] == ["A", "echo", "local/diamond"]


FAILING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: fails}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: fail}
      - {name: B, depends: A, template: ok}
      - {name: C, depends: A.Failed, template: ok}
      - {name: D, depends: A.Succeeded || A.Failed, template: ok}
  - {name: ok, container: {image: alpine, command: [sh, -c, "exit 0"]}}
  - {name: fail, container: {image: alpine, command: [sh, -c, "exit 3"]}}
"""


def test_enhanced_depends_omits_and_fails(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(FAILING)
    nodes = nodes_by_name(wf)
    assert nodes["fails.A"]["phase"] == "Failed"
    assert nodes["fails.A"]["message"] == "main: Error (exit code 3)"  # Argo's inferFailedReason
    assert nodes["fails.A"]["outputs"]["exitCode"] == "3"
    assert nodes["fails.B"]["phase"] == "Omitted"
    assert nodes["fails.B"]["type"] == "Skipped"
    assert nodes["fails.B"]["message"] == "omitted: depends condition not met"
    assert nodes["fails.C"]["phase"] == "Succeeded"
    assert nodes["fails.D"]["phase"] == "Succeeded"
    # B is omitted below a failure: its branch is Failed, so the DAG fails.
    assert wf["status"]["phase"] == "Failed"


CONTINUE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: cont}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: fail, continueOn: {failed: true}}
      - {name: B, dependencies: [A], template: ok}
  - {name: ok, container: {image: alpine, command: [sh, -c, "exit 0"]}}
  - {name: fail, container: {image: alpine, command: [sh, -c, "exit 1"]}}
"""


def test_continue_on_failed(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(CONTINUE)
    nodes = nodes_by_name(wf)
    assert nodes["cont.A"]["phase"] == "Failed"
    assert nodes["cont.B"]["phase"] == "Succeeded"
    assert wf["status"]["phase"] == "Succeeded"


LOOP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: loop}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: echo, arguments: {parameters: [{name: msg, value: '[1, 2, 3]'}]}}
      - name: each
        depends: gen
        template: echo
        arguments: {parameters: [{name: msg, value: "{{item}}"}]}
        withParam: "{{tasks.gen.outputs.result}}"
      - {name: sum, depends: each, template: echo, arguments: {parameters: [{name: msg, value: "{{tasks.each.outputs.result}}"}]}}
      - name: skipped
        template: echo
        when: "{{tasks.gen.outputs.result}} == nope"
        depends: gen
        arguments: {parameters: [{name: msg, value: x}]}
  - name: echo
    inputs: {parameters: [{name: msg}]}
    script: {image: python:3.11, command: [python], source: "print('{{inputs.parameters.msg}}')"}
"""


def test_loop_task_group_and_aggregation(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(LOOP)
    nodes = nodes_by_name(wf)
    group = nodes["loop.each"]
    assert group["type"] == "TaskGroup"
    kids = [wf["status"]["nodes"][c]["name"] for c in group["children"]]
    assert kids == ["loop.each(0:1)", "loop.each(1:2)", "loop.each(2:3)"]
    assert nodes["loop.sum"]["outputs"]["result"] == "[1,2,3]"
    assert nodes["loop.skipped"]["phase"] == "Skipped"
    assert nodes["loop.skipped"]["message"] == "when '[1, 2, 3] == nope' evaluated false"
    assert wf["status"]["phase"] == "Succeeded"


def test_target_runs_only_ancestors(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = DIAMOND.replace("    dag:\n", "    dag:\n      target: B\n")
    nodes = nodes_by_name(run_wf(text))
    assert "diamond.B" in nodes and "diamond.C" not in nodes and "diamond.D" not in nodes


def test_fail_fast_and_disabled(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: ff}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: bad, template: fail}
      - {name: slow, template: ok}
      - {name: after, depends: slow, template: ok}
  - {name: ok, container: {image: alpine, command: [sh, -c, "exit 0"]}}
  - {name: fail, container: {image: alpine, command: [sh, -c, "exit 1"]}}
"""
    wf = run_wf(text)
    assert wf["status"]["phase"] == "Failed"
    off = run_wf(text.replace("    dag:\n", "    dag:\n      failFast: false\n"))
    assert nodes_by_name(off)["ff.after"]["phase"] == "Succeeded"
    assert off["status"]["phase"] == "Failed"
