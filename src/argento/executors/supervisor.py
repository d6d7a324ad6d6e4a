"""Durable steps (SPEC §6 R1): a step outlives the server that started it, and the next server adopts it.

Argo's pods outlive the controller. Here a server's steps are spawned by a *supervisor* — the `zygote` in
durable mode, one process per server generation, in its own session — instead of the engine itself, so
nothing ties a step's life to the engine's: when the server dies (kill -9, a crash, a restart) its steps run
on, the supervisor copies their stdout into their logs and, as each ends, writes its exit code and the tail
of its stdout into the step's *record* (``<pod dir>/.argento-step``, and ``.argento-step.out``). It exits
once its last step is recorded.

The record, one JSON object per line::

    {"uid": <workflow uid>, "node": <node id>, "started": <epoch s>, "sup": <supervisor pid>, "sup_start": <ticks>}
    {"pid": <step pid>}
    {"exit": <waitstatus as an exit code, negative for a signal>, "finished": <epoch s>[, "out_error": "…"]}

The header is written before the step is spawned: a record, even a partial one, means the step may have run.
A restarted server adopts a step through its record (`adopt`), without talking to the old supervisor:

- an exit line: the step ended while no server ran — its recorded result is used, it does not run again;
- no exit line and the supervisor alive (same pid *and* start time): the step still runs — it is watched
  until its exit line appears (its log keeps streaming, as the supervisor keeps writing it);
- no exit line and the supervisor gone: nobody can tell how the step ended, so it fails with Argo's
  "pod deleted" (`StepLost`), after its leftovers (still carrying the node's id in their environment) are
  killed. It is never silently run again.

No record at all means the step never started (the engine died before spawning it): it is started normally.

Signalling an adopted step goes to its process group after checking it is still that step (its environment
names the node, or its parent is the recorded supervisor), so a stale or forged record cannot aim a signal at
another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import marshal
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argento.procs import running, start_ticks

from .base import PodSpec, StepLost, StepResult, exit_message, result_text, status_to_exit_code
from .sandbox import Spawner

if TYPE_CHECKING:
    from .layout import Layout

log = logging.getLogger("argento.executors")

RECORD = ".argento-step"
_MAX_MESSAGE = 1 << 22
#: How the step's end is reported when its supervisor vanished (Argo's controller: a missing pod's node).
LOST_MESSAGE = "pod deleted: the step's supervisor exited without recording how the step ended"

#: The supervisor's isolation modes to try for each `LocalExecutor` isolation request, best first.
MODES = {
    "auto": ("namespace", "userns", "none"),
    "namespace": ("namespace", "userns"),
    "userns": ("userns",),
    "rewrite": ("none",),
}


def record_path(workdir: Path) -> Path:
    """Where the record of the step whose private dir is ``workdir`` lives."""
    return workdir / RECORD


@dataclass
class Record:
    """A step's record as read back (see the module doc)."""

    uid: str
    node: str
    started: float
    supervisor: int
    supervisor_start: int | None
    pid: int | None = None
    exit: int | None = None
    finished: float = 0.0
    out_error: str = ""

    @property
    def ended(self) -> bool:
        return self.exit is not None

    def supervisor_alive(self) -> bool:
        """The supervisor that wrote this record still runs (a reused pid has another start time)."""
        if not running(self.supervisor):
            return False
        return self.supervisor_start is None or start_ticks(self.supervisor) == self.supervisor_start


