"""Admission control: cpu/memory requests against the machine's capacity (SPEC §2.4).

A pod is admitted when its requests fit in what is left of the machine; otherwise it waits in a FIFO queue
(the engine shows it ``Pending``). FIFO is strict among pods that request something — a big pod at the head is
not starved by a stream of small ones. Pods that request nothing are BestEffort and do not wait for cpu or
memory, as in Kubernetes. A pod that asks for more than the whole machine fails at once with the scheduler's
message.

Requests default to limits when only limits are given (Kubernetes' rule).

The machine also has a number of pods it can hold (the kubelet's ``maxPods``): here what its open-file limit
allows, since each running step holds a few descriptors (`pod_capacity`). Past it every pod, BestEffort
included, waits in the same queue — a 10,000-item fan-out runs as fast as slots free up instead of failing
its later steps with "Too many open files".
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from argento.resources import parse_quantity

from .base import Unschedulable


@dataclass(frozen=True)
class Resources:
    """cpu in cores, memory in bytes."""

    cpu: float = 0.0
    memory: float = 0.0

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.memory + other.memory)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpu - other.cpu, self.memory - other.memory)

    def __bool__(self) -> bool:
        return self.cpu > 0 or self.memory > 0

    def fits_in(self, free: Resources) -> bool:
        # A small epsilon: 0.1 + 0.2 cores must fit in 0.3.
        return self.cpu <= free.cpu + 1e-9 and self.memory <= free.memory + 1e-3

    @classmethod
    def of_machine(cls) -> Resources:
        """os.cpu_count() (the affinity mask when set) and total RAM."""
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = os.cpu_count() or 1
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return cls(float(cpus), float(memory))

    @classmethod
    def of_container(cls, requests: Mapping[str, str], limits: Mapping[str, str]) -> Resources:
        """A container's effective requests (requests, else limits)."""
        cpu = requests.get("cpu", limits.get("cpu"))
        memory = requests.get("memory", limits.get("memory"))
        return cls(parse_quantity(cpu) if cpu else 0.0, parse_quantity(memory) if memory else 0.0)

    @classmethod
    def total(cls, parts: Iterable[Resources]) -> Resources:
        out = cls()
        for p in parts:
            out = out + p
        return out


#: Descriptors a running step may hold (stdout/stderr pipes, log and its index, pidfd, a sidecar's log, …), and
#: those kept for everything else of the process (sockets, the database, the store's files).
FDS_PER_POD = 8
RESERVED_FDS = 512


def pod_capacity() -> float:
    """How many steps this process can run at once by its open-file limit (at least 16; inf if unlimited)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return math.inf
    return float(max(16, (soft - RESERVED_FDS) // FDS_PER_POD))


class Admission:
    """A fair (FIFO) admission queue over a fixed capacity (cpu and memory) and a number of pods."""

    def __init__(self, capacity: Resources | None = None, max_pods: float = math.inf) -> None:
        self.capacity = capacity or Resources.of_machine()
        self.used = Resources()
        self.max_pods = max_pods
        self.pods = 0
        self._waiters: deque[tuple[Resources, asyncio.Future[None]]] = deque()

    @property
    def waiting(self) -> int:
        """How many pods wait for resources."""
        return sum(1 for _, f in self._waiters if not f.done())

    def check(self, request: Resources) -> None:
        """Raise `Unschedulable` if ``request`` can never fit on this machine."""
        short = []
        if request.cpu > self.capacity.cpu + 1e-9:
            short.append("1 Insufficient cpu")
        if request.memory > self.capacity.memory:
            short.append("1 Insufficient memory")
        if short:
            raise Unschedulable(f"Unschedulable: 0/1 nodes are available: {', '.join(short)}.")

    def try_acquire(self, request: Resources) -> bool:
        """Take ``request`` (and a pod) now if it fits and nobody is queued ahead; never waits."""
        if self.pods >= self.max_pods:
            return False
        if request:
            if self._waiters or not request.fits_in(self.capacity - self.used):
                return False
            self.used = self.used + request
        self.pods += 1
        return True

    async def acquire(self, request: Resources) -> None:
        """Wait until ``request`` fits (FIFO). Cancelling the wait gives back anything granted meanwhile."""
        self.check(request)
        if self.try_acquire(request):
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((request, fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release(request)
            else:
                fut.cancel()
                self._wake()
            raise

    def take(self, request: Resources) -> None:
        """Count a pod that already runs (adopted from an earlier engine), even beyond capacity: it uses the
        machine whether or not it fits. Give it back with `release`."""
        self.used = self.used + request
        self.pods += 1

    def release(self, request: Resources) -> None:
        """Give back what `try_acquire`/`acquire`/`take` took."""
        self.pods -= 1
        if request:
            self.used = self.used - request
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            request, fut = self._waiters[0]
            if fut.done():
                self._waiters.popleft()
                continue
            if self.pods >= self.max_pods or not request.fits_in(self.capacity - self.used):
                return
            self._waiters.popleft()
            self.used = self.used + request
            self.pods += 1
            fut.set_result(None)
