"""The fake executor and the executor factory."""

from __future__ import annotations

import asyncio
import time

import exec_support
import pytest
from exec_support import run

from argento.config import Settings
from argento.errors import ExecutorError
from argento.executors import Executor, FakeExecutor, StepHandle, StepResult, get_executor

make_pod = exec_support.make_pod  # a fixture


def test_default_succeeds_and_records(make_pod) -> None:
    async def go():
        ex = FakeExecutor()
        pod = make_pod("whatever:latest", ["x"])
        h = await ex.start(pod)
        return ex, pod, h, await h.wait()

    ex, pod, h, r = run(go())
    assert r.exit_code == 0 and r.result == "" and r.finished_at >= r.started_at > 0
    assert ex.started == [pod] and h.admitted.is_set()
    assert isinstance(ex, Executor) and isinstance(h, StepHandle)


def test_scripted_results_files_and_async_scripts(make_pod, tmp_path) -> None:
    async def script(pod):
        await asyncio.sleep(0)
        return StepResult(exit_code=int(pod.args[0]), result=f"ran {pod.template}")

    async def go():
        ex = FakeExecutor(script, files=lambda pod: {"/tmp/out.txt": "42", "/mnt/vol/a.bin": b"\x00"})
        pod = make_pod("x", ["x"], ["3"], mounts={"/mnt/vol": tmp_path / "vol"})
        h = await ex.start(pod)
        return pod, h, await h.wait()

    pod, h, r = run(go())
    assert (r.exit_code, r.result) == (3, f"ran {pod.template}")
    assert h.host_path("/tmp/out.txt").read_text() == "42"
    assert (tmp_path / "vol" / "a.bin").read_bytes() == b"\x00"


def test_delay_and_kill(make_pod) -> None:
    async def go():
        ex = FakeExecutor(delay=0.05)
        t = time.perf_counter()
        h1 = await ex.start(make_pod())
        h2 = await ex.start(make_pod())
        await h2.kill()
        r1, r2 = await h1.wait(), await h2.wait()
        return r1, r2, time.perf_counter() - t

    r1, r2, took = run(go())
    assert r1.exit_code == 0 and not r1.killed and r2.killed and 0.04 < took < 1


def test_kill_ends_a_running_async_script(make_pod) -> None:
    """A script that is still running (awaiting) when the step is killed: the wait ends at once, killed."""
    cancelled = []

    async def forever(pod):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def go():
        ex = FakeExecutor(forever)
        h = await ex.start(make_pod())
        waiting = asyncio.ensure_future(h.wait())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        await h.kill()
        return await asyncio.wait_for(waiting, 1.0)

    r = run(go())
    assert r.killed and r.exit_code == 143 and cancelled == [True]


def test_ten_thousand_steps_are_cheap(make_pod) -> None:
    pod = make_pod()

    async def go():
        ex = FakeExecutor(record=False)
        t = time.perf_counter()
        handles = [await ex.start(pod) for _ in range(10_000)]
        for h in handles:
            await h.wait()
        return time.perf_counter() - t

    assert run(go()) < 1.0


def test_get_executor(settings: Settings) -> None:
    assert get_executor("fake", settings).name == "fake"
    assert get_executor("local", settings).name == "local"
    with pytest.raises(ExecutorError, match="unknown executor"):
        get_executor("docker-ish", settings)
