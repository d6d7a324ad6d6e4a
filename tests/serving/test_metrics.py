"""The service's /metrics: runtime families, plus what user code keeps in prometheus_client's default registry."""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter
from prometheus_client.parser import text_string_to_metric_families

from argento.serving.metrics import ServiceMetrics


def test_user_metrics_of_the_default_registry_are_exported_once() -> None:
    mine = Counter("test_metrics_conversions", "A user counter in the default registry.")
    try:
        mine.inc(3)
        metrics = ServiceMetrics("Shop", "v1")
        metrics.endpoint("buy").record(200, 0.01)
        text = metrics.render().decode()
        families = [f.name for f in text_string_to_metric_families(text)]
        assert len(families) == len(set(families))  # process_* once: the default registry's are skipped
        assert "test_metrics_conversions_total 3.0" in text
        assert 'argento_service_request_total{endpoint="buy",service="Shop",status="200",version="v1"} 1.0' in text
        assert "process_resident_memory_bytes" in text and "python_gc_objects_collected_total" not in text
    finally:
        REGISTRY.unregister(mine)
