"""The ``local`` executor: one host process per step (SPEC §2.4).

Per step: resolve the image (`images`), admit its requests (`admission`), plan its filesystem (`layout`),
start it in its own session/process group inside its mount namespace (`sandbox`), and wait for it with a
pidfd registered on the event loop — no polling, no thread per child, no Python interpreter launched.
(Unprivileged, steps are children of the `zygote`, whose exit reports arrive on a socket the loop watches.)

Output capture: stderr goes straight to the node log (kernel writes). stdout goes through a pipe that the
event loop drains into the same log file (``O_APPEND``, so the two interleave live) while keeping the last
256 kB in memory for ``outputs.result``. That single pipe is the cheapest way to have both a live combined
log and a stdout-only result: a silent step costs one pipe and one read. Lines written to the two streams
within the same few microseconds may appear in either order in the log.

Environment: the step gets its ``env`` (the engine adds Argo's variables), the image mapping's ``env``,
``PATH`` (the mapping's dirs, the executor's bin dir, then the host PATH) and, from the host, only ``HOME``,
the locale (``LANG``, ``LANGUAGE``, ``LC_ALL``, ``LC_CTYPE``), ``TZ``, ``USER``/``LOGNAME`` and the proxy
variables. Nothing else leaks: a step never sees the engine's ``PYTHONPATH``, ``VIRTUAL_ENV`` or secrets.
In rewrite mode ``TMPDIR`` points at the step's private tmp.

Ending: when the main process exits, whatever is left of its process group is SIGKILLed before the main
process is reaped (a container's processes die with it; the pid cannot be reused meanwhile). Sidecars get
SIGTERM, then SIGKILL after ``kill_grace``. ``kill()`` and timeouts SIGTERM the group, then SIGKILL it after
the grace period. Processes that leave the group (``setsid``) are out of reach — a documented limit. If the
engine itself dies (SIGKILL, a crash), the `watchdog` kills the steps' groups: a step never completes unseen.

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
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from argento.config import Settings
from argento.errors import ExecutorError

from .admission import Admission, Resources, parse_quantity
from .base import (
    RESULT_LIMIT,
    PodSpec,
    StepResult,
    exit_message,
    result_text,
    status_to_exit_code,
)
from .images import ImageRuntime, ImageTable, Runtime
from .layout import Layout, plan_namespace, plan_rewrite
from .sandbox import (
    RLIMITS,
    Spawner,
    ZygoteProcess,
    host_mount_points,
    probe_overlay,
    set_child_subreaper,
    shared_spawner,
)
from .watchdog import shared_watchdog

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
_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
_READ_CHUNK = 1 << 16


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
        if isinstance(popen, ZygoteProcess):  # spawned (and reaped) by the zygote, which reports the exit
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
        if isinstance(self.popen, ZygoteProcess):
            with contextlib.suppress(OSError):
                self.popen.spawner.signal(self.pid, sig)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def _remote_exited(self, returncode: int) -> None:
        if self.returncode is None:
            self.returncode = self.popen.returncode = returncode
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
        self.pid: int | None = None
        self.admitted = asyncio.Event()
        self._done: asyncio.Future[StepResult] = self._loop.create_future()
        self._main: _Proc | None = None
        self._sidecars: list[_Proc] = []
        self._sidecar_fds: list[int] = []
        self._pending: asyncio.Task[None] | None = None
        self._out: int | None = None
        self._log: int | None = None
        self._tail = bytearray()
        self._timer: asyncio.TimerHandle | None = None
        self._kill_timer: asyncio.TimerHandle | None = None
        self._sidecar_timer: asyncio.TimerHandle | None = None
        self._killed = False
        self._timed_out = False
        self._started_at = 0.0
        self._finished_at = 0.0
        self._exit_code = 0

    # -- public ------------------------------------------------------------------------------------------
    async def wait(self) -> StepResult:
        """The step's result (raises `ExecutorError` if a step admitted later could not be started)."""
        return await asyncio.shield(self._done)

    async def kill(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL after ``grace``; a pending step is withdrawn from the queue."""
        if self._done.done():
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
        """Where the step's file at ``container_path`` is on the host."""
        return self.layout.host_path(container_path)

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
        try:
            for sc in self._sidecar_specs:
                fd = _open_log(sc.pod.log_path)
                self._sidecar_fds.append(fd)
                popen = ex._spawn(sc, stdout=fd, stderr=fd)
                self._sidecars.append(_Proc(self._loop, popen, self._sidecar_exited))
            self._log = _open_log(spec.pod.log_path)
            if spec.pod.tty:
                r, w = _open_tty()  # `tty: true`: the step sees a terminal on stdin and stdout
            else:
                r, w = os.pipe()  # both non-inheritable (PEP 446); Popen dups w onto the child's stdout
            self._out = r
            self._started_at = time.time()
            try:
                popen = ex._spawn(spec, stdout=w, stderr=self._log, stdin=w if spec.pod.tty else None)
            finally:
                os.close(w)
        except BaseException:
            self._abort_launch()
            raise
        self.pid = popen.pid
        self._main = _Proc(self._loop, popen, self._main_exited)
        os.set_blocking(r, False)
        self._loop.add_reader(r, self._read_stdout)
        if spec.pod.timeout is not None:
            self._timer = self._loop.call_later(max(spec.pod.timeout, 0.0), self._deadline)
        self.admitted.set()

    def _abort_launch(self) -> None:
        for proc in self._sidecars:
            proc.signal(signal.SIGKILL)
        for fd in (self._out, self._log, *self._sidecar_fds):
            if fd is not None:
                os.close(fd)
        self._out = self._log = None
        self._sidecar_fds.clear()
        self._ex.admission.release(self._request)

    # -- running -------------------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        fd = self._out
        if fd is None:
            return
        for _ in range(16):  # bounded, so a chatty step cannot starve the loop
            try:
                data = os.read(fd, _READ_CHUNK)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._close_stdout()
                return
            _write_all(self._log, data)
            tail = self._tail
            tail += data
            if len(tail) > 2 * RESULT_LIMIT:
                del tail[:-RESULT_LIMIT]

    def _close_stdout(self) -> None:
        if self._out is not None:
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
        # Drain what the (now dead) group left in the pipe, then stop listening.
        while self._out is not None:
            before = len(self._tail)
            self._read_stdout()
            if self._out is not None and len(self._tail) == before:
                self._close_stdout()
        if self._log is not None:
            os.close(self._log)
            self._log = None
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
        for fd in self._sidecar_fds:
            os.close(fd)
        self._sidecar_fds.clear()
        if self._main is not None:
            self._ex.admission.release(self._request)
        self._ex._live.discard(self)
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
    try:
        return os.open(path, _LOG_FLAGS, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, _LOG_FLAGS, 0o644)


def _write_all(fd: int | None, data: bytes) -> None:
    if fd is None:
        return
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class LocalExecutor:
    """Runs each Pod-type node as a host process (see the module doc for the contract)."""

    name = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        isolation: str = "auto",
        admission: Admission | None = None,
        host_env: dict[str, str] | None = None,
        kill_grace: float = 10.0,
        reap_orphans: bool = True,
    ) -> None:
        """``isolation``: ``auto`` (namespaces when available, else path rewriting), ``namespace``,
        ``userns`` or ``rewrite`` (force the fallback, e.g. to test it). ``host_env`` defaults to a snapshot
        of ``os.environ`` taken here. ``reap_orphans`` makes this process a child subreaper (see module doc)."""
        env = dict(os.environ if host_env is None else host_env)
        self.settings = settings
        self.kill_grace = kill_grace
        self.admission = admission or Admission()
        self._host_path = env.get("PATH") or os.defpath
        self._base_env = {k: env[k] for k in _ENV_PASSTHROUGH if k in env}
        self.runtime = Runtime(settings, self._host_path)
        self.images = ImageTable(settings, self.runtime, self._host_path)
        self._isolation_request = isolation
        self._spawner: Spawner | None = None
        self._env_cache: dict[str, dict[str, str]] = {}
        self._live: set[LocalHandle] = set()
        if reap_orphans:
            set_child_subreaper()
        # Each running step holds three fds (stdout pipe, log, pidfd): a 1,000-step fan-out needs more than
        # the usual soft limit of 1024, so raise it to the hard limit (as Go's runtime does at start-up).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        keep = []
        # Steps running `python` use this interpreter and its packages: where those are imported from must stay
        # visible even under the step's private /tmp (a checkout under /tmp installed in editable mode).
        import argento

        for p in (
            settings.home,
            sys.prefix,
            sys.base_prefix,
            os.path.dirname(os.path.realpath(sys.executable)),
            os.path.dirname(os.path.dirname(os.path.realpath(argento.__file__))),
        ):
            real = os.path.realpath(p)
            if os.path.exists(real) and not any(real == k or real.startswith(k + "/") for k in keep):
                keep.append(real)
        self._keep = keep

    @property
    def spawner(self) -> Spawner:
        # Detected lazily, in the thread that runs the event loop (namespace mode is per thread).
        if self._spawner is None:
            self._spawner = shared_spawner(self._isolation_request)
        return self._spawner

    @functools.cached_property
    def _private_dirs(self) -> tuple[str, str, tuple[str, ...]]:
        """(overlay capability, overlay options, host mount points), probed once."""
        overlay, options = probe_overlay(self.spawner, self.runtime.root)
        return overlay, options, host_mount_points()

    @property
    def isolation(self) -> str:
        """``namespace``, ``userns`` or ``rewrite``."""
        return self.spawner.mode

    @property
    def capacity(self) -> Resources:
        return self.admission.capacity

    async def start(self, pod: PodSpec) -> LocalHandle:
        """Start ``pod`` (or queue it for admission); raises `ExecutorError` if it cannot run at all."""
        main = self._prepare(pod)
        sidecars = [self._prepare(sc) for sc in pod.sidecars]
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
        """Kill every running step (SIGTERM, SIGKILL after 1 s). The process-wide spawner stays."""
        live = list(self._live)
        if live:
            await asyncio.gather(
                *(h.kill(grace=min(self.kill_grace, 1.0)) for h in live), return_exceptions=True
            )

    # -- internals -----------------------------------------------------------------------------------------
    def _prepare(self, pod: PodSpec) -> _Prepared:
        runtime = self.images.resolve(pod.image)
        rewrite = self.spawner.mode == "rewrite"
        # Our own host paths (home, interpreter, the step's workdir: script file, default cwd) stay reachable.
        keep = self._keep
        workdir = os.path.realpath(pod.workdir)
        if not any(workdir == k or workdir.startswith(k + "/") for k in keep):
            keep = [*keep, workdir]
        if rewrite:
            layout = plan_rewrite(pod.workdir, pod.mounts, pod.output_paths, pod.working_dir, keep=keep)
        else:
            overlay, options, host_mounts = self._private_dirs
            layout = plan_namespace(
                pod.workdir,
                pod.mounts,
                pod.output_paths,
                pod.working_dir,
                keep_visible=keep,
                overlay=overlay,
                overlay_options=options,
                host_mounts=host_mounts,
            )
        argv = runtime.argv(pod.command, pod.args)
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
        return _Prepared(pod, layout, argv, env, rlimit)

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
        self, spec: _Prepared, *, stdout: int, stderr: int, stdin: int | None = None
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
            )
        except FileNotFoundError as e:
            if e.filename and str(e.filename) == spec.layout.cwd:
                raise ExecutorError(f"working directory {spec.pod.working_dir!r} cannot be entered") from e
            raise ExecutorError(f'exec: "{spec.argv[0]}": executable file not found in $PATH') from e
        except PermissionError as e:
            raise ExecutorError(f'exec: "{spec.argv[0]}": permission denied') from e
        except OSError as e:
            raise ExecutorError(f"cannot start the step: {e}") from e
