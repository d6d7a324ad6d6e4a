"""Kubernetes requests and node selectors as Ray placement (`ray_cluster`): pure functions, no Ray needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from argento.errors import ExecutorError
from argento.executors import PodSpec
from argento.executors.ray_cluster import NodeInfo, Placement, unschedulable_message


def _pod(requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
         selector: dict[str, str] | None = None, sidecars: list[PodSpec] | None = None) -> PodSpec:
    return PodSpec(
        node_id="wf-1", workflow="wf", template="t", image="busybox", command=["true"], args=[], env={},
        working_dir=None, script_source=None, requests=requests or {}, limits=limits or {}, mounts={},
        log_path=Path("/nonexistent/main.log"), workdir=Path("/nonexistent"), sidecars=sidecars or [],
        node_selector=selector or {},
    )


def test_requests_become_ray_resources() -> None:
    pod = _pod({"cpu": "500m", "memory": "64Mi", "nvidia.com/gpu": "1", "big": "2", "ephemeral-storage": "1Gi"})
    p = Placement.of(pod)
    assert (p.num_cpus, p.num_gpus, p.memory, dict(p.resources)) == (0.5, 1.0, 64 * 2**20, {"big": 2.0})
    assert p.options() == {"num_cpus": 0.5, "num_gpus": 1.0, "memory": 64 * 2**20, "resources": {"big": 2.0}}
    assert p.demand == {"CPU": 0.5, "GPU": 1.0, "memory": 64 * 2**20, "big": 2.0}


def test_limits_stand_in_for_requests_and_sidecars_add_up() -> None:
    side = _pod({"cpu": "250m"})
    p = Placement.of(_pod(limits={"cpu": "1", "memory": "1Gi"}, sidecars=[side]))
    assert (p.num_cpus, p.memory) == (1.25, 2**30)


def test_no_cpu_request_takes_the_default() -> None:
    assert Placement.of(_pod()).num_cpus == 1.0
    assert Placement.of(_pod(), default_cpus=0.25).num_cpus == 0.25
    assert Placement.of(_pod({"cpu": "0"})).num_cpus == 0.0


def test_node_selector_becomes_a_label_selector_without_well_known_labels() -> None:
    p = Placement.of(_pod(selector={"pool": "big", "kubernetes.io/arch": "amd64"}))
    assert dict(p.label_selector) == {"pool": "big"}
    assert p.options()["label_selector"] == {"pool": "big"}


def test_bad_quantity_is_an_executor_error() -> None:
    with pytest.raises(ExecutorError, match="resources: cpu"):
        Placement.of(_pod({"cpu": "lots"}))


def test_unschedulable_message_counts_reasons_per_node() -> None:
    head = NodeInfo("a", {"CPU": 2.0, "memory": 8e9}, {"pool": "head"})
    big = NodeInfo("b", {"CPU": 1.0, "memory": 8e9, "big": 1.0}, {"pool": "big"})
    fits = Placement.of(_pod({"cpu": "1", "big": "1"}))
    assert unschedulable_message(fits, [head, big]) == ""
    too_big = Placement.of(_pod({"cpu": "4", "big": "1"}, selector={"pool": "big"}))
    assert unschedulable_message(too_big, [head, big]) == (
        "Unschedulable: 0/2 nodes are available: 1 Insufficient big, "
        "1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu."
    )
    gpu = Placement.of(_pod({"nvidia.com/gpu": "1"}))
    assert unschedulable_message(gpu, [head]) == "Unschedulable: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
