"""``argento.depends`` served: each dependency runs as its own `argento serve` process on a Unix socket."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from depends_apps import Front
from serving_support import HERE, Running, serve_process
from wait import eventually

import argento
from argento import procs
from argento.deployments.bentos import BuildConfig, build
from argento.serving.dependencies import served_dependencies
from argento.serving.errors import InvalidInput, ServiceUnavailable


def _dependency_processes(parent: int) -> list[int]:
    """Pids of the `argento serve … --uds …` children of ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if ppid == parent and b"--uds" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def front() -> Iterator[Running]:
    with serve_process("depends_apps:Front", "--no-access-log") as running:
        yield running


def test_the_dependency_is_its_own_process_behind_a_socket(front: Running) -> None:
    assert front.proc is not None
    pids = httpx.post(front.url + "/pids", json={}).json()
    assert pids["front"] == front.proc.pid
    assert pids["back"] != pids["front"] and pids["middle_middle"] != pids["front"]
    # Middle serves its own Back: dependencies of dependencies are processes too.
    assert pids["middle_back"] not in (pids["back"], pids["middle_middle"])
    assert sorted(_dependency_processes(front.proc.pid)) == sorted([pids["back"], pids["middle_middle"]])
    assert _dependency_processes(pids["middle_middle"]) == [pids["middle_back"]]
    url = httpx.post(front.url + "/where", json={}).text
    assert url.startswith("unix:///") and url.endswith(".sock") and Path(url[7:]).is_socket()


def test_hinted_descriptor_async_and_stream_apis_of_the_dependency(front: Running) -> None:
    with front.client() as c:
        assert c.post("/scaled", json={"values": [1, 2]}).json() == [3.0, 6.0, 2.0]  # 2.0: called in __init__
        assert c.post("/totals", json=[[1, 2], [3, 4]]).json() == [3.0, 7.0]
        assert c.post("/greet", json={"name": "ann"}).text == "hello ann"
        assert c.post("/counted", json={"n": 3}).json() == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_errors_of_the_dependency_keep_their_status(front: Running) -> None:
    with front.client() as c:
        r = c.post("/scaled", json={"values": ["not a number"]})
        assert r.status_code == 400 and r.json()["error"] == "invalid_input"
        r = c.post("/totals", json=[[1, 2, 3]])  # Back enforces shape (-1, 2)
        assert r.status_code == 400 and "shape" in r.json()["detail"]


def test_not_served_the_dependency_is_in_process() -> None:
    svc = Front()
    pids = svc.pids()
    assert set(pids.values()) == {os.getpid()}
    assert svc.where() == "in-process"
    assert svc.scaled([1, 2]) == [3.0, 6.0, 2.0]
    assert svc.totals([[1, 2]]) == [3.0]
    assert asyncio.run(svc.greet("bo")) == "hello bo"
    assert svc.counted(2) == [{"i": 0}, {"i": 1}]


def test_two_workers_share_one_dependency_process() -> None:
    with serve_process("depends_apps:Solo", "--workers", "2", "--no-access-log") as running:
        workers, backs = set(), set()
        for _ in range(200):  # new connections land on either worker
            with httpx.Client(base_url=running.url, timeout=5) as fresh:
                r = fresh.post("/pids", json={})
            if r.status_code == 503:  # /readyz answered from the first worker; the second is still starting
                time.sleep(0.05)
                continue
            workers.add(r.json()["front"])
            backs.add(r.json()["back"])
            if len(workers) == 2:
                break
        assert running.proc is not None
        assert len(workers) == 2 and running.proc.pid not in workers
        assert len(backs) == 1 and _dependency_processes(running.proc.pid) == list(backs)


def test_sigterm_stops_the_dependency_and_removes_its_socket() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    # As a SIGKILLed supervisor leaves it:
    orphan = Path(tempfile.gettempdir()) / f"argento-deps-{dead.pid}-left"
    orphan.mkdir(exist_ok=True)
    with serve_process("depends_apps:Solo", "--no-access-log") as running:
        info = httpx.post(running.url + "/pids", json={}).json()
        assert running.proc is not None and procs.running(info["back"])
        assert not orphan.exists()  # swept when the new supervisor started
        running.proc.send_signal(signal.SIGTERM)
        assert running.proc.wait(15) == 0
    assert not procs.running(info["back"])
    assert not Path(info["url"][7:]).parent.exists()


def test_a_killed_dependency_is_restarted() -> None:
    with serve_process("depends_apps:Solo", "--no-access-log") as running, running.client() as c:
        old = c.post("/pids", json={}).json()["back"]
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = c.post("/pids", json={})
            if r.status_code == 200 and r.json()["back"] != old:
                break
            assert r.status_code == 503 and r.json()["error"] == "unavailable"  # not a 500
            time.sleep(0.05)
        else:
            pytest.fail("the dependency was not restarted within 10 s")
        assert procs.running(r.json()["back"]) and not procs.running(old)


def test_a_dependency_that_cannot_start_fails_the_parent() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "argento.cli.main",
            "serve",
            "depends_apps:BrokenFront",
            "--port",
            "0",
            "--working-dir",
            str(HERE),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert "error: dependency 'back' (depends_apps:BrokenBack) failed to start (exit code 1)" in proc.stderr


