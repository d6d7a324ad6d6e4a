from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

from argento.executors.base import PodSpec, StepResult

RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: rt}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: flaky, template: flaky}
  - name: flaky
    retryStrategy: {limit: "3", retryPolicy: Always}
    container: {image: alpine, command: [sh, -c, "exit 1"]}
"""


def _fail_times(n: int) -> Callable[[PodSpec], StepResult]:
    calls = {"n": 0}

    def script(pod: PodSpec) -> StepResult:
        calls["n"] += 1
        if calls["n"] <= n:
            return StepResult(exit_code=1, message="Error (exit code 1)")
        return StepResult(exit_code=0, result="ok")

    return script


def test_retry_until_success(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(RETRY, script=_fail_times(2))
    nodes = nodes_by_name(wf)
    retry = nodes["rt[0].flaky"]
    assert retry["type"] == "Retry" and retry["phase"] == "Succeeded"
    assert retry["templateName"] == "flaky"
    attempts = [wf["status"]["nodes"][c] for c in retry["children"]]
    assert [a["displayName"] for a in attempts] == ["flaky(0)", "flaky(1)", "flaky(2)"]
    assert [a["phase"] for a in attempts] == ["Failed", "Failed", "Succeeded"]
    assert all(a["nodeFlag"] == {"retried": True} for a in attempts)
    assert retry["outputs"]["exitCode"] == "0"
    # The next group attaches to the last attempt (Argo's outbound rule for Retry nodes).
    assert wf["status"]["phase"] == "Succeeded"


def test_retry_exhausted(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(RETRY, script=_fail_times(10))
    retry = nodes_by_name(wf)["rt[0].flaky"]
    assert retry["phase"] == "Failed"
    assert retry["message"] == "No more retries left"
    assert len(retry["children"]) == 4
    assert wf["status"]["phase"] == "Failed"


def test_retry_policy_on_error_does_not_retry_failures(run_wf: Callable[..., dict[str, Any]]) -> None:
    wf = run_wf(RETRY.replace("Always", "OnError"), script=_fail_times(10))
    retry = nodes_by_name(wf)["rt[0].flaky"]
    assert len(retry["children"]) == 1 and retry["phase"] == "Failed"


def test_retry_expression_stops(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = RETRY.replace(
        "retryPolicy: Always}", 'retryPolicy: Always, expression: "asInt(lastRetry.exitCode) == 2"}'
    )
    wf = run_wf(text, script=_fail_times(10))
    retry = nodes_by_name(wf)["rt[0].flaky"]
    assert len(retry["children"]) == 1
    assert retry["message"] == "retryStrategy.expression evaluated to false"


def test_retries_variable_and_backoff(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: bo}
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: 2, backoff: {duration: "1", factor: 2}}
    script: {image: alpine, command: [sh], source: "echo attempt {{retries}}; exit 1"}
"""
    wf = run_wf(text, time_scale=0.01)
    root = nodes_by_name(wf)["bo"]
    assert root["type"] == "Retry"
    results = [wf["status"]["nodes"][c]["outputs"]["result"] for c in root["children"]]
    assert results == ["attempt 0", "attempt 1", "attempt 2"]


def test_workflow_level_retry_strategy_makes_root_a_retry(run_wf: Callable[..., dict[str, Any]]) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: wr}
spec:
  entrypoint: main
  retryStrategy: {limit: 1}
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "exit 1"]}
"""
    wf = run_wf(text, script=_fail_times(1))
    root = nodes_by_name(wf)["wr"]
    assert root["type"] == "Retry" and root["phase"] == "Succeeded"
    assert [wf["status"]["nodes"][c]["name"] for c in root["children"]] == ["wr(0)", "wr(1)"]
