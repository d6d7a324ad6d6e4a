"""The ``fake`` executor: runs nothing; each step ends with the result a script decides.

Engine tests and the 10,000-node benchmark (SPEC §5 P4) run on it, so a step costs a few object
allocations: no process, no thread, no task (a future plus, with ``delay``, one timer).

    FakeExecutor()                                        # every step exits 0 with an empty result
    FakeExecutor(lambda pod: StepResult(exit_code=1))     # every step fails
    FakeExecutor(script, files=lambda pod: {"/tmp/out.txt": "42"}, delay=0.01)

``script`` may be sync or async. ``files`` maps container paths to contents (str or bytes) written under the
step's `FakeHandle.host_path` before it finishes — how a test scripts output parameters and artifacts. A
script can also write files itself: ``fake_host_path(pod, "/tmp/x")`` is where `host_path` will look.
"""

from __future__ import annotations

import asyncio
import inspect
import posixpath
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from .base import PodSpec, StepResult

Script = Callable[[PodSpec], "StepResult | Awaitable[StepResult]"]
Files = Callable[[PodSpec], Mapping[str, str | bytes]]


def _succeed(pod: PodSpec) -> StepResult:
    return StepResult(exit_code=0)


def fake_host_path(pod: PodSpec, container_path: str) -> Path:
    """The fake's file system: mounts map to their host dirs, everything else to ``workdir/fs/<path>``."""
    path = posixpath.normpath(posixpath.join(pod.working_dir or "/", container_path))
    best = ""
    for c in pod.mounts:
        c = posixpath.normpath(c)
        if (path == c or path.startswith(c.rstrip("/") + "/")) and len(c) > len(best):
            best = c
    if best:
        return Path(str(pod.mounts[best]) + path[len(best):])
    return pod.workdir / "fs" / path.lstrip("/")


class FakeHandle:
    """A step of `FakeExecutor`."""

    __slots__ = ("_ex", "_future", "_started", "_task", "_timer", "admitted", "pid", "pod")

    def __init__(self, executor: FakeExecutor, pod: PodSpec) -> None:
        self._ex = executor
        self.pod = pod
        self.pid: int | None = None
        self._started = time.time()
        self._future: asyncio.Future[StepResult] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Future[StepResult] | None = None
        self.admitted = executor._admitted

    def host_path(self, container_path: str) -> Path:
        return fake_host_path(self.pod, container_path)

    async def wait(self) -> StepResult:
        if self._future is None:
            if self._ex.delay <= 0:
                result = self._ex.script(self.pod)
                if not inspect.isawaitable(result):
                    return self._settle(result)
                # An async script runs beside the wait, so that `kill` ends the step while it is running.
                self._future = asyncio.get_running_loop().create_future()
                self._task = asyncio.ensure_future(result)
                self._task.add_done_callback(self._relay)
            else:
                self._arm()
        return await asyncio.shield(self._future)  # type: ignore[arg-type]

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._future = loop.create_future()
        remaining = self._started + self._ex.delay - time.time()
        self._timer = loop.call_later(max(remaining, 0.0), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        result = self._ex.script(self.pod)
        if inspect.isawaitable(result):
            self._task = asyncio.ensure_future(result)
            self._task.add_done_callback(self._relay)
        else:
            self._settle(result)

    def _relay(self, task: asyncio.Future[StepResult]) -> None:
        if task.cancelled():
            return
        if task.exception() is not None:
            fut = self._future
            if fut is not None and not fut.done():
                fut.set_exception(task.exception())  # type: ignore[arg-type]
            return
        self._settle(task.result())

    def _settle(self, result: StepResult) -> StepResult:
        files = self._ex.files
        if files is not None:
            for path, content in files(self.pod).items():
                target = self.host_path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content)
        if not result.started_at:
            result.started_at = self._started
        if not result.finished_at:
            result.finished_at = time.time()
        fut = self._future
        if fut is None:
            fut = self._future = asyncio.get_running_loop().create_future()
        if not fut.done():
            fut.set_result(result)
        return fut.result()

    async def kill(self, grace: float = 10.0) -> None:
        fut = self._future
        if fut is not None and fut.done():
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
        if fut is None:
            fut = self._future = asyncio.get_running_loop().create_future()
        fut.set_result(StepResult(exit_code=143, message="", started_at=self._started,
                                  finished_at=time.time(), killed=True))


class FakeExecutor:
    """Runs nothing; finishes each step with the result the test scripted."""

    name = "fake"
    #: No process runs, so nothing writes to the host folders a step is given: the engine makes none for it
    #: (a scripted ``files`` result makes the folders of its own files).
    runs_processes = False

    def __init__(self, script: Script = _succeed, *, files: Files | None = None, delay: float = 0.0,
                 record: bool = True) -> None:
        self.script = script
        self.files = files
        self.delay = delay
        #: Every `PodSpec` started, in order (``record=False`` for big benchmarks).
        self.started: list[PodSpec] = []
        self._record = record
        self._admitted: asyncio.Event | None = None

    async def start(self, pod: PodSpec) -> FakeHandle:
        if self._admitted is None:
            # One shared, already-set event: fake steps are always admitted.
            self._admitted = asyncio.Event()
            self._admitted.set()
        if self._record:
            self.started.append(pod)
        handle = FakeHandle(self, pod)
        if self.delay > 0:
            handle._arm()
        return handle

    async def close(self) -> None:
        pass
