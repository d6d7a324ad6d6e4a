"""Fields Argo substitutes before it uses them: ``{{…}}`` in retryStrategy, deadlines, timeouts, parallelism,
memoization, synchronization and suspend durations.

Argo substitutes a whole template (``common.ProcessArgs`` / ``SubstituteParams`` on its JSON) before
``executeTemplate`` reads any field, and the workflow spec (all but the templates) with the global parameters
(``substituteGlobalVariables``). Facts from test/e2e/functional_test.go (TestParametrizableAds,
TestParametrizableLimit, TestTemplateLevelTimeout) and operator_test.go (TestSubstituteGlobalVariables).
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


@pytest.mark.fact("templated-fields", "test/e2e/functional_test.go:TestParametrizableAds")
def test_active_deadline_seconds_from_an_input(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: param-ads-}
        spec:
          entrypoint: whalesay
          arguments:
            parameters: [{name: ads, value: "5"}]
          templates:
          - name: whalesay
            inputs:
              parameters: [{name: ads}]
            activeDeadlineSeconds: "{{inputs.parameters.ads}}"
            container: {image: argoproj/argosay:v2, args: [sleep, 10s]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    (pod,) = [n for n in run.nodes.values() if n["type"] == "Pod"]
    assert pod["phase"] == "Failed"
    assert pod["message"] == "Pod was active on the node longer than the specified deadline"


@pytest.mark.fact("templated-fields", "test/e2e/functional_test.go:TestParametrizableLimit")
def test_retry_limit_from_an_input(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: param-limit}
        spec:
          entrypoint: whalesay
          arguments:
            parameters: [{name: limit, value: "1"}]
          templates:
          - name: whalesay
            inputs:
              parameters: [{name: limit}]
            retryStrategy:
              limit: "{{inputs.parameters.limit}}"
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert "No more retries left" in run.nodes["param-limit"]["message"]
    assert len(run.nodes) == 3


@pytest.mark.fact("templated-fields", "test/e2e/functional_test.go:TestTemplateLevelTimeout")
def test_template_timeout_from_an_input(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {generateName: steps-tmpl-timeout-}
        spec:
          entrypoint: hello-hello-hello
          templates:
          - name: hello-hello-hello
            steps:
            - - name: hello1
                template: whalesay
                arguments: {parameters: [{name: message, value: "5s"}]}
              - name: hello2a
                template: whalesay
                arguments: {parameters: [{name: message, value: "10s"}]}
              - name: hello2b
                template: whalesay
                arguments: {parameters: [{name: message, value: "15s"}]}
          - name: whalesay
            timeout: "{{inputs.parameters.message}}"
            inputs:
              parameters: [{name: message}]
            container: {image: argoproj/argosay:v2, args: [sleep, 30s]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    assert time.monotonic() - start < 20  # the 30 s sleeps were cut at 0.25/0.5/0.75 s
    for step in ("hello1", "hello2a", "hello2b"):
        assert run.node(step)["phase"] == "Failed"


@pytest.mark.fact(
    "templated-fields",
    "workflow/controller/operator.go:executeTemplate (retryStrategy of the processed template: backoff)",
)
def test_backoff_fields_from_inputs(argo) -> None:
    seen: list[str] = []
    argo.configure.append(
        lambda options: options.listeners.append(
            lambda state, node: seen.append(node.message) if node.name == "param-backoff" else None
        )
    )
    run = _run(
        argo,
        """
        metadata: {name: param-backoff}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: duration, value: "3s"}, {name: factor, value: "3"}, {name: max, value: "1m"}]
          templates:
          - name: main
            inputs:
              parameters: [{name: duration}, {name: factor}, {name: max}]
            retryStrategy:
              limit: 2
              backoff:
                duration: "{{inputs.parameters.duration}}"
                factor: "{{inputs.parameters.factor}}"
                maxDuration: "{{inputs.parameters.max}}"
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Failed"
    assert "Backoff for 3 seconds" in seen and "Backoff for 9 seconds" in seen


@pytest.mark.fact(
    "templated-fields", "workflow/controller/operator.go:substituteGlobalVariables (spec.retryStrategy)"
)
def test_workflow_retry_strategy_from_a_workflow_parameter(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: wf-retry-param}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: limit, value: "2"}]
          retryStrategy: {limit: "{{workflow.parameters.limit}}"}
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert [n["displayName"] for n in run.nodes.values() if n["type"] == "Pod"] == [
        "wf-retry-param(0)",
        "wf-retry-param(1)",
        "wf-retry-param(2)",
    ]


def most_running(argo) -> dict[str, int]:
    """Count the most Pod nodes Running at once during the next run (a listener on every transition)."""
    seen = {"most": 0}

    def watch(state, node) -> None:
        running = sum(1 for n in state.nodes.values() if str(n.type) == "Pod" and str(n.phase) == "Running")
        seen["most"] = max(seen["most"], running)

    argo.configure.append(lambda options: options.listeners.append(watch))
    return seen


