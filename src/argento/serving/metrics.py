"""Prometheus metrics of a served service (SPEC §3.3), with label children built once per route.

``argento_service_request_total``, ``argento_service_request_duration_seconds`` (service, version, endpoint,
status), ``argento_service_request_in_progress`` (service, version, endpoint), and for batchable APIs
``argento_service_adaptive_batch_size`` (unit = requests | rows) plus the fitted batch cost
``argento_service_batch_cost_per_row_seconds`` (a) and ``argento_service_batch_cost_base_seconds`` (b).

With several workers the runtime points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before any worker
starts; every worker then writes its values to memory-mapped files and ``/metrics`` (answered by any worker)
sums them with prometheus_client's multiprocess collector.

Metrics the service's own code defines with prometheus_client's default registry (``Counter("conversions",
…)`` at module level) are exported too, so the deployment gateway can compare them between variants; in
multiprocess mode they live in the same files and are summed like the runtime's.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    values,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
#: Statuses whose label children are created at start-up; others are created on first use.
COMMON_STATUSES = (200, 400, 404, 405, 408, 413, 415, 429, 500, 503, 504)
METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST.encode()


def multiprocess_enabled() -> bool:
    """Whether prometheus_client was imported in multiprocess mode (values live in mmap files)."""
    return values.ValueClass.__name__ != "MutexValue"


class EndpointMetrics:
    """The label children of one endpoint: ``record(status, seconds)`` costs two dict lookups and two updates."""

    __slots__ = ("_by_status", "_make", "in_progress")

    def __init__(self, metrics: ServiceMetrics, endpoint: str) -> None:
        labels = (metrics.service, metrics.version, endpoint)
        self.in_progress = metrics.in_progress.labels(*labels)

        def make(status: int) -> tuple[Any, Any]:
            code = str(status)
            return (
                metrics.requests.labels(*labels, code),
                metrics.duration.labels(*labels, code),
            )

        self._make = make
        self._by_status = {status: make(status) for status in COMMON_STATUSES}

    def record(self, status: int, seconds: float) -> None:
        """Count one finished request."""
        pair = self._by_status.get(status)
        if pair is None:
            pair = self._by_status[status] = self._make(status)
        pair[0].inc()
        pair[1].observe(seconds)


class BatchMetrics:
    """Batch sizes and the fitted cost line of one batchable endpoint."""

    __slots__ = ("a", "b", "requests", "rows")

    def __init__(self, metrics: ServiceMetrics, endpoint: str) -> None:
        labels = (metrics.service, metrics.version, endpoint)
        self.requests = metrics.batch_size.labels(*labels, "requests")
        self.rows = metrics.batch_size.labels(*labels, "rows")
        self.a = metrics.cost_a.labels(*labels)
        self.b = metrics.cost_b.labels(*labels)

    def __call__(self, requests: int, rows: int, a: float, b: float) -> None:
        self.requests.observe(requests)
        self.rows.observe(rows)
        self.a.set(a)
        self.b.set(b)


class UserMetrics:
    """A collector re-exporting the default registry's families, minus the process/platform/GC ones (the
    service registry has its own process collector) and any runtime family."""

    SKIP = ("process_", "python_", "argento_service_")

    def collect(self) -> Any:
        for family in REGISTRY.collect():
            if not family.name.startswith(self.SKIP):
                yield family

    def describe(self) -> list[Any]:
        return []  # names may appear later (user code defines metrics lazily): never checked for clashes


class ServiceMetrics:
    """All metric families of one service, in their own registry (several apps can live in one process)."""

    def __init__(self, service: str, version: str, *, multiprocess_dir: str | None = None) -> None:
        self.service = service
        self.version = version
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        if not multiprocess_dir:  # process_resident_memory_bytes & co. (per worker; summed files can't hold them)
            ProcessCollector(registry=self.registry)
            self.registry.register(UserMetrics())
        labels = ("service", "version", "endpoint")
        reg = self.registry
        self.requests = Counter(
            "argento_service_request", "Requests handled, by endpoint and status.", (*labels, "status"), registry=reg
        )
        self.duration = Histogram(
            "argento_service_request_duration_seconds",
            "Time from the first byte of a request to its response.",
            (*labels, "status"),
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.in_progress = Gauge(
            "argento_service_request_in_progress",
            "Requests admitted and still running (a timed-out request counts until its code ends).",
            labels,
            multiprocess_mode="livesum",
            registry=reg,
        )
        self.batch_size = Histogram(
            "argento_service_adaptive_batch_size",
            "Size of the batches the adaptive batcher released, in requests and in rows.",
            (*labels, "unit"),
            buckets=BATCH_BUCKETS,
            registry=reg,
        )
        self.cost_a = Gauge(
            "argento_service_batch_cost_per_row_seconds",
            "Fitted per-row cost a of the batch cost model a·n + b (per worker).",
            labels,
            multiprocess_mode="liveall",
            registry=reg,
        )
        self.cost_b = Gauge(
            "argento_service_batch_cost_base_seconds",
            "Fitted fixed cost b of the batch cost model a·n + b (per worker).",
            labels,
            multiprocess_mode="liveall",
            registry=reg,
        )

    def endpoint(self, name: str) -> EndpointMetrics:
        """Precomputed children for one endpoint."""
        return EndpointMetrics(self, name)

    def batch(self, name: str) -> BatchMetrics:
        """Precomputed batch children for one batchable endpoint."""
        return BatchMetrics(self, name)

    def render(self) -> bytes:
        """The Prometheus text exposition (summed over workers in multiprocess mode)."""
        if self.multiprocess_dir and multiprocess_enabled():
            from prometheus_client.multiprocess import MultiProcessCollector

            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.multiprocess_dir)
            return generate_latest(registry)
        return generate_latest(self.registry)
