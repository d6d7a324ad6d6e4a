"""``argento run --cache``: steps memoized by a content hash of what they run on (``argento.engine.cache``).

Hits are marked as Argo marks memoized nodes (``MemoizationStatus{hit, key, cacheName}``, set by
``initializeCacheHitNode`` in workflow/controller/operator.go).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from engine_helpers import shell_script

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.engine.cache import CACHE_NAME, StepCache
from argento.engine.memo import MemoCache
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

PIPE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: pipe-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: echo, arguments: {parameters: [{name: m, value: A}]}}
      - {name: b, depends: a, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.a.outputs.result}}B"}]}}
      - {name: c, depends: b, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.b.outputs.result}}C"}]}}
      - {name: d, template: named, arguments: {parameters: [{name: m, value: "{{workflow.name}}"}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.m}}"}
  - name: named
    inputs: {parameters: [{name: m}]}
    container: {image: alpine, command: [sh, -c], args: ["echo x; python3 tool.py {{pod.name}} {{inputs.parameters.m}}"]}
"""


class Runs:
    """Runs workflows with one ``--cache`` store; records which steps ran."""

    def __init__(self, settings: Settings, source: Path) -> None:
        self.settings = settings
        self.source = source
        self.store = MemoCache(settings.home / "memo")

    def __call__(self, text: str) -> tuple[dict[str, Any], list[str], StepCache]:
        ran: list[str] = []

        def script(pod: PodSpec) -> StepResult:
            ran.append(pod.node_id)
            return shell_script(pod)

        cache = StepCache(self.store, source_dir=self.source)

        async def go() -> dict[str, Any]:
            options = RunOptions(settings=self.settings, executor=FakeExecutor(script), cache=cache)
            return await WorkflowRunner(yaml.safe_load(text), options).run()

        wf = asyncio.run(go())
        nodes = wf["status"]["nodes"]
        return wf, sorted(nodes[i]["displayName"] for i in ran), cache


def test_a_second_run_hits_and_a_change_runs_that_step_and_what_uses_it(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "tool.py").write_text("print(1)\n")
    runs = Runs(settings, tmp_path)
    first, ran, cache = runs(PIPE)
    assert first["status"]["phase"] == "Succeeded" and ran == ["a", "b", "c", "d"]
    node = next(n for n in first["status"]["nodes"].values() if n["displayName"] == "a")
    assert node["memoizationStatus"]["hit"] is False and node["memoizationStatus"]["cacheName"] == CACHE_NAME

    # everything hits, although {{workflow.name}} and {{pod.name}} differ in the new run
    second, ran, cache = runs(PIPE)
    assert ran == [] and second["status"]["phase"] == "Succeeded"
    assert len(cache.hits) == 4 and cache.misses == []
    nodes = {n["displayName"]: n for n in second["status"]["nodes"].values()}
    assert nodes["c"]["outputs"]["result"] == "ABC"
    assert nodes["c"]["memoizationStatus"] == {
        "hit": True,
        "key": nodes["c"]["memoizationStatus"]["key"],
        "cacheName": CACHE_NAME,
    }
    assert nodes["c"]["phase"] == "Succeeded" and nodes["c"]["type"] == "Pod"

    # a changed step runs, and so does what reads its (changed) output; the rest hits
    _, ran, _ = runs(
        PIPE.replace('value: "{{tasks.a.outputs.result}}B"', 'value: "{{tasks.a.outputs.result}}b"')
    )
    assert ran == ["b", "c"]
    # a file the step names (relative to the workflow's folder) is part of the key
    (tmp_path / "tool.py").write_text("print(2)\n")
    _, ran, _ = runs(PIPE)
    assert ran == ["d"]


def test_what_is_never_cached(settings: Settings, tmp_path: Path) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: never-}
spec:
  entrypoint: main
  volumeClaimTemplates: [{metadata: {name: work}, spec: {accessModes: [ReadWriteOnce]}}]
  templates:
  - name: main
    steps:
    - [{name: memo, template: memo}, {name: pvc, template: pvc}, {name: plain, template: plain}]
  - name: memo
    memoize: {key: fixed, cache: {configMap: {name: my-cache}}}
    container: {image: alpine, command: [sh, -c, "echo memo"]}
  - name: pvc
    container: {image: alpine, command: [sh, -c, "echo pvc"], volumeMounts: [{name: work, mountPath: /work}]}
  - name: plain
    container: {image: alpine, command: [sh, -c, "echo plain"]}
"""
    runs = Runs(settings, tmp_path)
    runs(text)
    second, ran, _ = runs(text)
    # `memo` hits through its own memoize (Argo's rules), the PVC step runs again, `plain` hits
    assert ran == ["pvc"]
    nodes = {n["displayName"]: n for n in second["status"]["nodes"].values()}
    assert nodes["memo"]["memoizationStatus"] == {"hit": True, "key": "fixed", "cacheName": "my-cache"}
    assert nodes["plain"]["memoizationStatus"]["cacheName"] == CACHE_NAME
    assert "memoizationStatus" not in nodes["pvc"]


def test_failed_steps_are_not_cached(settings: Settings, tmp_path: Path) -> None:
    text = PIPE.replace('value: "{{tasks.b.outputs.result}}C"', "value: C; exit 3")
    runs = Runs(settings, tmp_path)
    first, _, _ = runs(text)
    assert first["status"]["phase"] == "Failed"
    _, ran, _ = runs(text)
    assert ran == ["c"]
