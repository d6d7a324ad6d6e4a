"""MLflow → serving: `argento deploy --mlflow URI`, and an MLflow model as a canary with one command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from tracking_support import log_iris

from argento.tracking.service import predict_payload, to_input


class _Echo:
    def predict(self, x):  # type: ignore[no-untyped-def]
        return np.asarray(x)[:, 0]


@pytest.mark.parametrize(
    "body",
    [
        {"inputs": [[1, 2], [3, 4]]},
        {"instances": [[1, 2], [3, 4]]},
        {"features": [[1, 2], [3, 4]]},
        [[1, 2], [3, 4]],
        {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}},
        {"dataframe_records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
    ],
)
def test_scoring_shapes(body: object) -> None:
    assert predict_payload(_Echo(), body) == {"predictions": [1, 3]}


def test_one_row_and_bad_bodies() -> None:
    assert to_input({"features": [5.1, 3.5, 1.4, 0.2]}).shape == (1, 4)
    with pytest.raises(Exception, match="needs one of"):
        to_input({"rows": []})


@pytest.fixture
def argento_server(tracked_home: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "argento", "server", "--port", str(port)],
        env={**os.environ, "ARGENTO_SERVER": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    os.environ["ARGENTO_SERVER"] = url
    yield url
    os.environ.pop("ARGENTO_SERVER", None)
    from argento.config import Settings
    from argento.deployments.backends.local import stop_replicas
    from argento.tracking.server import terminate_group

    terminate_group(proc.pid, timeout=20)
    stop_replicas(Settings.from_env({"ARGENTO_HOME": str(tracked_home)}))  # the deployments' processes too


def _argento(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "argento", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_deploy_an_mlflow_model_then_canary_another_with_one_command(argento_server: str) -> None:
    import mlflow

    log_iris("Iris-Deploy")
    log_iris("Iris-Deploy")
    client = mlflow.MlflowClient()
    client.set_registered_model_alias("Iris-Deploy", "champion", "1")
    client.set_registered_model_alias("Iris-Deploy", "challenger", "2")

    proc = _argento("deploy", "--mlflow", "models:/Iris-Deploy@champion", "--name", "iris-mlflow", "-o", "json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    endpoint = f"{argento_server}/deployments/iris-mlflow/predict"
    resp = httpx.post(endpoint, json={"inputs": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"predictions": [0, 2]}

    proc = _argento("deploy", "--name", "iris-mlflow", "--canary", "models:/Iris-Deploy@challenger", "--weight", "50", "-o", "json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    view = json.loads(proc.stdout)
    variants = {v["name"]: v for v in view["spec"]["variants"]}
    assert set(variants) == {"main", "canary"}
    assert variants["main"]["bento"].startswith("iris-deploy-mlflow:")
    assert variants["canary"]["bento"].startswith("iris-deploy-mlflow:")
    assert variants["main"]["bento"] != variants["canary"]["bento"]
    assert view["status"]["traffic"] == {"main": 50, "canary": 50}
    for _ in range(6):
        assert httpx.post(endpoint, json={"features": [5.1, 3.5, 1.4, 0.2]}, timeout=30).json() == {"predictions": [0]}
