"""Deadlines and timeouts: template ``activeDeadlineSeconds`` and ``timeout``, the workflow's
``activeDeadlineSeconds``, and what they do to retries and exit handlers.

Facts from Argo's ``checkTemplateTimeouts`` and the pod deadline (workflow/controller/operator.go,
workflowpod.go), exec_control.go, operator_test.go (TestTemplateTimeoutDuration, TestSuspendWithDeadline,
TestFailSuspendedAndPendingNodesAfterDeadline) and the e2e suites (workflow_test.go
TestWorkflowFailedWhenAllPodSetFailedFromPending, functional_test.go TestTemplateLevelTimeout,
hooks_test.go TestExitHandlerWithWorkflowLevelDeadline). Durations run under ``time_scale``.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

import pytest

POD_DEADLINE = "Pod was active on the node longer than the specified deadline"


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


@pytest.mark.fact(
    "timeouts",
    "test/e2e/workflow_test.go:TestWorkflowFailedWhenAllPodSetFailedFromPending (template activeDeadlineSeconds)",
)
def test_template_active_deadline_fails_every_item(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: active-deadline-fanout-template-level-}
        spec:
          entrypoint: entrypoint
          templates:
          - name: entrypoint
            steps:
            - - name: fanout
                template: echo
                arguments: {parameters: [{name: item, value: "{{item}}"}]}
                withItems: [1, 2, 3, 4]
          - name: echo
            inputs: {parameters: [{name: item}]}
            container: {image: argoproj/argosay:v2, args: [sleep, 20s]}
            activeDeadlineSeconds: 2
        """,
        time_scale=0.1,
    )
    assert run.phase == "Failed"
    pods = [n for n in run.nodes.values() if n["type"] == "Pod"]
    assert len(pods) == 4
    for node in pods:
        assert node["phase"] == "Failed"
        assert POD_DEADLINE in node["message"]
    assert run.node("fanout(0:1)")["phase"] == "Failed"


@pytest.mark.fact(
    "timeouts", "workflow/controller/operator_test.go:TestTemplateTimeoutDuration (Step Template Deadline)"
)
def test_template_timeout_fails_the_step(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: hello-world-step}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: step1, template: whalesay}
          - name: whalesay
            timeout: 5s
            container: {image: argoproj/argosay:v2, args: [sleep, 60s]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    assert run.node("step1")["phase"] == "Failed"
    assert run.node("step1")["message"] == POD_DEADLINE


@pytest.mark.fact(
    "timeouts", "workflow/controller/operator_test.go:TestTemplateTimeoutDuration (DAG Template Deadline)"
)
def test_template_timeout_in_a_dag(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: hello-world-dag}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: dag1, template: whalesay, arguments: {parameters: [{name: deadline, value: 3s}]}}
              - {name: dag2, template: whalesay, depends: dag1, arguments: {parameters: [{name: deadline, value: 3s}]}}
          - name: whalesay
            inputs: {parameters: [{name: deadline}]}
            timeout: "{{inputs.parameters.deadline}}"
            container: {image: argoproj/argosay:v2, args: [sleep, 60s]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    assert run.nodes["hello-world-dag"]["phase"] == "Failed"
    assert run.node("dag1")["phase"] == "Failed"
    assert run.node("dag2")["phase"] == "Omitted"


@pytest.mark.fact(
    "timeouts",
    "workflow/controller/workflowpod.go:createWorkflowPod (the shorter of activeDeadlineSeconds and timeout wins)",
)
def test_the_shorter_deadline_wins(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: shorter}
        spec:
          entrypoint: main
          templates:
          - name: main
            timeout: 100s
            activeDeadlineSeconds: 2
            container: {image: argoproj/argosay:v2, args: [sleep, 200s]}
        """,
        time_scale=0.1,
    )
    assert run.phase == "Failed"
    assert time.monotonic() - start < 8


@pytest.mark.fact(
    "timeouts",
    "workflow/controller/operator.go:checkTemplateTimeouts (each retry attempt has its own timeout)",
)
def test_each_retry_attempt_gets_the_timeout(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-timeout}
        spec:
          entrypoint: main
          templates:
          - name: main
            timeout: 2s
            retryStrategy: {limit: 1, retryPolicy: Always}
            script:
              image: alpine:3.23
              command: [sh]
              source: 'if [ {{retries}} = 0 ]; then sleep 30; fi; echo done'
        """,
        time_scale=0.1,
    )
    assert run.phase == "Succeeded"
    first = run.node("retry-timeout(0)")
    assert (first["phase"], first["message"]) == ("Failed", POD_DEADLINE)
    assert run.node("retry-timeout(1)")["phase"] == "Succeeded"


@pytest.mark.fact(
    "timeouts",
    "workflow/validate/validate.go (timeout is for leaf templates) + checkTemplateTimeouts (a Running steps node never times out)",
)
def test_template_defaults_timeout_does_not_cut_a_steps_template(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: defaults-timeout}
        spec:
          entrypoint: main
          templateDefaults:
            timeout: 2s
          templates:
          - name: main
            steps:
            - - {name: a, template: short}
            - - {name: b, template: short}
          - name: short
            container: {image: argoproj/argosay:v2, args: [sleep, 1.5s]}
        """,
        time_scale=1.0,
    )
    # each pod (1.5 s) fits its own 2 s timeout; the steps template (3 s in all) is not cut at 2 s
    assert run.phase == "Succeeded"


@pytest.mark.fact(
    "timeouts",
    "workflow/controller/operator.go:failNodesWithoutCreatedPodsAfterDeadlineOrShutdown (no new step after the deadline)",
)
def test_no_step_starts_after_the_workflow_deadline(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: after-deadline}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 1
          templates:
          - name: main
            steps:
            - - {name: first, template: sleep}
            - - {name: second, template: sleep}
          - name: sleep
            container: {image: argoproj/argosay:v2, args: [sleep, 30s]}
        """,
        time_scale=0.5,
    )
    assert run.phase == "Failed"
    assert run.node("first")["phase"] == "Failed"
    assert run.by_display("second") == []


@pytest.mark.fact(
    "timeouts", "workflow/controller/operator.go:processNodeRetries (retry exceeded workflow deadline)"
)
def test_retries_stop_at_the_workflow_deadline(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-deadline}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 1
          templates:
          - name: main
            retryStrategy: {limit: 10, retryPolicy: Always}
            container: {image: argoproj/argosay:v2, args: [sleep, 30s]}
        """,
        time_scale=0.5,
    )
    assert run.phase == "Failed"
    retry = run.nodes["retry-deadline"]
    assert retry["message"].startswith("retry exceeded workflow deadline ")
    assert len(retry["children"]) == 1
