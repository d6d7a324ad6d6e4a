"""Synchronization: template and workflow mutexes and semaphores (local, shared by the workflows of one
process), their waiting message, interpolated lock names, and locks held across retries.

Facts from Argo's sync manager (workflow/sync/semaphore.go ``Waiting for … lock``), ``executeTemplate``'s
synchronization branch (operator.go), operator_concurrency_test.go (TestSemaphoreTmplLevel, TestMutexInDAG,
TestMutexInDAGWithInterpolation, TestSemaphoreWithOutConfigMap, TestSynchronizationWithRetry) and the e2e suite
(semaphore_test.go TestTemplateLevelMutex, TestTemplateLevelSemaphore, TestSynchronizationMultiple).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _watch(argo) -> dict[str, Any]:
    """Track the most Pod nodes Running at once and every node message seen during the run."""
    seen: dict[str, Any] = {"most": 0, "messages": set()}

    def watch(state, node) -> None:
        running = sum(1 for n in state.nodes.values() if str(n.type) == "Pod" and str(n.phase) == "Running")
        seen["most"] = max(seen["most"], running)
        if node.message:
            seen["messages"].add(node.message)

    argo.configure.append(lambda options: options.listeners.append(watch))
    return seen


CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {{name: my-config}}
data:
  template: "{limit}"
"""


@pytest.mark.fact(
    "synchronization",
    "test/e2e/semaphore_test.go:TestTemplateLevelMutex (synchronization/mutex-tmpl-level.yaml)",
)
def test_template_mutex_serializes_and_says_waiting(argo) -> None:
    seen = _watch(argo)
    run = _run(
        argo,
        """
        metadata: {generateName: synchronization-tmpl-level-mutex-}
        spec:
          entrypoint: synchronization-tmpl-level-mutex-example
          templates:
          - name: synchronization-tmpl-level-mutex-example
            steps:
            - - name: synchronization-acquire-lock
                template: acquire-lock
                arguments: {parameters: [{name: seconds, value: "{{item}}"}]}
                withParam: '["0.2","0.3","0.4"]'
          - name: acquire-lock
            inputs: {parameters: [{name: seconds}]}
            synchronization:
              mutexes:
                - name: welcome
            container: {image: argoproj/argosay:v2, args: [sleep, "{{inputs.parameters.seconds}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 1
    assert any(
        m.startswith("Waiting for argo/Mutex/welcome lock. Lock status: 0/1") for m in seen["messages"]
    )


@pytest.mark.fact(
    "synchronization",
    "test/e2e/semaphore_test.go:TestTemplateLevelSemaphore; operator_concurrency_test.go:TestSemaphoreTmplLevel",
)
@pytest.mark.parametrize("limit", [1, 2])
def test_template_semaphore_limits_concurrency(argo, limit: int) -> None:
    seen = _watch(argo)
    run = _run(
        argo,
        """
        metadata: {generateName: semaphore-tmpl-level-}
        spec:
          entrypoint: semaphore-tmpl-level-example
          templates:
          - name: semaphore-tmpl-level-example
            steps:
            - - name: generate
                template: acquire-lock
                withItems: [1, 2, 3, 4]
          - name: acquire-lock
            synchronization:
              semaphores:
                - configMapKeyRef: {name: my-config, key: template}
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
        templates=CONFIG.format(limit=limit),
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == limit
    key = "argo/ConfigMap/my-config/template"
    assert any(m.startswith(f"Waiting for {key} lock. Lock status: 0/{limit}") for m in seen["messages"])


@pytest.mark.fact("synchronization", "workflow/controller/operator_concurrency_test.go:TestMutexInDAG")
def test_mutex_in_a_dag(argo) -> None:
    seen = _watch(argo)
    run = _run(
        argo,
        """
        metadata: {name: dag-mutex}
        spec:
          entrypoint: diamond
          templates:
          - name: diamond
            dag:
              tasks:
              - {name: A, template: mutex}
              - {name: B, template: mutex}
          - name: mutex
            synchronization:
              mutexes: [{name: welcome}]
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 1
    assert "synchronizationStatus" not in run.node("B")


@pytest.mark.fact(
    "synchronization", "workflow/controller/operator_concurrency_test.go:TestMutexInDAGWithInterpolation"
)
def test_interpolated_mutex_name(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: dag-mutex}
        spec:
          entrypoint: diamond
          templates:
          - name: diamond
            dag:
              tasks:
              - {name: A, template: mutex, arguments: {parameters: [{name: message, value: foo/bar}]}}
              - {name: B, depends: A, template: mutex, arguments: {parameters: [{name: message, value: foo/bar}]}}
          - name: mutex
            synchronization:
              mutexes:
                - name: '{{=sprig.replace("/", "-", inputs.parameters.message)}}'
            inputs:
              parameters: [{name: message}]
            container: {image: alpine:3.23, command: [sh, -c, "echo {{inputs.parameters.message}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    for node in run.nodes.values():
        assert node["phase"] != "Error"


@pytest.mark.fact(
    "synchronization", "workflow/controller/operator_concurrency_test.go:TestSemaphoreWithOutConfigMap"
)
def test_semaphore_without_its_config_map_errors_the_node(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: semaphore-no-cm}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: locked, template: locked}
          - name: locked
            synchronization:
              semaphores:
                - configMapKeyRef: {name: missing-config, key: template}
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase in ("Failed", "Error")
    node = run.node("locked")
    assert node["phase"] == "Error"
    assert "missing-config" in node["message"]


@pytest.mark.fact(
    "synchronization",
    "workflow/controller/operator_concurrency_test.go:TestSynchronizationWithRetry (the lock is held across attempts)",
)
def test_lock_is_held_across_retry_attempts(argo) -> None:
    seen = _watch(argo)
    run = _run(
        argo,
        """
        metadata: {name: retry-lock}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: flaky}
              - {name: b, template: flaky}
          - name: flaky
            synchronization:
              mutexes: [{name: retry-lock}]
            retryStrategy: {limit: 1}
            script:
              image: alpine:3.23
              command: [sh]
              source: 'sleep 0.2; [ {{retries}} = 1 ]'
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 1
    a, b = run.node("a"), run.node("b")
    first, second = sorted([a, b], key=lambda n: n["startedAt"])
    # the second step's attempts all come after the first step's last attempt
    last_of_first = max(run.status["nodes"][c]["finishedAt"] for c in first["children"])
    assert all(run.status["nodes"][c]["startedAt"] >= last_of_first for c in second["children"])


@pytest.mark.fact(
    "synchronization",
    "test/e2e/semaphore_test.go:TestSynchronizationMultiple (a mutex and a semaphore on one template)",
)
def test_mutex_and_semaphore_together(argo) -> None:
    seen = _watch(argo)
    run = _run(
        argo,
        """
        metadata: {generateName: multiple-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: s, template: both, withItems: [1, 2, 3]}
          - name: both
            synchronization:
              mutexes: [{name: the-mutex}]
              semaphores:
                - configMapKeyRef: {name: my-config, key: template}
            container: {image: argoproj/argosay:v2, args: [sleep, 0.2s]}
        """,
        templates=CONFIG.format(limit=2),
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 1  # the mutex is the tighter of the two


@pytest.mark.fact(
    "synchronization", "workflow/controller/operator.go:executeTemplate (a workflow-level mutex)"
)
def test_workflow_level_mutex(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: synchronization-wf-level-}
        spec:
          entrypoint: main
          synchronization:
            mutexes: [{name: test-mutex}]
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [sleep, 0.1s]}
        """,
    )
    assert run.phase == "Succeeded"
