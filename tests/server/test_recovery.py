"""Crash recovery (SPEC §6 R1): kill -9 a real server in the middle of a workflow, restart it on the same home.

A running step outlives its server (as Argo's pods outlive the controller: its supervisor keeps it running
and records how it ended), and the restarted server adopts it — every step runs exactly once:

- restarted while the step still runs: the step is awaited again and its side effect happens once;
- restarted after the step ended: its recorded result (exit code, outputs) is used, it does not run again;
- its supervisor gone too, without a record of the end: the node fails with Argo's ``pod deleted``
  (workflow/controller/operator.go, ``podReconciliation``: ``markNodeError(node.Name, "pod deleted")``), and
  the step is never run again.

``ARGENTO_KILL9_RUNS=10`` repeats the first scenario (the slow step moves each time).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess
from wait import eventually

from argento.executors.supervisor import read_record, record_path
from argento.procs import running

STEPS = 20


def chain(out: Path, slow: int, gate: Path, steps: int = STEPS) -> dict[str, Any]:
    """Sequential steps; step ``i`` appends ``i`` to ``out`` and reports it — step ``slow`` only once the
    test creates ``gate`` (at most 60 s), so the test decides whether it ends before or after the restart."""
    group = [
        [
            {
                "name": f"s{i}",
                "template": "step",
                "arguments": {
                    "parameters": [
                        {"name": "i", "value": str(i)},
                        {"name": "gate", "value": str(gate) if i == slow else "/"},
                    ]
                },
            }
        ]
        for i in range(steps)
    ]
    return {
        "metadata": {"name": "chain"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": group},
                {
                    "name": "step",
                    "inputs": {"parameters": [{"name": "i"}, {"name": "gate"}]},
                    "outputs": {"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/n"}}]},
                    "script": {
                        "image": "alpine",
                        "command": ["sh"],
                        "source": (
                            "echo started {{inputs.parameters.i}}\n"
                            "n=0; while [ ! -e {{inputs.parameters.gate}} ] && [ $n -lt 1200 ]; do"
                            " sleep 0.05; n=$((n+1)); done\n"
                            f"echo {{{{inputs.parameters.i}}}} >> {out}\n"
                            "echo {{inputs.parameters.i}} > /tmp/n\n"
                            "echo finished {{inputs.parameters.i}}\n"
                        ),
                    },
                },
            ],
        },
    }


def _lines(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _wait_lines(out: Path, n: int, timeout: float = 60) -> None:
    eventually(lambda: _lines(out), until=lambda lines: len(lines) >= n, timeout=timeout, interval=0.01)


def _get(srv: ServerProcess) -> dict[str, Any]:
    return httpx.get(f"{srv.url}/api/v1/workflows/argo/chain", timeout=10).json()


def _wait_done(srv: ServerProcess, timeout: float = 90) -> dict[str, Any]:
    done = ("Succeeded", "Failed", "Error")
    return eventually(
        lambda: _get(srv), until=lambda wf: wf.get("status", {}).get("phase") in done, timeout=timeout
    )


def _slow_record(home: Path, slow: int, timeout: float = 30) -> Path:
    """The record of step ``slow`` (its pod dir is the only one whose log says it started ``slow``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for log in (home / "runs" / "chain").glob("*/main.log"):
            with contextlib.suppress(OSError):
                if f"started {slow}\n" in log.read_text():
                    return record_path(log.parent)
        time.sleep(0.02)
    raise AssertionError(f"step {slow} never started")


def _submit(srv: ServerProcess, wf: dict[str, Any]) -> None:
    r = httpx.post(f"{srv.url}/api/v1/workflows/argo", json={"workflow": wf}, timeout=10)
    assert r.status_code == 200, r.text


def _slow_node(wf: dict[str, Any], slow: int) -> dict[str, Any]:
    nodes = (wf.get("status") or {}).get("nodes") or {}
    return next((n for n in nodes.values() if n["displayName"] == f"s{slow}"), {"phase": ""})


@pytest.fixture
def servers(argento_home: Path) -> Iterator[Callable[[Path], ServerProcess]]:
    """Start real servers on a home; every one is stopped at the end, and the test's steps are waited for."""
    started: list[ServerProcess] = []

    def start(home: Path) -> ServerProcess:
        proc = ServerProcess(home).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def shared() -> Iterator[Path]:
    """Where the steps and the test exchange files: outside /tmp (a step's /tmp is its own) and outside the
    home (a step sees only its share of it, executors/homeview.py)."""
    folder = Path(tempfile.mkdtemp(prefix="argento-recovery-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _scenario(
    start: Callable[[Path], ServerProcess],
    home: Path,
    slow: int,
    *,
    shared: Path,
    restart_after_end: bool,
    graceful: bool = False,
) -> None:
    out = shared / f"steps-{slow}-{time.monotonic_ns()}.txt"
    gate = shared / f"gate-{slow}-{time.monotonic_ns()}"
    srv = start(home)
    _submit(srv, chain(out, slow, gate))
    _wait_lines(out, slow)
    record = _slow_record(home, slow)
    if graceful:
        srv.stop()  # SIGTERM: a server stopped on purpose leaves its steps to the next one, too
    else:
        srv.kill9()
    rec = read_record(record)
    assert rec is not None and rec.pid is not None and not rec.ended
    assert running(rec.pid), "the step died with its server"
    if restart_after_end:
        gate.touch()
        _wait_lines(out, slow + 1)  # it finishes while no server runs …
        deadline = time.monotonic() + 10
        while not (rec := read_record(record)) or not rec.ended:  # … and its supervisor records it
            assert time.monotonic() < deadline, "the step's end was not recorded"
            time.sleep(0.02)
        assert rec.exit == 0
    again = start(home)
    if not restart_after_end:
        # Adopted while it runs: the new server shows it Running (it never started it again) …
        deadline = time.monotonic() + 30
        while _slow_node(_get(again), slow)["phase"] != "Running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert read_record(record).pid == rec.pid  # type: ignore[union-attr]
        gate.touch()  # … then it ends, and the new server takes over from there
    wf = _wait_done(again)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert _lines(out) == list(range(STEPS)), f"steps ran {_lines(out)}"
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert len(pods) == STEPS and all(n["phase"] == "Succeeded" for n in pods)
    node = _slow_node(wf, slow)
    # Its outputs come from the one run: the output file and the stdout it wrote before and after the kill.
    assert node["outputs"]["parameters"][0]["value"].strip() == str(slow)
    assert node["outputs"]["result"] == f"started {slow}\nfinished {slow}"
    assert node["outputs"]["exitCode"] == "0"
    log = httpx.get(
        f"{again.url}/api/v1/workflows/argo/chain/log",
        params={"podName": node["id"], "logOptions.container": "main"},
        timeout=10,
    )
    assert log.status_code == 200
    text = "".join(
        json.loads(line)["result"]["content"] + "\n" for line in log.text.splitlines() if line.strip()
    )
    assert text.count(f"started {slow}") == 1 and text.count(f"finished {slow}") == 1, text


@pytest.mark.slow
def test_kill9_mid_step_the_step_runs_on_and_is_adopted(
    argento_home: Path, servers: Callable[[Path], ServerProcess], shared: Path
) -> None:
    runs = int(os.environ.get("ARGENTO_KILL9_RUNS", "1"))
    rng = random.Random(runs)
    for n in range(runs):
        slow = 8 if runs == 1 else rng.randint(1, STEPS - 2)
        home = argento_home / f"run{n}"
        home.mkdir()
        _scenario(servers, home, slow, shared=shared, restart_after_end=False)


@pytest.mark.slow
def test_a_server_stopped_on_purpose_leaves_its_steps_to_the_next_one(
    argento_home: Path, servers: Callable[[Path], ServerProcess], shared: Path
) -> None:
    _scenario(servers, argento_home, 3, shared=shared, restart_after_end=False, graceful=True)


@pytest.mark.slow
def test_a_step_that_finished_while_the_server_was_down_is_not_run_again(
    argento_home: Path, servers: Callable[[Path], ServerProcess], shared: Path
) -> None:
    _scenario(servers, argento_home, 5, shared=shared, restart_after_end=True)


@pytest.mark.slow
def test_a_step_whose_supervisor_vanished_fails_with_pod_deleted(
    argento_home: Path, servers: Callable[[Path], ServerProcess], shared: Path
) -> None:
    out = shared / "steps.txt"
    srv = servers(argento_home)
    _submit(srv, chain(out, 2, shared / "gate", steps=4))
    _wait_lines(out, 2)
    record = _slow_record(argento_home, 2)
    srv.kill9()
    rec = read_record(record)
    assert rec is not None and rec.pid is not None and not rec.ended
    assert running(rec.supervisor) and running(rec.pid)
    os.kill(rec.supervisor, signal.SIGKILL)  # the step's supervisor dies too: nobody records its end
    deadline = time.monotonic() + 10
    while running(rec.supervisor):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    again = servers(argento_home)
    wf = _wait_done(again)
    assert wf["status"]["phase"] in ("Failed", "Error"), wf["status"]
    node = _slow_node(wf, 2)
    assert node["phase"] == "Error"
    assert node["message"].startswith("pod deleted"), node["message"]
    # The orphaned step was ended (it cannot be recorded any more), never run again, nothing after it ran.
    deadline = time.monotonic() + 10
    while running(rec.pid):
        assert time.monotonic() < deadline, "the orphaned step still runs"
        time.sleep(0.02)
    assert _lines(out) == [0, 1]
    logs = list((argento_home / "runs" / "chain").glob("*/main.log"))
    assert sum(log.read_text().count("started 2") for log in logs) == 1