def read_record(path: Path) -> Record | None:
    """The record at ``path``; None when there is none (a torn last line is ignored)."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    lines = text.split("\n")
    try:
        head = json.loads(lines[0])
        record = Record(
            uid=str(head["uid"]),
            node=str(head["node"]),
            started=float(head.get("started") or 0.0),
            supervisor=int(head.get("sup") or 0),
            supervisor_start=head.get("sup_start"),
        )
    except (ValueError, KeyError, TypeError):
        return None
    for line in lines[1:]:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        if "pid" in item:
            record.pid = int(item["pid"])
        if "exit" in item:
            record.exit = int(item["exit"])
            record.finished = float(item.get("finished") or 0.0)
            record.out_error = str(item.get("out_error") or "")
    return record


def read_tail(path: Path) -> bytes:
    """The saved stdout tail (``outputs.result``) next to the record at ``path``."""
    try:
        return Path(str(path) + ".out").read_bytes()
    except FileNotFoundError:
        return b""


# -- the engine's side of the supervisor ------------------------------------------------------------------


class SupervisedProcess:
    """A step spawned by the supervisor: its pid; its exit (and stdout tail) arrive through `SupervisorSpawner`."""

    remote = True

    def __init__(self, spawner: SupervisorSpawner, pid: int, record: Path | None) -> None:
        self.spawner = spawner
        self.pid = pid
        self.record = record
        self.returncode: int | None = None
        #: The last 256 kB of stdout, when the event carried it (None: read it from the record's ``.out``).
        self.tail: bytes | None = None
        #: The supervisor died before this step's end was recorded.
        self.lost = False

    def result_tail(self) -> bytes:
        """The step's stdout tail (``outputs.result``) once it has ended."""
        if self.tail is not None:
            return self.tail
        if self.record is None:
            return b""
        rec = read_record(self.record)
        if rec is not None and rec.out_error:
            raise StepLost(f"outputs.result could not be saved: {rec.out_error}")
        return read_tail(self.record)

    def wait(self) -> int:
        """Block until the step ends (for use outside an event loop, e.g. probes)."""
        while self.returncode is None:
            self.spawner._read_events(block=True)
        self.spawner._procs.pop(self.pid, None)
        return self.returncode


