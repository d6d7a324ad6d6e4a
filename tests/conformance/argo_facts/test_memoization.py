"""Memoization (``memoize``): cache keys, hits and misses, ``maxAge``, what a hit node looks like.

Facts from Argo's ``executeTemplate`` memoization branch (workflow/controller/operator.go), its unit tests
(operator_test.go TestConfigMapCacheLoadOperate, TestConfigMapCacheLoadOperateMaxAge,
TestConfigMapCacheSaveOperate) and the e2e suite (functional_test.go TestStepLevelMemoize,
TestStepLevelMemoizeNoOutput, TestDAGLevelMemoize). Each test has its own ARGENTO_HOME, so its cache starts
empty.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _hits(run) -> list[dict[str, Any]]:
    return [n for n in run.nodes.values() if (n.get("memoizationStatus") or {}).get("hit")]


STEP_LEVEL = """
metadata: {{generateName: steps-memoize-}}
spec:
  entrypoint: hello-hello-hello
  templates:
    - name: hello-hello-hello
      steps:
        - - name: hello1
            template: memostep
            arguments: {{parameters: [{{name: message, value: "hello1"}}]}}
        - - name: hello2a
            template: memostep
            arguments: {{parameters: [{{name: message, value: "hello1"}}]}}
    - name: memostep
      inputs:
        parameters: [{{name: message}}]
      memoize:
        key: "{{{{inputs.parameters.message}}}}"
        maxAge: "10s"
        cache: {{configMap: {{name: my-config-memo-step}}}}
      steps:
      - - name: cache
          template: whalesay
          arguments: {{parameters: [{{name: message, value: "{{{{inputs.parameters.message}}}}"}}]}}
      {outputs}
    - name: whalesay
      inputs:
        parameters: [{{name: message}}]
      container: {{image: argoproj/argosay:v2, command: [echo], args: ["{{{{inputs.parameters.message}}}}"]}}
