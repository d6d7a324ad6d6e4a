"""Worker threads for blocking artifact I/O that keep the engine thread's file-system attributes private.

The local executor's namespace spawner enters mount namespaces from the event-loop thread with ``setns``,
which the kernel refuses (EINVAL) while that thread shares its ``fs_struct`` (cwd, root, umask) with another
thread — and every thread created by it shares it (``CLONE_FS``). ``asyncio.to_thread`` would create such
threads. Ours call ``unshare(CLONE_FS)`` first thing, and the creating thread waits until they have, so the
engine thread never shares its file-system attributes with them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import queue
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

CLONE_FS = 0x00000200
MAX_WORKERS = 8


def _unshare_fs() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare(CLONE_FS)
    except (OSError, AttributeError):  # pragma: no cover - no libc symbol: nothing to protect
        pass


class IOPool:
    """A small lazily-grown pool of daemon threads; `run` awaits ``fn(*args)`` on one of them."""

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self.max_workers = max_workers
        self._queue: queue.SimpleQueue[
            tuple[concurrent.futures.Future[Any], Callable[..., Any], tuple[Any, ...]]
        ]
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers = 0
        self._idle = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker thread and return its result (exceptions propagate)."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker thread and wait for it here (never from a worker of this pool)."""
        return self.submit(fn, *args).result()

    def submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """Queue ``fn(*args)`` for a worker thread."""
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._idle == 0 and self._workers < self.max_workers:
                self._start_worker()
            else:
                self._idle = max(self._idle - 1, 0)
        self._queue.put((fut, fn, args))
        return fut

    def _start_worker(self) -> None:
        ready = threading.Event()
        thread = threading.Thread(target=self._work, args=(ready,), name="argento-artifacts", daemon=True)
        thread.start()
        ready.wait()  # the new thread has its own fs_struct before the engine thread goes on
        self._workers += 1

    def _work(self, ready: threading.Event) -> None:
        _unshare_fs()
        ready.set()
        while True:
            fut, fn, args = self._queue.get()
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args))
                except BaseException as exc:
                    fut.set_exception(exc)
            with self._lock:
                self._idle += 1


#: The pool the artifact driver uses.
POOL = IOPool()
