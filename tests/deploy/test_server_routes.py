"""The deployment and bento APIs as mounted on `argento server`'s app (routes, OpenAPI, metrics, gateway)."""

from __future__ import annotations

from pathlib import Path

from deploy_support import write_service
from starlette.testclient import TestClient

from argento.config import Settings
from argento.deploy.bentos import BuildConfig, build
from argento.server import create_app


def test_server_app_mounts_deployments_and_bentos(argento_home: Path, tmp_path: Path) -> None:
    proj = write_service(tmp_path / "proj")
    (proj / "argento.yaml").write_text("service: tinysvc:Tiny\nversion: v1\n")
    bento = build(BuildConfig.load(proj / "argento.yaml"))
    settings = Settings.from_env({"ARGENTO_HOME": str(argento_home)})
    app = create_app(settings, executor_name="fake", run_crons=False)
    with TestClient(app) as client:
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
