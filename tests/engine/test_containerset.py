"""containerSet templates: a Pod node with one Container child node per container, run as a graph."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import yaml
from engine_helpers import nodes_by_name

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.nodes import node_id
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor, fake_host_path

GRAPH = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: graph}
spec:
  entrypoint: main
  templates:
  - name: main
    containerSet:
      containers:
      - {name: a, image: argoproj/argosay:v2}
      - {name: b, image: argoproj/argosay:v2, dependencies: [a]}
      - {name: c, image: argoproj/argosay:v2, dependencies: [a]}
      - {name: d, image: argoproj/argosay:v2, dependencies: [b, c]}
"""


def _name(pod: PodSpec) -> str:
    return pod.env["ARGO_CONTAINER_NAME"]


def _recording(log: list[tuple[str, str]], codes: dict[str, int] | None = None, delay: float = 0.01):
    """A fake script that records start/end of each container (by name) and exits with ``codes[name]``."""

    async def script(pod: PodSpec) -> StepResult:
        name = _name(pod)
        log.append(("start", name))
        await asyncio.sleep(delay)
        log.append(("end", name))
        code = (codes or {}).get(name, 0)
        return StepResult(exit_code=code, result=f"out-{name}")

    return script


def test_graph_tree_shape(run_wf: Callable[..., dict[str, Any]]) -> None:
    log: list[tuple[str, str]] = []
    wf = run_wf(GRAPH, script=_recording(log))
    assert wf["status"]["phase"] == "Succeeded"
    nodes = nodes_by_name(wf)
    assert set(nodes) == {"graph", "graph.a", "graph.b", "graph.c", "graph.d"}
    pod = nodes["graph"]
    assert pod["type"] == "Pod" and pod["id"] == "graph" and pod["templateName"] == "main"
    a, b, c, d = (nodes[f"graph.{x}"] for x in "abcd")
    for name, n in zip("abcd", (a, b, c, d), strict=True):
        assert n["type"] == "Container"
        assert n["id"] == node_id("graph", f"graph.{name}")
        assert n["displayName"] == name
        assert n["boundaryID"] == "graph"
        assert n["templateName"] == "main"
        assert n["phase"] == "Succeeded"
        assert "message" not in n and "outputs" not in n
    # Argo's executeContainerSet: roots are children of the pod, others children of their dependencies.
    assert pod["children"] == [a["id"]]
    assert a["children"] == [b["id"], c["id"]]
    assert b["children"] == [d["id"]] and c["children"] == [d["id"]]
    assert "children" not in d
    # Container nodes are executable nodes in Argo's progress.
    assert wf["status"]["progress"] == "5/5"
    # No main container: no outputs.result nor exitCode.
    assert "outputs" not in pod


def test_dependencies_order(run_wf: Callable[..., dict[str, Any]]) -> None:
    log: list[tuple[str, str]] = []
    run_wf(GRAPH, script=_recording(log))
    at = {event: i for i, event in enumerate(log)}
    assert at[("end", "a")] < at[("start", "b")] and at[("end", "a")] < at[("start", "c")]
    assert at[("end", "b")] < at[("start", "d")] and at[("end", "c")] < at[("start", "d")]
    # b and c run in parallel once a is done.
    assert at[("start", "c")] < at[("end", "b")] and at[("start", "b")] < at[("end", "c")]


PARALLEL = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: par}
spec:
  entrypoint: main
  templates:
  - name: main
    containerSet:
      containers:
      - {name: a, image: argoproj/argosay:v2}
      - {name: b, image: argoproj/argosay:v2}
"""


def test_containers_without_dependencies_start_together(run_wf: Callable[..., dict[str, Any]]) -> None:
    log: list[tuple[str, str]] = []
    wf = run_wf(PARALLEL, script=_recording(log, delay=0.3))
    assert log[:2] == [("start", "a"), ("start", "b")]  # both started before either ended
    pod = nodes_by_name(wf)["par"]
    assert pod["children"] == [node_id("par", "par.a"), node_id("par", "par.b")]


FAILING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: failing}
spec:
  entrypoint: main
  templates:
  - name: main
    containerSet:
      containers:
      - {name: a, image: argoproj/argosay:v2}
      - {name: b, image: argoproj/argosay:v2, dependencies: [a]}
      - {name: c, image: argoproj/argosay:v2, dependencies: [b]}
      - {name: main, image: argoproj/argosay:v2, dependencies: [c]}
"""


