"""Disk full (SPEC §6 R5): a reserve of space next to the SQLite database, given up to record end states.

When the disk fills up — usually because steps filled it — the writes that matter most are the last ones:
the Error/Failed end states of the nodes and workflows that ran into it. Without them a restarted server
resumes those workflows, and they fill the disk again. Freed space cannot be counted on (the steps that
took it are still there), so the store keeps its own: a preallocated file (``argento.db.reserve``, 16 MiB by
default: thousands of node commits) on the database's file system. It is given up (`release`) by whoever
retries the failed writes — not by the first write that fails: the step that filled the disk may still be
writing, and would eat it — and made again (`restore`) once there is room for it plus as much again to
spare, checked at most every few seconds.

PostgreSQL keeps its data on its own server: no reserve there (a full disk is reported as `DiskFull`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger("argento.store")

RESERVE_BYTES = 16 << 20
_CHECK_EVERY = 5.0


def is_disk_full(exc: BaseException) -> bool:
    """Whether a driver or OS error means "no space left" (SQLite's SQLITE_FULL, PostgreSQL's 53100, ENOSPC)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if getattr(exc, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
        return True
    if getattr(exc, "sqlstate", None) == "53100":  # disk_full
        return True
    text = str(exc).lower()
    return "database or disk is full" in text or "no space left on device" in text


class Reserve:
    """A preallocated file of ``size`` bytes at ``path`` (see the module doc)."""

    def __init__(self, path: Path, size: int = RESERVE_BYTES) -> None:
        self.path = path
        self.size = size
        self._checked = 0.0
        self._held = path.exists()  # left by an earlier server

    @property
    def held(self) -> bool:
        return self._held

    def restore(self, *, force: bool = False) -> bool:
        """Make the reserve if it is missing and the disk has room for twice its size; True if it is held."""
        if self.size <= 0:
            return False
        if self._held:
            return True
        now = time.monotonic()
        if not force and now - self._checked < _CHECK_EVERY:
            return False
        self._checked = now
        try:
            if shutil.disk_usage(self.path.parent).free < 2 * self.size:
                return False
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)  # real blocks, not a sparse file
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except (OSError, AttributeError):
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + ".tmp").unlink()
            return False
        self._held = True
        return True

    def release(self) -> bool:
        """Give the reserve back to the file system; True if there was one to give."""
        self._held = False
        try:
            self.path.unlink()
        except OSError:
            return False
        log.warning(
            "disk full: released the %d MiB reserve %s to record state; free space on this disk",
            self.size >> 20,
            self.path,
        )
        return True
