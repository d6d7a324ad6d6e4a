"""Daemon steps and tasks (``daemon: true``): running beside their dependents, killed with their boundary,
retried as new attempts.

Facts from Argo's e2e suite (test/e2e/daemon_pod_test.go), ``assessNodeStatus`` and ``killDaemonedChildren``
(workflow/controller/operator.go, exec_control.go) and ``processNodeRetries`` for daemoned attempts. Sleeps
are shortened; a daemon sleeps long and is killed when its boundary ends.
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


@pytest.mark.fact("daemons", "test/e2e/daemon_pod_test.go:TestWorkflowCompletesIfContainsDaemonPod")
def test_workflow_with_a_daemon_completes(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: whalesay}
        spec:
          entrypoint: whalesay
          templates:
          - name: whalesay
            dag:
              tasks:
                - {name: redis, template: redis-tmpl}
                - {name: whale, dependencies: [redis], template: whale-tmpl}
          - name: redis-tmpl
            daemon: true
            container: {image: argoproj/argosay:v2, args: ["sleep", "100s"]}
          - name: whale-tmpl
            container: {image: argoproj/argosay:v2}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.status["finishedAt"]
    assert time.monotonic() - start < 60  # the daemon was killed, not waited for


@pytest.mark.fact(
    "daemons",
    "test/e2e/daemon_pod_test.go:TestMarkDaemonedPodSucceeded; exec_control.go:killDaemonedChildren",
)
def test_a_daemon_its_boundary_stops_is_succeeded_and_no_longer_daemoned(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: daemoned-pod-completed-}
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: daemoned, template: daemoned}
                  - {name: daemon-dependent, dependencies: [daemoned], template: daemon-dependent}
            - name: daemoned
              daemon: true
              container: {image: argoproj/argosay:v2, command: ["sleep"], args: ["60"]}
            - name: daemon-dependent
              container: {image: argoproj/argosay:v2}
        """,
    )
    assert run.phase == "Succeeded"
    node = run.node("daemoned")
    assert node["phase"] == "Succeeded"
    assert "daemoned" not in node


@pytest.mark.fact("daemons", "test/e2e/daemon_pod_test.go:TestDaemonPodRetry")
def test_a_failing_daemon_is_retried_as_a_new_attempt(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemon-retry}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
                - {name: daemoned, template: daemoned}
                - {name: whale, dependencies: [daemoned], template: whale-tmpl}
          - name: daemoned
            retryStrategy: {limit: 2}
            daemon: true
            container:
              image: argoproj/argosay:v2
              command: ["bash"]
              args:
                - "-c"
                - |
                  echo "Attempt {{retries}}";
                  if [ "{{retries}}" -eq 0 ]; then
                    sleep 0.3 && exit 1;
                  else
                    sleep 120 && exit 1;
                  fi
          - name: whale-tmpl
            container:
              image: argoproj/argosay:v2
              command: ["bash"]
              args: ["-c", "echo hi & sleep 1.5 && echo bye"]
        """,
    )
    failed = run.node("daemoned(0)")
    succeeded = run.node("daemoned(1)")
    assert failed["phase"] == "Failed"
    assert succeeded["phase"] == "Succeeded"
    assert run.phase == "Succeeded"
    assert run.node("daemoned")["type"] == "Retry"
    assert len(run.by_display("daemoned(2)")) == 0


@pytest.mark.fact(
    "daemons", "SPEC R7; operator.go:processNodeRetries (limit) — a daemon that keeps failing is bounded"
)
def test_a_daemon_that_keeps_failing_stops_at_its_limit(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemon-crash}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
                - {name: daemoned, template: daemoned}
                - {name: after, dependencies: [daemoned], template: slow}
          - name: daemoned
            retryStrategy: {limit: 3}
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 0.1; exit 1"]}
          - name: slow
            container: {image: argoproj/argosay:v2, args: [sleep, 2s]}
        """,
    )
    attempts = [n for n in run.nodes.values() if n["displayName"].startswith("daemoned(")]
    assert len(attempts) == 4  # the first attempt and three retries, never more
    assert all(a["phase"] == "Failed" for a in attempts)
    assert run.node("daemoned")["message"] == "No more retries left"


