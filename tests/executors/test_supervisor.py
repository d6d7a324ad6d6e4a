"""Durable steps (SPEC §6 R1): a step outlives its engine, is recorded by its supervisor and adopted.

The engine that starts the steps is a real process killed with SIGKILL; the test process adopts its steps
with a new executor, as a restarted server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import exec_support
import pytest
from exec_support import run
from wait import eventually

from argento.config import Settings
from argento.executors import PodSpec
from argento.executors.base import StepLost
from argento.executors.local import LocalExecutor
from argento.executors.supervisor import LOST_MESSAGE, read_record, record_path
from argento.procs import running

make_pod = exec_support.make_pod  # a fixture

UID = "7f1c2d9e-uid"

ENGINE = """
import asyncio, json, sys
from pathlib import Path
from argento.config import Settings
from argento.executors import PodSpec
from argento.executors.local import LocalExecutor

home, isolation, raw = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

def spec(d):
    d = dict(d)
    for k in ("log_path", "workdir"):
        d[k] = Path(d[k])
    d["sidecars"] = [spec(s) for s in d.get("sidecars", [])]
    return PodSpec(**d)

async def main():
    ex = LocalExecutor(Settings.from_env({"ARGENTO_HOME": home}), isolation=isolation, durable=True)
    handle = await ex.start(spec(raw))
    print(handle.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _as_json(pod: PodSpec) -> str:
    def plain(p: PodSpec) -> dict[str, object]:
        d = {k: v for k, v in vars(p).items()}
        d["log_path"], d["workdir"] = str(p.log_path), str(p.workdir)
        d["sidecars"] = [plain(s) for s in p.sidecars]
        return d

    return json.dumps(plain(pod))


@pytest.fixture
def durable_pod(make_pod: Callable[..., PodSpec]) -> Callable[..., PodSpec]:
    """A pod with the identity a workflow's step carries (workflow uid and node id in its environment)."""

    def make(script: str, **kw: object) -> PodSpec:
        pod = make_pod("alpine", ["sh", "-c"], [script], **kw)
        pod.env.update(ARGO_WORKFLOW_UID=UID, ARGO_NODE_ID=pod.node_id)
        return pod

    return make


@pytest.fixture
def shared() -> Iterator[Path]:
    """Where steps and the test exchange files: outside /tmp (a namespaced step has a private ``/tmp``) and
    outside the home (a step sees only its share of it, ``executors/homeview.py``)."""
    folder = Path(tempfile.mkdtemp(prefix="argento-supervisor-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def engines(settings: Settings) -> Iterator[Callable[[PodSpec, str], tuple[subprocess.Popen[str], int]]]:
    """Start a pod in an engine process of its own; every engine is killed at the end.

    Files the steps share with the test live in `shared`."""
    procs: list[subprocess.Popen[str]] = []

    def start(pod: PodSpec, isolation: str = "auto") -> tuple[subprocess.Popen[str], int]:
        proc = subprocess.Popen(
            [sys.executable, "-c", ENGINE, str(settings.home), isolation, _as_json(pod)],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        return proc, int(proc.stdout.readline())

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def _kill9(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _adopt(settings: Settings, pod: PodSpec, isolation: str = "auto"):
    async def go():
        ex = LocalExecutor(settings, isolation=isolation, durable=True)
        handle = await ex.adopt(pod)
        if handle is None:
            return None, None
        try:
            return handle, await handle.wait()
        except StepLost as e:
            return handle, e

    return run(go())


@pytest.mark.parametrize("isolation", ["auto", "userns", "rewrite"])
def test_a_step_runs_on_without_its_engine_and_is_adopted_while_running(
    settings: Settings, durable_pod, engines, shared: Path, isolation: str
) -> None:
    if isolation != "rewrite" and not exec_support.NAMESPACES:
        pytest.skip("mount namespaces are not available here")
    gate, side = shared / "gate", shared / "side"
    pod = durable_pod(
        f"echo before; n=0; while [ ! -e {gate} ] && [ $n -lt 1000 ]; do sleep 0.02; n=$((n+1)); done; echo once >> {side}; "
        "echo 42 > /tmp/out.txt; echo after",
        output_paths=["/tmp/out.txt"],
    )
    engine, pid = engines(pod, isolation)
    eventually(lambda: "before" in pod.log_path.read_text())
    _kill9(engine)
    assert running(pid)
    gate.touch()  # the adopter starts following it before it ends (or just after: either is adoption)
    handle, result = _adopt(settings, pod, isolation)
    assert handle is not None and handle.pid == pid
    assert (result.exit_code, result.result, result.message) == (0, "before\nafter", "")
    assert side.read_text() == "once\n"
    assert handle.host_path("/tmp/out.txt").read_text() == "42\n"
    assert pod.log_path.read_text() == "before\nafter\n"  # copied by the supervisor, engine or not


def test_a_step_that_ended_without_an_engine_gives_its_recorded_result(
    settings: Settings, durable_pod, engines, shared: Path
) -> None:
    gate = shared / "gate"
    pod = durable_pod(
        f"echo out; n=0; while [ ! -e {gate} ] && [ $n -lt 1000 ]; do sleep 0.02; n=$((n+1)); done; exit 3"
    )
    engine, pid = engines(pod)
    eventually(lambda: "out" in pod.log_path.read_text())
    _kill9(engine)
    gate.touch()
    eventually(lambda: (rec := read_record(record_path(pod.workdir))) is not None and rec.ended)
    eventually(lambda: not running(pid))
    started = time.monotonic()
    handle, result = _adopt(settings, pod)
    assert time.monotonic() - started < 5
    assert (result.exit_code, result.result, result.message) == (3, "out", "Error (exit code 3)")
    assert not handle.pod.log_path.read_text().count("out") > 1


def test_a_step_whose_supervisor_vanished_is_lost_and_ended(
    settings: Settings, durable_pod, engines, shared: Path
) -> None:
    side = shared / "side"
    pod = durable_pod(f"echo up; sleep 30; echo ran >> {side}")
    engine, pid = engines(pod)
    eventually(lambda: "up" in pod.log_path.read_text())
    _kill9(engine)
    rec = read_record(record_path(pod.workdir))
    assert rec is not None and rec.pid == pid
    os.kill(rec.supervisor, signal.SIGKILL)
    eventually(lambda: not running(rec.supervisor))
    _handle, error = _adopt(settings, pod)
    assert isinstance(error, StepLost) and str(error) == LOST_MESSAGE
    assert str(error).startswith("pod deleted")
    eventually(lambda: not running(pid))  # nobody could record it any more: it was ended
    assert not side.exists()


def test_no_record_or_another_workflows_record_is_not_adopted(settings: Settings, durable_pod) -> None:
    pod = durable_pod("true")
    assert _adopt(settings, pod) == (None, None)  # it never started: the engine starts it
    ex = LocalExecutor(settings, durable=True)

    async def go() -> None:
        handle = await ex.start(pod)
        await handle.wait()

    run(go())
    assert read_record(record_path(pod.workdir)).ended  # type: ignore[union-attr]
    pod.env["ARGO_WORKFLOW_UID"] = "another-workflow-with-the-same-name"
    assert _adopt(settings, pod) == (None, None)


def test_detach_leaves_running_steps_to_the_next_engine(
    settings: Settings, durable_pod, shared: Path
) -> None:
    gate = shared / "gate"
    pod = durable_pod(
        f"n=0; while [ ! -e {gate} ] && [ $n -lt 1000 ]; do sleep 0.02; n=$((n+1)); done; echo done"
    )

    async def first() -> int:
        ex = LocalExecutor(settings, durable=True)
        handle = await ex.start(pod)
        ex.detach()  # the server shuts down
        await handle.kill(grace=0)  # what a cancelled step does: left alone once detached
        await ex.close()
        assert handle.pid is not None
        return handle.pid

    pid = run(first())
    assert running(pid)
    gate.touch()
    handle, result = _adopt(settings, pod)
    assert handle is not None and result.exit_code == 0 and result.result == "done"


def test_an_adopted_step_can_be_killed_and_times_out(settings: Settings, durable_pod, engines) -> None:
    pod = durable_pod("echo up; sleep 60")
    engine, pid = engines(pod)
    eventually(lambda: "up" in pod.log_path.read_text())
    _kill9(engine)

    async def kill() -> object:
        handle = await LocalExecutor(settings, durable=True).adopt(pod)
        assert handle is not None
        await handle.kill(grace=1)
        return await handle.wait()

    result = run(kill())
    assert result.exit_code == 143 and result.killed  # type: ignore[attr-defined]
    assert not running(pid)

    pod = durable_pod("echo up; sleep 60", timeout=1.0)
    engine, pid = engines(pod)
    eventually(lambda: "up" in pod.log_path.read_text())
    _kill9(engine)
    _handle, result = _adopt(settings, pod)  # its deadline counts from when it started, not from adoption
    assert result.timed_out and result.message.startswith("Pod was active on the node longer")
    assert not running(pid)


def test_a_forged_record_cannot_aim_a_signal_at_another_process(settings: Settings, durable_pod) -> None:
    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        pod = durable_pod("true", timeout=0.1)
        me = os.getpid()
        record_path(pod.workdir).write_text(
            json.dumps(
                {"uid": UID, "node": pod.node_id, "started": time.time() - 60, "sup": me, "sup_start": None}
            )
            + "\n"
            + json.dumps({"pid": bystander.pid})
            + "\n"
        )

        async def go() -> None:
            handle = await LocalExecutor(settings, durable=True).adopt(pod)
            assert handle is not None
            await asyncio.sleep(0.5)  # past its deadline: the adopter tries to end "the step"
            handle._task.cancel()

        run(go())
        assert bystander.poll() is None  # its environment does not name the node: not the step
    finally:
        bystander.kill()
        bystander.wait()


def test_sidecars_end_with_their_main_when_no_engine_runs(
    settings: Settings, durable_pod, engines, shared: Path
) -> None:
    gate = shared / "gate"
    sidecar = durable_pod("echo sidecar-$$ > " + str(shared / "sc") + "; exec sleep 60")
    pod = durable_pod(
        f"n=0; while [ ! -e {gate} ] && [ $n -lt 1000 ]; do sleep 0.02; n=$((n+1)); done", sidecars=[sidecar]
    )
    engine, _pid = engines(pod)
    eventually(lambda: (shared / "sc").exists() and (shared / "sc").read_text().strip())
    sc_pid = int((shared / "sc").read_text().split("-")[1])
    _kill9(engine)
    assert running(sc_pid)
    gate.touch()
    eventually(lambda: not running(sc_pid))  # SIGTERMed by the supervisor once the pod's main ended


def test_a_supervisor_that_dies_under_a_live_engine_loses_its_steps(settings: Settings, durable_pod) -> None:
    async def go() -> None:
        ex = LocalExecutor(settings, durable=True)
        pod = durable_pod("echo up; sleep 30")
        handle = await ex.start(pod)
        supervisor = ex.supervisor
        assert supervisor is not None
        while "up" not in pod.log_path.read_text():
            await asyncio.sleep(0.02)
        first = supervisor.pid
        os.kill(first, signal.SIGKILL)
        with pytest.raises(StepLost, match="pod deleted"):
            await asyncio.wait_for(handle.wait(), 20)
        deadline = time.monotonic() + 10
        while running(handle.pid):  # type: ignore[arg-type]
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        # The next step gets a new supervisor.
        again = await ex.start(durable_pod("echo fine"))
        assert (await again.wait()).result == "fine"
        assert supervisor.pid != first and running(supervisor.pid)

    run(go())


def test_the_supervisor_exits_once_its_steps_are_recorded(settings: Settings, durable_pod, engines) -> None:
    pod = durable_pod("echo up; sleep 0.5")
    engine, pid = engines(pod)
    eventually(lambda: "up" in pod.log_path.read_text())
    rec = read_record(record_path(pod.workdir))
    assert rec is not None
    _kill9(engine)
    eventually(lambda: not running(rec.supervisor))
    assert read_record(record_path(pod.workdir)).ended  # type: ignore[union-attr]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 0)
    assert not running(pid)
