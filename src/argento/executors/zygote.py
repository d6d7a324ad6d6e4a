"""The zygote: a small helper process that spawns steps for the executor — in durable mode, their supervisor.

Run as ``python -S -E zygote.py CTL_FD EVENT_FD [MODES [durable]]`` (self-contained: stdlib only, nothing of
ours imported). ``MODES`` lists the isolation it may use, best first (default ``userns``):

- ``namespace`` — a new mount namespace (needs CAP_SYS_ADMIN, i.e. root);
- ``userns`` — a new user namespace (its uid/gid mapped to themselves) and mount namespace, so it holds
  CAP_SYS_ADMIN *there* (unprivileged);
- ``none`` — no namespaces (the executor's path-rewriting mode).

In a namespace mode it spawns each step exactly like the privileged in-thread spawner — fresh mount
namespace, the layout's mounts, chroot, ``vfork`` — and returns to its base namespace. Forking a tiny
process instead of the engine keeps the unprivileged per-step cost near the privileged one.

Protocol (``SOCK_SEQPACKET``, ``marshal``-encoded tuples):

- control socket, request/response: ``("spawn", argv, env, cwd, ops, root, rlimit[, extra])`` with the step's
  stdin/stdout/stderr (and, durable, the read end of its stdout pipe) passed as SCM_RIGHTS -> ``("ok", pid)``
  or ``("err", errno, filename, text)``; ``("kill", pid, sig)`` -> ``("ok", 0)`` — signals the step's process
  group if the step has not been reaped.
- event socket, zygote -> engine: ``(pid, returncode)`` when a step's main process has ended (durable:
  ``(pid, returncode, tail)``); its process group is SIGKILLed first (a container's processes die with it)
  and the zygote, a child subreaper, reaps every orphan itself.

Without ``durable`` the zygote exits, killing its steps, when the engine closes the control socket (or dies).

**Durable mode** (`argento server`'s steps, SPEC §6 R1: a step outlives the server that started it). The
zygote is then the steps' supervisor and the engine may die at any moment, so it keeps what the engine would
lose: ``extra`` names the step's *record* file, with a header line the engine wrote (who the step is). The
zygote writes the header before it spawns the step (from then on the step may have run), the step's pid
right after, and, when the step has ended, its exit line — after saving the last 256 kB of its stdout
(``outputs.result``) next to the record (``<record>.out``). It copies the step's stdout (and, when the engine
passes the stderr pipe and the log too, its stderr) into the log itself (the engine no longer reads them) — and,
given the log's index, each chunk's time and stream there (``argento.executors.logcap``) — so
the log keeps growing while no engine runs — up to ``extra["log_limit"]`` bytes, then one marker line
(ARGENTO_MAX_STEP_LOG_BYTES, the same rule as ``argento.executors.logcap``). The record is one small file
whose first page is allocated by the header, so its exit line can be written even on a full disk; a failed
``.out`` write is recorded in the exit line. When the engine goes away the zygote lives on until its last
step has ended and is recorded, ending a pod's sidecars (SIGTERM, SIGKILL after ``SIDECAR_GRACE``) when the
pod's main container ends. A restarted engine adopts the steps through their records, without talking to
this process: the record says whether the step ended (and how), and while it runs the zygote is alive.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import json
import marshal
import os
import resource
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_CHILD_SUBREAPER = 36
MAX_MESSAGE = 1 << 22
#: Argo keeps the last 256 kB of stdout as ``outputs.result``; a tail up to this size travels in the exit event.
RESULT_LIMIT = 256 * 1024
INLINE_TAIL = 16 * 1024
#: What ends a capped log (``argento.executors.logcap.MARKER``, repeated: this file imports nothing of ours).
LOG_MARKER = (
    "\n[argento] log truncated: this container wrote more than {limit} bytes "
    "(ARGENTO_MAX_STEP_LOG_BYTES); the rest was discarded\n"
)
#: A log index record and its streams (``argento.executors.logcap.RECORD``, repeated).
LOG_RECORD = struct.Struct("<QQB")
LOG_STDOUT, LOG_STDERR = 1, 2
SIDECAR_GRACE = 10.0
READ_CHUNK = 1 << 16


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.unshare.argtypes = [ctypes.c_int]
    libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _check(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _write(path, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Step:
    """A durable step's bookkeeping in the supervisor."""

    __slots__ = (
        "err",
        "group",
        "index",
        "indexed",
        "limit",
        "log",
        "logged",
        "main",
        "open_line",
        "out",
        "record",
        "record_path",
        "stream",
        "tail",
        "truncated",
    )

    def __init__(self, record_path, group, main):
        self.record_path = record_path
        self.group = group
        self.main = main
        self.record = None  # fd, opened before the spawn
        self.out = None  # read end of the step's stdout pipe (tee)
        self.err = None  # read end of its stderr pipe, when the engine passed it
        self.log = None  # the log fd (stdout, and stderr then, are appended to it)
        self.index = None  # the log's index fd (a LOG_RECORD per chunk), when the engine passed it
        self.limit = 0  # the log's cap in bytes (0: none)
        self.logged = 0  # bytes in the log
        self.truncated = False  # the marker was written (or an earlier attempt filled the log)
        self.indexed = 0  # bytes in the index
        self.stream = 0  # the stream of the last chunk
        self.open_line = False  # the last chunk did not end its line
        self.tail = bytearray()

    def write_log(self, data, stream=LOG_STDOUT):
        """Append to the log, up to ``limit`` bytes, then the marker once (its index record first)."""
        if self.truncated:
            return
        # A record unless the chunk only continues a line of the same stream; the index stops at the cap too
        # (the rule of argento.executors.logcap.CappedLog).
        if (
            self.index is not None
            and (not self.limit or self.indexed < self.limit)
            and (stream != self.stream or not self.open_line or data.find(b"\n", 0, len(data) - 1) >= 0)
        ):
            with contextlib.suppress(OSError):
                _write_all(self.index, LOG_RECORD.pack(self.logged, time.time_ns(), stream))
                self.indexed += LOG_RECORD.size
        self.stream = stream
        self.open_line = data[-1] != 10
        if self.limit and self.logged + len(data) > self.limit:
            data = data[: self.limit - self.logged] + LOG_MARKER.format(limit=self.limit).encode()
            self.logged = self.limit
            self.truncated = True
        else:
            self.logged += len(data)
        with contextlib.suppress(OSError):  # a full disk loses log lines, never the step
            _write_all(self.log, data)


