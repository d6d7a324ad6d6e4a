"""Crash recovery (SPEC §6 R1): kill -9 a real server in the middle of a 20-step workflow, restart it.

The workflow Succeeds and every step appended its line to the file exactly once: the steps completed
before the kill are not run again, the one in flight (killed with the server by the executor's watchdog) runs
once more.
``ARGENTO_KILL9_RUNS=10`` repeats the scenario (the slow step moves each time).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess

STEPS = 20
#: The in-flight step's duration. The test waits longer than that before restarting: the step must not finish
#: while no server runs (the engine's watchdog kills it with the server), or it would run twice.
SLOW_SECONDS = 2.0


def chain(out: Path, slow: int, slow_seconds: float) -> dict[str, Any]:
    """20 sequential steps; step ``i`` sleeps (long for ``slow``) then appends ``i`` to ``out``."""
    steps = [
        [
            {
                "name": f"s{i}",
                "template": "step",
                "arguments": {
                    "parameters": [
                        {"name": "i", "value": str(i)},
                        {"name": "d", "value": str(slow_seconds if i == slow else 0)},
                    ]
                },
            }
        ]
        for i in range(STEPS)
    ]
    return {
        "metadata": {"name": "chain"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": steps},
                {
                    "name": "step",
                    "inputs": {"parameters": [{"name": "i"}, {"name": "d"}]},
                    "container": {
                        "image": "alpine",
                        "command": ["sh", "-c"],
                        "args": [
                            f"sleep {{{{inputs.parameters.d}}}}; echo {{{{inputs.parameters.i}}}} >> {out}"
                        ],
                    },
                },
            ],
        },
    }


def _lines(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _scenario(start: Callable[..., ServerProcess], home: Path, slow: int) -> dict[str, Any]:
    out = home / f"steps-{slow}-{time.monotonic_ns()}.txt"
    srv = start()
    r = httpx.post(
        f"{srv.url}/api/v1/workflows/argo", json={"workflow": chain(out, slow, SLOW_SECONDS)}, timeout=10
    )
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while len(_lines(out)) < slow:
        assert time.monotonic() < deadline, f"only {_lines(out)} after 30 s"
        time.sleep(0.01)
    time.sleep(0.3)  # step `slow` is now sleeping
    srv.kill9()
    time.sleep(SLOW_SECONDS + 1.0)  # the in-flight step would have finished by now, had it survived the server
    before = _lines(out)
    assert before == list(range(slow)), f"step {slow} ran on without its server: {before}"
    again = start()
    deadline = time.monotonic() + 60
    while True:
        wf = httpx.get(f"{again.url}/api/v1/workflows/argo/chain", timeout=10).json()
        if wf.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            break
        assert time.monotonic() < deadline, wf.get("status")
        time.sleep(0.05)
    again.stop()
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert _lines(out) == list(range(STEPS)), f"steps ran {_lines(out)}"
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert len(pods) == STEPS and all(n["phase"] == "Succeeded" for n in pods)
    return wf


@pytest.mark.slow
def test_kill9_mid_workflow_resumes_and_runs_each_step_once(argento_home: Path) -> None:
    runs = int(os.environ.get("ARGENTO_KILL9_RUNS", "1"))
    rng = random.Random(runs)
    for n in range(runs):
        slow = 8 if runs == 1 else rng.randint(1, STEPS - 2)
        home = argento_home / f"run{n}"
        home.mkdir()

        started: list[ServerProcess] = []

        def start(home: Path = home, started: list[ServerProcess] = started) -> ServerProcess:
            proc = ServerProcess(home).start()
            started.append(proc)
            return proc

        try:
            _scenario(start, home, slow)
        finally:
            for proc in started:
                proc.stop()
