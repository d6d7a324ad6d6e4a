"""Autoscaling on in-flight concurrency: replicas = ⌈mean in-flight requests / target_concurrency⌉.

The controller samples a variant's in-flight requests (counted by the gateway on its ready replicas) every
reconcile pass. The mean over the last ~3 s (30 samples at the default interval) sets the wanted count,
clamped to ``[min, max]``. Up is immediate — a burst must not wait; down waits until the load has stayed
lower for the stabilisation window, then steps one replica at a time (the HPA's behaviour, shortened:
a replica is cheap to start again here).
"""

from __future__ import annotations

import math
from collections import deque

from argento.deployments.spec import Autoscaling


class Autoscaler:
    """The autoscaling state of one variant."""

    def __init__(self, window: int = 30, delay: float = 10.0) -> None:
        self.samples: deque[float] = deque(maxlen=window)
        self.delay = delay  # seconds the load must stay lower before scaling down
        self.lower_since: float | None = None

    def observe(self, inflight: float, current: int, scaling: Autoscaling, now: float) -> int:
        """Record one sample; return the replica count wanted now (``current`` when nothing changes)."""
        self.samples.append(float(inflight))
        if len(self.samples) < 5:
            return current
        load = sum(self.samples) / len(self.samples)
        want = min(max(math.ceil(load / scaling.target_concurrency), scaling.min), scaling.max)
        if want > current:
            self.lower_since = None
            self.samples.clear()  # judge the new size on fresh samples
            return want
        if want < current:
            if self.lower_since is None:
                self.lower_since = now
            elif now - self.lower_since >= self.delay:
                self.lower_since = None
                return max(want, current - 1)
            return current
        self.lower_since = None
        return current