"""


@pytest.mark.fact("memoization", "test/e2e/functional_test.go:TestStepLevelMemoize")
def test_step_level_memoize(argo) -> None:
    outputs = """outputs:
        parameters:
        - name: output
          valueFrom: {parameter: "{{steps.cache.outputs.result}}"}"""
    run = _run(argo, STEP_LEVEL.format(outputs=outputs))
    assert run.phase == "Succeeded"
    (hit,) = _hits(run)
    assert hit["displayName"] == "hello2a"
    assert hit["outputs"]["parameters"][0]["value"] == "hello1"
    miss = run.node("hello1")
    assert miss["memoizationStatus"] == {"hit": False, "key": "hello1", "cacheName": "my-config-memo-step"}


@pytest.mark.fact("memoization", "test/e2e/functional_test.go:TestStepLevelMemoizeNoOutput")
def test_step_level_memoize_without_outputs(argo) -> None:
    run = _run(argo, STEP_LEVEL.format(outputs=""))
    assert run.phase == "Succeeded"
    assert [n["displayName"] for n in _hits(run)] == ["hello2a"]


@pytest.mark.fact("memoization", "test/e2e/functional_test.go:TestDAGLevelMemoize")
def test_dag_level_memoize(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: dag-memoize-}
        spec:
          entrypoint: dag
          templates:
            - name: dag
              dag:
                tasks:
                - {name: A, template: memo, arguments: {parameters: [{name: message, value: "hello"}]}}
                - {name: B, depends: A, template: memo, arguments: {parameters: [{name: message, value: "hello"}]}}
            - name: memo
              inputs:
                parameters: [{name: message}]
              memoize:
                key: "{{inputs.parameters.message}}"
                maxAge: "10s"
                cache: {configMap: {name: my-config-memo-dag}}
              dag:
                tasks:
                - {name: cache, template: whalesay, arguments: {parameters: [{name: message, value: "{{inputs.parameters.message}}"}]}}
              outputs:
                parameters:
                - {name: output, valueFrom: {parameter: "{{tasks.cache.outputs.result}}"}}
            - name: whalesay
              inputs:
                parameters: [{name: message}]
              container: {image: argoproj/argosay:v2, command: [echo], args: ["{{inputs.parameters.message}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    (hit,) = _hits(run)
    assert hit["displayName"] == "B"
    assert hit["type"] == "DAG"
    assert hit["outputs"]["parameters"][0]["value"] == "hello"


@pytest.mark.fact(
    "memoization", "workflow/controller/operator_test.go:TestConfigMapCacheLoadOperate (a hit runs no pod)"
)
def test_a_hit_in_a_second_workflow_runs_nothing(argo) -> None:
    text = """
        metadata: {generateName: memoized-}
        spec:
          entrypoint: main
          templates:
          - name: main
            memoize:
              key: "same-key"
              cache: {configMap: {name: whalesay-cache}}
            script: {image: alpine:3.23, command: [sh], source: "echo computed; date +%N"}
        """
    first = _run(argo, text)
    second = _run(argo, text)
    (one,) = first.nodes.values()
    (two,) = second.nodes.values()
    assert one["memoizationStatus"]["hit"] is False
    assert two["memoizationStatus"] == {"hit": True, "key": "same-key", "cacheName": "whalesay-cache"}
    assert two["phase"] == "Succeeded"
    assert two["outputs"]["result"] == one["outputs"]["result"]  # the cached output, not a new run's


@pytest.mark.fact("memoization", "workflow/controller/operator_test.go:TestConfigMapCacheLoadOperateMaxAge")
def test_an_entry_older_than_max_age_is_a_miss(argo) -> None:
    import time

    def text(max_age: str) -> str:
        return f"""
        metadata: {{generateName: memo-age-}}
        spec:
          entrypoint: main
          templates:
          - name: main
            memoize:
              key: "aged"
              maxAge: "{max_age}"
              cache: {{configMap: {{name: age-cache}}}}
            container: {{image: argoproj/argosay:v2, args: [echo, hi]}}
        """

    _run(argo, text("1h"))
    time.sleep(1.2)
    stale = _run(argo, text("1s"))
    fresh = _run(argo, text("1h"))
    (node,) = stale.nodes.values()
    assert node["memoizationStatus"]["hit"] is False
    (node,) = fresh.nodes.values()
    assert node["memoizationStatus"]["hit"] is True


@pytest.mark.fact(
    "memoization", "workflow/controller/operator.go:executeTemplate (a failed node is not saved to the cache)"
)
def test_a_failed_node_is_not_cached(argo) -> None:
    text = """
        metadata: {generateName: memo-fail-}
        spec:
          entrypoint: main
          templates:
          - name: main
            memoize:
              key: "fails"
              cache: {configMap: {name: fail-cache}}
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """
    first = _run(argo, text)
    second = _run(argo, text)
    assert first.phase == second.phase == "Failed"
    for run in (first, second):
        (node,) = run.nodes.values()
        assert not (node.get("memoizationStatus") or {}).get("hit")


@pytest.mark.fact(
    "memoization",
    "workflow/controller/operator_test.go:TestGetOutboundNodesFromCacheHitSteps (a hit Steps node is its own outbound)",
)
def test_steps_after_a_memoized_steps_node_attach_to_it(argo) -> None:
    text = """
        metadata: {generateName: memo-outbound-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: inner, template: inner}
            - - {name: after, template: echo}
          - name: inner
            memoize:
              key: "inner-steps"
              cache: {configMap: {name: outbound-cache}}
            steps:
            - - {name: work, template: echo}
          - name: echo
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """
    _run(argo, text)
    run = _run(argo, text)
    inner = run.node("inner")
    assert inner["memoizationStatus"]["hit"] is True
    assert run.by_display("work") == []
    name = run.workflow["metadata"]["name"]
    assert inner["children"] == [run.nodes[f"{name}[1]"]["id"]]


@pytest.mark.fact(
    "memoization", "workflow/controller/operator.go:executeTemplate (different keys do not share an entry)"
)
def test_different_keys_miss(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: memo-keys}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: memo, arguments: {parameters: [{name: k, value: one}]}}
            - - {name: b, template: memo, arguments: {parameters: [{name: k, value: two}]}}
            - - {name: c, template: memo, arguments: {parameters: [{name: k, value: one}]}}
          - name: memo
            inputs: {parameters: [{name: k}]}
            memoize:
              key: "{{inputs.parameters.k}}"
              cache: {configMap: {name: keys-cache}}
            container: {image: argoproj/argosay:v2, args: [echo, "{{inputs.parameters.k}}"]}
        """,
    )
    assert [n["displayName"] for n in _hits(run)] == ["c"]