def test_failing_container_fails_pod_and_dependents_do_not_run(run_wf: Callable[..., dict[str, Any]]) -> None:
    log: list[tuple[str, str]] = []
    wf = run_wf(FAILING, script=_recording(log, codes={"b": 3}))
    assert wf["status"]["phase"] == "Failed"
    assert ("start", "c") not in log and ("start", "main") not in log
    nodes = nodes_by_name(wf)
    pod = nodes["failing"]
    assert pod["phase"] == "Failed"
    assert pod["message"] == "b: Error (exit code 3)"
    assert nodes["failing.a"]["phase"] == "Succeeded"
    assert nodes["failing.b"]["phase"] == "Failed"
    assert nodes["failing.b"]["message"] == "b: Error (exit code 3): "
    # The emissary of a dependent exits 64 (Error) naming the failed dependency; transitively too.
    assert nodes["failing.c"]["phase"] == "Error"
    assert (
        nodes["failing.c"]["message"]
        == 'c: Error (exit code 64): dependency "b" exited with non-zero code: 3'
    )
    assert nodes["failing.main"]["phase"] == "Error"
    assert nodes["failing.main"]["message"] == (
        'main: Error (exit code 64): dependency "c" exited with non-zero code: 64'
    )
    # exitCode comes from the container named main.
    assert pod["outputs"]["exitCode"] == "64"


SIBLING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: sibling}
spec:
  entrypoint: main
  templates:
  - name: main
    containerSet:
      containers:
      - {name: fast, image: argoproj/argosay:v2}
      - {name: slow, image: argoproj/argosay:v2}
"""


def test_failure_terminates_running_siblings(settings: Settings) -> None:
    async def script(pod: PodSpec) -> StepResult:
        if _name(pod) == "fast":
            return StepResult(exit_code=1)
        await asyncio.sleep(30)
        return StepResult(exit_code=0)

    # A fake step can only be killed while it runs when the executor has a delay.
    executor = FakeExecutor(script, delay=0.01)
    runner = WorkflowRunner(yaml.safe_load(SIBLING), RunOptions(settings=settings, executor=executor))
    t0 = time.monotonic()
    wf = asyncio.run(runner.run())
    assert time.monotonic() - t0 < 10
    nodes = nodes_by_name(wf)
    assert nodes["sibling"]["phase"] == "Failed"
    assert nodes["sibling"]["message"] == "fast: Error (exit code 1)"
    assert nodes["sibling.slow"]["phase"] == "Failed"
    assert nodes["sibling.slow"]["message"] == "slow: Error (exit code 143): "


WORKSPACE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: ws}
spec:
  entrypoint: main
  templates:
  - name: main
    volumes:
    - {name: workspace, emptyDir: {}}
    containerSet:
      volumeMounts:
      - {name: workspace, mountPath: /workspace}
      containers:
      - {name: a, image: argoproj/argosay:v2}
      - {name: main, image: argoproj/argosay:v2, dependencies: [a]}
    outputs:
      parameters:
      - name: out
        valueFrom: {path: /workspace/out}
"""


def test_workspace_volume_is_shared(run_wf: Callable[..., dict[str, Any]]) -> None:
    seen: dict[str, str] = {}

    def script(pod: PodSpec) -> StepResult:
        target = fake_host_path(pod, "/workspace/out")
        if _name(pod) == "a":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("from-a")
        else:
            seen["main"] = target.read_text()
            target.write_text("from-a+main")
        return StepResult()

    wf = run_wf(WORKSPACE, script=script)
    assert wf["status"]["phase"] == "Succeeded"
    assert seen == {"main": "from-a"}
    pod = nodes_by_name(wf)["ws"]
    assert pod["outputs"]["parameters"] == [
        {"name": "out", "value": "from-a+main", "valueFrom": {"path": "/workspace/out"}}
    ]


RESULT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: res}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: group}
      - name: b
        template: verify
        dependencies: [a]
        arguments: {parameters: [{name: x, value: "{{tasks.a.outputs.result}}"}]}
  - name: group
    containerSet:
      containers:
      - {name: before, image: argoproj/argosay:v2}
      - {name: main, image: argoproj/argosay:v2, dependencies: [before]}
      - {name: after, image: argoproj/argosay:v2, dependencies: [main]}
  - name: verify
    inputs: {parameters: [{name: x}]}
    container: {image: argoproj/argosay:v2, args: [echo, "{{inputs.parameters.x}}"]}
