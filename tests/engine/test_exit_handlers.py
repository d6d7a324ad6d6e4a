from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

EXIT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: ex}
spec:
  entrypoint: main
  onExit: exit-handler
  templates:
  - name: main
    steps:
    - - {name: work, template: fail, onExit: step-exit}
  - name: fail
    container: {image: alpine, command: [sh, -c, "exit 1"]}
  - name: step-exit
    script: {image: alpine, command: [sh], source: "echo step {{steps.work.status}}"}
  - name: exit-handler
    script: {image: alpine, command: [sh], source: "echo wf {{workflow.status}}"}
"""


def test_exit_handlers_run_with_status(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(EXIT)
    nodes = nodes_by_name(wf)
    step_exit = nodes["ex[0].work.onExit"]
    assert step_exit["nodeFlag"] == {"hooked": True}
    assert step_exit["id"] in nodes["ex[0].work"]["children"]
    wf_exit = nodes["ex.onExit"]
    assert wf_exit["displayName"] == "ex.onExit"
    assert wf_exit["outputs"]["result"] == "wf Failed"
    assert wf["status"]["phase"] == "Failed"


def test_failing_exit_handler_fails_a_successful_workflow(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: exf}
spec:
  entrypoint: ok
  onExit: bad
  templates:
  - {name: ok, container: {image: alpine, command: [sh, -c, "exit 0"]}}
  - {name: bad, container: {image: alpine, command: [sh, -c, "exit 1"]}}
"""
    wf = run_wf(text)
    assert nodes_by_name(wf)["exf"]["phase"] == "Succeeded"
    assert wf["status"]["phase"] == "Failed"


def test_lifecycle_hooks_on_steps(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: hk}
spec:
  entrypoint: main
  hooks:
    exit: {template: say}
  templates:
  - name: main
    steps:
    - - name: step1
        template: ok
        hooks:
          success: {expression: steps.step1.status == "Succeeded", template: say}
          failure: {expression: steps.step1.status == "Failed", template: say}
  - {name: ok, container: {image: alpine, command: [sh, -c, "exit 0"]}}
  - {name: say, container: {image: alpine, command: [sh, -c, "echo hook"]}}
"""
    wf = run_wf(text)
    nodes = nodes_by_name(wf)
    assert "hk[0].step1.hooks.success" in nodes
    assert "hk[0].step1.hooks.failure" not in nodes
    assert "hk.onExit" in nodes
    assert wf["status"]["phase"] == "Succeeded"
