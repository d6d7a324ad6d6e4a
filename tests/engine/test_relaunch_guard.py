"""SPEC R7: no process is ever relaunched in a tight loop, whatever the manifest says.

A daemon that keeps dying and a step retried without a limit are the two ways a workflow can ask for endless
relaunches. Argo spaces them by a pod round trip (seconds); here every relaunch waits a floor that doubles with
each attempt (``argento.engine.retry.FLOOR_FIRST``), so the number of launches grows with the logarithm of
time. Before the fix, the daemon case relaunched thousands of times a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from engine_helpers import nodes_by_name

from argento.executors.base import PodSpec, StepResult

DAEMON = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: spin}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - {name: client, template: client}
  - name: server
    daemon: true
    retryStrategy: {}
    container: {image: alpine, command: [sh, -c, "exit 1"]}
  - name: client
    container: {image: alpine, command: [sh, -c, "sleep 1"]}
"""

RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: loop}
spec:
  entrypoint: main
  activeDeadlineSeconds: 1
  templates:
  - name: main
    retryStrategy: {}
    container: {image: alpine, command: [sh, -c, "exit 1"]}
"""


def _counting() -> tuple[dict[str, int], Callable[[PodSpec], Any]]:
    starts: dict[str, int] = {}

    async def script(pod: PodSpec) -> StepResult:
        starts[pod.template] = starts.get(pod.template, 0) + 1
        if pod.template == "client":
            await asyncio.sleep(1.0)
            return StepResult(exit_code=0)
        await asyncio.sleep(0.01)  # started, then dies at once
        return StepResult(exit_code=1, message="Error (exit code 1)")

    return starts, script


def test_a_dying_daemon_is_not_relaunched_in_a_tight_loop(run_wf: Callable[..., dict[str, Any]]) -> None:
    starts, script = _counting()
    start = time.monotonic()
    wf = run_wf(DAEMON, script=script)
    elapsed = time.monotonic() - start
    nodes = nodes_by_name(wf)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes["spin[0].server"]["type"] == "Retry"
    # a 1 s boundary: 0.05 + 0.1 + 0.2 + 0.4 s of floors leave room for about five launches
    assert 2 <= starts["server"] <= 8, (starts, elapsed)


def test_an_unlimited_retry_is_not_relaunched_in_a_tight_loop(run_wf: Callable[..., dict[str, Any]]) -> None:
    starts, script = _counting()
    wf = run_wf(RETRY, script=script)
    assert wf["status"]["phase"] == "Failed"
    assert 2 <= starts["main"] <= 8, starts
    attempts = [n for n in nodes_by_name(wf).values() if n["name"].startswith("loop(")]
    assert len(attempts) == starts["main"]
