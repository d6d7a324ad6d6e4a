"""``retryStrategy``: attempts, limits, policies, backoff and ``maxDuration``, expressions, variables.

Facts from Argo's ``processNodeRetries`` and ``executeTemplate`` (workflow/controller/operator.go), their unit
tests (operator_test.go: TestProcessNodeRetries*, TestBackoff*, TestRetries*, TestOperatorRetryExpression*,
TestWorkflowStepRetry, TestRootRetryStrategy*, TestRetryNodeOutputs) and the e2e suites (retry_test.go,
functional_test.go). Backoff durations run under ``time_scale`` so that a 10 s backoff takes 0.1 s.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    """Argo's e2e fixtures add apiVersion and kind to the manifests its tests write."""
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _attempts(run, name: str) -> list[dict[str, Any]]:
    retry = run.nodes[name]
    return [
        run.status["nodes"][c]
        for c in retry.get("children", [])
        if (run.status["nodes"][c].get("nodeFlag") or {}).get("retried")
    ]


FAIL = "container: {image: argoproj/argosay:v2, args: [exit, '1']}"


@pytest.mark.fact("retry", "test/e2e/retry_test.go:TestRetryLimit")
def test_limit_zero_runs_once_and_says_no_more_retries(argo) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: test-retry-limit}}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 0
                backoff: {{duration: 2s, factor: 2, maxDuration: 5m}}
              {FAIL}
        """,
        time_scale=0.01,
    )
    assert run.phase == "Failed"
    assert run.message == "No more retries left"
    assert run.status["progress"] == "0/1"
    root = run.nodes["test-retry-limit"]
    assert (root["phase"], root["type"]) == ("Failed", "Retry")
    assert "nodeFlag" not in root
    attempt = run.nodes["test-retry-limit(0)"]
    assert attempt["phase"] == "Failed"
    assert attempt["nodeFlag"] == {"retried": True}
    assert len(run.nodes) == 2


@pytest.mark.fact("retry", "test/e2e/functional_test.go:TestParametrizableLimit")
def test_limit_from_an_input_parameter(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: param-limit-}
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
    root = run.status["nodes"][run.workflow["metadata"]["name"]]
    assert "No more retries left" in root["message"]
    assert len(run.nodes) == 3


@pytest.mark.fact(
    "retry", "util/intstr/intstr.go:Int (processNodeRetries returns its error; the Retry node is Error)"
)
def test_limit_that_is_not_a_number_errors_the_retry_node(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: bad-limit}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: limit, value: "two"}]
          templates:
          - name: main
            inputs:
              parameters: [{name: limit}]
            retryStrategy: {limit: "{{inputs.parameters.limit}}"}
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Error"
    assert run.nodes["bad-limit"]["phase"] == "Error"
    assert run.nodes["bad-limit"]["message"] == "value 'two' cannot be resolved to an int"
    assert run.nodes["bad-limit(0)"]["phase"] == "Failed"


@pytest.mark.fact("retry", "test/e2e/retry_test.go:TestRetryBackoff (limit '10' as a string)")
def test_backoff_with_string_limit_is_bounded_by_max_duration(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: backoff-str}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: '10'
                backoff: {duration: 10s, maxDuration: 1m}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
        time_scale=0.01,
    )
    assert run.phase == "Failed"
    assert len(run.nodes) <= 10
    assert run.nodes["backoff-str"]["message"] in (
        "Backoff would exceed max duration limit",
        "Max duration limit exceeded",
    )


@pytest.mark.fact("retry", "test/e2e/retry_test.go:TestRetryBackoff (limit 10 as an integer)")
def test_backoff_with_int_limit_is_bounded_by_max_duration(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: backoff-int}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 10
                backoff: {duration: 10s, maxDuration: 1m}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
        time_scale=0.01,
    )
    assert run.phase == "Failed"
    assert 2 <= len(run.nodes) <= 10
    assert run.nodes["backoff-int"]["message"] in (
        "Backoff would exceed max duration limit",
        "Max duration limit exceeded",
    )


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestBackoffExceedsMaxDuration")
def test_backoff_longer_than_max_duration_stops_at_once(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: echo}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 10
                backoff: {duration: 2m, maxDuration: 1m}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
        time_scale=0.01,
    )
    assert run.phase == "Failed"
    assert run.nodes["echo"]["message"] == "Backoff would exceed max duration limit"
    assert run.message == "Backoff would exceed max duration limit"
    assert len(_attempts(run, "echo")) == 1


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestBackoffMessage")
def test_retry_node_says_backoff_while_it_waits(argo) -> None:
    seen: list[str] = []

    def listen(options) -> None:
        options.listeners.append(
            lambda state, node: seen.append(node.message) if node.name == "backoff" else None
        )

    argo.configure.append(listen)
    run = _run(
        argo,
        """
        metadata: {name: backoff}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 2
                backoff: {duration: 4s, factor: 2}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Failed"
    assert "Backoff for 4 seconds" in seen
    assert "Backoff for 8 seconds" in seen  # duration * factor^(attempts-1)
    assert run.nodes["backoff"]["message"] == "No more retries left"


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator.go:processNodeRetries (no base duration specified for retryStrategy)",
)
def test_backoff_without_duration_is_an_error(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: no-duration}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 2
                backoff: {factor: 2}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Error"
    assert run.nodes["no-duration"]["message"] == "no base duration specified for retryStrategy"


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator.go:processNodeRetries (backoff.maxDuration caps the attempts after the first)",
)
def test_max_duration_ends_a_slow_retry(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: slow}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy:
                limit: 5
                backoff: {duration: 1s, maxDuration: 30s}
              container: {image: alpine:3.23, command: [sh, -c, "sleep 0.6; exit 1"]}
        """,
        time_scale=0.02,
    )
    assert run.phase == "Failed"
    assert run.nodes["slow"]["message"] in (
        "Max duration limit exceeded",
        "Backoff would exceed max duration limit",
    )
    assert len(_attempts(run, "slow")) < 6


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator_test.go:TestProcessNodeRetriesOnErrors (OnFailure does not retry an Error)",
)
def test_default_policy_does_not_retry_an_error(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: on-failure}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy: {limit: 3}
              container: {image: alpine:3.23, command: [sh, -c, "true"]}
              outputs:
                parameters:
                  - {name: missing, valueFrom: {path: /tmp/never-written}}
        """,
    )
    assert run.phase == "Error"
    attempts = _attempts(run, "on-failure")
    assert [a["phase"] for a in attempts] == ["Error"]
    assert run.nodes["on-failure"]["message"] == attempts[0]["message"]


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator_test.go:TestProcessNodeRetriesOnErrors (OnError retries an Error, not a failure)",
)
def test_on_error_policy_retries_errors_only(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: on-error}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: errs, template: errs}
                - {name: fails, template: fails}
            - name: errs
              retryStrategy: {limit: 2, retryPolicy: OnError}
              container: {image: alpine:3.23, command: [sh, -c, "true"]}
              outputs:
                parameters:
                  - {name: missing, valueFrom: {path: /tmp/never-written}}
            - name: fails
              retryStrategy: {limit: 2, retryPolicy: OnError}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert len(_attempts(run, "on-error[0].errs")) == 3
    assert run.nodes["on-error[0].errs"]["message"] == "No more retries left"
    assert len(_attempts(run, "on-error[0].fails")) == 1
    assert run.nodes["on-error[0].fails"]["message"] == "main: Error (exit code 1)"


