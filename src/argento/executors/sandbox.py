"""Starting a step's process inside its private mount namespace, fast.

Spawners, chosen once per executor by `detect` (``auto``) or forced by the caller:

``namespace`` (root, or CAP_SYS_ADMIN) — `ThreadNamespaceSpawner`: the *calling thread* enters a fresh mount
namespace, performs the layout's mounts (and chroot), and calls ``subprocess.Popen`` — which uses ``vfork`` —
so the child is born in that namespace; the thread then returns to the host namespace (``setns``) and its
working directory. Namespaces are per thread and ``unshare(CLONE_NEWNS)`` implies a private ``fs_struct`` for
that thread, so no other thread ever sees the step's mounts. No fork of the (possibly large) engine, no
Python in the child. New namespaces are copied from a *base* namespace made once with every mount private,
so nothing a step mounts propagates back to the host. Side effect: the spawning thread no longer shares its
cwd with other threads (``os.chdir`` in another thread is not seen by it).

``userns`` (unprivileged, user namespaces enabled) — `ZygoteSpawner`: a small helper process (`zygote`),
started once, enters a user namespace where it holds CAP_SYS_ADMIN and spawns steps the same way; steps are
its children, their exits come back over a socket. If the helper cannot start, `UsernsSpawner` does the
namespace setup in the child between fork and exec (``preexec_fn``): correct, but it forces a real
``fork()`` of the engine — a few ms per step, growing with the engine's memory.

``rewrite`` (no namespaces, or forced) — `Spawner`: no isolation syscalls; `layout.plan_rewrite` rewrites
paths instead.

Memory limits are applied with ``prlimit`` right after ``exec`` (a few microseconds into the program's life),
and before ``exec`` with the ``preexec_fn`` spawner.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import marshal
import os
import re
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .layout import MS_BIND, Layout

CLONE_FS = 0x00000200
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc: Any = None


def _lib() -> Any:
    global _libc
    if _libc is None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare.argtypes = [ctypes.c_int]
        libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _libc = libc
    return _libc


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


RLIMITS = {"as": resource.RLIMIT_AS, "data": resource.RLIMIT_DATA}


class Spawner:
    """Starts a process for a `Layout`; `mode` names the isolation it gives."""

    mode = "rewrite"

    def spawn(
        self,
        layout: Layout,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        stdin: int,
        stdout: int,
        stderr: int,
        rlimit: tuple[int, int] | None = None,
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=layout.cwd,
            start_new_session=True, close_fds=True,
        )
        _apply_rlimit(proc.pid, rlimit)
        return proc

    def close(self) -> None:
        pass


def _apply_rlimit(pid: int, rlimit: tuple[int, int] | None) -> None:
    if rlimit is None:
        return
    kind, value = rlimit
    # Already gone, or not allowed: the limit is best effort.
    with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
        resource.prlimit(pid, kind, (value, value))


class ThreadNamespaceSpawner(Spawner):
    """Privileged: mounts in the calling thread's private namespace, then vfork (see module doc)."""

    mode = "namespace"

    def __init__(self) -> None:
        libc = _lib()
        self._local = threading.local()
        self._orig = os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        cwd = _open_cwd()
        try:
            _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
            self._local.ready = True
            try:
                _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
                self._base = os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            finally:
                _check(libc.setns(self._orig, CLONE_NEWNS), "setns(host)")
        except OSError:
            os.close(self._orig)
            raise
        finally:
            _restore_cwd(cwd)

    def spawn(self, layout, argv, env, *, stdin, stdout, stderr, rlimit=None):  # type: ignore[override]
        libc = _lib()
        if not getattr(self._local, "ready", False):
            _check(libc.unshare(CLONE_FS), "unshare(CLONE_FS)")
            self._local.ready = True
        cwd = _open_cwd()
        if libc.setns(self._base, CLONE_NEWNS) != 0:
            # A thread started from this one since shares its fs_struct again (CLONE_FS), and setns(2) into a
            # mount namespace refuses a shared one (EINVAL): take a private copy, then enter.
            _check(libc.unshare(CLONE_FS), "unshare(CLONE_FS)")
            _check(libc.setns(self._base, CLONE_NEWNS), "setns(base)")
        try:
            _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
            mount = libc.mount
            for src, dst, fstype, flags, data in layout.ops:
                if mount(src, dst, fstype, flags, data) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"mount {src.decode()} on {dst.decode()}: {os.strerror(err)}")
            if layout.root is not None:
                os.chroot(layout.root)
            proc = subprocess.Popen(
                argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=layout.cwd,
                start_new_session=True, close_fds=True,
            )
        finally:
            _check(libc.setns(self._orig, CLONE_NEWNS), "setns(host)")
            _restore_cwd(cwd)
        _apply_rlimit(proc.pid, rlimit)
        return proc

    def close(self) -> None:
        for fd in (self._orig, self._base):
            with contextlib.suppress(OSError):
                os.close(fd)