@pytest.mark.fact(
    "templated-fields",
    "workflow/controller/operator.go:executeTemplate (memoize.key of the processed template)",
)
def test_memoize_key_from_an_input(argo) -> None:
    text = """
        metadata: {generateName: memo-key-}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: who, value: argo}]
          templates:
          - name: main
            inputs:
              parameters: [{name: who}]
            memoize:
              key: "hello-{{inputs.parameters.who}}"
              maxAge: "1h"
              cache: {configMap: {name: memo-key-cache}}
            script: {image: alpine:3.23, command: [sh], source: "echo hello {{inputs.parameters.who}}"}
        """
    first = _run(argo, text)
    second = _run(argo, text)
    (node1,) = [n for n in first.nodes.values() if n["type"] == "Pod"]
    (node2,) = second.nodes.values()
    assert node1["memoizationStatus"] == {"hit": False, "key": "hello-argo", "cacheName": "memo-key-cache"}
    assert node2["memoizationStatus"] == {"hit": True, "key": "hello-argo", "cacheName": "memo-key-cache"}
    assert node2["outputs"]["result"] == "hello argo"


@pytest.mark.fact(
    "templated-fields",
    "workflow/controller/operator.go:executeTemplate (synchronization of the processed template)",
)
def test_mutex_name_from_an_input(argo) -> None:
    seen = most_running(argo)
    run = _run(
        argo,
        """
        metadata: {name: mutex-param}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: locked, arguments: {parameters: [{name: lock, value: shared}]}}
              - {name: b, template: locked, arguments: {parameters: [{name: lock, value: shared}]}}
          - name: locked
            inputs:
              parameters: [{name: lock}]
            synchronization:
              mutexes: [{name: "{{inputs.parameters.lock}}"}]
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 1


@pytest.mark.fact(
    "templated-fields",
    "workflow/controller/operator.go:executeSuspend (suspend.duration of the processed template)",
)
def test_suspend_duration_from_an_input(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: suspend-param}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: wait, value: "20s"}]
          templates:
          - name: main
            inputs:
              parameters: [{name: wait}]
            suspend: {duration: "{{inputs.parameters.wait}}"}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["suspend-param"]["type"] == "Suspend"
    assert time.monotonic() - start < 10


@pytest.mark.fact(
    "templated-fields", "examples/retry-conditional.yaml (retryStrategy.expression with an input)"
)
def test_retry_expression_with_an_input(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-cond}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: safe, template: fail, arguments: {parameters: [{name: safe-to-retry, value: "true"}]}}
              - {name: unsafe, template: fail, arguments: {parameters: [{name: safe-to-retry, value: "false"}]}}
          - name: fail
            inputs:
              parameters: [{name: safe-to-retry}]
            retryStrategy:
              limit: "2"
              expression: "{{inputs.parameters.safe-to-retry}} == true"
            container: {image: argoproj/argosay:v2, args: [exit, "2"]}
        """,
    )
    assert run.phase == "Failed"
    assert len(run.node("safe")["children"]) == 3
    assert run.node("safe")["message"] == "No more retries left"
    assert len(run.node("unsafe")["children"]) == 1
    assert run.node("unsafe")["message"] == "retryStrategy.expression evaluated to false"


@pytest.mark.fact(
    "templated-fields", "workflow/controller/operator.go:substituteGlobalVariables (spec.templateDefaults)"
)
def test_template_defaults_get_workflow_parameters(argo) -> None:
    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: defaults-param}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: t, value: "10s"}]
          templateDefaults:
            timeout: "{{workflow.parameters.t}}"
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [sleep, 60s]}
        """,
        time_scale=0.05,
    )
    assert run.phase == "Failed"
    assert time.monotonic() - start < 20  # the 60 s sleep was cut at 0.5 s


@pytest.mark.fact(
    "templated-fields", "workflow/controller/operator.go:substituteGlobalVariables (spec.synchronization)"
)
def test_workflow_mutex_name_from_a_workflow_parameter(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: wf-mutex-param}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: lock, value: my-lock}]
          synchronization:
            mutexes: [{name: "{{workflow.parameters.lock}}"}]
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase == "Succeeded"


@pytest.mark.fact(
    "templated-fields",
    "pkg/apis/workflow/v1alpha1/workflow_types.go (Template.activeDeadlineSeconds is an IntOrString)",
)
def test_a_tag_in_template_active_deadline_seconds_lints(argo) -> None:
    errors = argo.lint_errors(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: ads-tag}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: x, value: "30"}]
          templates:
          - name: main
            activeDeadlineSeconds: "{{workflow.parameters.x}}"
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """
    )
    assert errors == []
