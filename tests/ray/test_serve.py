"""The ``ray`` deployment backend (Ray Serve) behind the same control plane, gateway and API as ``local``.

A canary deployment with ``backend: ray``: three replicas, each its own Serve application whose actor owns an
``argento serve`` process; traffic split by the gateway; a killed replica is replaced; scale down and delete
remove the applications and their processes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_support import PlaneThread, write_service
from ray_support import TestCluster

from argento.config import Settings


@pytest.fixture(scope="module")
def plane(ray_cluster: TestCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaneThread]:
    pytest.importorskip("ray.serve", reason="needs pip install 'argento[ray]' (ray[serve])")
    from argento.deployments.backends.ray import RayServeBackend

    home = tmp_path_factory.mktemp("serve-home")
    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    with PlaneThread(settings, backends={"ray": RayServeBackend(settings, reuse_env=True, poll_interval=0.2)},
                     scale_down_delay=0.5) as p:
        yield p


def _apps() -> dict[str, str]:
    from ray import serve

    return {name: str(app.status) for name, app in serve.status().applications.items()}


def _wait(cp: PlaneThread, name: str) -> dict:
    r = httpx.get(f"{cp.url}/api/v1/deployments/{name}/wait", params={"timeout": 90}, timeout=100)
    assert r.status_code == 200, r.text
    return r.json()


def _replicas(view: dict) -> list[dict]:
    return [r for r in view["status"]["replicas"] if r.get("state", "ready") == "ready"]


def test_canary_on_ray_serve(plane: PlaneThread, tmp_path: Path) -> None:
    svc = write_service(tmp_path / "svc")
    variant = {"service": "tinysvc:Tiny", "working_dir": str(svc)}
    body = {
        "name": "rs", "backend": "ray", "replicas": 2, "resources": {"cpu": "100m"},
        "variants": [{**variant, "name": "main", "weight": 80, "env": {"LABEL": "v1"}},
                     {**variant, "name": "canary", "weight": 20, "replicas": 1, "env": {"LABEL": "v2"}}],
    }
    r = httpx.post(f"{plane.url}/api/v1/deployments", json=body, timeout=120)
    assert r.status_code == 200, r.text
    view = _wait(plane, "rs")
    ids = {rep["id"] for rep in _replicas(view)}
    assert len(ids) == 3
    apps = _apps()
    assert ids <= set(apps) and all("RUNNING" in apps[i] for i in ids)

    with httpx.Client(timeout=10) as client:
        labels = [client.post(f"{plane.url}/deployments/rs/predict", json={"x": 2}).json()["label"]
                  for _ in range(200)]
    assert labels.count("v1") + labels.count("v2") == 200
    assert 20 <= labels.count("v2") <= 60  # 20 % of 200, loosely

    # A replica process dies: the controller sees it through Serve and starts another one.
    victim = next(rep for rep in _replicas(view) if rep["variant"] == "main")
    os.kill(int(victim["pid"]), signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        now = {rep["id"] for rep in _replicas(_wait(plane, "rs"))}
        if victim["id"] not in now and len(now) == 3:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the killed replica was not replaced")
    assert victim["id"] not in _apps()

    r = httpx.post(f"{plane.url}/api/v1/deployments/rs/scale", json={"replicas": 1}, timeout=30)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 60
    while len(_apps()) > 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(_apps()) == 2  # one main, one canary

    pids = [int(rep["pid"]) for rep in _replicas(_wait(plane, "rs"))]
    r = httpx.delete(f"{plane.url}/api/v1/deployments/rs", params={"wait": "true"}, timeout=90)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    while (_apps() or any(_alive(p) for p in pids)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _apps() == {} and not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
