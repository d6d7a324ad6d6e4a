"""What a pid is, for code that watches processes it may not have started (lock owners, replicas re-adopted
after a restart, the MLflow server, served dependencies): alive, a zombie, running, its command line.

Zombies matter: an adopted process that exits stays a zombie until its parent reaps it, and still answers
``kill(pid, 0)``. ``/proc`` answers the rest on Linux; without it (macOS) the signal check is all there is.
"""

from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a zombie does)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and waits to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    return pid_alive(pid) and not is_zombie(pid)


def cmdline(pid: int) -> list[str] | None:
    """The arguments of ``pid``; ``None`` where there is no procfs, ``[]`` if it cannot be read (gone)."""
    path = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self").exists():
        return None
    try:
        return path.read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot: with the pid, it names one process (pids are reused).

    ``None`` where there is no procfs or the process is gone.
    """
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
