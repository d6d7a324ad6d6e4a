"""A/B results of a deployment's variants: traffic, errors, latency, business metrics, significance.

Traffic, errors and latency come from the gateway (what clients saw, retries included). Business metrics are
what the service reports: numbers in ``x-argento-metric-<name>`` response headers (summed by the gateway),
and whatever it exports on its ``/metrics`` beyond the runtime's own families (say a ``conversions_total``
counter): every ready replica of a variant is scraped and the samples summed per variant. Both are shown per
request as well. The error-rate difference of each variant against the baseline
(the variant with the largest weight) gets a two-proportion z-test:

    p = (e₁ + e₂) / (n₁ + n₂),   z = (e₂/n₂ − e₁/n₁) / √(p (1 − p) (1/n₁ + 1/n₂)),   p-value = erfc(|z| / √2)
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from argento.deployments.upstream import UpstreamError

#: Metric families of the runtime and the Python client, not the service's own.
_RUNTIME_PREFIXES = ("argento_service_", "python_", "process_", "platform_")


def two_proportion_z(errors_a: int, n_a: int, errors_b: int, n_b: int) -> tuple[float, float]:
    """``(z, two-sided p-value)`` of the difference between two error rates (b − a)."""
    if n_a <= 0 or n_b <= 0:
        return 0.0, 1.0
    pooled = (errors_a + errors_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (errors_b / n_b - errors_a / n_a) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def business_metrics(text: str, names: list[str] | None = None) -> dict[str, float]:
    """Sum of every sample per family in Prometheus ``text`` (the service's own families, or ``names``)."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if names is not None:
            if family.name not in names and f"{family.name}_total" not in names:
                continue
        elif family.name.startswith(_RUNTIME_PREFIXES):
            continue
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            if family.type == "histogram" and not sample.name.endswith(("_sum", "_count")):
                continue
            out[sample.name] = out.get(sample.name, 0.0) + float(sample.value)
    return out


async def _scrape(endpoint: Any) -> str:
    try:
        response = await endpoint.pool.request(b"GET", b"/metrics", [], b"", timeout=2.0)
    except UpstreamError:
        return ""
    return response.body.decode(errors="replace") if response.status == 200 else ""


async def compare(plane: Any, name: str, *, business: list[str] | None = None) -> dict[str, Any]:
    """Per-variant results of deployment ``name`` and the significance of error-rate differences."""
    view = plane.view(name)
    spec = view["spec"]
    route = plane.gateway.routes.get(name)
    weights = view["status"]["traffic"]
    rows: list[dict[str, Any]] = []
    for v in spec["variants"]:
        metrics = plane.gateway.metrics_for(name, v["name"], shadow=v["name"] == spec.get("shadow"))
        snap = metrics.snapshot()
        requests, errors = int(snap["requests"]), int(snap["errors"])  # type: ignore[call-overload]
        endpoints = []
        if route is not None:
            found = route.by_name.get(v["name"]) or (
                route.shadow if route.shadow and route.shadow.name == v["name"] else None
            )
            endpoints = found.endpoints if found is not None else []
        texts = await asyncio.gather(*(_scrape(ep) for ep in endpoints))
        totals: dict[str, float] = dict(metrics.business)  # reported in response headers
        for text in texts:
            if text:
                for key, value in business_metrics(text, business).items():
                    totals[key] = totals.get(key, 0.0) + value
        rows.append(
            {
                "variant": v["name"],
                "target": v.get("bento") or v.get("service"),
                "weight": weights.get(v["name"], 0.0),
                "shadow": v["name"] == spec.get("shadow"),
                "requests": requests,
                "errors": errors,
                "error_rate": errors / requests if requests else 0.0,
                "latency_ms": {
                    k: (None if val is None else round(val * 1000, 3))
                    for k, val in snap["latency_seconds"].items()
                },  # type: ignore[union-attr]
                "business": {
                    k: {"value": val, "per_request": val / requests if requests else None}
                    for k, val in sorted(totals.items())
                },
            }
        )
    baseline = max(
        (r for r in rows if not r["shadow"]), key=lambda r: (r["weight"], r["requests"]), default=None
    )
    tests = []
    if baseline is not None:
        for row in rows:
            if row is baseline:
                continue
            z, p = two_proportion_z(baseline["errors"], baseline["requests"], row["errors"], row["requests"])
            tests.append(
                {
                    "baseline": baseline["variant"],
                    "variant": row["variant"],
                    "error_rate_difference": row["error_rate"] - baseline["error_rate"],
                    "z": z,
                    "p_value": p,
                    "significant": p < 0.05 and row["requests"] > 0,
                }
            )
    return {
        "deployment": name,
        "baseline": baseline["variant"] if baseline else None,
        "variants": rows,
        "tests": tests,
    }
