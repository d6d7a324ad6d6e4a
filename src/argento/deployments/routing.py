"""The gateway's routing table: which variant a request goes to, and which ready replica serves it.

The controller rebuilds a deployment's :class:`DeploymentRoute` whenever replicas become ready or leave, or
weights change, and swaps it in with one assignment (the gateway runs on the same event loop, so a request
sees either the old or the new table). :class:`Endpoint` objects outlive rebuilds — they carry a replica's
connection pool and in-flight count.

Variant choice: ``random`` deals from a shuffled deck of 1,000 cards in which each ready variant holds
cards in proportion to its weight (largest remainders) — random order, yet every 1,000 consecutive requests
split exactly by weight, so a 10 % canary gets 10 % of a short test too, not 10 % ± sampling noise;
``header`` sends a request whose header (or query parameter)
``key`` names a variant to that variant and draws the rest by weight; ``sticky`` maps a CRC-32 of the key's
value onto the weight line, so one user keeps one variant while the weights stay as they are. Replica
choice: least in-flight requests, ties broken round-robin.
"""

from __future__ import annotations

import bisect
import itertools
import random
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from argento.deployments.metrics import VariantMetrics
from argento.deployments.upstream import Pool

#: Cards in the weighted deck of ``random`` routing (weights resolve to 0.1 %).
DECK = 1000


class Endpoint:
    """One replica as the gateway sees it.

    ``healthy`` turns false the moment a request to it fails without an answer (its process died, its port
    refuses): the gateway skips it from then on, without waiting for the controller's next probe, and the
    controller turns it true again only if the replica answers ``/readyz``.
    """

    __slots__ = ("healthy", "inflight", "pool", "replica_id", "url")

    def __init__(self, replica_id: str, host: str, port: int) -> None:
        self.replica_id = replica_id
        self.url = f"http://{host}:{port}"
        self.pool = Pool(host, port)
        self.inflight = 0
        self.healthy = True


@dataclass
class VariantRoute:
    """A variant's share and its ready replicas."""

    name: str
    weight: float
    endpoints: list[Endpoint]
    metrics: VariantMetrics
    _rr: itertools.count = field(default_factory=itertools.count)

    def pick(self, exclude: set[str] | None = None) -> Endpoint | None:
        """The healthy ready replica with the fewest in-flight requests (round-robin among equals)."""
        eps = self.endpoints
        n = len(eps)
        if not n:
            return None
        start = next(self._rr) % n
        best: Endpoint | None = None
        for i in range(n):
            ep = eps[(start + i) % n]
            if not ep.healthy or (exclude and ep.replica_id in exclude):
                continue
            if best is None or ep.inflight < best.inflight:
                best = ep
                if not ep.inflight:
                    break
        return best


class DeploymentRoute:
    """Everything the gateway needs to route one deployment's requests."""

    def __init__(
        self,
        name: str,
        variants: list[VariantRoute],
        *,
        mode: str = "random",
        key: str = "",
        shadow: VariantRoute | None = None,
        shadow_percent: float = 100.0,
        retry_post: bool = True,
        timeout: float = 65.0,
    ) -> None:
        self.name = name
        self.variants = variants
        self.by_name = {v.name: v for v in variants}
        self.mode = mode
        self.key = key
        self.header_key = key.lower().encode()
        self.shadow = shadow
        self.shadow_share = shadow_percent / 100.0
        self.retry_post = retry_post
        self.timeout = timeout
        self._rand = random.random
        self._ready = [v for v in variants if v.endpoints and v.weight > 0]
        self._cumulative = list(itertools.accumulate(v.weight for v in self._ready))
        self.total = self._cumulative[-1] if self._cumulative else 0.0
        self._deck = self._new_deck()
        self._card = 0

    def _new_deck(self) -> list[VariantRoute]:
        ready, total = self._ready, self.total
        if not ready:
            return []
        exact = [DECK * v.weight / total for v in ready]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(len(ready)), key=lambda i: exact[i] - counts[i], reverse=True)
        for i in by_remainder[: DECK - sum(counts)]:
            counts[i] += 1
        deck = [v for v, n in zip(ready, counts, strict=True) for _ in range(n)]
        random.shuffle(deck)
        return deck

    def _deal(self) -> VariantRoute:
        if self._card >= len(self._deck):
            random.shuffle(self._deck)
            self._card = 0
        card = self._deck[self._card]
        self._card += 1
        return card

    @property
    def ready(self) -> bool:
        """Whether any variant with traffic has a ready replica."""
        return bool(self._ready)

    def _key_value(self, headers: list[tuple[bytes, bytes]], query: bytes) -> bytes | None:
        for name, value in headers:
            if name == self.header_key:
                return value
        if query:
            for k, v in parse_qsl(query.decode("latin-1")):
                if k == self.key:
                    return v.encode()
        return None

    def choose(self, headers: list[tuple[bytes, bytes]], query: bytes) -> VariantRoute | None:
        """The variant of one request (``None`` when no variant has a ready replica)."""
        if not self._ready:
            return self._any_ready()
        if self.mode == "random":
            return self._deal()
        value = self._key_value(headers, query)
        if value is None:
            return self._deal()
        if self.mode == "header":
            named = self.by_name.get(value.decode("latin-1"))
            if named is not None and named.endpoints:
                return named
            return self._deal()
        # sticky: the same key always lands on the same spot of the weight line
        point = (zlib.crc32(value) % 1_000_003) / 1_000_003 * self.total
        return self._ready[min(bisect.bisect_right(self._cumulative, point), len(self._ready) - 1)]

    def _any_ready(self) -> VariantRoute | None:
        # Weight-0 variants still serve when nothing else can (e.g. everything else is restarting).
        for v in self.variants:
            if v.endpoints:
                return v
        return None

    def mirror(self) -> VariantRoute | None:
        """The shadow variant if this request should be copied to it."""
        shadow = self.shadow
        if shadow is None or not shadow.endpoints:
            return None
        if self.shadow_share >= 1.0 or self._rand() < self.shadow_share:
            return shadow
        return None
