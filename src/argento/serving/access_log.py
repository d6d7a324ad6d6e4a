"""The serving access log, buffered: one line per request, formatted and written off the request path.

Why: a ``logging`` call per request (a ``LogRecord``, the handler's lock, ``strftime``, a ``write`` and a
``flush`` system call) cost 11–16 % of the throughput of a fast API. A request now appends one tuple to a list;
the lines are formatted and written in one block when the buffer is flushed — :data:`FLUSH_INTERVAL` seconds
after the first buffered line, when :data:`MAX_BUFFERED` lines are waiting, and at shutdown (the ASGI lifespan
shutdown, after uvicorn drained the in-flight requests). A process killed with SIGKILL loses at most the
last interval's lines.

The content is unchanged: ``<asctime> <client> "<method> <path>" <status> <ms>ms rid=<request id>`` on the
``argento.serving.access`` logger. When that logger writes only to :class:`AccessLogHandler` handlers with the
default ``%(asctime)s %(message)s`` format (what ``argento serve`` configures) the block is formatted here and
written in pieces of whole lines of at most :data:`ATOMIC_WRITE` bytes (atomic on a pipe, so workers sharing
stdout do not interleave mid-line); any other configuration (a JSON formatter, pytest's ``caplog``…) gets one ``LogRecord`` per
line at flush time, stamped with the request's own time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

#: Seconds a buffered line waits at most before it is written.
FLUSH_INTERVAL = 0.5
#: Lines buffered at most before a flush (bounds memory under any load).
MAX_BUFFERED = 4096
#: The access formatter ``argento serve`` configures; the fast path reproduces it exactly.
ACCESS_FORMAT = "%(asctime)s %(message)s"
MESSAGE = '%s "%s %s" %d %.2fms rid=%s'

logger = logging.getLogger("argento.serving.access")

#: One buffered request: (unix time, client host, method, path, status, milliseconds, request id).
Entry = tuple[float, str, str, str, int, float, str]


#: Bytes written at most per system call: a pipe takes a write this small in one piece, so the lines of several
#: workers sharing the same stdout never interleave mid-line.
ATOMIC_WRITE = 4096


class AccessLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A ``StreamHandler`` that also takes a whole block of lines, written in few system calls."""

    def emit_block(self, lines: list[str]) -> None:
        with self.lock:  # type: ignore[union-attr]
            try:
                chunk: list[str] = []
                size = 0
                for line in lines:
                    if size + len(line) > ATOMIC_WRITE and chunk:
                        self.stream.write("".join(chunk))
                        self.flush()
                        chunk, size = [], 0
                    chunk.append(line)
                    size += len(line)
                if chunk:
                    self.stream.write("".join(chunk))
                    self.flush()
            except Exception:  # pragma: no cover - a closed or broken stream, as logging.Handler.handleError
                self.handleError(logging.makeLogRecord({"msg": "access log block", "levelno": logging.INFO}))


class AccessLog:
    """The buffer of one serving app. ``add`` runs on the event loop; ``flush`` anywhere on the loop thread."""

    def __init__(self, interval: float = FLUSH_INTERVAL, max_buffered: int = MAX_BUFFERED) -> None:
        self.interval = interval
        self.max_buffered = max_buffered
        self._buffer: list[Entry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._stamp_second = -1
        self._stamp = ""

    def add(self, client: Any, method: str, path: str, status: int, ms: float, rid: str) -> None:
        """Buffer one request's line (called once the response was sent)."""
        buffer = self._buffer
        if not buffer and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self.flush)
        buffer.append((time.time(), client[0] if client else "-", method, path, status, ms, rid))
        if len(buffer) >= self.max_buffered:
            self.flush()

    def flush(self) -> None:
        """Write every buffered line now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        entries, self._buffer = self._buffer, []
        if not entries or not logger.isEnabledFor(logging.INFO):
            return
        handlers = logger.handlers
        if (
            handlers
            and not logger.propagate
            and not logger.filters
            and all(isinstance(h, AccessLogHandler) and _default_format(h) for h in handlers)
        ):
            lines = [self._line(entry) for entry in entries]
            for handler in handlers:
                if handler.level > logging.INFO:
                    continue
                if handler.filters:
                    self._records(entries, handler.handle)
                else:
                    handler.emit_block(lines)  # type: ignore[attr-defined]
            return
        self._records(entries, logger.handle)

    def close(self) -> None:
        """Flush and stop the timer (at shutdown)."""
        self.flush()

    def _line(self, entry: Entry) -> str:
        created, client, method, path, status, ms, rid = entry
        second = int(created)
        if second != self._stamp_second:
            self._stamp_second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(created))
        millis = int((created - second) * 1000)
        return f'{self._stamp},{millis:03d} {client} "{method} {path}" {status} {ms:.2f}ms rid={rid}\n'

    @staticmethod
    def _records(entries: list[Entry], handle: Any) -> None:
        for created, client, method, path, status, ms, rid in entries:
            record = logger.makeRecord(
                logger.name, logging.INFO, __file__, 0, MESSAGE, (client, method, path, status, ms, rid), None
            )
            record.created = created
            record.msecs = int((created - int(created)) * 1000) + 0.0
            record.relativeCreated = (created - logging._startTime) * 1000  # type: ignore[attr-defined]
            handle(record)


def _default_format(handler: logging.Handler) -> bool:
    formatter = handler.formatter
    return (
        formatter is not None
        and type(formatter) is logging.Formatter
        and formatter._fmt == ACCESS_FORMAT
        and formatter.datefmt is None
        and formatter.converter is time.localtime
    )
