"""The watchdog: a step does not outlive the engine that runs it.

Steps run in their own sessions (so that the engine can signal a step's whole process group). The price: an
engine killed with SIGKILL, or crashing, leaves its steps running; one may finish while nobody records it and,
when a restarted server resumes the workflow, run a second time. The watchdog closes that gap: a tiny process
(stdlib only, one per engine process, started with the first step) learns each step's process group over a
pipe and, when the pipe reaches end-of-file because the engine is gone — however it died — SIGKILLs the groups
still registered, then exits. An interrupted step therefore never completes unseen: it is re-run, once.

Steps spawned by the zygote need no watchdog: the zygote already kills them when the engine goes away.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading

# Runs as `python -S -E -c SCRIPT`: no site, no environment, nothing of ours imported.
SCRIPT = r"""
import os, signal, sys
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
groups = set()
for line in sys.stdin.buffer:
    op, pgid = line[:1], int(line[1:])
    if op == b"+":
        groups.add(pgid)
    else:
        groups.discard(pgid)
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
"""


class Watchdog:
    """Kills the registered process groups when this process goes away (see the module docstring)."""

    def __init__(self) -> None:
        read, self._write = os.pipe()  # both close-on-exec: only the watchdog inherits its end (as stdin)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-E", "-c", SCRIPT],
                stdin=read,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not in the engine's group: a Ctrl-C there does not kill it first
                close_fds=True,
            )
        finally:
            os.close(read)

    def watch(self, pgid: int) -> None:
        """Kill process group ``pgid`` if this process dies while it is registered."""
        self._send(b"+%d\n" % pgid)

    def forget(self, pgid: int) -> None:
        """The group ended (its leader is a zombie, so the id cannot be reused yet): stop watching it."""
        self._send(b"-%d\n" % pgid)

    def _send(self, line: bytes) -> None:
        with contextlib.suppress(OSError):  # the watchdog is gone: steps can only outlive us, as before
            os.write(self._write, line)  # short writes to a pipe are atomic


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
