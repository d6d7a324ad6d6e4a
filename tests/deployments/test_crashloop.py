"""Crash-loop back-off of deployment replicas (issue 14.5, SPEC §6 R7): Kubernetes' CrashLoopBackOff.

The rule comes from the kubelet (``pkg/kubelet/kuberuntime/kuberuntime_manager.go`` ``doBackOff`` over
client-go's ``flowcontrol.Backoff``; ``backOffPeriod`` 10 s and ``MaxContainerBackOff`` 5 min in
``pkg/kubelet/kubelet.go``): first restart at once, then 10 s doubling to 5 min, forgotten after 10 min.
The replicas here are real ``argento serve`` processes; only the back-off clock is a fake the test moves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from deploy_support import PlaneThread, write_service
from wait import eventually

from argento.backoff import BackoffPolicy, CrashLoop, exit_reason
from argento.cli.main import cli
from argento.config import Settings


class FakeClock:
    """The back-off clock, moved by the test (a 40 s back-off takes no time)."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_from_10s_to_5min_and_forgets_after_10min() -> None:
    clock = FakeClock()
    loop = CrashLoop(BackoffPolicy(clock=clock))
    delays = []
    for _ in range(8):
        started = clock.now
        clock.now += 1  # each run dies a second after its start
        delays.append(loop.crashed(started, "exited with code 1"))
        clock.now += loop.delay
    assert delays == [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    assert loop.restarts == 8 and loop.streak == 8
    started = clock.now
    clock.now += 600  # ran fine for 10 min: the next crash restarts at once again
    assert loop.crashed(started, "killed by SIGKILL") == 0.0 and loop.restarts == 9 and loop.streak == 1
    assert loop.crashed(clock.now, "again") == 10.0 and loop.waiting() and loop.remaining() == 10.0
    assert exit_reason(1) == ("exited with code 1", 1, None)
    assert exit_reason(-9) == ("killed by SIGKILL", None, "SIGKILL")
    assert exit_reason(None)[0] == "exited (exit code unknown)"


@pytest.fixture
def svc(tmp_path: Path) -> Path:
    return write_service(tmp_path / "svc")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cp(argento_home: Path, clock: FakeClock) -> Iterator[PlaneThread]:
    settings = Settings.from_env({"ARGENTO_HOME": str(argento_home)})
    with PlaneThread(settings, backoff=BackoffPolicy(clock=clock)) as p:
        yield p


def _body(svc: Path, **env: str) -> dict[str, Any]:
    return {"name": "crashy", "replicas": 1, "service": "tinysvc:Tiny", "working_dir": str(svc), "env": env}


def _status(cp: PlaneThread) -> dict[str, Any]:
    return httpx.get(f"{cp.url}/api/v1/deployments/crashy", timeout=10).json()["status"]


def test_a_replica_whose_startup_crashes_backs_off_and_is_degraded(
    cp: PlaneThread, svc: Path, clock: FakeClock
) -> None:
    # The service raises in __init__: `argento serve` exits 1 about a second after each start.
    r = httpx.post(f"{cp.url}/api/v1/deployments", json=_body(svc, BROKEN="1"), timeout=30)
    assert r.status_code == 200, r.text

    def restarts(n: int) -> Callable[[], dict[str, Any] | None]:
        def check() -> dict[str, Any] | None:
            status = _status(cp)
            main = status["variants"]["main"]
            return status if main["restarts"] == n and not status["replicas"] else None

        return check

    # Restart 1 at once; it crashes too, and restart 2 waits 10 s on the back-off clock.
    status = eventually(restarts(2), timeout=60, what="two restarts")
    main = status["variants"]["main"]
    assert status["phase"] == "Degraded" and main["phase"] == "Degraded"
    assert status["reason"] == "CrashLoopBackOff"
    assert main["backoff_seconds"] == 10.0 and main["next_restart_in"] == 10.0
    last = main["last_exit"]
    assert last["reason"] == "exited with code 1" and last["exit_code"] == 1 and last["signal"] is None
    assert any("a broken build" in line for line in last["log"]), last["log"]
    assert "exited with code 1" in status["message"] and "2 restart(s)" in status["message"]

    # While the clock stands still nothing restarts (before the fix: a restart every ~1.8 s, forever).
    controller = cp.plane.controller
    stalled = controller.passes + 10  # ten reconcile passes, each of which would have restarted it
    while controller.passes < stalled:
        st = _status(cp)
        assert st["variants"]["main"]["restarts"] == 2 and not st["replicas"], st
        time.sleep(0.05)
    # Meanwhile a client gets 503 with the time left of the back-off as Retry-After.
    answer = httpx.post(f"{cp.url}/deployments/crashy/predict", json={}, timeout=30)
    assert answer.status_code == 503 and 1 <= int(answer.headers["retry-after"]) <= 10

    clock.now += 10
    status = eventually(restarts(3), timeout=60, what="the third restart")
    assert status["variants"]["main"]["backoff_seconds"] == 20.0  # growing delays
    clock.now += 19.5
    seen = controller.passes
    eventually(lambda: controller.passes >= seen + 3, timeout=30, what="three reconcile passes")
    assert _status(cp)["variants"]["main"]["restarts"] == 3  # 19.5 s of a 20 s back-off
    clock.now += 0.5
    status = eventually(restarts(4), timeout=60, what="the fourth restart")
    assert status["variants"]["main"]["backoff_seconds"] == 40.0

    # `argento deployments get` shows the phase, the reason and the replica's last lines.
    out = CliRunner().invoke(cli, ["deployments", "get", "crashy", "--server", cp.url])
    assert out.exit_code == 0, out.output
    assert (
        "Degraded" in out.output and "CrashLoopBackOff" in out.output and "exited with code 1" in out.output
    )
    assert "a broken build" in out.output
    listed = json.loads(
        CliRunner().invoke(cli, ["deployments", "list", "-o", "json", "--server", cp.url]).output
    )
    assert listed[0]["status"]["phase"] == "Degraded"

    # A rollout of a fixed version starts at once (new replicas inherit no back-off) and recovers.
    r = httpx.put(f"{cp.url}/api/v1/deployments/crashy", json=_body(svc), timeout=30)
    assert r.status_code == 200, r.text
    view = httpx.get(f"{cp.url}/api/v1/deployments/crashy/wait", params={"timeout": 60}, timeout=70).json()
    main = view["status"]["variants"]["main"]
    assert view["status"]["phase"] == "Available" and main["phase"] == "Available" and main["restarts"] == 0
    assert "reason" not in view["status"]
    assert httpx.post(f"{cp.url}/deployments/crashy/predict", json={}).json()["label"] == "v1"
    httpx.delete(f"{cp.url}/api/v1/deployments/crashy", params={"wait": "true"}, timeout=60)