@pytest.mark.fact(
    "retry",
    "examples/retry-on-error.yaml; operator.go:processNodeRetries (Always retries failures and errors)",
)
def test_always_policy_retries_failures(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: always}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy: {limit: "2", retryPolicy: Always}
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert [a["name"] for a in _attempts(run, "always")] == ["always(0)", "always(1)", "always(2)"]
    assert run.message == "No more retries left"


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestOperatorRetryExpression")
def test_expression_false_stops_retrying(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-script}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: retry, template: fail}
            - name: fail
              retryStrategy:
                limit: 10
                expression: "lastRetry.status == 'Failed' && asInt(lastRetry.exitCode) > 1 && asInt(retries) < 1"
              script:
                image: alpine:3.23
                command: [sh]
                source: 'exit $(( {{retries}} + 2 ))'
        """,
    )
    assert run.phase == "Failed"
    retry = run.nodes["retry-script[0].retry"]
    assert retry["phase"] == "Failed"
    assert len(retry["children"]) == 2
    assert retry["message"] == "retryStrategy.expression evaluated to false"


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestRetriesVariable")
def test_retries_variable_counts_attempts(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retries-var}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy: {limit: 4}
              script:
                image: alpine:3.23
                command: [sh]
                source: 'echo "attempt {{retries}}"; [ {{retries}} -ge 4 ]'
        """,
    )
    assert run.phase == "Succeeded"
    results = [a["outputs"]["result"] for a in _attempts(run, "retries-var")]
    assert results == [f"attempt {i}" for i in range(5)]


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator.go:executeTemplate (lastRetry.* of the attempt before; defaults before the first)",
)
def test_last_retry_variables(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: last-retry}
        spec:
          entrypoint: main
          templates:
            - name: main
              retryStrategy: {limit: 1}
              script:
                image: alpine:3.23
                command: [sh]
                source: |
                  echo "{{retries}}|{{lastRetry.exitCode}}|{{lastRetry.status}}|{{lastRetry.message}}"
                  exit {{=sprig.int(retries) == 0 ? 3 : 0}}
        """,
    )
    assert run.phase == "Succeeded"
    first, second = _attempts(run, "last-retry")
    assert first["outputs"]["result"] == "0|0||"
    assert second["outputs"]["result"] == "1|3|Failed|main: Error (exit code 3)"


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestRetryNodeOutputs")
def test_retry_node_carries_its_last_attempts_outputs(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: retry-outputs}
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
              - - {name: produce, template: produce}
              - - name: consume
                  template: consume
                  arguments:
                    parameters: [{name: p, value: "{{steps.produce.outputs.parameters.p}}"}]
            - name: produce
              retryStrategy: {limit: 2}
              script:
                image: alpine:3.23
                command: [sh]
                source: 'echo "value-{{retries}}" > /tmp/p; [ {{retries}} -ge 1 ]'
              outputs:
                parameters: [{name: p, valueFrom: {path: /tmp/p}}]
            - name: consume
              inputs:
                parameters: [{name: p}]
              container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.p}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    retry = run.nodes["retry-outputs[0].produce"]
    # a deep copy of the last attempt's outputs (valueFrom included, as the executor reported them)
    assert retry["outputs"]["parameters"] == [
        {"name": "p", "value": "value-1", "valueFrom": {"path": "/tmp/p"}}
    ]
    assert run.nodes["retry-outputs[1].consume"]["inputs"]["parameters"][0]["value"] == "value-1"


@pytest.mark.fact("retry", "workflow/controller/operator_test.go:TestWorkflowStepRetry")
def test_retrying_a_steps_template_restarts_from_the_first_step(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: step-retry}
        spec:
          entrypoint: step-retry
          templates:
          - name: step-retry
            retryStrategy: {limit: 1}
            steps:
              - - name: whalesay-success
                  arguments: {parameters: [{name: message, value: success}]}
                  template: whalesay
              - - name: whalesay-failure
                  arguments: {parameters: [{name: message, value: failure}]}
                  template: whalesay
          - name: whalesay
            inputs:
              parameters: [{name: message}]
            script:
              image: alpine:3.23
              command: [sh]
              source: 'echo {{inputs.parameters.message}}; [ {{inputs.parameters.message}} = success ]'
        """,
    )
    assert run.phase == "Failed"
    root = run.nodes["step-retry"]
    assert root["type"] == "Retry"
    for attempt in ("step-retry(0)", "step-retry(1)"):
        assert run.nodes[attempt]["type"] == "Steps"
        assert run.nodes[f"{attempt}[0].whalesay-success"]["phase"] == "Succeeded"
        assert run.nodes[f"{attempt}[1].whalesay-failure"]["phase"] == "Failed"
        assert run.nodes[f"{attempt}[0]"]["boundaryID"] == run.nodes[attempt]["id"]