def test_the_uds_client_on_its_own(tmp_path: Path) -> None:
    sock = tmp_path / "back.sock"
    cmd = [
        sys.executable,
        "-m",
        "argento.cli.main",
        "serve",
        "depends_apps:Back",
        "--uds",
        str(sock),
        "--working-dir",
        str(HERE),
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"unix://{sock}"
    try:
        with argento.SyncHTTPClient(url, wait_ready=20) as client:
            assert client.scale(values=[1.0], factor=5.0) == [5.0]
            assert client.scale([1.0, 2.0]) == [2.0, 4.0]
            np.testing.assert_array_equal(client.totals(np.array([[1.0, 2.0]])), [3.0])
            with pytest.raises(InvalidInput):
                client.scale(values=["x"])

            async def hello() -> str:
                async with argento.AsyncHTTPClient(url) as aclient:
                    return await aclient.hello(name="uds")

            assert asyncio.run(hello()) == "hello uds"
            proc.terminate()
            proc.wait(15)
            with pytest.raises(ServiceUnavailable):
                client.scale(values=[1.0])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_class_not_importable_by_name_stays_in_process(caplog: pytest.LogCaptureFixture) -> None:
    @argento.service
    class Local:
        @argento.api
        def ping(self) -> str:
            return "pong"

    @argento.service
    class Uses:
        local = argento.depends(Local)
        remote = argento.depends(url="http://127.0.0.1:1")

    with caplog.at_level(logging.WARNING, logger="argento.serving"):
        assert served_dependencies(Uses) == {}
    assert "dependency 'local' of Uses runs in-process" in caplog.text
    assert Uses().local.ping() == "pong"


BENTO_FRONT = """
import os
import argento
from bento_back_svc import BentoBack

@argento.service(name="Composed")
class Composed:
    back = argento.depends(BentoBack)

    @argento.api
    def pids(self) -> dict:
        return {"front": os.getpid(), "back": self.back.pid()}
"""

BENTO_BACK = """
import os
import argento

@argento.service
class BentoBack:
    @argento.api
    def pid(self) -> int:
        return os.getpid()
"""


def test_a_bento_serves_its_dependency_from_the_packaged_source(tmp_path: Path, argento_home: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "bento_front_svc.py").write_text(textwrap.dedent(BENTO_FRONT))
    (root / "bento_back_svc.py").write_text(textwrap.dedent(BENTO_BACK))
    bento = build(BuildConfig.from_dict({"service": "bento_front_svc:Composed"}, root))
    with serve_process("composed", "--reuse-env", "--no-access-log", cwd=tmp_path) as running:
        pids = httpx.post(running.url + "/pids", json={}).json()
        assert pids["back"] != pids["front"]
        cmdline = Path(f"/proc/{pids['back']}/cmdline").read_bytes().split(b"\0")
        assert str(bento.src).encode() in cmdline  # imported from the bento, not from the project


class FakeClock:
    """A back-off clock the test moves by hand (so a 10 s back-off takes no time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_crash_looping_dependency_backs_off_and_reports_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14.5 / SPEC R7: Kubernetes' CrashLoopBackOff (kubelet ``doBackOff``: first restart at once, then
    10 s doubling), restarts counted, the exit reason in the status the service's /healthz reports."""
    from depends_apps import FlakyFront
    from serving_support import serve_in_thread

    from argento.backoff import BackoffPolicy
    from argento.serving.dependencies import ServedDependencies, dependency_trouble
    from argento.serving.runtime import ServeOptions

    flag = tmp_path / "down"
    monkeypatch.setenv("FLAKY_BACK_FLAG", str(flag))
    clock = FakeClock()
    options = ServeOptions(
        "depends_apps:FlakyFront", working_dir=str(HERE), log_level="warning", access_log=False
    )
    deps = ServedDependencies(FlakyFront, options, backoff=BackoffPolicy(clock=clock))
    with deps as urls, serve_in_thread(FlakyFront, dependency_urls=urls) as front, front.client() as c:
        assert c.get("/healthz").status_code == 200
        flag.touch()
        os.kill(deps.children[0].pid, signal.SIGKILL)
        # Restart 1 is immediate and fails to start (exit code 1); restart 2 waits 10 s on the back-off clock.
        state = eventually(
            lambda: (s := deps.status()["back"])["restarts"] == 2 and s, timeout=30, what="restart 2"
        )
        assert state["state"] == "backoff" and state["backoff_seconds"] == 10.0
        assert state["last_exit"]["reason"] == "exited with code 1" and state["last_exit"]["exit_code"] == 1
        health = c.get("/healthz")
        assert health.status_code == 503 and "dependency 'back'" in health.json()["detail"]
        assert "exited with code 1; 2 restart(s)" in dependency_trouble(urls)
        stalled = deps.passes + 5  # the clock stands still: no restart, however many passes
        while deps.passes < stalled:
            assert deps.status()["back"]["restarts"] == 2 and deps.children[0].down
            time.sleep(0.05)
        clock.now += 9.9
        seen = deps.passes
        eventually(lambda: deps.passes >= seen + 2, timeout=30, what="two supervision passes")
        assert deps.status()["back"]["restarts"] == 2  # 9.9 s of a 10 s back-off
        clock.now += 0.1
        state = eventually(
            lambda: (s := deps.status()["back"])["restarts"] == 3 and s, timeout=30, what="restart 3"
        )
        assert state["backoff_seconds"] == 20.0  # doubling
        flag.unlink()  # fixed: the next restart serves again
        clock.now += 20
        eventually(lambda: c.post("/pids", json={}).status_code == 200, timeout=30)
        assert deps.status()["back"]["state"] == "running" and deps.status()["back"]["restarts"] == 3
        assert c.get("/healthz").status_code == 200