class Zygote:
    def __init__(self, ctl, events, modes=("userns",), durable=False):
        self.ctl = ctl
        self.events = events
        self.outbox = collections.deque()  # exit events not sent yet (see `send`)
        self.waiting = False  # the event socket is registered for writing
        self.durable = durable
        self.attached = True  # the engine holds the control socket
        self.libc = _libc()
        self.mains = {}  # pid -> Popen (kept so that Popen never reaps behind our back)
        self.steps = {}  # pid -> Step (durable)
        self.groups = {}  # group -> set of sidecar pids (durable)
        self.kill_at = {}  # pid -> monotonic time of its SIGKILL (sidecars of an ended pod)
        self.sel = selectors.DefaultSelector()
        self.base = None
        self.mode = None
        errors = []
        for mode in modes:
            try:
                self._enter(mode)
            except OSError as e:
                errors.append(f"{mode}: {e}")
                continue
            self.mode = mode
            break
        if self.mode is None:
            raise OSError("; ".join(errors) or "no isolation mode given")
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def _enter(self, mode):
        if mode == "none":
            return
        if mode == "userns":
            uid, gid = os.getuid(), os.getgid()
            _check(self.libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
            _write("/proc/self/setgroups", b"deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1".encode())
            _write("/proc/self/gid_map", f"{gid} {gid} 1".encode())
        elif mode == "namespace":
            _check(self.libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        else:
            raise OSError(f"unknown mode {mode!r}")
        _check(self.libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        self.base = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)

    # -- spawning ---------------------------------------------------------------------------------------------
    def spawn(self, argv, env, cwd, ops, root, rlimit, fds):
        def popen():
            return subprocess.Popen(
                argv,
                stdin=fds[0],
                stdout=fds[1],
                stderr=fds[2],
                env=env,
                cwd=cwd,
                start_new_session=True,
                close_fds=True,
            )

        if self.base is None:
            proc = popen()
        else:
            libc = self.libc
            _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
            try:
                for src, dst, fstype, flags, data in ops:
                    if libc.mount(src, dst, fstype, flags, data) != 0:
                        err = ctypes.get_errno()
                        raise OSError(err, f"mount {src.decode()} on {dst.decode()}: {os.strerror(err)}")
                if root is not None:
                    os.chroot(root)
                proc = popen()
            finally:
                _check(libc.setns(self.base, CLONE_NEWNS), "setns(base)")
                os.chdir("/")
        if rlimit is not None:
            with contextlib.suppress(OSError, ValueError):
                resource.prlimit(proc.pid, rlimit[0], (rlimit[1], rlimit[1]))
        self.mains[proc.pid] = proc
        return proc.pid

    def spawn_durable(self, args, extra, fds):
        """Record, spawn, record the pid; a sidecar is only remembered as part of its pod's group."""
        record_path = extra.get("record")
        group = extra.get("group") or ""
        step = Step(record_path, group, main=record_path is not None)
        try:
            if record_path is not None:
                step.record = os.open(
                    record_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o600
                )
                _write_all(step.record, extra["header"])
            pid = self.spawn(*args, fds[:3])
        except BaseException:
            if step.record is not None:
                with contextlib.suppress(OSError):  # it never started: no record, as if never asked
                    os.close(step.record)
                    os.unlink(record_path)
            raise
        if step.record is not None:
            with contextlib.suppress(OSError):
                _write_all(step.record, b'{"pid":%d}\n' % pid)
        if len(fds) > 3:
            step.out = os.dup(fds[3])
            step.log = os.dup(fds[5] if len(fds) > 5 else fds[2])
            step.limit = int(extra.get("log_limit") or 0)
            with contextlib.suppress(OSError):
                step.logged = os.fstat(step.log).st_size
            step.truncated = bool(step.limit) and step.logged >= step.limit
            os.set_blocking(step.out, False)
            self.sel.register(step.out, selectors.EVENT_READ, ("out", pid))
        if len(fds) > 5:
            step.err = os.dup(fds[4])
            if len(fds) > 6:
                step.index = os.dup(fds[6])
                with contextlib.suppress(OSError):
                    step.indexed = os.fstat(step.index).st_size
            os.set_blocking(step.err, False)
            self.sel.register(step.err, selectors.EVENT_READ, ("err", pid))
        if step.main or group:
            self.steps[pid] = step
        if not step.main and group:
            self.groups.setdefault(group, set()).add(pid)
        return pid

    def handle(self, msg, fds):
        kind = msg[0]
        if kind == "spawn":
            extra = msg[7] if len(msg) > 7 else None
            try:
                if extra is not None and self.durable:
                    pid = self.spawn_durable(msg[1:7], extra, fds)
                else:
                    pid = self.spawn(*msg[1:7], fds)
            except OSError as e:
                return ("err", e.errno or 0, str(e.filename) if e.filename is not None else None, str(e))
            except subprocess.SubprocessError as e:
                return ("err", 0, None, str(e))
            finally:
                for fd in fds:
                    os.close(fd)
            return ("ok", pid)
        if kind == "kill":
            pid, sig = msg[1], msg[2]
            if pid in self.mains:
                with contextlib.suppress(OSError):
                    os.killpg(pid, sig)
            return ("ok", 0)
        return ("err", 0, None, f"unknown request {kind!r}")

    # -- stdout copy (durable) ----------------------------------------------------------------------------
    def copy_out(self, step, final=False, stream="out"):
        """Append what the step wrote to stdout (``stream="err"``: stderr) to its log, keeping stdout's tail.

        A bounded number of reads per wake-up, so a chatty step cannot starve the others; ``final`` (the main
        process has ended and its group is dead) reads what is left (bounded too: a process that left the group
        may hold the pipe open and keep writing) and closes the pipe.
        """
        fd = step.out if stream == "out" else step.err
        budget = 256 if final else 16
        while budget > 0:
            budget -= 1
            try:
                data = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                if not final:
                    return
                break
            except OSError:
                data = b""
            if not data:
                break
            step.write_log(data, LOG_STDOUT if stream == "out" else LOG_STDERR)
            if stream == "out":
                tail = step.tail
                tail += data
                if len(tail) > 2 * RESULT_LIMIT:
                    del tail[:-RESULT_LIMIT]
        else:
            if not final:
                return
        self.sel.unregister(fd)
        os.close(fd)
        if stream == "out":
            step.out = None
        else:
            step.err = None

    # -- ends -----------------------------------------------------------------------------------------------
    def reap(self):
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None:
                return
            pid = info.si_pid
            proc = self.mains.pop(pid, None)
            if proc is not None:
                # Still a zombie, so the group id cannot be reused yet: kill what is left of the group.
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            if proc is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code
            self.kill_at.pop(pid, None)
            step = self.steps.pop(pid, None)
            if step is None:
                self.send((pid, code))
            elif step.main:
                self.ended(pid, code, step)
            else:
                self.finish_log(step)
                sidecars = self.groups.get(step.group)
                if sidecars is not None:
                    sidecars.discard(pid)
                    if not sidecars:
                        del self.groups[step.group]
                self.send((pid, code, None))

    def finish_log(self, step):
        """The step's process ended: copy what is left in its pipes into its log, then close them and the log."""
        if step.out is not None:
            self.copy_out(step, final=True)
        if step.err is not None:
            self.copy_out(step, final=True, stream="err")
        for fd in (step.log, step.index):
            if fd is not None:
                os.close(fd)
        step.log = step.index = None

    def ended(self, pid, code, step):
        """A durable main ended: copy the rest of its stdout, record how it ended, then tell the engine."""
        self.finish_log(step)
        tail = bytes(step.tail[-RESULT_LIMIT:])
        end = {"exit": code, "finished": time.time()}
        if tail:
            try:
                with open(step.record_path + ".out", "wb") as f:
                    f.write(tail)
            except OSError as e:
                end["out_error"] = e.strerror or str(e)
        if step.record is not None:
            with contextlib.suppress(OSError):
                _write_all(step.record, (json.dumps(end) + "\n").encode())
            os.close(step.record)
        self.send((pid, code, tail if len(tail) <= INLINE_TAIL else None))
        if not self.attached:  # attached, the engine ends the pod's sidecars
            self.end_sidecars(self.groups.pop(step.group, ()))

    def end_sidecars(self, pids):
        deadline = time.monotonic() + SIDECAR_GRACE
        for pid in pids:
            if pid in self.mains:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGTERM)
                self.kill_at[pid] = deadline

    def send(self, event):
        """Queue an exit event for the engine. Never blocks: an engine busy spawning (its spawn requests
        wait for our replies) must not find us stuck writing events it is not reading yet."""
        if not self.attached:
            return
        self.outbox.append(marshal.dumps(event))
        self.flush()

    def flush(self):
        while self.outbox:
            try:
                self.events.send(self.outbox[0], socket.MSG_DONTWAIT)
            except BlockingIOError:
                if not self.waiting:
                    self.sel.register(self.events, selectors.EVENT_WRITE, ("events", 0))
                    self.waiting = True
                return
            except OSError:  # the engine is gone
                self.outbox.clear()
                break
            self.outbox.popleft()
        if self.waiting:
            self.sel.unregister(self.events)
            self.waiting = False

    def detached(self):
        """The engine is gone (or closed the socket): from now on this process finishes its steps alone."""
        self.attached = False
        self.outbox.clear()
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(self.ctl)
        if self.waiting:
            self.sel.unregister(self.events)
            self.waiting = False
        ended = {s.group for s in self.steps.values() if s.main}
        for group, pids in list(self.groups.items()):
            if group not in ended:  # the pod's main already ended: its sidecars end now
                self.end_sidecars(pids)
                del self.groups[group]

    # -- loop -----------------------------------------------------------------------------------------------
    def serve(self):
        rfd, wfd = os.pipe()
        os.set_blocking(wfd, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wfd)
        if self.durable:  # it outlives the engine: nothing aimed at the engine's terminal ends it
            for sig in (signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
        sel = self.sel
        sel.register(self.ctl, selectors.EVENT_READ, ("ctl", 0))
        sel.register(rfd, selectors.EVENT_READ, ("chld", 0))
        self.ctl.send(marshal.dumps(("ready", os.getpid(), self.mode)))
        while self.attached or self.mains:
            timeout = None
            if self.kill_at:
                timeout = max(0.0, min(self.kill_at.values()) - time.monotonic())
            for key, _ in sel.select(timeout):
                kind, pid = key.data
                if kind == "chld":
                    with contextlib.suppress(BlockingIOError):
                        os.read(rfd, 4096)
                    self.reap()
                    continue
                if kind == "events":
                    self.flush()
                    continue
                if kind in ("out", "err"):
                    step = self.steps.get(pid)
                    if step is not None and (step.out if kind == "out" else step.err) is not None:
                        self.copy_out(step, stream=kind)
                    continue
                try:
                    data, fds, _, _ = socket.recv_fds(self.ctl, MAX_MESSAGE, 7)
                except InterruptedError:
                    continue
                except OSError:
                    data, fds = b"", []
                if not data:
                    if not self.durable:
                        self.shutdown()
                        return
                    self.detached()
                    break
                reply = self.handle(marshal.loads(data), fds)
                with contextlib.suppress(OSError):
                    self.ctl.send(marshal.dumps(reply))
            now = time.monotonic()
            for pid, at in list(self.kill_at.items()):
                if at <= now:
                    del self.kill_at[pid]
                    with contextlib.suppress(OSError):
                        os.killpg(pid, signal.SIGKILL)
            self.reap()

    def shutdown(self):
        for pid in list(self.mains):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def main(argv):
    ctl = socket.socket(fileno=int(argv[1]))
    events = socket.socket(fileno=int(argv[2]))
    modes = tuple(argv[3].split(",")) if len(argv) > 3 else ("userns",)
    try:
        zygote = Zygote(ctl, events, modes, durable=len(argv) > 4 and argv[4] == "durable")
    except OSError as e:
        ctl.send(marshal.dumps(("fail", str(e))))
        return 1
    zygote.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
