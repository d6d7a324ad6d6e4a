"""The watchdog: a step does not outlive the engine that runs it (``argento run``).

Steps run in their own sessions (so that the engine can signal a step's whole process group). The price: an
engine killed with SIGKILL, or crashing, leaves its steps running, finishing while nobody records them. Where
nothing would adopt them — ``argento run``, the CLI in the foreground — the watchdog closes that gap: a tiny
``/bin/sh`` process (one per engine process, started with the first step) waits for end-of-file on a pipe
whose only writer is the engine and, when it comes because the engine is gone — however it died — SIGKILLs
the process groups still registered, then exits. A Ctrl-C'd or killed ``argento run`` leaves no steps behind.

The registry costs a step no wake-up of another process: it is a file both share (anonymous, ``memfd``)
of fixed-width slots, one decimal process-group id per line (``0``: free), written in place with
``pwrite`` as steps start and end; the watchdog reads it only once, after the engine died. A write of a
few bytes within one page is seen whole or not at all, and an engine dies after its last write returned.
(It used to be a ``+pgid``/``-pgid`` line per start and end on the pipe: each woke the watchdog, ~0.2–0.4 ms
of a step on a busy two-core machine.)

Steps spawned by the zygote need no watchdog: the zygote already kills them when the engine goes away. The
server's steps are *durable* instead (`supervisor`): they outlive it, and the next server adopts them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading

#: Runs as ``/bin/sh -c SCRIPT`` (≈1 ms of CPU; a Python interpreter took ≈15 ms of every run): ignore the
#: terminal's signals, wait for the engine's end (EOF on stdin), then kill every group left in the registry
#: (its stdout, fd 1, opened for reading and writing; slots of 0 are free).
SCRIPT = r"""trap '' INT TERM HUP
while read -r _; do :; done
while read -r pgid; do
  [ "$pgid" -gt 0 ] 2>/dev/null && kill -s KILL -- "-$pgid" 2>/dev/null
done <&1
"""
#: One slot: a process-group id right-aligned in 10 digits and a newline.
_SLOT = 11


def _registry() -> int:
    """An anonymous file, close-on-exec (only the watchdog gets it, as its stdout)."""
    with contextlib.suppress(AttributeError, OSError):
        return os.memfd_create("argento-watchdog", os.MFD_CLOEXEC)
    import tempfile  # no memfd (not Linux ≥ 3.17)

    fd, path = tempfile.mkstemp(prefix="argento-watchdog-")
    os.unlink(path)
    return fd


class Watchdog:
    """Kills the registered process groups when this process goes away (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[int, int] = {}  # pgid -> slot
        self._free: list[int] = []
        self._next = 0
        self._registry = _registry()
        read, self._write = os.pipe()  # both close-on-exec: only the watchdog inherits its end (as stdin)
        try:
            self._proc = subprocess.Popen(
                ["/bin/sh", "-c", SCRIPT],
                stdin=read,
                stdout=self._registry,  # the same open file: what we `pwrite` it reads from offset 0
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not in the engine's group: a Ctrl-C there does not kill it first
                close_fds=True,
                env={"PATH": os.defpath},
            )
        finally:
            os.close(read)

    def watch(self, pgid: int) -> None:
        """Kill process group ``pgid`` if this process dies while it is registered."""
        with self._lock:
            if pgid in self._slots:
                return
            slot = self._free.pop() if self._free else self._take()
            self._slots[pgid] = slot
        self._put(slot, pgid)

    def forget(self, pgid: int) -> None:
        """The group ended (its leader is a zombie, so the id cannot be reused yet): stop watching it."""
        with self._lock:
            slot = self._slots.pop(pgid, None)
            if slot is None:
                return
            self._free.append(slot)
        self._put(slot, 0)

    def _take(self) -> int:
        slot = self._next
        self._next += 1
        return slot

    def _put(self, slot: int, pgid: int) -> None:
        with contextlib.suppress(OSError):  # a full disk (tmpfile fallback): steps can only outlive us
            os.pwrite(self._registry, b"%10d\n" % pgid, slot * _SLOT)


_shared: dict[int, Watchdog] = {}
_lock = threading.Lock()


def shared_watchdog() -> Watchdog:
    """This process's watchdog (started on first use; a forked child starts its own)."""
    pid = os.getpid()
    with _lock:
        watchdog = _shared.get(pid)
        if watchdog is None:
            watchdog = _shared[pid] = Watchdog()
        return watchdog
