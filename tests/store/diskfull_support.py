"""A small real file system to fill up (SPEC §6 R5 tests): a tmpfs mounted for one test, unmounted after.

Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests that use it skip, saying why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(where: Path, size_mib: int) -> Iterator[Path]:
    """A fresh tmpfs of ``size_mib`` MiB at ``where`` (created), unmounted (with all it holds) at the end."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill up here: {done.stderr.strip() or done.returncode}")
    try:
        yield where
    finally:
        for _ in range(50):  # a process of the test may still hold a file open there for a moment
            if subprocess.run(["umount", str(where)], capture_output=True).returncode == 0:
                break
            subprocess.run(["sleep", "0.1"])
        else:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(path: Path) -> int:
    """Write to ``path`` until the disk is full; the bytes written."""
    written = 0
    block = b"\0" * (1 << 16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            try:
                written += os.write(fd, block)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                if len(block) == 1:
                    return written
                block = block[: len(block) // 2]
    finally:
        os.close(fd)
