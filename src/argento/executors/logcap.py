"""A step's log file with a size cap (ARGENTO_MAX_STEP_LOG_BYTES, 50 MiB by default) and its line index.

Three chatty steps filled a 20 MB disk in five seconds: a container's log had no bound. The kubelet bounds
it (``containerLogMaxSize`` x ``containerLogMaxFiles``, 10 MiB x 5 by default), so a step's log is capped at
the same 50 MiB: past the cap, one marker line says the log was truncated and the rest is discarded. The
step itself keeps running and its output keeps being drained (a full pipe would block it); only the file stops
growing. ``outputs.result`` (the last 256 kB of stdout) is kept apart and is unaffected.

The log itself stays plain text (what ``main-logs`` archives and ``kubectl logs`` shows). Next to it,
``<log>.idx`` says when and from which stream each chunk came, as the kubelet's CRI log does per line: one
fixed-size :data:`RECORD` per chunk read from a pipe — ``(offset in the log, time in ns since the epoch,
stream)`` — written *before* the chunk, so a reader that sees the bytes also sees their record. A line takes
the time and stream of the chunk its first byte came in (`argento.server.logread`). A log without an index
(written before it existed) still reads, with no per-line times. A sidecar's log follows the same rules: its
pipes are drained into a `CappedLog` by `PipeLog` (or, for a durable step, by the supervisor). The cost is one 17-byte ``write`` per pipe read in which a line starts (a chunk that only continues a
line of the same stream needs none); past the log's cap none is written, and the index itself stops at the cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import time
from pathlib import Path

MARKER = (
    "\n[argento] log truncated: this container wrote more than {limit} bytes "
    "(ARGENTO_MAX_STEP_LOG_BYTES); the rest was discarded\n"
)

#: One index record: offset of the chunk in the log, its time (ns since the epoch), its stream.
RECORD = struct.Struct("<QQB")
#: The streams a record names (0: unknown — bytes no record covers).
STDOUT, STDERR = 1, 2
INDEX_SUFFIX = ".idx"


def index_path(log_path: Path) -> Path:
    """Where the line index of ``log_path`` is (``main.log`` -> ``main.log.idx``)."""
    return log_path.with_name(log_path.name + INDEX_SUFFIX)


class CappedLog:
    """Appends to an open log file descriptor until ``limit`` bytes, then writes :data:`MARKER` once.

    With ``index`` (an fd open for appending), a chunk's :data:`RECORD` is appended there first — unless the
    chunk only continues a line of the same stream (no line starts in it, so no time is needed): a step writing
    byte by byte adds no record per byte. The index stops growing at ``limit`` bytes too."""

    __slots__ = ("fd", "index", "indexed", "limit", "open_line", "size", "stream", "truncated")

    def __init__(self, fd: int, limit: int, index: int | None = None) -> None:
        self.fd = fd
        self.index = index
        self.limit = limit
        try:
            self.size = os.fstat(fd).st_size  # an attempt's log may already hold its earlier lines
            self.indexed = os.fstat(index).st_size if index is not None else 0
        except OSError:
            self.size = self.indexed = 0
        self.truncated = self.size >= limit
        self.stream = 0  # the stream of the last chunk
        self.open_line = False  # the last chunk did not end its line

    def write(self, data: bytes, stream: int = STDOUT) -> None:
        """Append ``data``, or as much of it as the cap leaves (then the marker)."""
        if self.truncated or not data:
            return
        if (
            self.index is not None
            and self.indexed < self.limit
            and (stream != self.stream or not self.open_line or data.find(b"\n", 0, len(data) - 1) >= 0)
        ):
            try:
                _write_all(self.index, RECORD.pack(self.size, time.time_ns(), stream))
                self.indexed += RECORD.size
            except OSError:  # a full disk loses the line's time, never the line
                pass
        self.stream = stream
        self.open_line = data[-1] != 10  # b"\n"
        room = self.limit - self.size
        if len(data) <= room:
            _write_all(self.fd, data)
            self.size += len(data)
            return
        _write_all(self.fd, data[:room])
        _write_all(self.fd, MARKER.format(limit=self.limit).encode())
        self.size = self.limit
        self.truncated = True


#: How much one read of a pipe takes.
READ_CHUNK = 1 << 16


class PipeLog:
    """Pipes drained by the event loop into a `CappedLog` (a container's stderr, a sidecar's stdout and stderr).

    Owns the pipes' read ends, not the log's fds. A read takes at most 16 chunks per wake-up, so a chatty
    container cannot starve the loop; `drain` (the container has ended) reads what is left — stopping at an
    empty pipe, since a process that left the container's group may still hold it — and closes the pipes."""

    __slots__ = ("loop", "pipes", "sink")

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: CappedLog, pipes: dict[int, int]) -> None:
        self.loop = loop
        self.sink = sink
        self.pipes = dict(pipes)  # read end -> stream
        for fd in self.pipes:
            os.set_blocking(fd, False)
            loop.add_reader(fd, self._read, fd, False)

    def _read(self, fd: int, drain: bool) -> None:
        stream = self.pipes.get(fd)
        if stream is None:
            return
        for _ in range(1 << 30 if drain else 16):
            try:
                data = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                if drain:
                    break
                return
            except OSError:
                data = b""
            if not data:
                break
            self.sink.write(data, stream)
        else:
            return
        self._close_pipe(fd)

    def _close_pipe(self, fd: int) -> None:
        if self.pipes.pop(fd, None) is not None:
            with contextlib.suppress(ValueError, OSError):
                self.loop.remove_reader(fd)
            os.close(fd)

    def drain(self) -> None:
        """Log what the ended container left in its pipes, then close them."""
        for fd in list(self.pipes):
            self._read(fd, True)

    def close(self) -> None:
        """Close the pipes (unread bytes are dropped)."""
        for fd in list(self.pipes):
            self._close_pipe(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
