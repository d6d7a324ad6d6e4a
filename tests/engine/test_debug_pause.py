"""Argo's debug pause: ``ARGO_DEBUG_PAUSE_BEFORE/AFTER=true`` on a template holds the step until its marker
file exists (``cmd/argoexec/commands/emissary.go``: ``file.WaitForCreate(varRunArgo+"/ctr/"+name+"/before")``,
and ``…/after`` once the command exited) — or, here, until it is resumed — and stopping ends it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from wait import eventually_async

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

PAUSED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: paused}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - [{name: look, template: look}]
  - name: look
    container:
      image: alpine
      command: [sh, -c, "echo hi"]
      env: [{name: %s, value: "true"}]
"""


def _runner(settings: Settings, var: str, started: list[PodSpec]) -> WorkflowRunner:
    def script(pod: PodSpec) -> StepResult:
        started.append(pod)
        return StepResult(exit_code=0, result="hi")

    options = RunOptions(settings=settings, executor=FakeExecutor(script))
    return WorkflowRunner(yaml.safe_load(PAUSED % var), options)


def _look(runner: WorkflowRunner) -> Any:
    return runner.state.by_name("paused[0].look")


def test_pause_before_waits_for_the_marker_file(settings: Settings) -> None:
    started: list[PodSpec] = []

    async def go() -> dict[str, Any]:
        runner = _runner(settings, "ARGO_DEBUG_PAUSE_BEFORE", started)
        task = asyncio.create_task(runner.run())
        await eventually_async(
            lambda: _look(runner) is not None and "paused before" in _look(runner).message,
            timeout=10,
            what="paused before",
        )
        node = _look(runner)
        assert node.phase == "Running" and not started
        assert f"--node-field-selector id={node.id}" in node.message
        marker = Path(node.message.rsplit("create ", 1)[1])
        assert marker.name == "before" and marker.parent.parts[-5:] == ("var", "run", "argo", "ctr", "main")
        marker.touch()
        return await task

    wf = asyncio.run(go())
    assert wf["status"]["phase"] == "Succeeded" and len(started) == 1
    node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "look")
    assert "message" not in node


def test_pause_after_is_released_by_resume(settings: Settings) -> None:
    started: list[PodSpec] = []

    async def go() -> dict[str, Any]:
        runner = _runner(settings, "ARGO_DEBUG_PAUSE_AFTER", started)
        task = asyncio.create_task(runner.run())
        await eventually_async(
            lambda: _look(runner) is not None and "paused after" in _look(runner).message,
            timeout=10,
            what="paused after",
        )
        assert len(started) == 1 and _look(runner).outputs is None  # ran; outputs not collected yet
        assert runner.resume("look") == 1
        return await task

    wf = asyncio.run(go())
    assert wf["status"]["phase"] == "Succeeded"
    node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "look")
    assert node["outputs"]["exitCode"] == "0"


def test_stopping_a_paused_workflow_ends_the_step(settings: Settings) -> None:
    started: list[PodSpec] = []

    async def go() -> dict[str, Any]:
        runner = _runner(settings, "ARGO_DEBUG_PAUSE_BEFORE", started)
        task = asyncio.create_task(runner.run())
        await eventually_async(
            lambda: _look(runner) is not None and "paused before" in _look(runner).message,
            timeout=10,
            what="paused before",
        )
        runner.stop("Stop")
        return await task

    wf = asyncio.run(go())
    assert wf["status"]["phase"] == "Failed" and not started
    node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "look")
    assert node["message"] == "workflow shutdown with strategy: Stop"


def test_only_true_pauses(settings: Settings) -> None:
    started: list[PodSpec] = []

    async def go() -> dict[str, Any]:
        runner = _runner(settings, "ARGO_DEBUG_PAUSE_BEFORE", started)
        tmpl = runner.base.templates["look"]
        tmpl["container"]["env"][0]["value"] = "1"  # Argo compares with "true" exactly
        return await asyncio.wait_for(runner.run(), 10)

    assert asyncio.run(go())["status"]["phase"] == "Succeeded"
