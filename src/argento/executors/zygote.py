"""The zygote: a small helper process that spawns steps for an unprivileged executor.

Run as ``python -S -E zygote.py CTL_FD EVENT_FD`` (self-contained: stdlib only, nothing of ours imported).
At start it enters a new user namespace (its uid/gid mapped to themselves) and mount namespace, so it holds
CAP_SYS_ADMIN *there*; from then on it spawns each step exactly like the privileged in-thread spawner — fresh
mount namespace, the layout's mounts, chroot, ``vfork`` — and returns to its base namespace. Forking a tiny
process instead of the engine keeps the unprivileged per-step cost near the privileged one.

Protocol (``SOCK_SEQPACKET``, ``marshal``-encoded tuples):

- control socket, request/response: ``("spawn", argv, env, cwd, ops, root, rlimit)`` with the step's
  stdin/stdout/stderr passed as SCM_RIGHTS -> ``("ok", pid)`` or ``("err", errno, filename, text)``;
  ``("kill", pid, sig)`` -> ``("ok", 0)`` — signals the step's process group if the step has not been reaped.
- event socket, zygote -> engine: ``(pid, returncode)`` when a step's main process has ended; its process group
  is SIGKILLed first (a container's processes die with it) and the zygote, a child subreaper, reaps every
  orphan itself.

The zygote exits, killing its steps, when the engine closes the control socket (or dies).
"""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_CHILD_SUBREAPER = 36
MAX_MESSAGE = 1 << 22


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


class Zygote:
    def __init__(self, ctl, events):
        self.ctl = ctl
        self.events = events
        self.libc = _libc()
        self.mains = {}  # pid -> Popen (kept so that Popen never reaps behind our back)
        uid, gid = os.getuid(), os.getgid()
        _check(self.libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
        _write("/proc/self/setgroups", b"deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1".encode())
        _write("/proc/self/gid_map", f"{gid} {gid} 1".encode())
        _check(self.libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        self.base = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    def spawn(self, argv, env, cwd, ops, root, rlimit, fds):
        libc = self.libc
        _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        try:
            for src, dst, fstype, flags, data in ops:
                if libc.mount(src, dst, fstype, flags, data) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"mount {src.decode()} on {dst.decode()}: {os.strerror(err)}")
            if root is not None:
                os.chroot(root)
            proc = subprocess.Popen(argv, stdin=fds[0], stdout=fds[1], stderr=fds[2], env=env, cwd=cwd,
                                    start_new_session=True, close_fds=True)
        finally:
            _check(libc.setns(self.base, CLONE_NEWNS), "setns(base)")
            os.chdir("/")
        if rlimit is not None:
            with contextlib.suppress(OSError, ValueError):
                resource.prlimit(proc.pid, rlimit[0], (rlimit[1], rlimit[1]))
        self.mains[proc.pid] = proc
        return proc.pid

    def handle(self, msg, fds):
        kind = msg[0]
        if kind == "spawn":
            try:
                pid = self.spawn(*msg[1:], fds)
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
            if proc is not None:
                code = os.waitstatus_to_exitcode(status)
                proc.returncode = code
                self.events.send(marshal.dumps((pid, code)))

    def serve(self):
        rfd, wfd = os.pipe()
        os.set_blocking(wfd, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wfd)
        sel = selectors.DefaultSelector()
        sel.register(self.ctl, selectors.EVENT_READ, "ctl")
        sel.register(rfd, selectors.EVENT_READ, "chld")
        self.ctl.send(marshal.dumps(("ready", os.getpid())))
        while True:
            for key, _ in sel.select():
                if key.data == "chld":
                    with contextlib.suppress(BlockingIOError):
                        os.read(rfd, 4096)
                    self.reap()
                    continue
                try:
                    data, fds, _, _ = socket.recv_fds(self.ctl, MAX_MESSAGE, 3)
                except InterruptedError:
                    continue
                if not data:
                    self.shutdown()
                    return
                self.ctl.send(marshal.dumps(self.handle(marshal.loads(data), fds)))
            self.reap()

    def shutdown(self):
        for pid in list(self.mains):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def main(argv):
    ctl = socket.socket(fileno=int(argv[1]))
    events = socket.socket(fileno=int(argv[2]))
    try:
        zygote = Zygote(ctl, events)
    except OSError as e:
        ctl.send(marshal.dumps(("fail", str(e))))
        return 1
    zygote.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
