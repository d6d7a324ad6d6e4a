"""Argo's controller unit tests replayed (see test_operator_replay.py): memoization of pods, steps and DAGs.

Facts from workflow/controller/operator_test.go (TestMemoizationTemplateLevelCache*, TestConfigMapCache*,
Test*ConfigMapCacheCreateWhenHaveRetryStrategy, TestGetOutboundNodesFromCacheHitDAG) and ``executeTemplate``'s
memoization branch (operator.go). Argo seeds the cache ConfigMap; here a cache entry is seeded in the
engine's memo store, or made by a first run of the same workflow.
"""

from __future__ import annotations

import pytest

from argento.engine.memo import MemoCache

from ._replay import Scripted, replay

SRC = "workflow/controller/operator_test.go"


def fact(test: str) -> pytest.MarkDecorator:
    return pytest.mark.fact("memoization", f"{SRC}:{test}")


def _by_template(run, template: str) -> list[dict]:
    return [n for n in run.nodes.values() if n.get("templateName") == template]


def _seed(argo, cache: str, key: str, outputs: dict | None) -> None:
    MemoCache(argo.settings.home / "memo").save(argo.settings.namespace, cache, key, "memoize-abx4124", outputs)


def _memoized_entrypoint(kind: str) -> str:
    body = (
        "steps:\n      - - {name: whalesay, template: whalesay}"
        if kind == "steps"
        else "dag:\n      tasks:\n      - {name: whalesay-task, template: whalesay}"
    )
    return f"""
metadata: {{generateName: memoized-entrypoint-}}
spec:
  entrypoint: entrypoint
  templates:
  - name: entrypoint
    memoize:
      key: "entrypoint-key-1"
      cache: {{configMap: {{name: cache-top-entrypoint}}}}
    outputs:
      parameters:
        - name: url
          valueFrom:
            expression: "'https://argo-workflows.company.com/workflows/namepace/' + '{{{{workflow.name}}}}' + '?tab=workflow'"
    {body}
  - name: whalesay
    container:
      image: docker/whalesay:latest
      command: [sh, -c]
      args: ["cowsay hello_world $(date) > /tmp/hello_world.txt"]
    outputs:
      parameters:
      - name: hello
        valueFrom: {{path: /tmp/hello_world.txt}}
"""


def _hello(pod) -> dict[str, str]:
    return {"/tmp/hello_world.txt": "hello_world"}


@pytest.mark.parametrize("kind", [
    pytest.param("steps", id="steps", marks=fact("TestMemoizationTemplateLevelCacheWithStepWithoutCache")),
    pytest.param("dag", id="dag", marks=fact("TestMemoizationTemplateLevelCacheWithDagWithoutCache")),
])
def test_memoized_entrypoint_miss_runs_its_children(argo, kind: str) -> None:
    run, fake = replay(argo, _memoized_entrypoint(kind), files=_hello)
    (entry,) = _by_template(run, "entrypoint")
    assert entry["phase"] == "Succeeded"
    assert entry["memoizationStatus"]["hit"] is False
    (child,) = _by_template(run, "whalesay")
    assert child["phase"] == "Succeeded"
    assert len(fake.started) == 1


@pytest.mark.parametrize("kind", [
    pytest.param("steps", id="steps", marks=fact("TestMemoizationTemplateLevelCacheWithStepWithCache")),
    pytest.param("dag", id="dag", marks=fact("TestMemoizationTemplateLevelCacheWithDagWithCache")),
])
def test_memoized_entrypoint_hit_runs_no_child(argo, kind: str) -> None:
    _seed(argo, "cache-top-entrypoint", "entrypoint-key-1", {})
    run, fake = replay(argo, _memoized_entrypoint(kind), files=_hello)
    assert run.phase == "Succeeded"
    (entry,) = _by_template(run, "entrypoint")
    assert entry["phase"] == "Succeeded"
    assert entry["memoizationStatus"]["hit"] is True
    assert _by_template(run, "whalesay") == []
    assert fake.started == []


