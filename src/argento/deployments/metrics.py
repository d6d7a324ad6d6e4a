"""Per-variant gateway metrics: requests, errors, a latency histogram, and exact recent percentiles.

Exported on ``/metrics`` as ``argento_deployment_requests_total{deployment,variant,code}``,
``argento_deployment_request_errors_total``, ``argento_deployment_request_duration_seconds`` (histogram),
``argento_deployment_retries_total``, ``argento_deployment_replicas{state}`` and
``argento_deployment_traffic_weight``. Recording one request is a few integer updates and a deque append —
nothing here allocates per request beyond the deque slot.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Iterable

from argento.promtext import header, histogram, sample

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
#: Latencies kept per variant for exact percentiles (``argento deployments compare``).
WINDOW = 20_000


class VariantMetrics:
    """Counters of one variant of one deployment."""

    __slots__ = (
        "bucket_counts",
        "business",
        "by_code",
        "deployment",
        "errors",
        "latencies",
        "requests",
        "retries",
        "shadow",
        "sum_seconds",
        "variant",
    )

    def __init__(self, deployment: str, variant: str, *, shadow: bool = False) -> None:
        self.deployment = deployment
        self.variant = variant
        self.shadow = shadow
        self.requests = 0
        self.errors = 0
        self.retries = 0
        self.by_code: dict[int, int] = {}
        self.bucket_counts = [0] * (len(BUCKETS) + 1)
        self.sum_seconds = 0.0
        self.latencies: deque[float] = deque(maxlen=WINDOW)
        #: Business metrics the service reported in ``x-argento-metric-<name>`` response headers (summed).
        self.business: dict[str, float] = {}

    def record(self, status: int, seconds: float) -> None:
        """Count one answered request (status 5xx, or 0 for no answer at all, is an error)."""
        self.requests += 1
        self.by_code[status] = self.by_code.get(status, 0) + 1
        if status >= 500 or status == 0:
            self.errors += 1
        self.bucket_counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.sum_seconds += seconds
        self.latencies.append(seconds)

    def percentile(self, q: float) -> float | None:
        """The ``q``-quantile (0..1) of recent latencies in seconds, or ``None`` without data."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

    def snapshot(self) -> dict[str, object]:
        """A JSON-friendly summary (the ``stats`` of a deployment's status)."""
        return {
            "variant": self.variant,
            "shadow": self.shadow,
            "requests": self.requests,
            "errors": self.errors,
            "retries": self.retries,
            "codes": {str(k): v for k, v in sorted(self.by_code.items())},
            "business": dict(self.business),
            "latency_seconds": {
                "p50": self.percentile(0.5),
                "p95": self.percentile(0.95),
                "p99": self.percentile(0.99),
                "mean": self.sum_seconds / self.requests if self.requests else None,
            },
        }


def render(
    variants: Iterable[VariantMetrics],
    replicas: dict[tuple[str, str, str], int],
    weights: dict[tuple[str, str], float],
) -> str:
    """Prometheus text (:mod:`argento.promtext`) for every variant's counters, replica states and traffic
    weights."""
    variants = list(variants)
    name = "argento_deployment_requests_total"
    lines = header(name, "Requests the gateway answered, by variant and status code.", "counter")
    for m in variants:
        for code, count in sorted(m.by_code.items()):
            lines.append(
                sample(name, {"deployment": m.deployment, "variant": m.variant, "code": code}, count)
            )
    name = "argento_deployment_request_errors_total"
    lines += header(name, "Requests answered 5xx or not at all.", "counter")
    lines += [sample(name, {"deployment": m.deployment, "variant": m.variant}, m.errors) for m in variants]
    name = "argento_deployment_retries_total"
    lines += header(name, "Requests retried on another replica.", "counter")
    lines += [sample(name, {"deployment": m.deployment, "variant": m.variant}, m.retries) for m in variants]
    name = "argento_deployment_request_duration_seconds"
    lines += header(name, "Gateway-measured latency per variant.", "histogram")
    for m in variants:
        cumulative = list(itertools.accumulate(m.bucket_counts[: len(BUCKETS)]))
        labels = {"deployment": m.deployment, "variant": m.variant}
        lines += histogram(name, labels, BUCKETS, cumulative, m.requests, m.sum_seconds)
    name = "argento_deployment_replicas"
    lines += header(name, "Replicas by variant and state.", "gauge")
    lines += [
        sample(name, {"deployment": d, "variant": v, "state": s}, n)
        for (d, v, s), n in sorted(replicas.items())
    ]
    name = "argento_deployment_traffic_weight"
    lines += header(name, "Share of traffic routed to a variant, in percent.", "gauge")
    lines += [sample(name, {"deployment": d, "variant": v}, w) for (d, v), w in sorted(weights.items())]
    return "\n".join(lines) + "\n"
