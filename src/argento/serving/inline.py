"""Where a sync API runs: inline on the event loop or in a worker thread, decided per API from measurements.

Why: a worker thread costs two hand-offs per request, and while the thread runs the user code the event loop
thread (parsing the next requests) and the worker fight for the GIL — across cores, with nothing pinned, that
alone cost a third of the throughput of a sub-millisecond model. A call that short is cheaper run on the loop.
A long call must not run there: while it runs the loop answers nothing, ``traffic.timeout`` cannot fire and
``max_concurrency`` cannot turn the excess into 429s. So each sync API gets an :class:`InlineGate`:

* It starts in threads. Some thread calls are **probes**: the loop waits for the call synchronously, at most
  :data:`PROBE_WAIT` (its GIL released meanwhile, so the call runs uncontended), and the thread measures the
  call's wall time, CPU time and involuntary context switches. A probe the OS preempted says nothing (on a
  shared machine that is common) and is ignored; a probe not done by :data:`PROBE_WAIT` is slow. Probes are
  due every ``interval`` calls or every :data:`PROBE_PERIOD` seconds; a slow probe doubles ``interval`` (up to
  :data:`MAX_INTERVAL`), so a slow API pays one bounded stall per thousand calls or per second; a good one
  brings it back to its floor (1, raised by evictions).
* :data:`ADMIT_AFTER` good probes in a row — each under :data:`ADMIT_BELOW` of wall time, of which under
  :data:`BLOCKED_BELOW` off the CPU (a call that waits on I/O or a lock overlaps better in threads) — move the
  API inline.
* Inline, every call's wall time is measured (a clock read; the CPU clock would cost a system call per request).
  A call over :data:`INLINE_LIMIT` is a suspect — it was slow, or merely preempted — and the API's next call is a
  probe that settles it: a slow probe evicts the API to threads. A call over :data:`STALL_LIMIT` (no
  preemption lasts that long) evicts it at once, and so does a share of suspects over :data:`SUSPECT_SHARE`.
  Each eviction doubles the floor of the spacing of the probes that could re-admit the API (hysteresis against
  flapping), forgotten after :data:`SETTLED_CALLS` calls inline without one.

The damage of a call that suddenly blocks is bounded: the loop stalls for that one call (its request gets a
504 if it exceeded ``traffic.timeout``); the next call is a probe, which stalls the loop at most
:data:`PROBE_WAIT`, and the API runs in threads again, where the timeout and the 429s hold. A call that blocks
only now and then between fast ones may stay inline; ``@argento.api(run_inline=False)`` keeps an API in threads
for good (code that calls slow services), ``run_inline=True`` always runs it inline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("argento.serving")

#: A probe is good under this wall time.
ADMIT_BELOW = 0.001
#: … of which at most this off the CPU (waiting on I/O, a lock, a sleep).
BLOCKED_BELOW = 0.00025
#: Good probes in a row that move an API inline.
ADMIT_AFTER = 8
#: An inline call longer than this is a suspect: the next call is a probe.
INLINE_LIMIT = 0.002
#: An inline call longer than this evicts the API at once.
STALL_LIMIT = 0.1
#: Suspects among recent inline calls (an average over ~64 calls) beyond which the API is evicted.
SUSPECT_SHARE = 0.3
SUSPECT_WEIGHT = 1 / 64
#: The longest the event loop waits synchronously for a probe.
PROBE_WAIT = 0.002
#: A probe is due at least this often (seconds), whatever the call count.
PROBE_PERIOD = 1.0
#: Probes are spaced by at most this many calls.
MAX_INTERVAL = 1024
#: Inline calls without an eviction after which earlier evictions are forgotten.
SETTLED_CALLS = 10_000

_perf = time.perf_counter
_cpu = time.thread_time

try:
    import resource

    _RUSAGE_THREAD: int | None = resource.RUSAGE_THREAD  # Linux

    def _preemptions() -> int:
        return resource.getrusage(_RUSAGE_THREAD).ru_nivcsw  # type: ignore[arg-type]

except (ImportError, AttributeError):  # pragma: no cover - not Linux: every probe counts

    def _preemptions() -> int:
        return 0


class InlineGate:
    """The inline/thread decision of one sync API (see the module docstring). Used from the loop thread only.

    ``mode`` is the API's ``run_inline``: ``None`` decides from measurements, ``True``/``False`` fixes it.
    """

    __slots__ = (
        "calls",
        "evictions",
        "fixed",
        "floor",
        "good",
        "inline",
        "inline_calls",
        "interval",
        "last_cost",
        "last_probe",
        "name",
        "suspects",
        "verify",
    )

    def __init__(self, name: str, mode: bool | None = None) -> None:
        self.name = name
        self.fixed = mode is not None
        #: Run the next call inline (False: in a thread, maybe as a probe).
        self.inline = mode is True
        #: Inline, but the next call is a probe that settles a suspect.
        self.verify = False
        self.interval = 1
        self.floor = 1
        self.calls = 0
        self.last_probe = 0.0
        self.good = 0
        self.suspects = 0.0
        self.evictions = 0
        self.inline_calls = 0
        #: The last measured duration (inline call or probe), in seconds.
        self.last_cost = 0.0

    # ---- threads -----------------------------------------------------------------------------------------

    def probe_due(self) -> bool:
        """Whether this thread call should be a probe (counts the call)."""
        if self.fixed:
            return False
        if self.verify:
            return True
        self.calls += 1
        if self.calls >= self.interval or _perf() - self.last_probe >= PROBE_PERIOD:
            self.calls = 0
            self.last_probe = _perf()
            return True
        return False

    def probed(self, wall: float | None, cpu: float = 0.0, preempted: bool = False) -> None:
        """Record a probe: ``wall`` and ``cpu`` seconds in the thread (``wall`` None: not done in time);
        ``preempted``: the OS took the CPU from the thread meanwhile, so the times say nothing."""
        if wall is not None:
            self.last_cost = wall
            if preempted:
                return  # inconclusive: a suspect stays to be verified, a streak of good probes stays as it is
        good = wall is not None and wall < ADMIT_BELOW and wall - cpu < BLOCKED_BELOW
        if self.verify:
            self.verify = False
            if not good:
                self.evict(wall if wall is not None else PROBE_WAIT)
            return
        if not good:
            self.good = 0
            self.interval = min(self.interval * 2, MAX_INTERVAL)
            return
        self.good += 1
        self.interval = self.floor
        if self.good >= ADMIT_AFTER:
            self.inline = True
            self.good = 0
            self.suspects = 0.0
            self.inline_calls = 0
            log.debug(
                "API %s runs inline on the event loop (calls under %.1f ms)", self.name, ADMIT_BELOW * 1e3
            )

    # ---- inline ------------------------------------------------------------------------------------------

    def ran_inline(self, seconds: float) -> None:
        """Record an inline call's wall time; a slow one is verified by a probe (or evicts at once)."""
        if self.fixed:
            return
        self.last_cost = seconds
        self.inline_calls += 1
        if seconds > INLINE_LIMIT:
            self.suspects += SUSPECT_WEIGHT * (1.0 - self.suspects)
            if seconds > STALL_LIMIT or self.suspects > SUSPECT_SHARE:
                self.evict(seconds)
            else:
                self.verify = True
            return
        self.suspects -= SUSPECT_WEIGHT * self.suspects
        if self.inline_calls >= SETTLED_CALLS:
            self.evictions = 0
            self.floor = 1
            self.inline_calls = 0

    def evict(self, seconds: float, reason: str = "") -> None:
        """Move the API back to threads (``seconds``: the duration that made it)."""
        self.inline = False
        self.verify = False
        self.good = 0
        self.suspects = 0.0
        self.evictions += 1
        self.floor = self.interval = min(1 << self.evictions, MAX_INTERVAL)
        self.calls = 0
        self.last_probe = _perf()
        level = logging.WARNING if seconds > STALL_LIMIT or reason else logging.DEBUG
        log.log(
            level,
            "API %s took %.1f ms; it runs in worker threads again%s",
            self.name,
            seconds * 1e3,
            f" ({reason})" if reason else " (@argento.api(run_inline=False) keeps it there)",
        )

    def pin_to_threads(self, reason: str) -> None:
        """Keep the API in threads for good (its code cannot run on the event loop thread)."""
        self.evict(0.0, reason)
        self.fixed = True


def timed(call: Callable[[Any, Any], Any], box: list[float]) -> Callable[[Any, Any], Any]:
    """``call`` wrapped to store, in ``box``, its wall and CPU seconds and involuntary context switches,
    measured in the thread that runs it."""

    def run(value: Any, ctx: Any) -> Any:
        switches = _preemptions()
        wall, cpu = _perf(), _cpu()
        try:
            return call(value, ctx)
        finally:
            box[0] = _perf() - wall
            box[1] = _cpu() - cpu
            box[2] = _preemptions() - switches

    return run


def needs_own_thread(exc: BaseException) -> bool:
    """Whether ``exc`` says the code cannot run on a thread with a running event loop (``asyncio.run`` and
    friends); such an API is pinned to threads and the call retried there."""
    if not isinstance(exc, RuntimeError):
        return False
    text = str(exc)
    return (
        "running event loop" in text or "another loop is running" in text or "loop is already running" in text
    )
