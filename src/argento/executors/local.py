"""The ``local`` executor: one host process per step (SPEC §2.4).

Per step: resolve the image (`images`), admit its requests (`admission`), plan its filesystem (`layout`),
start it in its own session/process group inside its mount namespace (`sandbox`), and wait for it with a
pidfd registered on the event loop — no polling, no thread per child, no Python interpreter launched.
(Unprivileged, steps are children of the `zygote`, whose exit reports arrive on a socket the loop watches.)

Output capture: stdout and stderr go through two pipes that the event loop drains into the node log
(``O_APPEND``, so the two interleave live), each chunk's time and stream in the log's index (`logcap`),
keeping the last 256 kB of stdout in memory for ``outputs.result``. The log stops at ARGENTO_MAX_STEP_LOG_BYTES with a marker line (`logcap`); the pipes keep
being drained. Lines written to the two streams within the same few microseconds may appear in either order
in the log.

Environment: the step gets its ``env`` (the engine adds Argo's variables), the image mapping's ``env``,
``PATH`` (the mapping's dirs, the executor's bin dir, then the host PATH) and, from the host, only ``HOME``,
the locale (``LANG``, ``LANGUAGE``, ``LC_ALL``, ``LC_CTYPE``), ``TZ``, ``USER``/``LOGNAME`` and the proxy
variables. Nothing else leaks: a step never sees the engine's ``PYTHONPATH``, ``VIRTUAL_ENV`` or secrets.
In rewrite mode ``TMPDIR`` points at the step's private tmp. In the namespace modes ``ARGENTO_HOME`` is a view
with only what steps use (`homeview`): no secret store, no database, no other workflow's run.

Images: an image the table does not map runs on the host with a `ImageRuntime.warning`, written as the first
line of the step's log and exposed as `LocalHandle.warnings` (the engine makes it a ``SpecWarning`` condition).

Ending: when the main process exits, whatever is left of its process group is SIGKILLed before the main
process is reaped (a container's processes die with it; the pid cannot be reused meanwhile). Sidecars get
SIGTERM, then SIGKILL after ``kill_grace``. ``kill()`` and timeouts SIGTERM the group, then SIGKILL it after
the grace period. Processes that leave the group (``setsid``) are out of reach — a documented limit. If the
engine itself dies (SIGKILL, a crash), the `watchdog` kills the steps' groups: a step never completes unseen.

Durable steps (``durable=True``, what `argento server` uses; SPEC §6 R1): steps are spawned by a `supervisor`
process that outlives the engine instead — it copies their stdout into the log, keeps the result tail and
records how each step ended next to it — so a killed server's steps run on and the next server adopts
them. `detach` lets go of running steps without stopping them (the server shutting down).

Zombies: killed background processes are orphans, normally reaped by init — but a container's PID 1 often
does not reap (this is how zombies pile up under ``docker run`` without ``--init``). So by default the
executor makes its process a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): a step's orphans are
reparented to us and reaped with ``waitpid(-pgid)``, which only ever touches the step's own process group.
Trade-off: an orphan that left its group (a ``setsid`` daemon) now waits for the engine to exit to be
reaped. ``reap_orphans=False`` turns this off. (Steps spawned by the zygote are its children: it kills
their groups and reaps their orphans itself.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from argento.config import Settings
from argento.errors import ArgentoError, ExecutorError

from .admission import Admission, Resources, parse_quantity, pod_capacity
from .base import (
    RESULT_LIMIT,
    CommandNotFound,
    PodSpec,
    StepLost,
    StepResult,
    exit_message,
    result_text,
    status_to_exit_code,
)
from .homeview import HomeViews
from .images import ImageRuntime, ImageTable, Runtime
from .layout import Layout, plan_namespace, plan_rewrite
from .logcap import READ_CHUNK, STDERR, STDOUT, CappedLog, PipeLog, index_path
from .sandbox import (
    RLIMITS,
    Spawner,
    host_mount_points,
    probe_overlay,
    set_child_subreaper,
    shared_spawner,
)
from .watchdog import shared_watchdog

if TYPE_CHECKING:  # durable steps only (`argento server`): `argento run` does not load the supervisor
    from .supervisor import AdoptedHandle, SupervisorSpawner

log = logging.getLogger("argento.executors")

_ENV_PASSTHROUGH = (
    "HOME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "USER",
    "LOGNAME",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
)
log = logging.getLogger(__name__)

#: What `isolation_warning` says when steps cannot get a private mount namespace (docs/operations.md).
REWRITE_WARNING = (
    "steps are not isolated: mount namespaces are unavailable here (or ARGENTO_ISOLATION=rewrite), so every "
    "step can read ARGENTO_HOME — the secret store and its key, the state database, other workflows' runs — "
    "and programs of images are found only where the step names them in its command, args, env or script "
    "(see 'Step isolation' in docs/operations.md)"
)
ISOLATIONS = ("auto", "namespace", "userns", "rewrite")

_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC


def _open_tty() -> tuple[int, int]:
    """A pseudo-terminal pair (master, slave) with output post-processing off, so ``\\n`` stays ``\\n``."""
    import pty
    import termios

    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    os.set_inheritable(master, False)
    os.set_inheritable(slave, False)
    return master, slave


@dataclass
class _Prepared:
    """Everything needed to spawn one container, computed before admission."""

    pod: PodSpec
    layout: Layout
    argv: list[str]
    env: dict[str, str]
    rlimit: tuple[int, int] | None
    #: The image runs without a mapping (`ImageRuntime.warning`): said once in the step's log.
    warning: str = ""


class _Proc:
    """One running host process, watched through a pidfd on the event loop."""

    __slots__ = ("_loop", "_on_exit", "pid", "pidfd", "popen", "returncode")

    def __init__(self, loop: asyncio.AbstractEventLoop, popen: subprocess.Popen[bytes], on_exit) -> None:
        self._loop = loop
        self.popen = popen
        self.pid = popen.pid
        self.returncode: int | None = None
        self._on_exit = on_exit
        self.pidfd: int | None = None
        if getattr(popen, "remote", False):
            # spawned (and reaped) by the zygote or the supervisor, which reports the exit
            popen.spawner.watch(self.pid, self._remote_exited)
            return
        shared_watchdog().watch(self.pid)  # the step's group (its own session) dies with this process
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):  # kernel < 5.3: a waiting thread, the only portable fallback
            self.pidfd = None
            fut = loop.run_in_executor(None, popen.wait)
            fut.add_done_callback(lambda _: self._exited())
        else:
            loop.add_reader(self.pidfd, self._exited)

    def signal(self, sig: int) -> None:
        if self.returncode is not None:
            return
        if getattr(self.popen, "remote", False):
            with contextlib.suppress(OSError):
                self.popen.spawner.signal(self.pid, sig)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def _remote_exited(self, returncode: int) -> None:
        if self.returncode is None:
            self.returncode = self.popen.returncode = returncode
            if getattr(self.popen, "lost", False):  # its supervisor died: nothing will record it, end it
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
            self._on_exit(self)

    def _exited(self) -> None:
        if self.returncode is not None:
            return
        if self.pidfd is not None:
            self._loop.remove_reader(self.pidfd)
        # The process is a zombie until reaped, so its pid (= the group id) cannot be reused yet: kill
        # whatever is left of the group (background children), as a container's processes die with it.
        try:
            os.killpg(self.pid, signal.SIGKILL)
            leftovers = True
        except (ProcessLookupError, PermissionError):
            leftovers = False
        shared_watchdog().forget(self.pid)
        self.returncode = self.popen.wait()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        if leftovers:
            self._reap_group(0)
        else:
            self._on_exit(self)

    def _reap_group(self, attempt: int) -> None:
        """Reap the killed group's members, reparented to us (a child subreaper), then report the exit.

        ``waitpid(-pgid)`` only touches children in the step's own process group, never anyone else's. A
        member's children are reparented to us before it becomes a zombie, so ECHILD means none is left.
        SIGKILLed processes die within microseconds, so this settles in a pass or two; a process stuck in
        uninterruptible sleep is reaped in the background after the step is reported (after ~1.5 s).
        """
        try:
            while os.waitpid(-self.pid, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            if attempt < 100:
                self._on_exit(self)
            return
        if attempt == 12:
            self._on_exit(self)
        self._loop.call_later(
            0.0005 * 2 ** min(attempt, 10), self._reap_group, attempt + 1 if attempt < 12 else 100
        )


class LocalHandle:
    """A step run by `LocalExecutor`."""

    def __init__(
        self, executor: LocalExecutor, main: _Prepared, sidecars: list[_Prepared], request: Resources
    ) -> None:
        self._ex = executor
        self._loop = asyncio.get_running_loop()
        self._main_spec = main
        self._sidecar_specs = sidecars
        self._request = request
        self.pod = main.pod
        self.layout = main.layout
        #: Things the user should know about this step (an unmapped image); the engine records them.
        self.warnings = [p.warning for p in (main, *sidecars) if p.warning]
        self.pid: int | None = None
        self.admitted = asyncio.Event()
        self._done: asyncio.Future[StepResult] = self._loop.create_future()
        self._main: _Proc | None = None
        self._sidecars: list[_Proc] = []
        self._sidecar_logs: list[PipeLog] = []  # their pipes, drained on this loop (not durable)
        self._pending: asyncio.Task[None] | None = None
        self._out: int | None = None
        self._err: int | None = None  # stderr's read end until the step is spawned
        self._err_log: PipeLog | None = None  # then drained from here (not durable)
        self._log: int | None = None
        self._index: int | None = None  # the log's line index (`logcap`)
        self._sink: CappedLog | None = None
        self._tail = bytearray()
        self._timer: asyncio.TimerHandle | None = None
        self._kill_timer: asyncio.TimerHandle | None = None
        self._sidecar_timer: asyncio.TimerHandle | None = None
        self._killed = False
        self._timed_out = False
        self._started_at = 0.0
        self._finished_at = 0.0
        self._exit_code = 0
        self._error: ExecutorError | None = None

    # -- public ------------------------------------------------------------------------------------------
    async def wait(self) -> StepResult:
        """The step's result (raises `ExecutorError` if a step admitted later could not be started)."""
        return await asyncio.shield(self._done)

    async def kill(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL after ``grace``; a pending step is withdrawn from the queue.

        A running durable step of a detached executor is left alone (the next server adopts it)."""
        if self._done.done() or (self._ex.detached and self._main is not None):
            return
        self._killed = True
        if self._main is None:
            if self._pending is not None:
                self._pending.cancel()  # its acquire() gives back anything granted meanwhile
            self._settle_unstarted()
        else:
            self._terminate(grace)
        with contextlib.suppress(ExecutorError):
            await asyncio.shield(self._done)

    def host_path(self, container_path: str) -> Path:
        """Where the step's file at ``container_path`` is on the host, links followed in the step's view."""
        return self.layout.resolve_output(container_path)

    @property
    def isolation(self) -> str:
        return self._ex.isolation

    # -- start ---------------------------------------------------------------------------------------------
    async def _admit_then_launch(self) -> None:
        try:
            await self._ex.admission.acquire(self._request)
        except asyncio.CancelledError:
            if self._killed:
                self._settle_unstarted()
                return
            raise
        try:
            self._launch()
        except ExecutorError as e:
            self._ex._live.discard(self)
            if not self._done.done():
                self._done.set_exception(e)

    def _settle_unstarted(self) -> None:
        """Killed while waiting for admission: the step never ran."""
        self._started_at = self._finished_at = time.time()
        self._exit_code = 128 + signal.SIGTERM
        self._settle()

    def _launch(self) -> None:
        ex, spec = self._ex, self._main_spec
        durable = ex.supervisor
        # Durable: the supervisor records the step and copies its stdout (``tee``) into the log.
        record = None
        if durable is not None:
            from .supervisor import record_path

            record = record_path(spec.pod.workdir)
        extra: dict[str, object] = {"group": str(record)} if record is not None else {}
        try:
            for sc in self._sidecar_specs:
                self._launch_sidecar(sc, extra)
            self._log = _open_log(spec.pod.log_path)
            self._index = _open_log(index_path(spec.pod.log_path))
            self._sink = CappedLog(self._log, ex.settings.max_step_log_bytes, self._index)
            if spec.warning:
                self._sink.write(f"argento: warning: {spec.warning}\n".encode(), STDERR)
            if spec.pod.tty:
                r, w = _open_tty()  # `tty: true`: the step sees a terminal on stdin and stdout
            else:
                r, w = os.pipe()  # both non-inheritable (PEP 446); Popen dups w onto the child's stdout
            self._out = r
            self._err, ew = os.pipe()  # stderr: drained into the capped log too
            self._started_at = time.time()
            if durable is not None:  # it also copies stderr into the log, both under the log cap
                header = durable.header(spec.pod, self._started_at)
                extra.update(record=record, header=header, tee=r, tee_err=self._err, log=self._log)
                extra["log_index"] = self._index
                extra["log_limit"] = ex.settings.max_step_log_bytes
            try:
                popen = ex._spawn(spec, stdout=w, stderr=ew, stdin=w if spec.pod.tty else None, **extra)
            finally:
                os.close(w)
                os.close(ew)
        except OSError as e:  # the log cannot be created (a full disk, …)
            self._abort_launch()
            raise ExecutorError(f"cannot start the step: {e.strerror or e}") from e
        except BaseException:
            self._abort_launch()
            raise
        self.pid = popen.pid
        self._main = _Proc(self._loop, popen, self._main_exited)
        if durable is not None:  # the supervisor holds its own copies
            self._close_stdout()
            os.close(self._err)  # type: ignore[arg-type]
            os.close(self._log)  # type: ignore[arg-type]
            os.close(self._index)  # type: ignore[arg-type]
            self._log = self._index = None
            self._sink = None
        else:
            os.set_blocking(r, False)
            self._loop.add_reader(r, self._read_stdout)
            assert self._sink is not None and self._err is not None
            self._err_log = PipeLog(self._loop, self._sink, {self._err: STDERR})
        self._err = None
        if spec.pod.timeout is not None:
            self._timer = self._loop.call_later(max(spec.pod.timeout, 0.0), self._deadline)
        self.admitted.set()

    def _launch_sidecar(self, spec: _Prepared, extra: dict[str, object]) -> None:
        """Start a sidecar, its stdout and stderr into its own capped, indexed log (as the main container's).

        Durable, the supervisor copies its pipes into the log (it outlives this engine); otherwise a `PipeLog`
        drains them on this loop."""
        limit = self._ex.settings.max_step_log_bytes
        fds: list[int] = []
        try:
            log = _open_log(spec.pod.log_path)
            fds.append(log)
            index = _open_log(index_path(spec.pod.log_path))
            fds.append(index)
            out, ow = os.pipe()
            fds += (out, ow)
            err, ew = os.pipe()
            fds += (err, ew)
            if self._ex.supervisor is not None:
                tee = {"tee": out, "tee_err": err, "log": log, "log_index": index, "log_limit": limit}
                popen = self._ex._spawn(spec, stdout=ow, stderr=ew, **extra, **tee)
            else:
                popen = self._ex._spawn(spec, stdout=ow, stderr=ew, **extra)
                sink = CappedLog(log, limit, index)
                self._sidecar_logs.append(PipeLog(self._loop, sink, {out: STDOUT, err: STDERR}))
                fds = [ow, ew]  # the pipes are the PipeLog's, the log's fds closed with it (_close_sidecar_logs)
        finally:
            for fd in fds:
                os.close(fd)
        self._sidecars.append(_Proc(self._loop, popen, self._sidecar_exited))

    def _abort_launch(self) -> None:
        for proc in self._sidecars:
            proc.signal(signal.SIGKILL)
        for fd in (self._out, self._err, self._log, self._index):
            if fd is not None:
                os.close(fd)
        self._out = self._err = self._log = self._index = None
        self._close_sidecar_logs()
        self._ex.admission.release(self._request)

    def _close_sidecar_logs(self, drain: bool = False) -> None:
        for sidecar_log in self._sidecar_logs:
            if drain:
                sidecar_log.drain()
            sidecar_log.close()
            sink = sidecar_log.sink
            for fd in (sink.fd, sink.index):
                if fd is not None:
                    os.close(fd)
        self._sidecar_logs.clear()

    # -- running -------------------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        fd = self._out
        if fd is None:
            return
        for _ in range(16):  # bounded, so a chatty step cannot starve the loop
            try:
                data = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._close_stdout()
                return
            if self._sink is not None:
                self._sink.write(data)
            tail = self._tail
            tail += data
            if len(tail) > 2 * RESULT_LIMIT:
                del tail[:-RESULT_LIMIT]

    def _close_stdout(self) -> None:
        if self._out is not None:
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self._out)
            os.close(self._out)
            self._out = None

    def _terminate(self, grace: float) -> None:
        main = self._main
        if main is None or main.returncode is not None:
            return
        if grace <= 0:
            main.signal(signal.SIGKILL)
            return
        main.signal(signal.SIGTERM)
        if self._kill_timer is None:
            self._kill_timer = self._loop.call_later(grace, main.signal, signal.SIGKILL)

    def _deadline(self) -> None:
        self._timer = None
        self._timed_out = True
        self._terminate(self._ex.kill_grace)

    def _main_exited(self, proc: _Proc) -> None:
        self._finished_at = time.time()
        self._exit_code = status_to_exit_code(proc.returncode or 0)
        timeout = self._main_spec.pod.timeout
        if timeout is not None and self._finished_at - self._started_at >= timeout:
            # The deadline passed while the loop was busy and the exit was seen first: it still ran too long.
            self._timed_out = True
        for timer in (self._timer, self._kill_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._kill_timer = None
        popen = proc.popen
        if getattr(popen, "lost", False):
            from .supervisor import LOST_MESSAGE

            self._error = StepLost(LOST_MESSAGE)
        elif hasattr(popen, "result_tail"):  # durable: the supervisor kept stdout's tail
            try:
                self._tail = bytearray(popen.result_tail())
            except StepLost as e:
                self._error = e
        # Drain what the (now dead) group left in the pipe, then stop listening.
        while self._out is not None:
            before = len(self._tail)
            self._read_stdout()
            if self._out is not None and len(self._tail) == before:
                self._close_stdout()
        if self._err_log is not None:
            self._err_log.drain()
        for fd in (self._log, self._index):
            if fd is not None:
                os.close(fd)
        self._log = self._index = None
        live = [p for p in self._sidecars if p.returncode is None]
        if not live:
            self._settle()
            return
        for p in live:
            p.signal(signal.SIGTERM)
        self._sidecar_timer = self._loop.call_later(
            self._ex.kill_grace, lambda: [p.signal(signal.SIGKILL) for p in self._sidecars]
        )

    def _sidecar_exited(self, proc: _Proc) -> None:
        main = self._main
        if main is None or main.returncode is None:
            return  # a sidecar ending early does not end the pod
        if all(p.returncode is not None for p in self._sidecars):
            if self._sidecar_timer is not None:
                self._sidecar_timer.cancel()
            self._settle()

    def _settle(self) -> None:
        if self._done.done():
            return
        self._close_sidecar_logs(drain=True)
        if self._main is not None:
            self._ex.admission.release(self._request)
        self._ex._live.discard(self)
        if self._error is not None:
            self._done.set_exception(self._error)
            return
        code = self._exit_code
        self._done.set_result(
            StepResult(
                exit_code=code,
                result=result_text(self._tail),
                message=exit_message(code, timed_out=self._timed_out),
                started_at=self._started_at,
                finished_at=self._finished_at,
                timed_out=self._timed_out,
                killed=self._killed,
            )
        )


_DEVNULL = -1


def _devnull() -> int:
    """One /dev/null fd for every step's stdin, opened once per process."""
    global _DEVNULL
    if _DEVNULL < 0:
        _DEVNULL = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    return _DEVNULL


def _open_log(path: Path) -> int:
    # 0600: a step's log may show what its secrets unlocked; it is for its owner only.
    try:
        return os.open(path, _LOG_FLAGS, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, _LOG_FLAGS, 0o600)


def _dedup(paths: tuple[str | Path, ...]) -> list[str]:
    """Existing real paths, none inside another."""
    keep: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.exists(real) and not any(real == k or real.startswith(k + "/") for k in keep):
            keep.append(real)
    return keep


def isolation_warning(settings: Settings) -> str:
    """What ``argento server``/``argento run`` say at start-up when steps cannot be isolated ("" if they can).

    Detects the process-wide spawner (`sandbox.shared_spawner`) the executor will use, so call it from the
    thread that will run the event loop.
    """
    isolation = settings.isolation if settings.isolation in ISOLATIONS else "auto"
    try:
        mode = shared_spawner(isolation).mode
    except OSError:
        return ""  # the executor reports it when it starts a step
    return REWRITE_WARNING if mode == "rewrite" else ""


class LocalExecutor:
    """Runs each Pod-type node as a host process (see the module doc for the contract)."""

    name = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        isolation: str | None = None,
        admission: Admission | None = None,
        host_env: dict[str, str] | None = None,
        kill_grace: float = 10.0,
        reap_orphans: bool = True,
        durable: bool = False,
    ) -> None:
        """``isolation``: ``auto`` (namespaces when available, else path rewriting), ``namespace``,
        ``userns`` or ``rewrite`` (force the fallback, e.g. to test it); default ``Settings.isolation``.
        ``host_env`` defaults to a snapshot of ``os.environ`` taken here. ``reap_orphans`` makes this process a
        child subreaper (see module doc). ``durable``: steps outlive this process and can be adopted by the next
        one (see module doc)."""
        isolation = isolation or settings.isolation
        if isolation not in ISOLATIONS:
            raise ExecutorError(
                f"ARGENTO_ISOLATION must be one of {', '.join(ISOLATIONS)}, not {isolation!r}"
            )
        env = dict(os.environ if host_env is None else host_env)
        self.settings = settings
        self.kill_grace = kill_grace
        self.durable = durable
        #: Set by `detach`: running steps are left to their supervisor.
        self.detached = False
        self.admission = admission or Admission()
        self._host_path = env.get("PATH") or os.defpath
        self._base_env = {k: env[k] for k in _ENV_PASSTHROUGH if k in env}
        self.runtime = Runtime(settings, self._host_path)
        self.images = ImageTable(settings, self.runtime, self._host_path)
        self._isolation_request = isolation
        self._spawner: Spawner | None = None
        self._env_cache: dict[str, dict[str, str]] = {}
        self._real_parents: dict[str, str] = {}
        self._home_views = HomeViews(settings.home)
        self._warned: set[str] = set()
        self._live: set[LocalHandle] = set()
        if reap_orphans:
            set_child_subreaper()
        # Each running step holds five fds (stdout and stderr pipes, log and its index, pidfd): a 1,000-step fan-out needs more than
        # the usual soft limit of 1024, so raise it to the hard limit (as Go's runtime does at start-up).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        if admission is None:  # past what the raised limit allows, steps wait for a slot (`admission`)
            self.admission.max_pods = pod_capacity()
        # Steps running `python` use this interpreter and its packages: where those are imported from must stay
        # visible even under the step's private /tmp (a checkout under /tmp installed in editable mode). The
        # home is kept as a whole in rewrite mode only; namespace modes show steps a view of it (`homeview`).
        interpreter = (
            sys.prefix,
            sys.base_prefix,
            os.path.dirname(os.path.realpath(sys.executable)),
            str(Path(__file__).resolve().parents[2]),  # the folder holding the `argento` package
        )
        self._keep = _dedup((settings.home, *interpreter))
        self._keep_ns = _dedup(interpreter)

    @property
    def spawner(self) -> Spawner:
        # Detected lazily, in the thread that runs the event loop (namespace mode is per thread).
        if self._spawner is None:
            if self.durable:
                from .supervisor import shared_supervisor

                try:
                    self._spawner = shared_supervisor(self._isolation_request)
                except OSError as e:
                    log.warning("steps will not survive the server: cannot start their supervisor (%s)", e)
            if self._spawner is None:
                self._spawner = shared_spawner(self._isolation_request)
        return self._spawner

    @property
    def supervisor(self) -> SupervisorSpawner | None:
        """The durable steps' supervisor (None: steps die with this process, see the module doc)."""
        spawner = self.spawner
        if not self.durable:
            return None
        from .supervisor import SupervisorSpawner

        return spawner if isinstance(spawner, SupervisorSpawner) else None

    @functools.cached_property
    def _private_dirs(self) -> tuple[str, str, tuple[str, ...]]:
        """(overlay capability, overlay options, host mount points), probed once — when a step first needs a
        private root (`layout.plan_namespace`), not for every run: the probe starts a process."""
        overlay, options = probe_overlay(self.spawner, self.runtime.root)
        return overlay, options, host_mount_points()

    def _private_dirs_once(self) -> tuple[str, str, tuple[str, ...]]:
        return self._private_dirs

    @property
    def isolation(self) -> str:
        """``namespace``, ``userns`` or ``rewrite``."""
        return self.spawner.mode

    @property
    def capacity(self) -> Resources:
        return self.admission.capacity

    async def start(self, pod: PodSpec) -> LocalHandle:
        """Start ``pod`` (or queue it for admission); raises `ExecutorError` if it cannot run at all."""
        try:
            main = self._prepare(pod)
            sidecars = [self._prepare(sc) for sc in pod.sidecars]
        except OSError as e:  # a full disk, …: the node's error, not the engine's
            raise ExecutorError(f"cannot prepare the step: {e.strerror or e}") from e
        request = (
            Resources.total(Resources.of_container(p.requests, p.limits) for p in (pod, *pod.sidecars))
            if (pod.requests or pod.limits or pod.sidecars)
            else Resources()
        )
        self.admission.check(request)
        handle = LocalHandle(self, main, sidecars, request)
        if self.admission.try_acquire(request):
            handle._launch()
        else:
            handle._pending = asyncio.get_running_loop().create_task(handle._admit_then_launch())
        self._live.add(handle)
        return handle

    async def close(self) -> None:
        """Kill every running step (SIGTERM, SIGKILL after 1 s) unless detached (`detach`). The process-wide
        spawner stays."""
        live = list(self._live)
        if live:
            await asyncio.gather(
                *(h.kill(grace=min(self.kill_grace, 1.0)) for h in live), return_exceptions=True
            )

    def detach(self) -> None:
        """Leave the running durable steps to their supervisor (a server shutting down): `kill` and `close`
        no longer stop them, and the next server adopts them. Steps still waiting for admission are withdrawn
        by `close` as before (they never started). Without ``durable`` this changes nothing."""
        supervisor = self.supervisor if self._spawner is not None else None
        if supervisor is None:
            return
        self.detached = True
        for handle in list(self._live):
            if isinstance(handle, LocalHandle):
                for timer in (handle._timer, handle._kill_timer, handle._sidecar_timer):
                    if timer is not None:
                        timer.cancel()
            else:
                handle._task.cancel()  # stop following it; the next server does
        supervisor.close()  # it finishes and records the steps on its own; the next spawn starts a new one

    async def adopt(self, pod: PodSpec) -> AdoptedHandle | None:
        """The step an earlier engine started for ``pod`` (see `supervisor`); None if it never started."""
        from .supervisor import AdoptedHandle, adoptable

        found = adoptable(pod)
        if found is None:
            return None
        path, rec = found
        request = (
            Resources.total(Resources.of_container(p.requests, p.limits) for p in (pod, *pod.sidecars))
            if (pod.requests or pod.limits or pod.sidecars)
            else Resources()
        )
        handle = AdoptedHandle(self, pod, self._plan(pod), path, rec, kill_grace=self.kill_grace)
        self.admission.take(request)  # it runs (or ran) already: count it until it has ended
        self._live.add(handle)

        def ended(_: object) -> None:
            self._live.discard(handle)
            self.admission.release(request)

        handle._done.add_done_callback(ended)
        return handle

    def spawn_in_step(
        self,
        pod: PodSpec,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        stdin: int,
        stdout: int,
        stderr: int,
    ) -> tuple[asyncio.Future[int], Layout, list[str]]:
        """Start ``argv`` in ``pod``'s exact environment — its filesystem view (mount namespace or path
        rewriting), env, working directory, placed inputs — as ``argento run --break`` does for a shell.

        Returns (its exit code, a future), the step's layout (``host_path``), and the command the step
        itself runs (image resolved, script file appended). The process ends like a step: what is left of
        its group when it exits is killed."""
        spec = self._prepare(pod)
        shell = _Prepared(pod, spec.layout, list(argv), {**spec.env, **(env or {})}, None)
        popen = self._spawn(shell, stdin=stdin, stdout=stdout, stderr=stderr)
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        _Proc(
            asyncio.get_running_loop(),
            popen,
            lambda proc: done.done() or done.set_result(status_to_exit_code(proc.returncode or 0)),
        )
        return done, spec.layout, spec.argv

    # -- internals -----------------------------------------------------------------------------------------
    def _plan(self, pod: PodSpec, runtime: ImageRuntime | None = None) -> Layout:
        """The step's file system (idempotent: an adopted step's layout is planned again the same way)."""
        if runtime is None:
            try:
                runtime = self.images.resolve(pod.image)
            except ArgentoError:  # an adopted step whose image is refused now: it runs already
                runtime = ImageRuntime(pattern="")
        rewrite = self.spawner.mode == "rewrite"
        # Our own host paths (home, interpreter, the step's workdir: script file, default cwd) stay reachable.
        workdir = self._real_dir(pod.workdir)
        view = None if rewrite else self._home_views.for_workdir(pod.workdir, real=workdir)
        keep = self._keep if view is None else self._keep_ns
        covered = [view.own] if view is not None and view.own else []
        if not any(workdir == k or workdir.startswith(k + "/") for k in (*keep, *covered)):
            keep = [*keep, workdir]
        if rewrite:
            return plan_rewrite(
                pod.workdir,
                pod.mounts,
                pod.output_paths,
                pod.working_dir,
                keep=keep,
                programs=runtime.programs,
            )
        return plan_namespace(
            pod.workdir,
            pod.mounts,
            pod.output_paths,
            pod.working_dir,
            keep_visible=keep,
            private=self._private_dirs_once,
            programs=runtime.programs,
            home_view=view.binds if view is not None else None,
            read_only=view.read_only if view is not None else (),
        )

    def _real_dir(self, path: Path) -> str:
        """``os.path.realpath(path)``, with the real path of its parent (the run's folder, the same for all its
        steps) resolved once: a step's folder is a plain directory made for it, checked with one ``lstat``."""
        parent, name = os.path.split(os.fspath(path))
        try:
            if name in ("", ".", "..") or os.path.islink(path):
                return os.path.realpath(path)
        except OSError:
            return os.path.realpath(path)
        real = self._real_parents.get(parent)
        if real is None:
            if len(self._real_parents) >= 1024:  # a long-lived server: one entry per workflow, kept bounded
                self._real_parents.clear()
            real = self._real_parents[parent] = os.path.realpath(parent)
        return os.path.join(real, name)

    def _prepare(self, pod: PodSpec) -> _Prepared:
        runtime = self.images.resolve(pod.image)
        if runtime.warning and pod.image not in self._warned:
            self._warned.add(pod.image)
            log.info("%s", runtime.warning)  # the step log and a SpecWarning condition say it to the user
        rewrite = self.spawner.mode == "rewrite"
        layout = self._plan(pod, runtime)
        argv = runtime.argv(pod.command, pod.args)
        if not argv and runtime.warning:
            raise ExecutorError(
                f'image "{pod.image}" has no local runtime mapping, so its ENTRYPOINT/CMD are unknown here: give '
                f"the template a command, or map the image in {self.images.table_file} (docs/images.md)"
            )
        if not argv:
            raise ExecutorError(
                f'image "{pod.image}" has no default command ({runtime.pattern!r} in {runtime.source}); '
                "give the template a command"
            )
        env = dict(self._image_env(runtime))
        if rewrite:
            argv = [layout.rewrite(a) for a in argv]
            env.update((k, layout.rewrite(v)) for k, v in pod.env.items())
            env["TMPDIR"] = str(pod.workdir / "tmp")
        else:
            env.update(pod.env)
        if pod.script_source:
            # Argo writes the source to a file and appends its path to the arguments.
            script = pod.workdir / "script"
            script.write_text(layout.rewrite(pod.script_source) if rewrite else pod.script_source)
            argv.append(str(script))
        rlimit = None
        memory = pod.limits.get("memory")
        if memory and runtime.memory_rlimit != "none":
            rlimit = (RLIMITS[runtime.memory_rlimit], int(parse_quantity(memory)))
        return _Prepared(pod, layout, argv, env, rlimit, runtime.warning)

    def _image_env(self, runtime: ImageRuntime) -> dict[str, str]:
        env = self._env_cache.get(runtime.pattern)
        if env is None:
            dirs: list[str] = []
            for d in (*runtime.path, str(self.runtime.bin), *self._host_path.split(os.pathsep)):
                if d and d not in dirs:
                    dirs.append(d)
            env = {**self._base_env, "PATH": os.pathsep.join(dirs), **runtime.env}
            self._env_cache[runtime.pattern] = env
        return env

    def _spawn(
        self, spec: _Prepared, *, stdout: int, stderr: int, stdin: int | None = None, **durable: object
    ) -> subprocess.Popen[bytes]:
        try:
            return self.spawner.spawn(
                spec.layout,
                spec.argv,
                spec.env,
                stdin=_devnull() if stdin is None else stdin,
                stdout=stdout,
                stderr=stderr,
                rlimit=spec.rlimit,
                **durable,  # type: ignore[arg-type]
            )
        except FileNotFoundError as e:
            if e.filename and str(e.filename) == spec.layout.cwd:
                raise ExecutorError(f"working directory {spec.pod.working_dir!r} cannot be entered") from e
            raise CommandNotFound(f'exec: "{spec.argv[0]}": executable file not found in $PATH') from e
        except PermissionError as e:
            raise CommandNotFound(f'exec: "{spec.argv[0]}": permission denied') from e
        except OSError as e:
            raise ExecutorError(f"cannot start the step: {e}") from e