@pytest.mark.fact(
    "retry",
    "workflow/controller/operator_test.go:TestRootRetryStrategyCompletes / TestRootRetryStrategyWithInlineTemplateRetries",
)
def test_workflow_retry_strategy_applies_to_every_template(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-inline}
        spec:
          entrypoint: main
          retryStrategy: {limit: 1, retryPolicy: OnTransientError}
          templates:
          - name: main
            steps:
            - - name: hello
                inline:
                  script: {image: alpine:3.23, command: [sh], source: 'echo hello'}
        """,
    )
    assert run.phase == "Succeeded"
    root, attempt = run.nodes["steps-inline"], run.nodes["steps-inline(0)"]
    assert (root["type"], attempt["type"]) == ("Retry", "Steps")
    assert attempt["displayName"] == "steps-inline(0)"
    hello = run.nodes["steps-inline(0)[0].hello"]
    assert hello["type"] == "Retry" and hello["boundaryID"] == attempt["id"]
    pod = run.nodes["steps-inline(0)[0].hello(0)"]
    assert (pod["type"], pod["displayName"], pod["nodeFlag"]) == ("Pod", "hello(0)", {"retried": True})


@pytest.mark.fact(
    "retry",
    "test/e2e/functional_test.go:TestWorkflowLevelErrorRetryPolicy (retryPolicy OnError at the workflow level)",
)
def test_workflow_level_on_error_does_not_retry_a_failed_pod(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: wf-on-error}
        spec:
          entrypoint: main
          retryStrategy: {limit: 2, retryPolicy: OnError}
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Failed"
    assert [a["name"] for a in _attempts(run, "wf-on-error")] == ["wf-on-error(0)"]
    assert run.message == "main: Error (exit code 1)"


@pytest.mark.fact(
    "retry", "workflow/controller/operator_test.go:TestWFWithRetryAndWithParam / TestRetryLoopWithOutputParam"
)
def test_retried_loop_items_aggregate_their_last_attempts(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: loop-retry}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: item
                template: flaky
                arguments: {parameters: [{name: x, value: "{{item}}"}]}
                withItems: [a, b]
            - - name: show
                template: show
                arguments: {parameters: [{name: all, value: "{{steps.item.outputs.parameters.out}}"}]}
          - name: flaky
            inputs: {parameters: [{name: x}]}
            retryStrategy: {limit: 1}
            script:
              image: alpine:3.23
              command: [sh]
              source: 'echo -n "{{inputs.parameters.x}}{{retries}}" > /tmp/out; [ {{retries}} = 1 ]'
            outputs:
              parameters: [{name: out, valueFrom: {path: /tmp/out}}]
          - name: show
            inputs: {parameters: [{name: all}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.all}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["loop-retry[1].show"]["inputs"]["parameters"][0]["value"] == '["a1","b1"]'


@pytest.mark.fact(
    "retry", "SPEC R7 (Argento): a relaunch is never a tight loop; Argo spaces attempts by a pod round trip"
)
def test_unlimited_retries_are_spaced_by_a_doubling_floor(argo) -> None:
    import time

    start = time.monotonic()
    run = _run(
        argo,
        """
        metadata: {name: unbounded}
        spec:
          entrypoint: main
          activeDeadlineSeconds: 3
          templates:
          - name: main
            retryStrategy: {}
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    elapsed = time.monotonic() - start
    attempts = _attempts(run, "unbounded")
    assert run.phase == "Failed"
    # 0.05 s doubling: at most ~7 attempts in 3 s, never the hundreds a tight loop would start
    assert 2 <= len(attempts) <= 8, (len(attempts), elapsed)
