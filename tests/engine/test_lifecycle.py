"""Stop, terminate, deadlines, suspend/resume, daemons, mutexes, parallelism — on the real local executor."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import yaml

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner


def _runner(text: str, settings: Settings, **opts: Any) -> WorkflowRunner:
    return WorkflowRunner(yaml.safe_load(text), RunOptions(settings=settings, **opts))


def _nodes(wf: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


async def _run(runner: WorkflowRunner) -> dict[str, Any]:
    try:
        return await runner.run()
    finally:
        if runner._executor is not None:
            await runner._executor.close()


LONG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: long}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: sleep, template: sleep}
  - {name: sleep, container: {image: alpine, command: [sh, -c, "sleep 30"]}}
  - {name: bye, container: {image: alpine, command: [sh, -c, "echo bye"]}}
"""


def test_stop_kills_steps_and_runs_exit_handler(settings: Settings) -> None:
    async def go() -> dict[str, Any]:
        runner = _runner(LONG, settings)
        task = asyncio.create_task(_run(runner))
        await asyncio.sleep(0.5)
        runner.stop("Stop")
        return await task

    start = time.monotonic()
    wf = asyncio.run(go())
    assert time.monotonic() - start < 10
    nodes = _nodes(wf)
    assert nodes["sleep"]["phase"] == "Failed"
    assert nodes["sleep"]["message"] == "workflow shutdown with strategy: Stop"
    assert nodes["long.onExit"]["phase"] == "Succeeded"
    assert wf["status"]["phase"] == "Failed"
    assert wf["status"]["message"] == "Stopped with strategy 'Stop'"


def test_terminate_skips_exit_handler(settings: Settings) -> None:
    async def go() -> dict[str, Any]:
        runner = _runner(LONG, settings)
        task = asyncio.create_task(_run(runner))
        await asyncio.sleep(0.5)
        runner.stop("Terminate")
        return await task

    wf = asyncio.run(go())
    assert "long.onExit" not in _nodes(wf)
    assert wf["status"]["phase"] == "Failed"


def test_active_deadline_on_template_and_workflow(settings: Settings) -> None:
    text = LONG.replace(
        "  - {name: sleep, container:", "  - {name: sleep, activeDeadlineSeconds: 1, container:"
    )
    wf = asyncio.run(_run(_runner(text, settings)))
    assert _nodes(wf)["sleep"]["message"] == "Pod was active on the node longer than the specified deadline"
    assert wf["status"]["phase"] == "Failed"
    text = LONG.replace("  onExit: bye\n", "  onExit: bye\n  activeDeadlineSeconds: 1\n")
    start = time.monotonic()
    wf = asyncio.run(_run(_runner(text, settings)))
    assert time.monotonic() - start < 10
    assert wf["status"]["phase"] == "Failed"
    assert _nodes(wf)["long.onExit"]["phase"] == "Succeeded"


def test_suspend_resume_supplies_outputs(settings: Settings) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: sus}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: approve}
    - - {name: use, template: echo, arguments: {parameters: [{name: m, value: "{{steps.approve.outputs.parameters.answer}}"}]}}
  - name: approve
    suspend: {}
    outputs: {parameters: [{name: answer, valueFrom: {supplied: {}}}]}
  - name: echo
    inputs: {parameters: [{name: m}]}
    script: {image: alpine, command: [sh], source: "echo got {{inputs.parameters.m}}"}
"""

    async def go() -> dict[str, Any]:
        runner = _runner(text, settings)
        task = asyncio.create_task(_run(runner))
        while runner.resume("approve", {"answer": "yes"}) == 0:
            await asyncio.sleep(0.01)
        return await task

    wf = asyncio.run(go())
    nodes = _nodes(wf)
    assert nodes["approve"]["type"] == "Suspend"
    assert nodes["approve"]["outputs"]["parameters"] == [{"name": "answer", "value": "yes"}]
    assert nodes["use"]["outputs"]["result"] == "got yes"


def test_daemon_runs_beside_dependents_and_is_killed(settings: Settings) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: dmn}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: server, template: server}
      - {name: client, depends: server, template: client, arguments: {parameters: [{name: ip, value: "{{tasks.server.ip}}"}]}}
  - {name: server, daemon: true, container: {image: alpine, command: [sh, -c, "sleep 60"]}}
  - name: client
    inputs: {parameters: [{name: ip}]}
    script: {image: alpine, command: [sh], source: "echo {{inputs.parameters.ip}}"}
"""
    start = time.monotonic()
    wf = asyncio.run(_run(_runner(text, settings)))
    assert time.monotonic() - start < 15
    nodes = _nodes(wf)
    assert nodes["client"]["outputs"]["result"] == "127.0.0.1"
    # Argo's killDaemonedChildren: a daemon its boundary stopped is Succeeded and no longer daemoned.
    assert "daemoned" not in nodes["server"]
    assert nodes["server"]["phase"] == "Succeeded"
    assert wf["status"]["phase"] == "Succeeded"


def test_mutex_and_parallelism_serialize(settings: Settings) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: mx}
spec:
  entrypoint: main
  volumeClaimTemplates:
  - metadata: {name: shared}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
  templates:
  - name: main
    parallelism: 2
    steps:
    - - name: work
        template: critical
        withSequence: {count: "4"}
  - name: critical
    synchronization: {mutex: {name: only-one}}
    container:
      image: alpine
      command: [sh, -c, "echo start >> /mnt/shared/log; sleep 0.2; echo end >> /mnt/shared/log"]
      volumeMounts: [{name: shared, mountPath: /mnt/shared}]
"""
    wf = asyncio.run(_run(_runner(text, settings)))
    assert wf["status"]["phase"] == "Succeeded"
    log = settings.runs_dir / "mx" / "volumes" / "shared" / "log"
    assert log.read_text().split() == ["start", "end"] * 4
