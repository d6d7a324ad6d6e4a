"""argento.promtext: the one Prometheus text writer (the server's /metrics and the gateway's metrics)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from argento.deployments.metrics import VariantMetrics, render
from argento.promtext import header, histogram, sample


def test_lines_escape_labels_and_spell_numbers_as_prometheus() -> None:
    assert header("x_total", "X.", "counter") == ["# HELP x_total X.", "# TYPE x_total counter"]
    assert sample("x_total", {"a": 'q"\\\n', "code": 200}, 3.0) == 'x_total{a="q\\"\\\\\\n",code="200"} 3'
    assert sample("g", {}, float("inf")) == "g +Inf"
    assert histogram("h", {"v": "a"}, (0.5, 1.0), (1, 2), 3, 4.25) == [
        'h_bucket{v="a",le="0.5"} 1',
        'h_bucket{v="a",le="1"} 2',
        'h_bucket{v="a",le="+Inf"} 3',
        'h_sum{v="a"} 4.25',
        'h_count{v="a"} 3',
    ]


def test_the_gateway_metrics_parse() -> None:
    m = VariantMetrics("iris", "main")
    for status, seconds in ((200, 0.003), (503, 2.0), (0, 100.0)):
        m.record(status, seconds)
    families = {
        f.name: f for f in text_string_to_metric_families(render([m], {("iris", "main", "Ready"): 2}, {}))
    }
    hist = families["argento_deployment_request_duration_seconds"]
    buckets = {s.labels["le"]: s.value for s in hist.samples if s.name.endswith("_bucket")}
    assert buckets["0.005"] == 1 and buckets["2.5"] == 2 and buckets["+Inf"] == 3
    errors = families["argento_deployment_request_errors"].samples[0]
    assert errors.value == 2 and errors.labels == {"deployment": "iris", "variant": "main"}