@fact("TestMemoizationTemplateLevelCacheStepSavesOutputs")
def test_memoized_steps_template_saves_its_outputs(argo) -> None:
    first, _ = replay(argo, _memoized_entrypoint("steps"), files=_hello)
    name = first.workflow["metadata"]["name"]
    entry = MemoCache(argo.settings.home / "memo").load(
        argo.settings.namespace, "cache-top-entrypoint", "entrypoint-key-1", 0
    )
    assert entry is not None
    (param,) = entry["outputs"]["parameters"]
    assert param["name"] == "url"
    assert param["value"] == f"https://argo-workflows.company.com/workflows/namepace/{name}?tab=workflow"
    second, _ = replay(argo, _memoized_entrypoint("steps"), files=_hello)
    (hit,) = _by_template(second, "entrypoint")
    assert hit["outputs"]["parameters"][0]["value"] == param["value"]  # the first run's, from the cache


CACHED = """
metadata: {name: memoized-workflow-test}
spec:
  entrypoint: whalesay
  arguments:
    parameters: [{name: message, value: hi-there-world}]
  templates:
  - name: whalesay
    inputs:
      parameters: [{name: message}]
    %s
    memoize:
      key: "{{inputs.parameters.message}}"
      cache: {configMap: {name: whalesay-cache}}
    container:
      image: docker/whalesay:latest
      command: [sh, -c]
      args: ["sleep 10; cowsay {{inputs.parameters.message}} > /tmp/hello_world.txt"]
    outputs:
      parameters:
      - name: hello
        valueFrom: {path: /tmp/hello_world.txt}
"""


@fact("TestConfigMapCacheLoadOperateNoOutputs")
def test_hit_on_an_entry_without_outputs(argo) -> None:
    _seed(argo, "whalesay-cache", "hi-there-world", None)
    run, fake = replay(argo, CACHED % "")
    assert run.phase == "Succeeded"
    (node,) = run.nodes.values()
    assert node["phase"] == "Succeeded"
    assert node["memoizationStatus"]["hit"] is True
    assert not node.get("outputs")
    assert fake.started == []


@fact("TestConfigMapCacheSaveOperate")
def test_succeeded_pod_saves_its_outputs_and_exit_code(argo) -> None:
    run, _ = replay(argo, CACHED % "", files=lambda pod: {"/tmp/hello_world.txt": "foobar"})
    assert run.phase == "Succeeded"
    entry = MemoCache(argo.settings.home / "memo").load(argo.settings.namespace, "whalesay-cache", "hi-there-world", 0)
    assert entry is not None
    outputs = entry["outputs"]
    assert [(p["name"], p["value"]) for p in outputs["parameters"]] == [("hello", "foobar")]
    assert outputs["exitCode"] == "0"


@fact("TestStepConfigMapCacheCreateWhenHaveRetryStrategy")
def test_memoized_retried_pod_is_saved(argo) -> None:
    files = lambda pod: {"/tmp/hello_world.txt": "foobar"}  # noqa: E731
    first, _ = replay(argo, CACHED % "retryStrategy: {limit: '10'}", files=files,
                      script=Scripted({"whalesay": [1, 0]}))
    assert first.phase == "Succeeded"
    assert MemoCache(argo.settings.home / "memo").load(
        argo.settings.namespace, "whalesay-cache", "hi-there-world", 0) is not None
    second, fake = replay(argo, CACHED % "retryStrategy: {limit: '10'}", files=files)
    assert second.phase == "Succeeded"
    assert fake.started == []
    hit = [n for n in second.nodes.values() if (n.get("memoizationStatus") or {}).get("hit")]
    assert len(hit) == 1