"""


def test_outputs_result_comes_from_main(run_wf: Callable[..., dict[str, Any]]) -> None:
    log: list[tuple[str, str]] = []
    wf = run_wf(RESULT, script=_recording(log))
    assert wf["status"]["phase"] == "Succeeded"
    nodes = nodes_by_name(wf)
    group = nodes["res.a"]
    assert group["type"] == "Pod"
    assert group["outputs"]["result"] == "out-main"
    assert group["outputs"]["exitCode"] == "0"
    assert nodes["res.b"]["inputs"]["parameters"][0]["value"] == "out-main"
    # Container nodes live under the Pod node's boundary; the DAG's next task hangs off the last container of
    # the pod's graph (operator.go:getOutboundNodes treats a container set's pod as its containers).
    before = nodes["res.a.before"]
    assert before["boundaryID"] == group["id"] and before["displayName"] == "before"
    assert group["children"] == [before["id"]]
    assert nodes["res.a.after"]["children"] == [nodes["res.b"]["id"]]
    assert ("end", "after") in log  # outputs are collected once every container has ended


RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: retry}
spec:
  entrypoint: main
  templates:
  - name: main
    containerSet:
      retryStrategy: {retries: 3, duration: 10ms}
      containers:
      - {name: main, image: argoproj/argosay:v2}
"""


def test_container_set_retry_strategy_reruns_process(run_wf: Callable[..., dict[str, Any]]) -> None:
    calls: list[str] = []

    def script(pod: PodSpec) -> StepResult:
        calls.append(_name(pod))
        return StepResult(exit_code=0 if len(calls) == 2 else 1)

    wf = run_wf(RETRY, script=script)
    assert wf["status"]["phase"] == "Succeeded"
    assert calls == ["main", "main"]
    assert set(nodes_by_name(wf)) == {"retry", "retry.main"}  # a process retry makes no new node


def test_container_set_retries_do_not_count_the_first_attempt(run_wf: Callable[..., dict[str, Any]]) -> None:
    calls: list[str] = []

    def script(pod: PodSpec) -> StepResult:
        calls.append(_name(pod))
        return StepResult(exit_code=1)

    wf = run_wf(RETRY.replace("retries: 3", "retries: 1"), script=script)
    assert wf["status"]["phase"] == "Failed"
    assert calls == ["main", "main"]  # the first attempt and one retry


LOCAL = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: local-cs}
spec:
  entrypoint: main
  templates:
  - name: main
    volumes:
    - {name: workspace, emptyDir: {}}
    containerSet:
      volumeMounts:
      - {name: workspace, mountPath: /workspace}
      containers:
      - {name: a, image: busybox, command: [sh, -c], args: ["echo from-a; echo hi > /workspace/msg"]}
      - {name: main, image: busybox, command: [sh, -c], args: ["cat /workspace/msg"], dependencies: [a]}
    outputs:
      parameters:
      - {name: msg, valueFrom: {path: /workspace/msg}}
"""


def test_local_executor_logs_per_container_and_shared_volume(settings: Settings) -> None:
    from argento.executors.local import LocalExecutor

    async def go() -> dict[str, Any]:
        executor = LocalExecutor(settings)
        try:
            runner = WorkflowRunner(yaml.safe_load(LOCAL), RunOptions(settings=settings, executor=executor))
            runner.include_result = True  # as when a later step reads {{…outputs.result}}
            return await runner.run()
        finally:
            await executor.close()

    wf = asyncio.run(go())
    assert wf["status"]["phase"] == "Succeeded"
    pod = nodes_by_name(wf)["local-cs"]
    assert pod["outputs"]["result"] == "hi"
    assert pod["outputs"]["parameters"] == [
        {"name": "msg", "value": "hi", "valueFrom": {"path": "/workspace/msg"}}
    ]
    pod_dir = settings.runs_dir / "local-cs" / "local-cs"
    assert (pod_dir / "a.log").read_text() == "from-a\n"
    assert (pod_dir / "main.log").read_text() == "hi\n"
