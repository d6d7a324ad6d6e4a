"""Admission control: cpu/memory requests against the machine's capacity (SPEC §2.4).

A pod is admitted when its requests fit in what is left of the machine; otherwise it waits in a FIFO queue
(the engine shows it ``Pending``). FIFO is strict among pods that request something — a big pod at the head is
not starved by a stream of small ones. Pods that request nothing are BestEffort and never wait, as in
Kubernetes. A pod that asks for more than the whole machine fails at once with the scheduler's message.

Requests default to limits when only limits are given (Kubernetes' rule).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .base import Unschedulable

_SUFFIX = {
    "": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")


def parse_quantity(value: str | int | float) -> float:
    """A Kubernetes quantity (``500m``, ``2``, ``64Mi``, ``1e9``, ``1.5G``) as a number."""
    if isinstance(value, int | float):
        return float(value)
    m = _QUANTITY.match(str(value).strip())
    if not m:
        raise ValueError(f"invalid quantity {value!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2) or ""]


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


class Admission:
    """A fair (FIFO) admission queue over a fixed capacity."""

    def __init__(self, capacity: Resources | None = None) -> None:
        self.capacity = capacity or Resources.of_machine()
        self.used = Resources()
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
        """Take ``request`` now if it fits and nobody is queued ahead; never waits."""
        if not request:
            return True
        if self._waiters or not request.fits_in(self.capacity - self.used):
            return False
        self.used = self.used + request
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

    def release(self, request: Resources) -> None:
        """Give back what `try_acquire`/`acquire` took."""
        if not request:
            return
        self.used = self.used - request
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            request, fut = self._waiters[0]
            if fut.done():
                self._waiters.popleft()
                continue
            if not request.fits_in(self.capacity - self.used):
                return
            self._waiters.popleft()
            self.used = self.used + request
            fut.set_result(None)
