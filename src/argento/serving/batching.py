"""Adaptive batching, the clock-free core (SPEC §3.4).

Three pieces, none of which reads a clock (times are passed in), so tests drive them with simulated time:

* :class:`CostModel` fits the batch cost ``t(n) = a·n + b`` online (weighted least squares with forgetting).
* :class:`BatchPolicy` decides, for an idle worker with ``n`` rows queued, whether waiting for the next
  request still pays off. Serving the next arrival in this batch instead of the next one saves total latency
  iff its expected gap ``g`` satisfies ``(n+1)·g + n·a < b`` — derived by comparing the summed completion
  times of the ``n+1`` requests both ways — so the batch is held at most ``(b − n·a)/(n+1)`` and only
  while the expected gap is shorter; never past the oldest request's deadline.
* :class:`BatchQueue` holds request parts in FIFO order, splits requests larger than ``max_batch_size``
  (and splits a part to fill a batch exactly), sheds requests predicted to miss ``max_latency_ms`` and
  forms batches of at most ``max_batch_size`` rows.

:mod:`argento.serving.dispatcher` runs a queue on the event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class CostModel:
    """Online weighted least-squares fit of ``duration = a·rows + b``.

    Each observation decays earlier ones by ``forget`` so the fit follows a changing machine; once fitted, an
    outlier is clipped to four times its prediction. While every batch so far had the same size (no spread in
    ``rows``) the slope keeps its last value and only ``b`` moves.
    """

    def __init__(self, forget: float = 0.98, warmup: int = 1) -> None:
        self.forget = forget
        self.warmup = warmup  # first observations skipped: cold caches, lazy imports
        self.a = 0.0
        self.b = 0.0
        self.count = 0
        self.max_rows = 0  # largest batch seen: predictions far beyond it are extrapolations
        self._w = self._n = self._t = self._nn = self._nt = 0.0

    def observe(self, rows: int, duration: float) -> None:
        """Add one batch of ``rows`` rows that took ``duration`` seconds."""
        self.count += 1
        if self.count <= self.warmup:
            return
        self.max_rows = max(self.max_rows, rows)
        if self.fitted:  # one GC pause or page fault must not skew the line for the next 50 batches
            duration = min(duration, 4.0 * self.predict(rows) + 0.001)
        f = self.forget
        self._w = self._w * f + 1.0
        self._n = self._n * f + rows
        self._t = self._t * f + duration
        self._nn = self._nn * f + rows * rows
        self._nt = self._nt * f + rows * duration
        mean_n = self._n / self._w
        mean_t = self._t / self._w
        var = self._nn / self._w - mean_n * mean_n
        if var > 1e-9 * max(1.0, mean_n * mean_n):
            a = (self._nt / self._w - mean_n * mean_t) / var
            self.a = max(a, 0.0)
        self.b = mean_t - self.a * mean_n
        if self.b < 0.0:  # a steep line through the origin: attribute everything to the rows
            self.b = 0.0
            self.a = mean_t / mean_n if mean_n else 0.0

    @property
    def fitted(self) -> bool:
        """Whether enough batches were seen to trust predictions (for shedding)."""
        return self.count > self.warmup + 2

    def predict(self, rows: int) -> float:
        """Predicted duration of a batch of ``rows`` rows."""
        return self.a * rows + self.b

    def trusted(self, rows: int) -> bool:
        """Whether a prediction for ``rows`` rows may shed requests: fitted, and not a far extrapolation
        (a slope fitted on batches of 1–3 rows says little about 64)."""
        return self.fitted and rows <= 2 * self.max_rows


class ArrivalRate:
    """Exponentially weighted mean gap between request arrivals."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.gap = float("inf")
        self.last: float | None = None

    def arrive(self, now: float) -> None:
        if self.last is not None:
            gap = max(now - self.last, 0.0)
            self.gap = gap if self.gap == float("inf") else self.gap + self.alpha * (gap - self.gap)
        self.last = now


class BatchPolicy:
    """When to release a batch (see the module docstring for the rule)."""

    def __init__(self, max_batch_size: int, cost: CostModel, rate: ArrivalRate) -> None:
        self.max_batch_size = max_batch_size
        self.cost = cost
        self.rate = rate

    def hold_budget(self, rows: int) -> float:
        """How long waiting for one more request can pay off with ``rows`` rows queued (0 = never)."""
        budget = (self.cost.b - rows * self.cost.a) / (rows + 1)
        return budget if budget > 0.0 else 0.0

    def release_at(self, now: float, rows: int, oldest_deadline: float) -> float:
        """The time to release the queued batch: ``now`` to release at once, later to wait for more rows."""
        if rows >= self.max_batch_size:
            return now
        budget = self.hold_budget(rows)
        if budget <= 0.0 or self.rate.gap >= budget:
            return now
        # The hold is counted from the last arrival: a timer that fires with no new request releases.
        since = self.rate.last if self.rate.last is not None else now
        latest = oldest_deadline - self.cost.predict(min(rows + 1, self.max_batch_size))
        return max(now, min(since + budget, latest))


@dataclass(eq=False)
class Request:
    """One request in the queue: ``rows`` rows due by ``deadline``; ``handle`` is the driver's (a future)."""

    rows: int
    arrival: float
    deadline: float
    handle: Any = None
    done_rows: int = 0
    outputs: list[tuple[int, Any]] = field(default_factory=list)
    failed: bool = False


