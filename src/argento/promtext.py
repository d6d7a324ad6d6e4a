"""The Prometheus text exposition format (0.0.4): the one writer (the server's ``/metrics``, the gateway's
per-variant metrics), and a small registry.

:func:`header`, :func:`sample` and :func:`histogram` write lines (label values escaped, numbers as Prometheus
spells them: ``+Inf``, ``NaN``, integers without ``.0``); :class:`Registry` holds metric families.

Argo names its counters ``…_total_count``, ``…_triggered_total`` and so on; a client library would append
``_total`` to them, so the names here are written exactly as given. Label children are dicts keyed by the
label values tuple; a scrape renders them in one pass. ``callback`` gauges are computed at scrape time
(realtime gauges, busy workers).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from argento.errors import SpecError

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

_INF = 'le="+Inf"'
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def check_name(name: str, what: str = "metric name") -> str:
    """A valid Prometheus metric (or label) name, else :class:`SpecError`."""
    pattern = _NAME if what == "metric name" else _LABEL
    if not pattern.match(name):
        raise SpecError(f"invalid {what} {name!r}")
    return name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _quoted(text: str) -> str:
    return '"' + text + '"'


def header(name: str, help: str, kind: str) -> list[str]:
    """The ``# HELP`` and ``# TYPE`` lines of a family."""
    return [f"# HELP {name} {help}", f"# TYPE {name} {kind}"]


def sample(name: str, labels: Mapping[str, object], value: float) -> str:
    """One sample line: ``name{k="v",…} value``."""
    return f"{name}{_labels(tuple(labels), [str(v) for v in labels.values()])} {_number(value)}"


def histogram(
    name: str,
    labels: Mapping[str, object],
    buckets: Sequence[float],
    cumulative: Sequence[float],
    count: float,
    total: float,
) -> list[str]:
    """The lines of one histogram child: ``cumulative[i]`` observations at most ``buckets[i]``, ``count`` in
    all (the ``+Inf`` bucket and ``_count``), ``total`` their sum (``_sum``)."""
    names, values = tuple(labels), [str(v) for v in labels.values()]
    lines = [
        f"{name}_bucket{_labels(names, values, 'le=' + _quoted(_number(bound)))} {_number(n)}"
        for bound, n in zip(buckets, cumulative, strict=True)
    ]
    lines.append(f"{name}_bucket{_labels(names, values, _INF)} {_number(count)}")
    lines.append(f"{name}_sum{_labels(names, values)} {_number(total)}")
    lines.append(f"{name}_count{_labels(names, values)} {_number(count)}")
    return lines


@dataclass
class Metric:
    """One metric family: ``kind`` is ``counter``, ``gauge`` or ``histogram``."""

    name: str
    help: str
    kind: str
    labelnames: tuple[str, ...] = ()
    buckets: tuple[float, ...] = DEFAULT_BUCKETS
    values: dict[tuple[str, ...], float] = field(default_factory=dict)
    hist: dict[tuple[str, ...], list[float]] = field(default_factory=dict)  # bucket counts + [sum, count]
    callbacks: dict[tuple[str, ...], Callable[[], float]] = field(default_factory=dict)

    def key(self, labels: dict[str, str] | None) -> tuple[str, ...]:
        labels = labels or {}
        return tuple(str(labels.get(n, "")) for n in self.labelnames)

    def inc(self, amount: float = 1.0, labels: dict[str, str] | None = None) -> None:
        k = self.key(labels)
        self.values[k] = self.values.get(k, 0.0) + amount

    def set(self, value: float, labels: dict[str, str] | None = None) -> None:
        k = self.key(labels)
        self.callbacks.pop(k, None)
        self.values[k] = value

    def set_function(self, fn: Callable[[], float], labels: dict[str, str] | None = None) -> None:
        self.callbacks[self.key(labels)] = fn

    def observe(self, value: float, labels: dict[str, str] | None = None) -> None:
        k = self.key(labels)
        row = self.hist.get(k)
        if row is None:
            row = self.hist[k] = [0.0] * (len(self.buckets) + 2)
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                row[i] += 1
        row[-2] += value
        row[-1] += 1

    def render(self) -> Iterable[str]:
        yield from header(self.name, self.help, self.kind)
        if self.kind == "histogram":
            n = len(self.buckets)
            for k, row in self.hist.items():
                yield from histogram(
                    self.name,
                    dict(zip(self.labelnames, k, strict=True)),
                    self.buckets,
                    row[:n],
                    row[-1],
                    row[-2],
                )
            return
        values = dict(self.values)
        for k, fn in list(self.callbacks.items()):
            try:
                values[k] = float(fn())
            except Exception:  # a broken callback must not break the scrape
                continue
        for k, v in values.items():
            yield f"{self.name}{_labels(self.labelnames, k)} {_number(v)}"


class Registry:
    """Metric families by name."""

    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}

    def get_or_create(
        self,
        name: str,
        help: str,
        kind: str,
        labelnames: Sequence[str] = (),
        buckets: Sequence[float] | None = None,
    ) -> Metric:
        """The family ``name``; a clash of kind or labels with an existing family is a :class:`SpecError`."""
        found = self.metrics.get(name)
        if found is not None:
            if found.kind != kind or found.labelnames != tuple(labelnames):
                raise SpecError(
                    f"metric {name!r} already exists as a {found.kind} with labels {list(found.labelnames)}"
                )
            return found
        check_name(name)
        for label in labelnames:
            check_name(label, "label name")
        metric = Metric(name, help or name, kind, tuple(labelnames))
        if buckets:
            metric.buckets = tuple(sorted(float(b) for b in buckets))
        self.metrics[name] = metric
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self.metrics.values():
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"
