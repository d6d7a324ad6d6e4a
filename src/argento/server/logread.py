"""Reading a container's log with its index (`argento.executors.logcap`): lines with their time and stream.

A `LogTail` follows one log file and its ``.idx`` from where it last stopped. Each index record says where a
chunk starts in the log, when it was read from the step's pipe and from which stream; a line takes the time
and stream of the chunk its first byte came in. The two streams interleave in the log at chunk boundaries, so
a line is put together from the chunks of its own stream: a partial stdout line followed by a stderr chunk
stays one stdout line. Bytes no record covers — a log written before the index existed, a sidecar's log —
make lines of stream 0 at ``fallback_ns`` (the node's start): old runs read as they always did.

The log is read before the index, and records are written before their chunks, so every byte read has its
record.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from argento.executors.logcap import RECORD, index_path


@dataclass(slots=True)
class Line:
    """One log line: its time (ns since the epoch), stream (1 stdout, 2 stderr, 0 unknown) and text."""

    ns: int
    stream: int
    text: str


@dataclass
class LogTail:
    """Incremental reader of one log file and its index."""

    path: Path
    fallback_ns: int = 0
    offset: int = 0  # bytes of the log consumed
    _index_offset: int = 0
    _starts: list[int] = field(default_factory=list)  # record offsets, ascending
    _marks: list[tuple[int, int]] = field(default_factory=list)  # (ns, stream) of each record
    _partial: dict[int, tuple[int, bytearray]] = field(default_factory=dict)  # stream -> (ns, bytes)

    def read(self, final: bool = False) -> list[Line]:
        """The lines completed since the last call (``final``: the unterminated ones too), in the order they
        were completed (a line's time is when it started: sort by it for the order they were written)."""
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            data = b""
        if data:
            self._read_index()
        lines: list[Line] = []
        start, end = self.offset, self.offset + len(data)
        pos = start
        while pos < end:
            i = bisect.bisect_right(self._starts, pos) - 1
            stop = self._starts[i + 1] if i + 1 < len(self._starts) else end
            ns, stream = self._marks[i] if i >= 0 else (self.fallback_ns, 0)
            self._segment(data[pos - start : min(stop, end) - start], ns, stream, lines)
            pos = min(stop, end)
        self.offset = end
        if final and self._partial:
            rest = sorted((ns, stream, bytes(buf)) for stream, (ns, buf) in self._partial.items() if buf)
            lines.extend(Line(ns, stream, text.decode("utf-8", "replace")) for ns, stream, text in rest)
            self._partial.clear()
        return lines

    def _segment(self, chunk: bytes, ns: int, stream: int, out: list[Line]) -> None:
        pieces = chunk.split(b"\n")
        head = self._partial.pop(stream, None)
        if len(pieces) == 1:  # no newline: the line goes on
            if head is None:
                head = (ns, bytearray())
            head[1].extend(pieces[0])
            self._partial[stream] = head
            return
        first = pieces[0]
        if head is not None:
            out.append(Line(head[0], stream, (bytes(head[1]) + first).decode("utf-8", "replace")))
        else:
            out.append(Line(ns, stream, first.decode("utf-8", "replace")))
        out.extend(Line(ns, stream, p.decode("utf-8", "replace")) for p in pieces[1:-1])
        if pieces[-1]:
            self._partial[stream] = (ns, bytearray(pieces[-1]))

    def _read_index(self) -> None:
        try:
            with index_path(self.path).open("rb") as fh:
                fh.seek(self._index_offset)
                raw = fh.read()
        except OSError:
            return
        usable = len(raw) - len(raw) % RECORD.size  # a record being written is read next time
        for off, ns, stream in RECORD.iter_unpack(raw[:usable]):
            if self._starts and off < self._starts[-1]:
                continue  # never expected (records are appended in log order); keep the list sorted
            self._starts.append(off)
            self._marks.append((ns, stream))
        self._index_offset += usable


def rfc3339nano(ns: int) -> str:
    """Kubernetes' log timestamp (``kubectl logs --timestamps``): RFC 3339, UTC, nine fraction digits."""
    secs, frac = divmod(ns, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(secs, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{frac:09d}Z"


def parse_time_ns(value: str | None) -> int:
    """An Argo timestamp (``2026-01-02T03:04:05Z``) in ns since the epoch; 0 when absent or unreadable."""
    if not value:
        return 0
    try:
        return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()) * 1_000_000_000
    except ValueError:
        return 0