class SupervisorSpawner(Spawner):
    """Spawns steps through a durable supervisor (`zygote` in durable mode); see the module doc.

    ``mode`` is the isolation the supervisor got (``namespace``, ``userns`` or ``rewrite``), so layouts are
    planned for it exactly as for the in-process spawners. A supervisor that dies is replaced at the next
    spawn; the steps it had are reported lost.
    """

    def __init__(self, modes: Sequence[str]) -> None:
        self._modes = tuple(modes)
        self._lock = threading.Lock()
        self._watch: dict[int, Callable[[int], None]] = {}
        self._procs: dict[int, SupervisedProcess] = {}
        self._loop: Any = None
        self._start()

    def _start(self) -> None:
        ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        events, events_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fds = (ctl_child.fileno(), events_child.fileno())
        script = str(Path(__file__).with_name("zygote.py"))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-E", script, *map(str, fds), ",".join(self._modes), "durable"],
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            ctl_child.close()
            events_child.close()
        ctl.settimeout(10)
        try:
            reply = marshal.loads(ctl.recv(_MAX_MESSAGE) or marshal.dumps(("fail", "the supervisor exited")))
        except (OSError, ValueError, EOFError) as e:
            reply = ("fail", str(e))
        ctl.settimeout(None)
        self._ctl, self._events = ctl, events
        if reply[0] != "ready":
            self.close()
            raise OSError(f"supervisor: {reply[1]}")
        self.pid = int(reply[1])
        self.mode = {"none": "rewrite"}.get(reply[2], reply[2])
        self._ticks = start_ticks(self.pid)
        self._dead = False
        events.setblocking(False)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.add_reader(events.fileno(), self._read_events)

    def header(self, pod: PodSpec, started: float) -> bytes:
        """The record's first line for ``pod`` (who the step is, who supervises it)."""
        head = {
            "uid": pod.env.get("ARGO_WORKFLOW_UID", ""),
            "node": pod.node_id,
            "started": started,
            "sup": self.pid,
            "sup_start": self._ticks,
        }
        return (json.dumps(head, separators=(",", ":")) + "\n").encode()

    def _request(self, msg: tuple[Any, ...], fds: Sequence[int] = ()) -> tuple[Any, ...]:
        with self._lock:
            socket.send_fds(self._ctl, [marshal.dumps(msg)], list(fds))
            data = self._ctl.recv(_MAX_MESSAGE)
        if not data:
            raise OSError("the supervisor exited")
        return marshal.loads(data)

    def spawn(  # type: ignore[override]
        self,
        layout: Layout,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        stdin: int,
        stdout: int,
        stderr: int,
        rlimit: tuple[int, int] | None = None,
        record: Path | None = None,
        header: bytes = b"",
        group: str = "",
        tee: int | None = None,
        tee_err: int | None = None,
        log: int | None = None,
        log_limit: int = 0,
        log_index: int | None = None,
    ) -> SupervisedProcess:
        """Spawn a step; with ``record`` it is durable (see the module doc), ``tee`` the read end of its stdout
        pipe, which the supervisor copies into ``stderr`` (the log) — or, with ``tee_err`` and ``log``, both
        pipes into ``log``, up to ``log_limit`` bytes (ARGENTO_MAX_STEP_LOG_BYTES, `logcap`'s marker after),
        each chunk's `logcap.RECORD` into ``log_index``; ``group`` ties sidecars to their main."""
        if self._dead:
            self._start()
        self._attach_loop()
        msg: tuple[Any, ...] = ("spawn", list(argv), dict(env), layout.cwd, layout.ops, layout.root, rlimit)
        if record is not None or group:
            extra = {"group": group}
            if record is not None:
                extra.update(record=str(record), header=header)
            if log_limit:
                extra["log_limit"] = log_limit
            msg = (*msg, extra)
        fds = [stdin, stdout, stderr] + ([tee] if tee is not None else [])
        if tee is not None and tee_err is not None and log is not None:
            fds += [tee_err, log]
            if log_index is not None:
                fds.append(log_index)
        try:
            reply = self._request(msg, fds)
        except OSError:
            self._lost()
            raise
        if reply[0] == "ok":
            proc = SupervisedProcess(self, reply[1], record)
            self._procs[proc.pid] = proc
            return proc
        _, err, filename, text = reply
        if err:
            raise OSError(err, os.strerror(err), filename)
        raise OSError(text)

    def signal(self, pid: int, sig: int) -> None:
        """Signal a step's process group, unless the step has already been reaped (no pid-reuse race)."""
        if not self._dead:
            self._request(("kill", pid, int(sig)))

    def watch(self, pid: int, callback: Callable[[int], None]) -> None:
        """Call ``callback(returncode)`` (Popen's convention) when the step's main process has ended."""
        proc = self._procs.get(pid)
        if proc is not None and proc.returncode is not None:
            self._procs.pop(pid, None)
            callback(proc.returncode)
        else:
            self._watch[pid] = callback

    def _attach_loop(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if loop is not self._loop:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, OSError):
                    self._loop.remove_reader(self._events.fileno())
            loop.add_reader(self._events.fileno(), self._read_events)
            self._loop = loop

    def _read_events(self, block: bool = False) -> None:
        self._events.setblocking(block)
        try:
            while True:
                try:
                    data = self._events.recv(_MAX_MESSAGE)
                except BlockingIOError:
                    return
                except OSError:
                    data = b""
                if not data:
                    self._lost()
                    if block:
                        raise OSError("the supervisor exited")
                    return
                event = marshal.loads(data)
                pid, code = event[0], event[1]
                proc = self._procs.get(pid)
                if proc is not None:
                    proc.returncode = code
                    if len(event) > 2:
                        proc.tail = event[2]
                callback = self._watch.pop(pid, None)
                if callback is not None:
                    self._procs.pop(pid, None)
                    callback(code)
                if block:
                    return
        finally:
            if not self._dead:
                self._events.setblocking(False)

    def _lost(self) -> None:
        """The supervisor died: its unfinished steps can no longer be recorded; report them lost."""
        if self._dead:
            return
        self._dead = True
        log.error("the step supervisor (pid %s) exited; its running steps are lost", self.pid)
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self._events.fileno())
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self._proc.wait(timeout=1)
        lost, self._watch = self._watch, {}
        procs, self._procs = self._procs, {}
        for pid, callback in lost.items():
            proc = procs.get(pid)
            if proc is not None:
                proc.lost = True
            callback(-signal.SIGKILL)
        self._ctl.close()
        self._events.close()

    def close(self) -> None:
        """Let go of the supervisor: it finishes (and records) its steps on its own, then exits."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self._events.fileno())
        self._dead = True
        self._ctl.close()
        self._events.close()


_shared: dict[tuple[int, str], SupervisorSpawner] = {}
_shared_lock = threading.Lock()


def shared_supervisor(isolation: str = "auto") -> SupervisorSpawner:
    """This process's supervisor for ``isolation`` (started on first use; a forked child starts its own)."""
    key = (os.getpid(), isolation)
    with _shared_lock:
        spawner = _shared.get(key)
        if spawner is None:
            spawner = _shared[key] = SupervisorSpawner(MODES[isolation])
        return spawner


# -- adoption ---------------------------------------------------------------------------------------------


def _environ_names(pid: int, uid: str, node: str) -> bool | None:
    """Whether process ``pid`` carries this step's identity in its environment (None: cannot be read)."""
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    return f"ARGO_NODE_ID={node}".encode() in env and f"ARGO_WORKFLOW_UID={uid}".encode() in env


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def is_step(rec: Record) -> bool:
    """The recorded pid is still this step's process (see the module doc)."""
    if rec.pid is None or not running(rec.pid):
        return False
    named = _environ_names(rec.pid, rec.uid, rec.node)
    if named is not None:
        return named
    return _parent(rec.pid) == rec.supervisor and rec.supervisor_alive()


