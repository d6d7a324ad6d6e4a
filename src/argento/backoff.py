"""Crash-loop back-off: when to restart a supervised process that keeps dying (SPEC §6 R7).

Kubernetes' rule for a container that exits (the kubelet's ``doBackOff`` in
``pkg/kubelet/kuberuntime/kuberuntime_manager.go`` over client-go's ``flowcontrol.Backoff``; the constants
are ``backOffPeriod`` = 10 s and ``MaxContainerBackOff`` = 300 s in ``pkg/kubelet/kubelet.go``):

* the first restart after a crash is immediate;
* each further crash waits 10 s, then 20 s, 40 s, … up to 5 min (``CrashLoopBackOff``);
* the wait starts over once the process ran fine for 10 min (or nothing crashed for 10 min) — the
  kubelet forgets a back-off entry that is older than twice its maximum.

One :class:`CrashLoop` keeps the history of one supervised thing (a deployment variant's replicas, a served
dependency); every supervisor of a process — deployment replicas, ``argento.depends`` children — uses it, so
that nothing is relaunched in a tight loop. The clock is injectable: tests advance a fake one instead of
waiting minutes.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Kubernetes' values (kubelet ``backOffPeriod``, ``MaxContainerBackOff``; reset after 2 × the maximum).
INITIAL, MAXIMUM, RESET_AFTER = 10.0, 300.0, 600.0


@dataclass(frozen=True)
class BackoffPolicy:
    """The waits of a crash loop, and the clock they are measured on."""

    initial: float = INITIAL
    maximum: float = MAXIMUM
    reset_after: float = RESET_AFTER
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def delay(self, streak: int) -> float:
        """Seconds before the restart that follows the ``streak``-th crash in a row (the first: none)."""
        if streak <= 1:
            return 0.0
        return min(self.maximum, self.initial * 2.0 ** (streak - 2))


def exit_reason(code: int | None) -> tuple[str, int | None, str | None]:
    """``(text, exit code, signal name)`` of a process that ended with ``code`` (negative: a signal)."""
    if code is None:
        return "exited (exit code unknown)", None, None
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}", None, name
    return f"exited with code {code}", code, None


class CrashLoop:
    """The crash history of one supervised thing: restarts so far, the current streak and wait."""

    def __init__(self, policy: BackoffPolicy | None = None) -> None:
        self.policy = policy or BackoffPolicy()
        self.restarts = 0  # every crash that was (or will be) followed by a restart
        self.streak = 0  # crashes since the last run that lasted ``reset_after``
        self.delay = 0.0  # the wait before the restart scheduled by the last crash
        self.not_before = 0.0  # on the policy's clock
        self.last_crash: float | None = None
        self.last: dict[str, Any] = {}  # what the last crash left: reason, exit code, signal, log lines

    def now(self) -> float:
        """The policy's clock."""
        return self.policy.clock()

    def crashed(self, started_at: float, reason: str = "", **details: Any) -> float:
        """Record a crash of something started at ``started_at`` (policy clock); returns the wait."""
        now = self.now()
        reset = self.policy.reset_after
        if now - started_at >= reset or (self.last_crash is not None and now - self.last_crash >= reset):
            self.streak = 0  # it ran fine long enough: the next restart is immediate again
        self.streak += 1
        self.restarts += 1
        self.delay = self.policy.delay(self.streak)
        self.not_before = now + self.delay
        self.last_crash = now
        self.last = {"reason": reason, **details}
        return self.delay

    def remaining(self) -> float:
        """Seconds until the scheduled restart may happen (0 when it may happen now)."""
        return max(0.0, self.not_before - self.now())

    def waiting(self) -> bool:
        """Whether a restart is being held back right now."""
        return self.not_before > self.now()

    def to_status(self) -> dict[str, Any]:
        """Restarts, the current wait and the last crash, as a status shows them."""
        out: dict[str, Any] = {"restarts": self.restarts}
        if self.last_crash is not None:
            out["backoff_seconds"] = self.delay
            out["next_restart_in"] = round(self.remaining(), 1)
            out["last_exit"] = dict(self.last)
        return out
