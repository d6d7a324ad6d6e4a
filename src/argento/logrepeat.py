"""Repeated log records, folded: the first is logged, the next identical ones are counted (SPEC §6 R5).

A failure that hits every workflow and every request at once — a full disk — must not log the same
traceback eleven thousand times (and fill the disk a little more). `RepeatFilter` lets a record through
when its message and exception (type and text) were not logged in the last ``window`` seconds; otherwise it
counts it. The next time that message gets through, or when the filter is flushed (at exit), the count is
told: ``… (repeated 11482 times)``. As syslog does, but for interleaved repeats too.

    install()     # on every handler of the root logger and of uvicorn's loggers
"""

from __future__ import annotations

import atexit
import logging
import time
from collections import OrderedDict

_SEEN = 512


class RepeatFilter(logging.Filter):
    """See the module doc. One per handler; not thread-safe beyond what logging's handler lock gives."""

    def __init__(self, window: float = 60.0) -> None:
        super().__init__()
        self.window = window
        #: key -> [when it was last let through, how many were held back since]
        self._seen: OrderedDict[tuple[object, ...], list[float]] = OrderedDict()
        self._pending: dict[tuple[object, ...], logging.LogRecord] = {}

    @staticmethod
    def _key(record: logging.LogRecord) -> tuple[object, ...]:
        exc = record.exc_info[1] if record.exc_info else None
        return (
            record.name,
            record.levelno,
            record.getMessage(),
            type(exc).__name__ if exc else "",
            str(exc or ""),
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_repeat_summary", False):
            return True
        key = self._key(record)
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.window:
            seen[1] += 1
            self._pending[key] = record
            return False
        if seen is not None and seen[1]:
            _annotate(record, int(seen[1]))
        self._seen[key] = [now, 0]
        self._seen.move_to_end(key)
        self._pending.pop(key, None)
        while len(self._seen) > _SEEN:
            old, (_, count) = self._seen.popitem(last=False)
            record_old = self._pending.pop(old, None)
            if count and record_old is not None:
                self._emit_summary(record_old, int(count))
        return True

    def flush(self) -> None:
        """Tell the counts still held back (at exit)."""
        pending, self._pending = self._pending, {}
        for key, record in pending.items():
            seen = self._seen.get(key)
            if seen is not None and seen[1]:
                self._emit_summary(record, int(seen[1]))
                seen[1] = 0

    @staticmethod
    def _emit_summary(record: logging.LogRecord, count: int) -> None:
        summary = logging.makeLogRecord(record.__dict__)
        summary.exc_info = summary.exc_text = None
        _annotate(summary, count)
        summary._repeat_summary = True  # type: ignore[attr-defined]
        logging.getLogger(record.name).handle(summary)


def _annotate(record: logging.LogRecord, count: int) -> None:
    record.msg = f"{record.getMessage()} (repeated {count} times)"
    record.args = None


def install(*names: str, window: float = 60.0) -> list[RepeatFilter]:
    """Add a `RepeatFilter` to every handler of the root logger and of the loggers ``names`` (default:
    uvicorn's); the filters are flushed at exit."""
    filters = []
    for name in ("", *(names or ("uvicorn", "uvicorn.error", "uvicorn.access"))):
        for handler in logging.getLogger(name or None).handlers:
            if any(isinstance(f, RepeatFilter) for f in handler.filters):
                continue
            flt = RepeatFilter(window)
            handler.addFilter(flt)
            filters.append(flt)
    for flt in filters:
        atexit.register(flt.flush)
    return filters