@dataclass(eq=False)
class Part:
    """Rows ``start:start+rows`` of a request, carrying their input value."""

    request: Request
    start: int
    rows: int
    value: Any


@dataclass(eq=False)
class Batch:
    """Parts released together; ``rows`` in all."""

    parts: list[Part]
    rows: int
    started: float = 0.0

    @property
    def requests(self) -> int:
        return len({id(p.request) for p in self.parts})


class BatchQueue:
    """The dispatcher's state machine: offer requests, poll for batches, report finished batches.

    ``slice_rows(value, start, stop)`` cuts input values (to split requests); only one batch runs at a time
    (``busy`` until :meth:`finished`), matching one model replica per worker.
    """

    def __init__(
        self,
        max_batch_size: int,
        max_latency: float,
        slice_rows: Callable[[Any, int, int], Any],
        cost: CostModel | None = None,
        rate: ArrivalRate | None = None,
    ) -> None:
        self.max_batch_size = max_batch_size
        self.max_latency = max_latency
        self.slice_rows = slice_rows
        self.cost = cost or CostModel()
        self.rate = rate or ArrivalRate()
        self.policy = BatchPolicy(max_batch_size, self.cost, self.rate)
        self.parts: deque[Part] = deque()
        self.queued_rows = 0
        self.busy_until: float | None = None  # predicted end of the running batch; None when idle

    @property
    def busy(self) -> bool:
        return self.busy_until is not None

    def predicted_finish(self, now: float, extra_rows: int) -> float:
        """When a request of ``extra_rows`` rows offered now would finish, by the cost model."""
        start = max(now, self.busy_until) if self.busy_until is not None else now
        rows = self.queued_rows + extra_rows
        full, rest = divmod(rows, self.max_batch_size)
        return start + full * self.cost.predict(self.max_batch_size) + (self.cost.predict(rest) if rest else 0.0)

    def offer(self, now: float, value: Any, rows: int, handle: Any = None) -> Request | None:
        """Queue a request; ``None`` if it is shed because it is predicted to miss its deadline."""
        self.rate.arrive(now)
        deadline = now + self.max_latency
        if self.cost.trusted(min(self.queued_rows + rows, self.max_batch_size)) and \
                self.predicted_finish(now, rows) > deadline:
            return None
        request = Request(rows=rows, arrival=now, deadline=deadline, handle=handle)
        if rows <= self.max_batch_size:
            self.parts.append(Part(request, 0, rows, value))
        else:  # oversized: split into max-size parts up front
            for start in range(0, rows, self.max_batch_size):
                stop = min(start + self.max_batch_size, rows)
                self.parts.append(Part(request, start, stop - start, self.slice_rows(value, start, stop)))
        self.queued_rows += rows
        return request

    def poll(self, now: float) -> Batch | float | None:
        """A batch to run now, or the time to poll again (waiting for rows), or ``None`` (idle or busy)."""
        if self.busy_until is not None or not self.parts:
            return None
        release = self.policy.release_at(now, self.queued_rows, self.parts[0].request.deadline)
        if release > now:
            return release
        return self._take(now)

    def _take(self, now: float) -> Batch:
        parts: list[Part] = []
        rows = 0
        room = self.max_batch_size
        while self.parts and room > 0:
            part = self.parts[0]
            if part.request.failed:
                self.parts.popleft()
                self.queued_rows -= part.rows
                continue
            if part.rows <= room:
                self.parts.popleft()
                take = part
            else:  # fill the batch exactly: the rest of this part stays first in line
                take = Part(part.request, part.start, room, self.slice_rows(part.value, 0, room))
                rest = Part(part.request, part.start + room, part.rows - room,
                            self.slice_rows(part.value, room, part.rows))
                self.parts[0] = rest
            parts.append(take)
            rows += take.rows
            room -= take.rows
            self.queued_rows -= take.rows
        self.busy_until = now + self.cost.predict(rows)
        return Batch(parts=parts, rows=rows, started=now)

    def shed_expired(self, now: float, batch: Batch) -> list[Request]:
        """Remove from ``batch`` the requests predicted to miss their deadline even if run now; return them.

        Also drops parts of requests that failed or were abandoned meanwhile, so ``batch.rows`` is what runs.
        """
        shed: dict[int, Request] = {}
        if self.cost.trusted(batch.rows):
            end = now + self.cost.predict(batch.rows)
            shed = {id(p.request): p.request for p in batch.parts if p.request.deadline < end}
            for request in shed.values():
                request.failed = True
        if shed or any(p.request.failed for p in batch.parts):
            batch.parts = [p for p in batch.parts if not p.request.failed]
            batch.rows = sum(p.rows for p in batch.parts)
        return list(shed.values())

    def finished(self, now: float, batch: Batch, duration: float) -> None:
        """Record a finished batch (its duration feeds the cost model) and become idle."""
        if batch.rows:
            self.cost.observe(batch.rows, duration)
        self.busy_until = None

    def drop(self, request: Request) -> None:
        """Forget a request (shed, or its caller gave up): its queued parts are skipped."""
        request.failed = True
