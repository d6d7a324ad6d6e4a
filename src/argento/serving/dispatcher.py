"""The adaptive batching dispatcher on the event loop: one per batchable API per worker.

It drives a :class:`~argento.serving.batching.BatchQueue` with the loop's clock: requests are offered as they
arrive (or shed at once with 503 when predicted to miss ``max_latency_ms``), one batch runs at a time, and the
batch's result is cut back into per-request results (rows are re-assembled for requests that were split).

It also owns ``traffic.timeout`` for its requests: they arrive in order and share one timeout, so a FIFO of
deadlines and a single timer replace a timer per request (the per-request cost is what batching amortises).
An expired request's future fails with :class:`BatchTimedOut`; the caller passes it to :meth:`Dispatcher.abandon`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from argento.serving.batching import Batch, BatchQueue, CostModel, Part, Request
from argento.serving.errors import DeadlineExceeded, InvalidInput, ServingError
from argento.serving.io.base import BatchCodec

log = logging.getLogger("argento.serving")

#: ``on_batch(requests, rows, a, b)``: metrics hook called after every batch.
BatchObserver = Callable[[int, int, float, float], None]


def slice_output(value: Any, start: int, stop: int, axis: int) -> Any:
    """Rows ``start:stop`` of a batch result (numpy along ``axis``, pandas by position, lists)."""
    if hasattr(value, "iloc"):
        return value.iloc[start:stop]
    if hasattr(value, "ndim") and hasattr(value, "shape"):
        if axis == 0 or value.ndim == 1:
            return value[start:stop]
        index = [slice(None)] * value.ndim
        index[axis] = slice(start, stop)
        return value[tuple(index)]
    return value[start:stop]


def output_rows(value: Any, axis: int) -> int:
    """How many rows a batch result has."""
    shape = getattr(value, "shape", None)
    if shape is not None and not hasattr(value, "iloc"):
        return int(shape[axis if len(shape) > axis else 0]) if shape else 0
    return len(value)


def concat_outputs(pieces: Sequence[Any], axis: int) -> Any:
    """Join the results of a request that was split over several batches."""
    first = pieces[0]
    if len(pieces) == 1:
        return first
    if hasattr(first, "iloc"):
        import pandas

        return pandas.concat(pieces, ignore_index=True)
    if hasattr(first, "ndim"):
        import numpy

        return numpy.concatenate(pieces, axis=axis if first.ndim > axis else 0)
    out: list[Any] = []
    for piece in pieces:
        out.extend(piece)
    return out


class BatchFailed(ServingError):
    """The batch a request was part of raised, or returned the wrong number of rows."""


class BatchTimedOut(ServingError):
    """The request was not answered within the dispatcher's timeout (the caller turns it into a 504)."""


#: Most loop turns (pairs) a batch waits for requests the loop has already received (see Dispatcher._gather).
GATHER_TURNS = 32

#: Expired requests are failed at most this late: one timer serves every request due within this window.
TIMEOUT_GRANULARITY = 0.01


