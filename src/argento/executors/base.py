"""The executor contract: what the engine hands an executor (`PodSpec`) and what it gets back.

An executor runs one Pod-type node (SPEC §2.4). The engine substitutes every ``{{…}}`` tag before it builds a
`PodSpec`; the executor never parses a manifest. ``start()`` returns a `StepHandle` at once (the step may still
be waiting for admission, see `StepHandle.admitted`); ``wait()`` gives the `StepResult`.

Errors: ``start()`` raises `ExecutorError` (or a subclass: `UnknownImage`, `Unschedulable`) when a step cannot
be started at all; the engine marks the node ``Error`` with ``str(error)`` as its message. A step that starts
and fails is a `StepResult` with a non-zero ``exit_code``, never an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from argento.errors import ExecutorError

if TYPE_CHECKING:
    import asyncio

#: Argo keeps the last 256 kB of a step's stdout as ``outputs.result``.
RESULT_LIMIT = 256 * 1024

#: Argo's node message when ``activeDeadlineSeconds``/``timeout`` elapses.
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass
class PodSpec:
    """One Pod-type node, fully substituted by the engine."""

    node_id: str
    workflow: str
    template: str
    image: str
    command: list[str]
    args: list[str]
    env: dict[str, str]
    working_dir: str | None
    #: Script template source: written to a file whose path is appended to the arguments (Argo's rule).
    script_source: str | None
    #: Kubernetes quantities, e.g. ``{"cpu": "500m", "memory": "64Mi"}``.
    requests: dict[str, str]
    limits: dict[str, str]
    #: Container path -> host path (emptyDir volumes, input artifact dirs or files).
    mounts: dict[str, Path]
    #: Combined stdout+stderr of the main container.
    log_path: Path
    #: A private per-node host dir the executor may use (sandbox root, private /tmp, script file).
    workdir: Path
    #: Run alongside main, killed after main ends.
    sidecars: list[PodSpec] = field(default_factory=list)
    #: Seconds; the process group is killed when it elapses (``timed_out=True``).
    timeout: float | None = None
    #: Absolute container paths the engine will read back with `StepHandle.host_path` (output parameter
    #: ``valueFrom.path`` and output artifact paths). The executor makes their parent directories exist and
    #: keeps them private to this step.
    output_paths: list[str] = field(default_factory=list)
    #: The container asked for a terminal (``tty: true``): stdin and stdout are a pseudo-terminal.
    tty: bool = False
    #: The pod's ``nodeSelector`` (workflow's, then template's): where a multi-node executor may place it.
    node_selector: dict[str, str] = field(default_factory=dict)


@dataclass
class StepResult:
    """How a step ended."""

    exit_code: int = 0
    #: stdout, last 256 kB, one trailing newline trimmed (Argo's ``outputs.result``).
    result: str = ""
    #: ``""`` on success, else Argo's node message (``Error (exit code 1)``, the deadline message, …).
    message: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    timed_out: bool = False
    #: Ended by `StepHandle.kill` (the engine writes its own stop/terminate message).
    killed: bool = False


@runtime_checkable
class StepHandle(Protocol):
    """A started (or admission-pending) step."""

    pid: int | None
    #: Set when the step got its resources and its process started; until then the engine shows it Pending.
    admitted: asyncio.Event

    async def wait(self) -> StepResult: ...

    async def kill(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``grace`` seconds; returns when the step has ended."""
        ...

    def host_path(self, container_path: str) -> Path:
        """Where a file the step wrote at an absolute container path lives on the host.

        Symbolic links are followed as the step sees them; one that leads outside the step's own files raises
        `UnsafeOutputPath` (an `ExecutorError`)."""
        ...


@runtime_checkable
class Executor(Protocol):
    """Runs Pod-type nodes.

    An executor whose steps are not processes writing host folders (the ``fake``) may set the class
    attribute ``runs_processes = False``: the engine then makes no per-step folder for it."""

    name: str

    async def start(self, pod: PodSpec) -> StepHandle: ...

    async def close(self) -> None: ...


@runtime_checkable
class Adopter(Protocol):
    """An executor whose steps can outlive the engine that started them (SPEC §6 R1).

    A restarted engine calls ``adopt`` for each Pod node that was unfinished when the previous one stopped,
    with the node's `PodSpec` rebuilt (input artifacts are not fetched again). It returns a handle on the
    step the earlier engine started — still running, or already ended, with its recorded result — or None
    when that step never started (then the engine starts it). It raises `StepLost` when the step started but
    how it ended can no longer be known. ``detach`` lets go of the running steps without stopping them (a
    server shutting down).
    """

    async def adopt(self, pod: PodSpec) -> StepHandle | None: ...

    def detach(self) -> None: ...


ScriptFn = Callable[[PodSpec], "StepResult | Awaitable[StepResult]"]


class UnknownImage(ExecutorError):
    """The image has no local runtime mapping (or the mapping says it is unsupported)."""

    def __init__(self, message: str, *, image: str) -> None:
        super().__init__(message)
        self.image = image


class CommandNotFound(ExecutorError):
    """The container's command cannot be executed (not found on the image's PATH, or not executable).

    ``str()`` is Go's ``exec.LookPath`` error (``exec: "x": executable file not found in $PATH``); the engine
    reports it as Argo's emissary does: the main container exits 64 and the node Fails with that reason.
    """


class UnsafeOutputPath(ExecutorError):
    """An output path reached through a symbolic link that leads outside the step's own files."""


class Unschedulable(ExecutorError):
    """The pod asks for more cpu/memory than the whole machine has (Kubernetes' scheduler message)."""


class StepLost(ExecutorError):
    """How a started step ended cannot be known: its supervisor vanished without recording it.

    Raised by `StepHandle.wait` (and by an executor's ``adopt``); the engine marks the node ``Error`` with
    the message, as Argo's controller marks the node of a pod that disappeared (``pod deleted``).
    """


def exit_message(exit_code: int, *, timed_out: bool = False) -> str:
    """Argo's node message for a finished main container."""
    if timed_out:
        return DEADLINE_MESSAGE
    return "" if exit_code == 0 else f"Error (exit code {exit_code})"


def result_text(stdout_tail: bytes | bytearray | memoryview) -> str:
    """``outputs.result`` from the captured stdout: the last 256 kB, one trailing newline trimmed."""
    data = bytes(stdout_tail[-RESULT_LIMIT:])
    if data.endswith(b"\n"):
        data = data[:-1]
    return data.decode("utf-8", "replace")


def status_to_exit_code(returncode: int) -> int:
    """Popen's returncode (negative for a signal) as a container exit code (128 + signal)."""
    return 128 - returncode if returncode < 0 else returncode