DAG_RETRIES = """
metadata: {generateName: memoized-workflow-test}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: regular-1
        template: run
        arguments: {parameters: [{name: id, value: 1}, {name: cache-key, value: '{{workflow.name}}'}]}
      - name: regular-2
        template: run
        depends: regular-1.Succeeded
        arguments: {parameters: [{name: id, value: 2}, {name: cache-key, value: '{{workflow.name}}'}]}
      - name: with-retries-1
        template: run-with-retries
        arguments: {parameters: [{name: id, value: 3}, {name: cache-key, value: '{{workflow.name}}'}]}
      - name: with-retries-2
        template: run-with-retries
        depends: with-retries-1.Succeeded
        arguments: {parameters: [{name: id, value: 4}, {name: cache-key, value: '{{workflow.name}}'}]}
      - name: with-dag-1
        template: run-with-dag
        arguments: {parameters: [{name: id, value: 5}, {name: cache-key, value: '{{workflow.name}}'}]}
      - name: with-dag-2
        template: run-with-dag
        depends: with-dag-1.Succeeded
        arguments: {parameters: [{name: id, value: 6}, {name: cache-key, value: '{{workflow.name}}'}]}
  - name: run
    inputs: {parameters: [{name: id}, {name: cache-key}]}
    script: {image: 'ubuntu:22.04', command: [bash], source: 'echo result: {{inputs.parameters.id}}'}
    memoize:
      key: "regular-{{inputs.parameters.cache-key}}"
      cache: {configMap: {name: memoization-test-cache}}
  - name: run-with-retries
    inputs: {parameters: [{name: id}, {name: cache-key}]}
    script: {image: 'ubuntu:22.04', command: [bash], source: 'echo result: {{inputs.parameters.id}}'}
    memoize:
      key: "retry-{{inputs.parameters.cache-key}}"
      cache: {configMap: {name: memoization-test-cache}}
    retryStrategy: {limit: '1', retryPolicy: Always}
  - name: run-raw
    inputs: {parameters: [{name: id}, {name: cache-key}]}
    script: {image: 'ubuntu:22.04', command: [bash], source: 'echo result: {{inputs.parameters.id}}'}
  - name: run-with-dag
    inputs: {parameters: [{name: id}, {name: cache-key}]}
    dag:
      tasks:
      - name: run-raw-step
        template: run-raw
        arguments: {parameters: [{name: id, value: '{{inputs.parameters.id}}'}, {name: cache-key, value: '{{inputs.parameters.cache-key}}'}]}
    memoize:
      key: "dag-{{inputs.parameters.cache-key}}"
      cache: {configMap: {name: memoization-test-cache}}
"""


@fact("TestDAGConfigMapCacheCreateWhenHaveRetryStrategy")
def test_second_task_of_each_kind_hits_the_first_ones_entry(argo) -> None:
    run, fake = replay(argo, DAG_RETRIES)
    assert run.phase == "Succeeded"
    hits = sorted(n["displayName"] for n in run.nodes.values() if (n.get("memoizationStatus") or {}).get("hit"))
    assert hits == ["regular-2", "with-dag-2", "with-retries-2"]
    assert len(fake.started) == 3  # regular-1, with-retries-1's attempt, with-dag-1's run-raw-step
    name = run.workflow["metadata"]["name"]
    memo = MemoCache(argo.settings.home / "memo")
    for key in ("regular", "retry", "dag"):
        assert memo.load(argo.settings.namespace, "memoization-test-cache", f"{key}-{name}", 0) is not None, key


@fact("TestGetOutboundNodesFromCacheHitDAG")
def test_task_after_a_memoized_dag_task_follows_the_hit_node(argo) -> None:
    text = """
    metadata: {generateName: memo-dag-outbound-}
    spec:
      entrypoint: main
      templates:
      - name: main
        dag:
          tasks:
          - {name: hit, template: inner}
          - {name: after, template: echo, dependencies: [hit]}
      - name: inner
        memoize:
          key: "inner-dag"
          cache: {configMap: {name: outbound-cache}}
        dag:
          tasks:
          - {name: work, template: echo}
      - name: echo
        container: {image: argoproj/argosay:v2, args: [echo, hi]}
    """
    replay(argo, text)
    run, fake = replay(argo, text)
    hit = run.node("hit")
    assert hit["memoizationStatus"]["hit"] is True
    assert run.by_display("work") == []
    assert hit["children"] == [run.node("after")["id"]]
    assert [p.template for p in fake.started] == ["echo"]