class UsernsSpawner(Spawner):
    """Unprivileged: a new user+mount namespace entered in the child before exec."""

    mode = "userns"

    def __init__(self) -> None:
        self._uid_map = f"{os.getuid()} {os.getuid()} 1".encode()
        self._gid_map = f"{os.getgid()} {os.getgid()} 1".encode()

    def _preexec(self, layout: Layout, rlimit: tuple[int, int] | None) -> Callable[[], None]:
        libc = _lib()
        uid_map, gid_map = self._uid_map, self._gid_map
        ops = layout.ops
        root = layout.root
        cwd = layout.cwd

        def setup() -> None:  # runs in the forked child: syscalls only, no imports
            _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
            for path, data in ((b"/proc/self/setgroups", b"deny"), (b"/proc/self/uid_map", uid_map),
                               (b"/proc/self/gid_map", gid_map)):
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
            _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make-rprivate")
            for src, dst, fstype, flags, data in ops:
                _check(libc.mount(src, dst, fstype, flags, data), "mount " + dst.decode())
            if root is not None:
                os.chroot(root)
            os.chdir(cwd)
            if rlimit is not None:
                resource.setrlimit(rlimit[0], (rlimit[1], rlimit[1]))

        return setup

    def spawn(self, layout, argv, env, *, stdin, stdout, stderr, rlimit=None):  # type: ignore[override]
        return subprocess.Popen(
            argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
            start_new_session=True, close_fds=True, preexec_fn=self._preexec(layout, rlimit),
        )


PR_SET_CHILD_SUBREAPER = 36


def host_mount_points() -> tuple[str, ...]:
    """The mount points of this process's mount namespace (from /proc/self/mountinfo)."""
    points = set()
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split(" ", 5)
                if len(fields) > 4:
                    # Octal escapes for space, tab, newline and backslash.
                    points.add(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]))
    except OSError:
        pass
    return tuple(sorted(points))


def set_child_subreaper() -> bool:
    """Make this process inherit its descendants' orphans (so it can reap them); False if not supported."""
    try:
        return _lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class ZygoteProcess:
    """A step spawned by the zygote: its pid; its exit arrives through `ZygoteSpawner.watch`."""

    remote = True

    def __init__(self, spawner: ZygoteSpawner, pid: int) -> None:
        self.spawner = spawner
        self.pid = pid
        self.returncode: int | None = None

    def wait(self) -> int:
        """Block until the step ends (for use outside an event loop, e.g. probes)."""
        while self.returncode is None:
            if self.pid in self.spawner._exits:
                self.returncode = self.spawner._exits.pop(self.pid)
                break
            self.spawner._read_events(block=True)
        return self.returncode


class ZygoteSpawner(Spawner):
    """Unprivileged and fast: steps are spawned by a small helper in its own user namespace (`zygote`)."""

    mode = "userns"

    def __init__(self) -> None:
        ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        events, events_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fds = (ctl_child.fileno(), events_child.fileno())
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-E", str(Path(__file__).with_name("zygote.py")), *map(str, fds)],
                pass_fds=fds, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        finally:
            ctl_child.close()
            events_child.close()
        self._ctl, self._events = ctl, events
        self._lock = threading.Lock()
        self._watch: dict[int, Callable[[int], None]] = {}
        self._exits: dict[int, int] = {}
        self._loop: Any = None
        ctl.settimeout(10)
        try:
            reply = marshal.loads(ctl.recv(_MAX_MESSAGE) or marshal.dumps(("fail", "the zygote exited")))
        except (OSError, ValueError, EOFError) as e:
            reply = ("fail", str(e))
        ctl.settimeout(None)
        if reply[0] != "ready":
            self.close()
            raise OSError(f"zygote: {reply[1]}")
        events.setblocking(False)

    def _request(self, msg: tuple[Any, ...], fds: Sequence[int] = ()) -> tuple[Any, ...]:
        with self._lock:
            socket.send_fds(self._ctl, [marshal.dumps(msg)], list(fds))
            data = self._ctl.recv(_MAX_MESSAGE)
        if not data:
            raise OSError("the zygote exited")
        return marshal.loads(data)

    def spawn(self, layout, argv, env, *, stdin, stdout, stderr, rlimit=None):  # type: ignore[override]
        self._attach_loop()
        reply = self._request(
            ("spawn", list(argv), dict(env), layout.cwd, layout.ops, layout.root, rlimit), (stdin, stdout, stderr)
        )
        if reply[0] == "ok":
            return ZygoteProcess(self, reply[1])  # type: ignore[return-value]
        _, err, filename, text = reply
        if err:
            raise OSError(err, os.strerror(err), filename)
        raise OSError(text)

    def signal(self, pid: int, sig: int) -> None:
        """Signal a step's process group, unless the step has already been reaped (no pid-reuse race)."""
        self._request(("kill", pid, int(sig)))

    def watch(self, pid: int, callback: Callable[[int], None]) -> None:
        """Call ``callback(returncode)`` (Popen's convention) when the step's main process has ended."""
        if pid in self._exits:
            callback(self._exits.pop(pid))
        else:
            self._watch[pid] = callback

    def _attach_loop(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if loop is not self._loop:
            if self._loop is not None and not self._loop.is_closed():
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
                if not data:  # the zygote died: its steps are orphans now; report them as killed
                    lost, self._watch = self._watch, {}
                    for callback in lost.values():
                        callback(-9)
                    if self._loop is not None and not self._loop.is_closed():
                        self._loop.remove_reader(self._events.fileno())
                    if block:
                        raise OSError("the zygote exited")
                    return
                pid, code = marshal.loads(data)
                callback = self._watch.pop(pid, None)
                if callback is None:
                    self._exits[pid] = code
                else:
                    callback(code)
                if block:
                    return
        finally:
            self._events.setblocking(False)

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self._events.fileno())
        self._ctl.close()  # the zygote kills its steps and exits on EOF
        self._events.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


