"""Yatai's client and ``bentoml.deploy`` of the compatibility layer against a live deployment server.

``argento.compat.bentoml`` is what ``import bentoml`` gives; it is used directly here (the shim only re-exports
it, see test_bentoml_layer.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_support import PlaneThread, write_service

from argento.compat import bentoml
from argento.config import Settings
from argento.errors import NotFound

pytestmark = pytest.mark.slow


@pytest.fixture
def server(argento_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaneThread]:
    with PlaneThread(Settings.from_env({"ARGENTO_HOME": str(argento_home)})) as plane:
        monkeypatch.setenv("ARGENTO_SERVER", plane.url)
        yield plane


def test_yatai_client_create_get_list_update_delete(
    server: PlaneThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_service(tmp_path / "project")
    monkeypatch.chdir(project)
    bento = bentoml.build("tinysvc:Tiny", name="tiny-bento")
    client = bentoml.YataiClient("http://yatai.ml-platform:3000")  # the Argento server, by the alias table
    assert client.endpoint == server.url
    created = client.deployment.create(
        name="tiny", bento=bento.tag, namespace="ml-platform", replicas=1, wait=True
    )
    assert created["namespace"] == "ml-platform" and created["status"]["converged"]
    assert httpx.post(f"{server.url}/deployments/tiny/predict", json={"x": 2}).json()["y"] == 4
    assert [d["name"] for d in client.deployment.list(namespace="ml-platform")] == ["tiny"]
    assert client.deployment.list(namespace="mlops") == []
    updated = client.deployment.update("tiny", replicas=2, namespace="ml-platform", wait=True)
    assert updated["spec"]["replicas"] == 2 and len(updated["status"]["replicas"]) == 2
    with pytest.raises(NotFound, match='not found in namespace "argo" \\(it is in "ml-platform"\\)'):
        client.deployment.get("tiny", namespace="argo")
    client.deployment.delete("tiny", namespace="ml-platform")
    assert client.deployment.list(namespace="") == []


def test_deploy_a_model_without_a_bento(server: PlaneThread, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    features, target = load_iris(return_X_y=True)
    bentoml.sklearn.save_model("iris-model", LogisticRegression(max_iter=500).fit(features, target))
    view = bentoml.deploy("iris-model", platform="yatai", namespace="team-a")
    assert view["name"] == "iris-model" and view["namespace"] == "team-a"
    answer = httpx.post(
        f"{server.url}/deployments/iris-model/predict",
        json={"features": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]},
    ).json()
    assert answer == {"predictions": [0, 2]}
    # Deploying again updates it (a rolling update to the new generated bento), in the namespace it is in.
    again = bentoml.deploy("iris-model:latest", platform="yatai")
    assert again["revision"] == 2 and again["namespace"] == "team-a"
    bento = json.loads(json.dumps(bentoml.list("iris-model")[0].to_dict(), default=str))
    assert bento["labels"] == {"source": "bentoml.deploy", "model": bento["models"][0]["tag"]}
