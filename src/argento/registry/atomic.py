"""Crash-safe file system primitives the model store is built on.

Three rules keep the store consistent when a writer is killed at any instruction:

- a new directory is filled in a private staging folder on the same file system, flushed to disk, and made
  visible by one ``rename`` (atomic on POSIX); a staging folder left by a dead process is garbage;
- a small mutable file is replaced whole (write a temp file, ``fsync``, ``os.replace``);
- writers of one model serialise on an advisory ``flock`` of that model's lock file; readers take no lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from argento.procs import pid_alive


class FileLock:
    """An exclusive advisory lock on ``path`` (``flock``), held for a ``with`` block.

    The lock belongs to the open file, so two ``FileLock`` objects conflict even inside one process
    (and one thread): never nest two locks of the same path.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry change (a rename or a new file) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> int:
    """Flush every file and directory under ``root``; returns the total size of the files in bytes."""
    total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                total += os.fstat(fd).st_size
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))
    return total


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def append_line(path: Path, line: str) -> None:
    """Append one ``\\n``-terminated line to a log, first cutting a torn last line a crash may have left.

    The caller holds the writers' lock. Readers ignore a last line without its newline, so a torn append
    is invisible and is removed by the next writer.
    """
    if "\n" in line:
        raise ValueError("a log line must not contain a newline")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size:
            fh.seek(max(0, size - 1))
            if fh.read(1) != b"\n":
                fh.seek(0)
                data = fh.read()
                fh.truncate(data.rfind(b"\n") + 1)
        fh.write(line.encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def complete_lines(path: Path) -> list[str]:
    """The lines of a log that were completely written (a torn last line is left out)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    end = data.rfind(b"\n")
    return data[: end + 1].decode().splitlines() if end >= 0 else []


class Staging:
    """The store's private folder for directories under construction (same file system as the store).

    Entries are named ``<pid>-<purpose>-<random>`` so that the leftovers of a killed writer can be recognised
    and removed by the next writer.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def new_dir(self, purpose: str) -> Path:
        """Create and return a fresh private directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{os.getpid()}-{purpose}-{uuid.uuid4().hex[:12]}"
        path.mkdir()
        return path

    def discard(self, path: Path) -> None:
        """Remove a staging directory (or file), ignoring what is already gone."""
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def collect_garbage(self) -> list[Path]:
        """Remove entries whose owning process is gone; returns what was removed."""
        removed: list[Path] = []
        with contextlib.suppress(FileNotFoundError):
            for entry in self.root.iterdir():
                pid_text = entry.name.split("-", 1)[0]
                if pid_text.isdigit() and not pid_alive(int(pid_text)):
                    self.discard(entry)
                    removed.append(entry)
        return removed


def rename_dir(src: Path, dst: Path) -> None:
    """Move a directory into place atomically; refuses to replace an existing ``dst``.

    Raises :class:`FileExistsError` when ``dst`` exists (``rename`` replaces an *empty* directory, so that
    case is checked first; the caller holds the lock that makes the check race-free).
    """
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, "exists", str(dst))
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.rename(src, dst)
    fsync_dir(dst.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """``with locked(path):`` — shorthand for :class:`FileLock`."""
    with FileLock(path):
        yield