class Dispatcher:
    """Runs ``call(batch)`` for batches formed from submitted values; see the module docstring.

    ``item_mode`` is BentoML's JSON batching: every request is one item and gets one element of the result.
    """

    def __init__(
        self,
        call: Callable[[Any], Awaitable[Any]],
        codec: BatchCodec,
        *,
        max_batch_size: int,
        max_latency_ms: float,
        item_mode: bool = False,
        out_axis: int = 0,
        on_batch: BatchObserver | None = None,
        cost: CostModel | None = None,
        inline: Callable[[Any], Any] | None = None,
        inline_below: float = 0.0,
        timeout: float | None = None,
    ) -> None:
        self._call = call
        self.timeout = timeout
        self._expiry: deque[tuple[float, Request]] = deque()
        self._expiry_timer: asyncio.TimerHandle | None = None
        # A sync model whose batches are predicted to take less than `inline_below` seconds runs on the loop:
        # two thread hand-offs and the GIL ping-pong between the loop and the worker thread would cost more
        # than the batch. Slower (or not yet measured) batches always run in a thread.
        self._inline = inline
        self.inline_below = inline_below
        self._codec = codec
        self.item_mode = item_mode
        self.out_axis = out_axis
        self.on_batch = on_batch
        self.queue = BatchQueue(max_batch_size, max_latency_ms / 1000.0, codec.slice, cost=cost)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: dict[int, Request] = {}
        self._abandoned: dict[int, Callable[[], None]] = {}

    def start(self) -> None:
        """Start the batching loop on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="argento-batcher")

    async def stop(self) -> None:
        """Stop the loop; queued requests fail with 503."""
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
            self._expiry_timer = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for part in self.queue.parts:
            self._fail(part.request, DeadlineExceeded("the worker is shutting down"))
        self.queue.parts.clear()

    def submit(self, value: Any) -> tuple[asyncio.Future[Any], Request]:
        """Queue one request's value; raises :class:`DeadlineExceeded` (503) if it is shed on arrival."""
        assert self._loop is not None and self._wake is not None, "dispatcher not started"
        rows = self._codec.size(value)
        if rows == 0:
            raise InvalidInput("a batchable API needs at least one row")
        future = self._loop.create_future()
        now = self._loop.time()
        request = self.queue.offer(now, value, rows, future)
        if request is None:
            raise DeadlineExceeded(
                f"the batch queue would miss max_latency_ms={self.queue.max_latency * 1000:g} for this request"
            )
        if self.timeout is not None:
            self._watch(now + self.timeout, request)
        self._wake.set()
        return future, request

    def _watch(self, at: float, request: Request) -> None:
        expiry = self._expiry
        while expiry and expiry[0][1].handle.done():  # answered: forget (keeps the FIFO as short as the backlog)
            expiry.popleft()
        expiry.append((at, request))
        if self._expiry_timer is None:
            assert self._loop is not None
            self._expiry_timer = self._loop.call_at(at, self._expire)

    def _expire(self) -> None:
        assert self._loop is not None
        self._expiry_timer = None
        now = self._loop.time()
        expiry = self._expiry
        while expiry:
            at, request = expiry[0]
            future = request.handle
            if not future.done():
                if at > now:
                    self._expiry_timer = self._loop.call_at(max(at, now + TIMEOUT_GRANULARITY), self._expire)
                    return
                future.set_exception(BatchTimedOut(f"not answered within {self.timeout:g}s"))
            expiry.popleft()

    def abandon(self, request: Request, release: Callable[[], None]) -> None:
        """The caller gave up (timeout): drop queued parts, and call ``release`` once no part is running."""
        if id(request) in self._running:
            self._abandoned[id(request)] = release
            self.queue.drop(request)
            return
        self.queue.drop(request)
        release()

    async def _run(self) -> None:
        loop = self._loop
        wake = self._wake
        assert loop is not None and wake is not None
        queue = self.queue
        while True:
            if queue.parts and not queue.busy:
                await self._gather(loop)
            polled = queue.poll(loop.time())
            if polled is None:
                wake.clear()
                await wake.wait()
                continue
            if isinstance(polled, float):
                wake.clear()
                timer = loop.call_at(polled, wake.set)
                await wake.wait()
                timer.cancel()
                continue
            await self._execute(loop, polled)

    async def _gather(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let the loop finish parsing the requests it has already received before a batch is formed.

        The batch and the request handling share this process's CPU (the batch runs on the loop, or in a thread
        holding the GIL): requests already read from their sockets would wait for the batch anyway, so they
        join it instead — fewer, fuller batches for the same latency. Two loop turns let a new connection's data
        become a submitted request; gathering stops as soon as a turn brings nothing new, when the batch is
        full, or when waiting longer would endanger the oldest request's deadline.
        """
        queue = self.queue
        for _ in range(GATHER_TURNS):
            rows = queue.queued_rows
            if rows >= queue.max_batch_size or not queue.parts:
                return
            if loop.time() + queue.cost.predict(queue.max_batch_size) >= queue.parts[0].request.deadline:
                return
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            if queue.queued_rows == rows:
                return

    async def _execute(self, loop: asyncio.AbstractEventLoop, batch: Batch) -> None:
        queue = self.queue
        for request in queue.shed_expired(loop.time(), batch):
            self._fail(request, DeadlineExceeded("shed: the batch would finish after max_latency_ms"))
        parts = batch.parts
        if not parts:
            queue.finished(loop.time(), batch, 0.0)
            return
        for p in parts:
            self._running[id(p.request)] = p.request
        rows = batch.rows
        value = self._codec.concat([p.value for p in parts])
        started = loop.time()
        cost = queue.cost
        try:
            if self._inline is not None and cost.trusted(rows) and cost.predict(rows) < self.inline_below:
                result = self._inline(value)
            else:
                result = await self._call(value)
        except Exception as exc:
            failure: BaseException | None = exc
        else:
            failure = None
        duration = loop.time() - started
        queue.finished(loop.time(), batch, duration)
        try:
            if isinstance(failure, (ValueError, TypeError)) and len({id(p.request) for p in parts}) > 1:
                # The model rejected a value (argento.serving.blame): run each request alone, so only the ones
                # whose data it rejects fail, not every request that shared their batch.
                failure = None
                await self._isolate(parts)
            elif failure is not None:
                for p in parts:
                    self._fail(p.request, failure)
            else:
                self._distribute(parts, rows, result)
        finally:
            self._release_running(parts)
            failure = None  # break the exception ↔ frame cycle (big batches would linger until a full GC)
        if self.on_batch is not None:
            self.on_batch(len({id(p.request) for p in parts}), rows, queue.cost.a, queue.cost.b)

    async def _isolate(self, parts: list[Part]) -> None:
        """Run each part of a failed batch as a batch of its own; fail only the parts that fail again."""
        for p in parts:
            if p.request.failed:
                continue
            try:
                result = await self._call(self._codec.concat([p.value]))
            except Exception as exc:
                self._fail(p.request, exc)
            else:
                self._distribute([p], p.rows, result)

    def _distribute(self, parts: list[Part], rows: int, result: Any) -> None:
        axis = self.out_axis
        try:
            got = len(result) if self.item_mode else output_rows(result, axis)
        except TypeError:
            got = -1
        if got != rows:
            err = BatchFailed(f"the batch API returned {got} rows for {rows} input rows")
            for p in parts:
                self._fail(p.request, err)
            return
        offset = 0
        for p in parts:
            request = p.request
            if self.item_mode:
                piece = result[offset]
            else:
                piece = slice_output(result, offset, offset + p.rows, axis)
            offset += p.rows
            if request.failed:
                continue
            request.outputs.append((p.start, piece))
            request.done_rows += p.rows
            if request.done_rows == request.rows:
                future = request.handle
                if not future.done():
                    outputs = sorted(request.outputs, key=lambda item: item[0])
                    future.set_result(concat_outputs([o for _, o in outputs], axis))

    def _release_running(self, parts: list[Part]) -> None:
        for p in parts:
            key = id(p.request)
            self._running.pop(key, None)
            release = self._abandoned.pop(key, None)
            if release is not None:
                release()

    def _fail(self, request: Request, exc: BaseException) -> None:
        request.failed = True
        future = request.handle
        if future is not None and not future.done():
            future.set_exception(exc)
            future.exception()  # mark retrieved: a caller that already timed out never reads it

