"""The executor contract on the ``ray`` executor: result, exit code, logs, output files, kill, timeout, Pending."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ray_support import TestCluster

from argento.config import Settings
from argento.errors import ExecutorError
from argento.executors import DEADLINE_MESSAGE, PodSpec, UnknownImage, get_executor
from argento.executors.ray import RayExecutor, RayHandle

MakePod = Callable[..., PodSpec]


def _run(settings: Settings, body: Callable[[RayExecutor], object]) -> object:
    async def main() -> object:
        ex = get_executor("ray", settings, kill_grace=2.0)
        assert isinstance(ex, RayExecutor)
        try:
            return await body(ex)  # type: ignore[misc]
        finally:
            await ex.close()

    return asyncio.run(main())


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_result_exit_code_and_log(
    ray_settings: Settings, make_pod: MakePod, ray_cluster: TestCluster
) -> None:
    pod = make_pod("busybox", ["sh", "-c", "echo out; echo err >&2; echo last; exit 3"])

    async def body(ex: RayExecutor):
        handle = await ex.start(pod)
        return handle, await handle.wait()

    handle, result = _run(ray_settings, body)
    assert (result.exit_code, result.message, result.result) == (3, "Error (exit code 3)", "out\nlast")
    assert not result.killed and result.finished_at >= result.started_at > 0
    assert handle.admitted.is_set() and handle.host_node_name == ray_cluster.head
    assert sorted(pod.log_path.read_text().split()) == ["err", "last", "out"]


def test_scripts_python_and_output_files(ray_settings: Settings, make_pod: MakePod) -> None:
    source = (
        "import os, pathlib\n"
        "pathlib.Path('/tmp/answer.txt').write_text('42')\n"
        "os.makedirs('/mnt/out/sub', exist_ok=True)\n"
        "pathlib.Path('/mnt/out/sub/a.txt').write_text('A')\n"
        "print('node', os.environ['ARGENTO_RAY_NODE_ID'][:8])\n"
    )
    pod = make_pod(
        "python:3.12",
        ["python"],
        script_source=source,
        output_paths=["/tmp/answer.txt", "/mnt/out", "/tmp/missing.txt"],
    )

    async def body(ex: RayExecutor):
        handle = await ex.start(pod)
        return handle, await handle.wait()

    handle, result = _run(ray_settings, body)
    assert result.exit_code == 0, pod.log_path.read_text()
    assert result.result.startswith("node ")
    assert handle.host_path("/tmp/answer.txt").read_text() == "42"
    assert (handle.host_path("/mnt/out") / "sub" / "a.txt").read_text() == "A"
    assert not handle.host_path("/tmp/missing.txt").exists()


def test_kill_ends_the_process_group(ray_settings: Settings, make_pod: MakePod) -> None:
    pod = make_pod("busybox", ["sh", "-c", "sleep 30 & sleep 30; wait"])

    async def body(ex: RayExecutor):
        handle = await ex.start(pod)
        await asyncio.wait_for(handle.admitted.wait(), 30)
        pid = handle.pid
        assert _alive(pid)
        t0 = time.monotonic()
        await handle.kill(grace=2.0)
        return pid, time.monotonic() - t0, await handle.wait()

    pid, took, result = _run(ray_settings, body)
    assert result.killed and result.exit_code == 143
    assert took < 3.0
    assert not _alive(pid)


def test_kill_escalates_to_sigkill(ray_settings: Settings, make_pod: MakePod) -> None:
    pod = make_pod("busybox", ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"])

    async def body(ex: RayExecutor):
        handle = await ex.start(pod)
        await asyncio.wait_for(handle.admitted.wait(), 30)
        await asyncio.sleep(0.3)  # the trap is installed
        t0 = time.monotonic()
        await handle.kill(grace=0.5)
        return time.monotonic() - t0, await handle.wait()

    took, result = _run(ray_settings, body)
    assert result.killed and result.exit_code == 137
    assert 0.4 < took < 3.0


def test_timeout_kills_and_reports_the_deadline(ray_settings: Settings, make_pod: MakePod) -> None:
    pod = make_pod("busybox", ["sleep", "30"], timeout=0.5)

    async def body(ex: RayExecutor):
        handle = await ex.start(pod)
        return await asyncio.wait_for(handle.wait(), 20)

    result = _run(ray_settings, body)
    assert result.timed_out and result.message == DEADLINE_MESSAGE and result.exit_code == 143


def test_unschedulable_stays_pending_with_the_scheduler_message(
    ray_settings: Settings, make_pod: MakePod
) -> None:
    import ray

    nodes = sum(1 for n in ray.nodes() if n["Alive"])
    pods = [
        make_pod("busybox", ["true"], requests={"cpu": "64"}),
        make_pod("busybox", ["true"], node_selector={"pool": "nowhere"}),
    ]

    async def body(ex: RayExecutor):
        handles: list[RayHandle] = [await ex.start(p) for p in pods]
        await asyncio.sleep(0.5)
        states = [(h.admitted.is_set(), h.pending_message) for h in handles]
        for h in handles:
            await h.kill()
        return states, [await h.wait() for h in handles]

    states, results = _run(ray_settings, body)
    assert states == [
        (False, f"Unschedulable: 0/{nodes} nodes are available: {nodes} Insufficient cpu."),
        (
            False,
            f"Unschedulable: 0/{nodes} nodes are available: {nodes} node(s) didn't match Pod's node "
            "affinity/selector.",
        ),
    ]
    assert all(r.killed and r.exit_code == 143 for r in results)


def test_start_errors(ray_settings: Settings, make_pod: MakePod) -> None:
    async def body(ex: RayExecutor):
        handle = await ex.start(make_pod("nosuch/image:1", ["true"]))  # unmapped: runs on the host PATH
        assert (await handle.wait()).exit_code == 0
        handle = await ex.start(make_pod("busybox", ["no-such-program-xyz"]))
        with pytest.raises(ExecutorError, match="executable file not found"):
            await handle.wait()

    _run(ray_settings, body)

    async def strict(ex: RayExecutor):
        with pytest.raises(UnknownImage, match="no local runtime mapping"):
            await ex.start(make_pod("nosuch/image:1", ["true"]))

    _run(dataclasses.replace(ray_settings, strict_images=True), strict)


def test_engine_shows_an_unschedulable_pod_pending(ray_settings: Settings) -> None:
    from argento.engine import RunOptions, WorkflowRunner

    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "huge"},
        "spec": {
            "entrypoint": "big",
            "templates": [
                {
                    "name": "big",
                    "container": {
                        "image": "busybox",
                        "command": ["true"],
                        "resources": {"requests": {"cpu": "64"}},
                    },
                }
            ],
        },
    }

    async def main() -> tuple[str, str, str]:
        runner = WorkflowRunner(wf, RunOptions(settings=ray_settings, executor_name="ray"))
        task = asyncio.create_task(runner.run())
        pod = None
        for _ in range(100):
            await asyncio.sleep(0.05)
            pod = next((n for n in runner.state.nodes.values() if n.type.value == "Pod"), None)
            if pod is not None and pod.message:
                break
        seen = (pod.phase.value, pod.message) if pod else ("", "")
        runner.stop("Stop")
        result = await asyncio.wait_for(task, 30)
        await runner.executor.close()
        return (*seen, result["status"]["phase"])

    phase, message, final = asyncio.run(main())
    assert phase == "Pending"
    assert message.startswith("Unschedulable: 0/") and "Insufficient cpu" in message
    assert final == "Failed"