@pytest.mark.fact("daemons", "SPEC R7 (Argento): an unlimited daemon retry is spaced by a doubling floor")
def test_an_unlimited_daemon_retry_never_spins(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemon-spin}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: daemoned, template: daemoned}
            - - {name: after, template: slow}
          - name: daemoned
            retryStrategy: {}
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 0.05; exit 1"]}
          - name: slow
            container: {image: argoproj/argosay:v2, args: [sleep, 2s]}
        """,
    )
    attempts = [n for n in run.nodes.values() if n["displayName"].startswith("daemoned(")]
    assert run.phase == "Succeeded"
    assert 2 <= len(attempts) <= 10, len(attempts)  # thousands in a tight loop before the fix


@pytest.mark.fact(
    "daemons",
    "workflow/controller/operator.go:assessNodeStatus (a daemoned pod that succeeds is marked Failed)",
)
def test_a_daemon_that_exits_by_itself_is_failed(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemon-exits}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: server, template: server}
            - - {name: client, template: slow}
          - name: server
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 0.2; exit 0"]}
          - name: slow
            container: {image: argoproj/argosay:v2, args: [sleep, 1s]}
        """,
    )
    assert run.node("server")["phase"] == "Failed"
    assert run.node("client")["phase"] == "Succeeded"


@pytest.mark.fact("daemons", "docs/variables.md (steps.<name>.ip); examples/daemon-step.yaml")
def test_dependents_reach_the_daemon_by_its_ip(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemon-ip}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: server, template: server}
            - - name: client
                template: client
                arguments: {parameters: [{name: ip, value: "{{steps.server.ip}}"}]}
          - name: server
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 60"]}
          - name: client
            inputs: {parameters: [{name: ip}]}
            script: {image: alpine:3.23, command: [sh], source: "echo {{inputs.parameters.ip}}"}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("client")["outputs"]["result"] == "127.0.0.1"
    assert run.node("server")["podIP"] == "127.0.0.1"


@pytest.mark.fact("daemons", "test/e2e/daemon_pod_test.go:TestDaemonTemplateRef")
def test_daemon_in_a_referenced_workflow_template(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: broken-pipeline-run}
        spec:
          workflowTemplateRef: {name: broken-pipeline}
        """,
        templates="""
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: broken-pipeline}
        spec:
          entrypoint: main
          templates:
          - name: do-something
            container: {image: argoproj/argosay:v2}
          - name: main
            dag:
              tasks:
                - {name: do-something, template: do-something}
                - name: run-tests-broken
                  depends: "do-something"
                  templateRef: {name: run-tests-broken, template: main}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata: {name: run-tests-broken}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
              - - {name: postgres, template: postgres}
              - - {name: run-tests-broken, template: run-tests-broken}
          - name: run-tests-broken
            container: {image: argoproj/argosay:v2}
          - name: postgres
            daemon: true
            container: {image: argoproj/argosay:v2, args: ["sleep", "100s"], name: database}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("postgres")["phase"] == "Succeeded"


@pytest.mark.fact("daemons", "docs/enhanced-depends-logic.md (.Daemoned); dag.go:evaluateDependsLogic")
def test_depends_on_daemoned(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: daemoned-depends}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
                - {name: server, template: server}
                - {name: client, depends: server.Daemoned, template: quick}
          - name: server
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 60"]}
          - name: quick
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("client")["phase"] == "Succeeded"


@pytest.mark.fact(
    "daemons",
    "workflow/controller/steps.go:executeSteps (killDaemonedChildren when the steps node is fulfilled)",
)
def test_daemons_of_a_nested_steps_template_end_with_it(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: nested-daemon}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: inner, template: inner}
            - - {name: later, template: slow}
          - name: inner
            steps:
            - - {name: server, template: server}
            - - {name: use, template: quick}
          - name: server
            daemon: true
            container: {image: alpine:3.23, command: [sh, -c, "sleep 60"]}
          - name: quick
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: slow
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
    )
    assert run.phase == "Succeeded"
    server = run.node("server")
    assert server["phase"] == "Succeeded"
    assert server["finishedAt"] <= run.node("later")["finishedAt"]
    assert server["finishedAt"] <= run.node("inner")["finishedAt"]