_MAX_MESSAGE = 1 << 22


def _open_cwd() -> int | None:
    try:
        return os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None


def _restore_cwd(fd: int | None) -> None:
    if fd is None:
        return
    try:
        os.fchdir(fd)
    finally:
        os.close(fd)


def _userns_works() -> bool:
    """Probe once: can a child enter a user+mount namespace and bind a dir?"""
    import tempfile  # probes only: not on every run's import path

    with tempfile.TemporaryDirectory() as d:
        layout = Layout("namespace", Path(d), [], cwd="/", ops=[(d.encode(), d.encode(), None, MS_BIND, None)])
        return _runs(UsernsSpawner(), layout)


def _runs(spawner: Spawner, layout: Layout) -> bool:
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)  # real fds: the zygote receives them over a socket
    try:
        proc = spawner.spawn(layout, ["true"], {"PATH": os.defpath}, stdin=null, stdout=null, stderr=null)
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        os.close(null)
    return proc.wait() == 0


def probe_overlay(spawner: Spawner, scratch: Path) -> tuple[str, str]:
    """How this spawner can make a host dir private: (``any``/``plain``/``none``, extra overlay options).

    Probed once per executor with a real overlay mount, with the upper dir under ``scratch`` (the executor's
    home: overlayfs cannot use some file systems — another overlayfs, for one — as its upper layer).
    """
    if spawner.mode == "rewrite":
        return "none", ""
    cache: dict[str, tuple[str, str]] = spawner.__dict__.setdefault("_overlay_probes", {})
    if str(scratch) in cache:
        return cache[str(scratch)]
    cache[str(scratch)] = result = _probe_overlay(spawner, scratch)
    return result


def _probe_overlay(spawner: Spawner, scratch: Path) -> tuple[str, str]:
    scratch.mkdir(parents=True, exist_ok=True)
    import tempfile

    with tempfile.TemporaryDirectory(dir=scratch, prefix=".overlay-probe-") as d:
        for sub in ("lower", "upper", "work", "merged"):
            os.mkdir(os.path.join(d, sub))
        choices = ["", "userxattr"] if spawner.mode == "namespace" else ["userxattr", ""]
        for options in choices:
            data = f"lowerdir={d}/lower,upperdir={d}/upper,workdir={d}/work" + (f",{options}" if options else "")
            layout = Layout("namespace", Path(d), [], cwd="/",
                            ops=[(b"overlay", f"{d}/merged".encode(), b"overlay", 0, data.encode())])
            if _runs(spawner, layout):
                return ("any" if spawner.mode == "namespace" else "plain"), options
    return "none", ""


_shared: dict[tuple[int, str], Spawner] = {}
_shared_lock = threading.Lock()


def shared_spawner(isolation: str = "auto") -> Spawner:
    """The process-wide spawner for ``isolation`` (detected once; executors are cheap to create).

    Spawners hold per-process state (namespace fds, the zygote), so they are shared by every executor of
    this process and live as long as it does; a forked child detects its own.
    """
    key = (os.getpid(), isolation)
    with _shared_lock:
        spawner = _shared.get(key)
        if spawner is None:
            spawner = _shared[key] = detect(isolation)
        return spawner


def detect(isolation: str = "auto") -> Spawner:
    """Pick the spawner: ``auto`` tries namespace, userns, then rewrite; ``namespace`` accepts either namespace
    flavour; ``userns`` and ``rewrite`` force one."""
    if isolation not in ("auto", "namespace", "userns", "rewrite"):
        raise ValueError(f"isolation must be auto, namespace, userns or rewrite, not {isolation!r}")
    if isolation == "rewrite":
        return Spawner()
    if isolation in ("auto", "namespace"):
        try:
            return ThreadNamespaceSpawner()
        except OSError:
            pass
    try:
        return ZygoteSpawner()
    except OSError:
        pass
    if _userns_works():
        return UsernsSpawner()
    if isolation == "auto":
        return Spawner()
    raise OSError(f"isolation {isolation!r}: mount/user namespaces are not available to this process")