def signal_step(rec: Record, sig: int) -> bool:
    """Signal the step's process group if it is still that step; False when there is nothing to signal."""
    if not is_step(rec):
        return False
    assert rec.pid is not None
    try:
        os.killpg(rec.pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class AdoptedHandle:
    """A step started by an earlier server (or engine), watched through its record.

    It polls the record (a few times a second at most): adopted steps are few — what was running when a
    server died — and polling needs nothing from the old supervisor.
    """

    def __init__(
        self, executor: Any, pod: PodSpec, layout: Layout, path: Path, rec: Record, *, kill_grace: float
    ) -> None:
        self._executor = executor
        self.pod = pod
        self.layout = layout
        self.pid = rec.pid
        self.adopted = True
        self._path = path
        self._rec = rec
        self._kill_grace = kill_grace
        self.admitted = asyncio.Event()
        self.admitted.set()
        self._killed = False
        self._timed_out = False
        self._kill_task: asyncio.Task[None] | None = None
        self._done = asyncio.get_running_loop().create_future()
        self._task = asyncio.ensure_future(self._follow())

    def host_path(self, container_path: str) -> Path:
        return self.layout.host_path(container_path)

    async def wait(self) -> StepResult:
        return await asyncio.shield(self._done)

    async def kill(self, grace: float = 10.0) -> None:
        """SIGTERM the step's group, SIGKILL it after ``grace``; returns once its end is recorded.

        Left alone when the executor is detached (the next server adopts it again)."""
        if self._done.done() or getattr(self._executor, "detached", False):
            return
        self._killed = True
        self._terminate(grace)
        with contextlib.suppress(Exception):
            await asyncio.shield(self._done)

    def _terminate(self, grace: float) -> None:
        if self._kill_task is not None:
            return
        rec = self._rec

        async def escalate() -> None:
            signal_step(rec, signal.SIGTERM if grace > 0 else signal.SIGKILL)
            if grace > 0:
                await asyncio.sleep(grace)
                signal_step(rec, signal.SIGKILL)

        self._kill_task = asyncio.ensure_future(escalate())

    async def _follow(self) -> None:
        timeout = self.pod.timeout
        delay = 0.02
        try:
            while True:
                rec = read_record(self._path) or self._rec
                self._rec = rec
                if rec.ended:
                    self._settle(rec)
                    return
                if not rec.supervisor_alive():
                    rec = read_record(self._path) or rec  # it may have recorded the end just before exiting
                    if rec.ended:
                        self._settle(rec)
                        return
                    signal_step(rec, signal.SIGKILL)  # nobody can record how it ends: it must not run on
                    self._done.set_exception(StepLost(LOST_MESSAGE))
                    return
                if timeout is not None and not self._timed_out and time.time() >= rec.started + timeout:
                    self._timed_out = True
                    self._terminate(self._kill_grace)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.25)
        except Exception as exc:  # never leave the engine waiting forever
            if not self._done.done():
                self._done.set_exception(StepLost(f"cannot follow the adopted step: {exc}"))
        finally:
            if self._kill_task is not None:
                self._kill_task.cancel()

    def _settle(self, rec: Record) -> None:
        code = status_to_exit_code(rec.exit or 0)
        timeout = self.pod.timeout
        timed_out = self._timed_out or (timeout is not None and rec.finished - rec.started >= timeout)
        if rec.out_error:
            self._done.set_exception(StepLost(f"outputs.result could not be saved: {rec.out_error}"))
            return
        self._done.set_result(
            StepResult(
                exit_code=code,
                result=result_text(read_tail(self._path)),
                message=exit_message(code, timed_out=timed_out),
                started_at=rec.started,
                finished_at=rec.finished,
                timed_out=timed_out,
                killed=self._killed,
            )
        )


def adoptable(pod: PodSpec) -> tuple[Path, Record] | None:
    """The record of ``pod``'s step if an earlier engine started it (same workflow uid and node id)."""
    path = record_path(pod.workdir)
    rec = read_record(path)
    if rec is None or rec.uid != pod.env.get("ARGO_WORKFLOW_UID", "") or rec.node != pod.node_id:
        return None
    return path, rec
