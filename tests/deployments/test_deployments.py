"""Deployments end to end: real replica processes, the gateway, a steady load generator (SPEC §3.6, P9, R6)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_support import Load, PlaneThread, free_port, write_service
from wait import eventually

from argento.config import Settings


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy-home")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_service(tmp_path_factory.mktemp("svc"))


@pytest.fixture(scope="module")
def cp(home: Path) -> Iterator[PlaneThread]:
    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    with PlaneThread(settings, scale_down_delay=1.0) as p:
        yield p


def variant(svc: Path, name: str, label: str, weight: float = 100, **extra: object) -> dict:
    return {
        "name": name,
        "service": "tinysvc:Tiny",
        "working_dir": str(svc),
        "weight": weight,
        "env": {"LABEL": label},
        **extra,
    }


def create(cp: PlaneThread, body: dict) -> dict:
    r = httpx.post(f"{cp.url}/api/v1/deployments", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return wait(cp, body["name"])


def wait(cp: PlaneThread, name: str) -> dict:
    r = httpx.get(f"{cp.url}/api/v1/deployments/{name}/wait", params={"timeout": 60}, timeout=70)
    assert r.status_code == 200, r.text
    return r.json()


def delete(cp: PlaneThread, name: str) -> None:
    r = httpx.delete(f"{cp.url}/api/v1/deployments/{name}", params={"wait": "true"}, timeout=60)
    assert r.status_code == 200, r.text


def test_canary_gets_its_share_and_compare_reports_it(cp: PlaneThread, svc: Path) -> None:
    create(
        cp,
        {
            "name": "canary",
            "replicas": 2,
            "variants": [variant(svc, "main", "v1", 90), variant(svc, "canary", "v2", 10, replicas=1)],
        },
    )
    with Load(
        f"{cp.url}/deployments/canary/predict",
        body={"x": 3},
        concurrency=6,
        max_requests=2000,
        max_seconds=40,
    ) as load:
        load.wait_for(2000, timeout=40)
    r = load.result
    assert r.failed == 0, r.errors[:5]
    share = r.variants["canary"] / r.total
    assert 0.09 <= share <= 0.11, (share, r.variants)
    assert r.labels["v2"] == r.variants["canary"]  # the canary's answers came from the canary's replicas
    result = httpx.get(f"{cp.url}/api/v1/deployments/canary/compare", timeout=10).json()
    rows = {row["variant"]: row for row in result["variants"]}
    assert (
        rows["canary"]["requests"] == r.variants["canary"] and rows["main"]["requests"] == r.variants["main"]
    )
    assert rows["main"]["error_rate"] == 0 and rows["main"]["latency_ms"]["p50"] > 0
    assert rows["canary"]["business"]["conversions"]["per_request"] == 1.0
    # A counter the service's code keeps in prometheus_client's default registry, scraped from the replicas.
    assert rows["canary"]["business"]["tiny_big_inputs_total"]["value"] == r.variants["canary"]
    assert result["tests"][0]["baseline"] == "main" and result["tests"][0]["p_value"] == 1.0
    metrics = httpx.get(f"{cp.url}/metrics").text
    assert 'argento_deployment_requests_total{deployment="canary",variant="canary",code="200"}' in metrics
    # argento.promtext spells integers without ".0", as Prometheus does
    assert 'argento_deployment_traffic_weight{deployment="canary",variant="canary"} 10' in metrics

    before = httpx.get(f"{cp.url}/api/v1/deployments/canary").json()["status"]["replicas"]
    canary_pids = {rep["pid"] for rep in before if rep["variant"] == "canary"}
    promoted = httpx.post(f"{cp.url}/api/v1/deployments/canary/promote", json={"variant": "canary"}).json()
    # The survivor is the main variant now (issue 17.10), serving the canary's target at 100 %.
    assert promoted["status"]["traffic"] == {"main": 100.0}
    assert [v["name"] for v in promoted["spec"]["variants"]] == ["main"]
    assert promoted["spec"]["variants"][0]["env"] == {"LABEL": "v2"}
    view = wait(cp, "canary")
    assert {rep["variant"] for rep in view["status"]["replicas"]} == {"main"}
    assert len(view["status"]["replicas"]) == 2  # the deployment's replica count
    assert canary_pids <= {rep["pid"] for rep in view["status"]["replicas"]}  # relabelled, not restarted
    answers = [httpx.post(f"{cp.url}/deployments/canary/predict", json={}) for _ in range(20)]
    assert {(r.json()["label"], r.headers["x-argento-variant"]) for r in answers} == {("v2", "main")}
    delete(cp, "canary")


def test_rolling_update_and_rollback_under_load_fail_nothing(cp: PlaneThread, svc: Path) -> None:
    create(cp, {"name": "roll", "replicas": 2, "variants": [variant(svc, "main", "v1")]})
    before = {r["pid"] for r in wait(cp, "roll")["status"]["replicas"]}
    url = f"{cp.url}/deployments/roll/predict"
    with Load(url, concurrency=4, max_seconds=60) as load:
        load.wait_for(200)
        body = {"name": "roll", "replicas": 2, "variants": [variant(svc, "main", "v2")]}
        r = httpx.put(f"{cp.url}/api/v1/deployments/roll", json=body, timeout=30)
        assert r.status_code == 200 and r.json()["revision"] == 2
        view = wait(cp, "roll")
        mark = load.result.total
        load.wait_for(mark + 200)
        assert {x["pid"] for x in view["status"]["replicas"]}.isdisjoint(before)
        r = httpx.post(f"{cp.url}/api/v1/deployments/roll/rollback", json={}, timeout=30)
        assert r.json()["revision"] == 3
        wait(cp, "roll")
        mark = load.result.total
        load.wait_for(mark + 200)
    res = load.result
    assert res.failed == 0, res.errors[:5]
    assert res.labels["v1"] > 0 and res.labels["v2"] > 0
    after = {httpx.post(url, json={}).json()["label"] for _ in range(10)}
    assert after == {"v1"}
    revisions = httpx.get(f"{cp.url}/api/v1/deployments/roll").json()["revisions"]
    assert [r["reason"] for r in revisions] == ["create", "update", "rollback to 1"]
    delete(cp, "roll")


def test_killed_replica_is_restarted_without_client_errors(cp: PlaneThread, svc: Path) -> None:
    body = {
        "name": "kill",
        "replicas": 2,
        "resources": {"memory": "3Gi"},
        "variants": [variant(svc, "main", "v1")],
    }
    view = create(cp, body)
    victim = view["status"]["replicas"][0]["pid"]
    limits = Path(f"/proc/{victim}/limits").read_text()
    assert any(line.startswith("Max data size") and str(3 * 2**30) in line for line in limits.splitlines())
    with Load(f"{cp.url}/deployments/kill/predict", concurrency=6, max_seconds=30) as load:
        load.wait_for(200)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = httpx.get(f"{cp.url}/api/v1/deployments/kill").json()["status"]
            if status["converged"] and victim not in {r["pid"] for r in status["replicas"]}:
                break
            time.sleep(0.1)
        mark = load.result.total
        load.wait_for(mark + 200)
    assert status["variants"]["main"]["restarts"] >= 1 and status["converged"]
    assert load.result.failed == 0, load.result.errors[:5]
    delete(cp, "kill")


def test_a_broken_update_keeps_the_old_replicas_serving(cp: PlaneThread, svc: Path) -> None:
    create(cp, {"name": "broken", "replicas": 1, "variants": [variant(svc, "main", "v1")]})
    bad = {
        "name": "broken",
        "replicas": 1,
        "variants": [variant(svc, "main", "v2", env={"LABEL": "v2", "BROKEN": "1"})],
    }
    assert httpx.put(f"{cp.url}/api/v1/deployments/broken", json=bad).status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = httpx.get(f"{cp.url}/api/v1/deployments/broken").json()["status"]
        if status["phase"] == "Degraded":
            break
        time.sleep(0.2)
    assert status["phase"] == "Degraded" and status["variants"]["main"]["outdated"] == 1
    answers = {httpx.post(f"{cp.url}/deployments/broken/predict", json={}).json()["label"] for _ in range(10)}
    assert answers == {"v1"}  # the old replica was never drained
    httpx.post(f"{cp.url}/api/v1/deployments/broken/rollback", json={})
    assert wait(cp, "broken")["status"]["phase"] == "Available"
    delete(cp, "broken")


def test_scale_shadow_and_header_routing(cp: PlaneThread, svc: Path) -> None:
    port = free_port()
    create(
        cp,
        {
            "name": "shadowed",
            "replicas": 1,
            "shadow": "dark",
            "gateway_port": port,
            "routing": {"mode": "header", "key": "x-variant"},
            "variants": [
                variant(svc, "main", "v1", 50),
                variant(svc, "beta", "v3", 50),
                variant(svc, "dark", "v2", 0),
            ],
        },
    )
    url = f"{cp.url}/deployments/shadowed/predict"
    answers = [httpx.post(url, json={}, headers={"x-variant": "beta"}).json()["label"] for _ in range(10)]
    assert answers == ["v3"] * 10
    own = f"http://127.0.0.1:{port}"  # the deployment's own gateway port: same routing, no ASGI in between
    assert httpx.post(f"{own}/predict?x-variant=beta", json={}).json()["label"] == "v3"
    with httpx.Client() as keep_alive:
        assert {keep_alive.post(f"{own}/predict", json={}).status_code for _ in range(20)} == {200}
    assert httpx.get(f"{own}/readyz").status_code == 200
    assert "argento_deployment_requests_total" in httpx.get(f"{own}/metrics").text
    assert httpx.post(f"{own}/predict", content=b"{bad json").status_code == 400
    # DNS rebinding (issue 14): the own port answers only known Host names.
    for path in ("/predict", "/metrics"):
        refused = httpx.post(f"{own}{path}", json={}, headers={"host": f"rebound.example:{port}"})
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    for _ in range(20):
        assert httpx.post(url, json={}).json()["label"] in ("v1", "v3")  # never the shadow's answer

    def compare() -> dict[str, dict]:
        rows = httpx.get(f"{cp.url}/api/v1/deployments/shadowed/compare").json()["variants"]
        return {r["variant"]: r for r in rows}

    # shadow copies are fire-and-forget: they may still be in flight when the answers are back
    rows = eventually(
        compare, until=lambda rows: rows["dark"]["requests"] >= 25, timeout=10, what="25 shadowed"
    )
    assert rows["dark"]["shadow"]
    for base in (f"{cp.url}/deployments/shadowed", own):  # streamed answers pass through chunk by chunk
        with httpx.stream("POST", f"{base}/count", json={"n": 4, "delay": 0.3}, timeout=10) as r:
            started, first = time.monotonic(), None
            chunks = []
            for chunk in r.iter_text():
                first = first or time.monotonic() - started
                chunks.append(chunk)
        assert "".join(chunks) == "0\n1\n2\n3\n" and first is not None and first < 0.9, (chunks, first)
    taken = {"name": "taken", "gateway_port": port, "service": "tinysvc:Tiny", "working_dir": str(svc)}
    r = httpx.post(f"{cp.url}/api/v1/deployments", json=taken)
    assert r.status_code == 400 and "spec.gateway_port" in r.json()["message"]
    view = httpx.post(
        f"{cp.url}/api/v1/deployments/shadowed/scale", json={"replicas": 3, "variant": "main"}
    ).json()
    assert view["status"]["variants"]["main"]["desired"] == 3
    view = wait(cp, "shadowed")
    assert view["status"]["variants"]["main"]["ready"] == 3
    view = httpx.post(f"{cp.url}/api/v1/deployments/shadowed/traffic", json={"weights": {"beta": 0}}).json()
    assert view["status"]["traffic"]["main"] == 100.0
    delete(cp, "shadowed")


def test_autoscaling_on_concurrency(cp: PlaneThread, svc: Path) -> None:
    create(
        cp,
        {
            "name": "auto",
            "autoscaling": {"min": 1, "max": 3, "target_concurrency": 1},
            "variants": [variant(svc, "main", "v1")],
        },
    )
    with Load(
        f"{cp.url}/deployments/auto/slow", body={"seconds": 0.05}, concurrency=6, max_seconds=30
    ) as load:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            desired = httpx.get(f"{cp.url}/api/v1/deployments/auto").json()["status"]["variants"]["main"][
                "desired"
            ]
            if desired == 3:
                break
            time.sleep(0.2)
    assert desired == 3 and load.result.failed == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # idle: back down to min (one step per stabilisation window)
        desired = httpx.get(f"{cp.url}/api/v1/deployments/auto").json()["status"]["variants"]["main"][
            "desired"
        ]
        if desired == 1:
            break
        time.sleep(0.2)
    assert desired == 1
    delete(cp, "auto")


def test_api_errors(cp: PlaneThread, svc: Path) -> None:
    r = httpx.get(f"{cp.url}/api/v1/deployments/nope")
    assert r.status_code == 404 and r.json()["code"] == 5
    r = httpx.post(f"{cp.url}/api/v1/deployments", json={"name": "x", "replicas": 1})
    assert r.status_code == 400 and "bento" in r.json()["message"]
    r = httpx.post(f"{cp.url}/api/v1/deployments", json={"name": "x", "bento": "missing:v1"})
    assert r.status_code == 400 and "spec.variants[0].bento" in r.json()["message"]
    r = httpx.post(f"{cp.url}/deployments/nope/predict", json={})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    create(cp, {"name": "dup", "replicas": 1, "variants": [variant(svc, "main", "v1")]})
    r = httpx.post(f"{cp.url}/api/v1/deployments", json={"name": "dup", "service": "tinysvc:Tiny"})
    assert r.status_code == 409
    r = httpx.post(f"{cp.url}/api/v1/deployments/dup/rollback", json={})
    assert r.status_code == 400
    r = httpx.post(f"{cp.url}/api/v1/deployments/dup/promote", json={"variant": "ghost"})
    assert r.status_code == 400 and "ghost" in r.json()["message"]
    delete(cp, "dup")
    assert httpx.get(f"{cp.url}/api/v1/deployments").json()["items"] == []


def test_replicas_survive_a_control_plane_restart(tmp_path: Path, svc: Path) -> None:
    settings = Settings.from_env({"ARGENTO_HOME": str(tmp_path)})
    first = PlaneThread(settings).__enter__()
    try:
        view = create(
            first,
            {"name": "keep", "replicas": 2, "gateway_port": 0, "variants": [variant(svc, "main", "v1")]},
        )
        pids = {r["pid"] for r in view["status"]["replicas"]}
    finally:
        first.stop(stop_replicas=False)  # the server goes away; replicas keep running
    assert all(os.path.exists(f"/proc/{pid}") for pid in pids)
    with PlaneThread(settings) as second:
        view = wait(second, "keep")
        assert {r["pid"] for r in view["status"]["replicas"]} == pids  # re-adopted, not restarted
        assert httpx.post(f"{second.url}/deployments/keep/predict", json={}).json()["label"] == "v1"
        delete(second, "keep")
    assert not any(
        os.path.exists(f"/proc/{pid}") and b"Z" not in Path(f"/proc/{pid}/stat").read_bytes()[:60]
        for pid in pids
    )


def test_down_stops_the_replicas_a_stopped_server_left_running(tmp_path: Path, svc: Path) -> None:
    from argento.deployments.backends.local import stop_replicas
    from argento.procs import running

    settings = Settings.from_env({"ARGENTO_HOME": str(tmp_path)})
    plane = PlaneThread(settings).__enter__()
    try:
        view = create(plane, {"name": "gone", "replicas": 2, "variants": [variant(svc, "main", "v1")]})
        pids = {r["pid"] for r in view["status"]["replicas"]}
    finally:
        plane.stop(stop_replicas=False)  # what a stopped server leaves: replicas still serving

    assert all(running(pid) for pid in pids)
    assert stop_replicas(settings, grace=5) == 2
    assert not any(running(pid) for pid in pids)
    assert stop_replicas(settings) == 0  # nothing left, nothing recorded
