"""The deployment and bento APIs as mounted on `argento server`'s app (routes, OpenAPI, metrics, gateway)."""

from __future__ import annotations

from pathlib import Path

from deploy_support import write_service
from starlette.testclient import TestClient

from argento.config import Settings
from argento.deployments.bentos import BuildConfig, build
from argento.procs import running
from argento.server import create_app


def test_server_app_mounts_deployments_and_bentos(argento_home: Path, tmp_path: Path) -> None:
    proj = write_service(tmp_path / "proj")
    (proj / "argento.yaml").write_text("service: tinysvc:Tiny\nversion: v1\n")
    bento = build(BuildConfig.load(proj / "argento.yaml"))
    settings = Settings.from_env({"ARGENTO_HOME": str(argento_home)})
    app = create_app(settings, executor_name="fake", run_crons=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        items = client.get("/api/v1/bentos").json()["items"]
        assert [b["tag"] for b in items] == [bento.tag]
        assert client.get("/api/v1/bentos/tiny").json()["service"] == "tinysvc:Tiny"
        assert client.get("/api/v1/bentos/nope:v1").status_code == 404
        assert client.get("/api/v1/deployments").json() == {"items": []}
        paths = client.get("/openapi.json").json()["paths"]
        assert "/api/v1/deployments/{name}/traffic" in paths and "/api/v1/bentos" in paths
        r = client.post("/deployments/ghost/predict", json={})
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        r = client.post("/api/v1/deployments", json={"name": "bad", "bento": "tiny:v1", "backend": "mars"})
        assert r.status_code == 400 and "spec.backend" in r.json()["message"]
        assert client.delete(f"/api/v1/bentos/{bento.tag}").json() == {"deleted": [bento.tag]}


def test_server_restart_readopts_replicas_from_its_store(argento_home: Path, tmp_path: Path) -> None:
    import time

    svc = write_service(tmp_path / "svc")
    settings = Settings.from_env({"ARGENTO_HOME": str(argento_home)})
    body = {"name": "keep", "service": "tinysvc:Tiny", "working_dir": str(svc), "replicas": 1}
    with TestClient(
        create_app(settings, executor_name="fake", run_crons=False), base_url="http://127.0.0.1"
    ) as client:
        assert client.post("/api/v1/deployments", json=body).status_code == 200
        view = client.get("/api/v1/deployments/keep/wait", params={"timeout": 60}).json()
        pids = {r["pid"] for r in view["status"]["replicas"]}
    # the server stopped; its replicas did not, and its store (SQLite) kept the deployment
    with TestClient(
        create_app(settings, executor_name="fake", run_crons=False), base_url="http://127.0.0.1"
    ) as client:
        view = client.get("/api/v1/deployments/keep/wait", params={"timeout": 60}).json()
        assert {r["pid"] for r in view["status"]["replicas"]} == pids and view["revision"] == 1
        assert client.post("/deployments/keep/predict", json={"x": 2}).json()["y"] == 4.0
        assert client.delete("/api/v1/deployments/keep", params={"wait": "true"}).status_code == 200
    deadline = time.monotonic() + 10

    # Adopted replicas end as zombies of this test process: not running.
    while time.monotonic() < deadline and any(running(p) for p in pids):
        time.sleep(0.05)
    assert not any(running(p) for p in pids)
