"""`argento deploy`, `argento deployments …`, `argento.Client().deployments` and `argento.deploy(...)` against a
deployment server, with bentos built by `argento build`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from deploy_support import PlaneThread, write_service

import argento
from argento.cli.main import cli
from argento.config import Settings


@pytest.fixture
def server(argento_home: Path, tmp_path: Path) -> Iterator[PlaneThread]:
    with PlaneThread(Settings.from_env({"ARGENTO_HOME": str(argento_home)})) as p:
        yield p


def _build(tmp_path: Path, label: str) -> str:
    proj = write_service(tmp_path / f"proj-{label}")
    (proj / "argento.yaml").write_text(
        f"service: tinysvc:Tiny\nname: tiny\nversion: {label}\nenvs: {{LABEL: {label}}}\n"
    )
    result = CliRunner().invoke(cli, ["build", "-f", str(proj / "argento.yaml"), "-o", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["tag"]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_lifecycle_with_bentos(server: PlaneThread, tmp_path: Path) -> None:
    v1, v2 = _build(tmp_path, "v1"), _build(tmp_path, "v2")
    s = ["--server", server.url]
    out = run("deploy", v1, "--name", "iris", "--replicas", "2", "--canary", v2, "--weight", "10", *s)
    assert "Available" in out and "canary" in out and "10%" in out
    answers = {
        httpx.post(f"{server.url}/deployments/iris/predict", json={}, headers={}).json()["label"]
        for _ in range(40)
    }
    assert answers <= {"v1", "v2"} and "v1" in answers
    listed = json.loads(run("deployments", "list", "-o", "json", *s))
    assert [d["name"] for d in listed] == ["iris"]
    assert (
        listed[0]["namespace"] == "argo"
    )  # one default namespace for workflows and deployments (issue 17.10)
    (endpoints,) = json.loads(run("deployments", "endpoints", "-o", "json", *s))
    assert endpoints["name"] == "iris" and len(endpoints["endpoints"]) == 3  # 2 main + 1 canary, all ready
    assert endpoints["gateway"] == f"{server.url}/deployments/iris"
    out = run("deployments", "set-traffic", "iris", "main=50", "canary=50", *s)
    assert "50%" in out
    out = run("deployments", "compare", "iris", *s)
    assert "VARIANT" in out and "error rate canary vs" in out
    out = run("deployments", "render", "iris", "--target", "kubernetes", "-d", str(tmp_path / "k8s"), *s)
    kinds = sorted(yaml.safe_load(p.read_text())["kind"] for p in (tmp_path / "k8s").iterdir())
    assert kinds == ["Deployment", "Deployment", "HTTPRoute", "Service", "Service"]
    route = yaml.safe_load((tmp_path / "k8s" / "httproute-iris.yaml").read_text())
    assert [b["weight"] for b in route["spec"]["rules"][0]["backendRefs"]] == [500, 500]
    deployment = yaml.safe_load((tmp_path / "k8s" / "deployment-iris-canary.yaml").read_text())
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == v2
    run("deployments", "promote", "iris", "canary", *s)
    view = json.loads(run("deployments", "get", "iris", "-o", "json", *s))
    # The promoted canary is the main variant now (issue 17.10), serving v2.
    assert view["status"]["traffic"] == {"main": 100.0}
    assert [(v["name"], v["bento"]) for v in view["spec"]["variants"]] == [("main", v2)]
    run("deployments", "rollback", "iris", "--revision", "1", *s)
    view = json.loads(run("deployments", "get", "iris", "-o", "json", *s))
    assert view["revision"] == 4 and view["status"]["traffic"] == {"main": 90.0, "canary": 10.0}
    run("deployments", "scale", "iris", "1", "--variant", "main", *s)
    out = run("deployments", "logs", "iris", "--tail", "5", *s)
    assert "==> iris-" in out and "(ready)" in out
    assert "deleted" in run("deployments", "delete", "iris", *s)
    result = CliRunner().invoke(cli, ["deployments", "get", "iris", *s])
    assert result.exit_code == 2 and "not found" in result.output


def test_python_client_and_argento_deploy(
    server: PlaneThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = _build(tmp_path, "v1")
    client = argento.Client(server.url)
    view = client.deployments.create(name="iris", bento=v1, namespace="default", replicas=2, wait=True)
    assert view["status"]["converged"] and view["spec"]["variants"][0]["bento"] == v1
    assert [d["name"] for d in client.deployments.list()] == ["iris"]
    assert httpx.post(client.deployments.url("iris") + "/predict", json={"x": 2}).json()["y"] == 4.0
    with client.service("iris") as iris:  # the typed service client, through the gateway
        assert iris.call("predict", x=3)["y"] == 6.0
    monkeypatch.setenv("ARGENTO_SERVER", server.url)
    v2 = _build(tmp_path, "v2")
    view = argento.deploy(v2, name="iris", replicas=1)  # exists: a rolling update to v2
    assert view["revision"] == 2 and view["status"]["converged"]
    assert httpx.post(client.deployments.url("iris") + "/predict", json={}).json()["label"] == "v2"
    client.deployments.delete("iris")
    assert client.deployments.list() == []


def test_deploy_needs_a_server(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["deploy", "x:v1", "--server", "http://127.0.0.1:9"])
    assert result.exit_code != 0 and "error:" in result.output


def test_adding_a_canary_keeps_every_variants_replica_count(server: PlaneThread, tmp_path: Path) -> None:
    """Issue 17.6: `argento deploy TAG --name X --canary T2` cut the main variant from 2 replicas to 1."""
    v1, v2 = _build(tmp_path, "v1"), _build(tmp_path, "v2")
    s = ["--server", server.url, "--no-wait", "-o", "json"]

    def counts(output: str) -> dict[str, tuple[int, float]]:
        view = json.loads(output)
        return {
            name: (vs["desired"], view["status"]["traffic"][name])
            for name, vs in view["status"]["variants"].items()
        }

    assert counts(run("deploy", v1, "--name", "iris", "--replicas", "2", *s)) == {"main": (2, 100.0)}
    out = run("deploy", v1, "--name", "iris", "--canary", v2, "--weight", "10", *s)
    assert counts(out) == {"main": (2, 90.0), "canary": (1, 10.0)}  # before: main 1
    run("deployments", "scale", "iris", "2", "--variant", "canary", "--server", server.url)
    out = run("deploy", v1, "--name", "iris", "--canary", v2, "--weight", "20", *s)
    assert counts(out) == {"main": (2, 80.0), "canary": (2, 20.0)}  # the canary keeps its own count too
    out = run("deploy", v1, "--name", "iris", "--replicas", "3", "--canary", v2, "--weight", "20", *s)
    assert counts(out) == {"main": (3, 80.0), "canary": (2, 20.0)}  # --replicas says otherwise for main
    run("deployments", "delete", "iris", "--server", server.url)
