"""Distributed inference (`argento.ray.batch_predict`) and the examples in ``examples/ray/``, on the session's
cluster (the examples run as their own processes, joining it through ``RAY_ADDRESS``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ray_support import TestCluster

from argento.config import Settings
from argento.errors import NotFound, SpecError
from argento.registry.store import default_store

REPO = Path(__file__).resolve().parents[2]
sklearn = pytest.importorskip("sklearn")


def _iris(home: Path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    model = default_store(settings).save("iris", LogisticRegression(max_iter=500).fit(X, y))
    return settings, model, X


def test_batch_predict_matches_the_model_in_order(ray_cluster: TestCluster, tmp_path: Path) -> None:
    from argento.ray import batch_predict

    settings, model, X = _iris(tmp_path / "home")
    expected = model.load().predict(X)
    got = batch_predict("iris:latest", X, batch_size=16, settings=settings)
    assert isinstance(got, np.ndarray) and got.tolist() == expected.tolist()
    proba = batch_predict(model.tag, X.tolist(), batch_size=40, method="predict_proba", settings=settings)
    assert np.allclose(np.asarray(proba), model.load().predict_proba(X))
    import pandas as pd

    frame = pd.DataFrame(X)
    assert batch_predict(model.tag, frame, batch_size=50, settings=settings).tolist() == expected.tolist()
    assert batch_predict(model.tag, X[:0], settings=settings).shape == (0, 4)


def test_batch_predict_with_placement_options(ray_cluster: TestCluster, big_node: str, tmp_path: Path) -> None:
    from argento.ray import batch_predict

    settings, model, X = _iris(tmp_path / "home")
    got = batch_predict(model.tag, X, batch_size=50, settings=settings, label_selector={"pool": "big"},
                        num_cpus=0.5)
    assert got.tolist() == model.load().predict(X).tolist()


def test_a_worker_without_the_store_loads_the_shipped_files(ray_cluster: TestCluster, tmp_path: Path) -> None:
    """What a worker on another machine does: the model's path is not there, the object-store copy is."""
    from dataclasses import replace

    import ray
    from argento.executors.ray_worker import pack
    from argento.ray import predict_chunk

    _, model, X = _iris(tmp_path / "home")
    shipped = ray.put(pack({"model": model.path}))
    elsewhere = replace(model, store=None, version=model.version + "-elsewhere", path=tmp_path / "not-here")
    assert predict_chunk(elsewhere, [shipped], "predict", X).tolist() == model.load().predict(X).tolist()


def test_batch_predict_errors(ray_cluster: TestCluster, tmp_path: Path) -> None:
    from argento.ray import batch_predict

    settings, model, X = _iris(tmp_path / "home")
    with pytest.raises(SpecError, match="batch_size"):
        batch_predict(model.tag, X, batch_size=0, settings=settings)
    with pytest.raises(NotFound):
        batch_predict("nope:latest", X, settings=settings)
    with pytest.raises(Exception, match="has no method 'explode'"):
        batch_predict(model.tag, X, method="explode", settings=settings)


def _env(ray_cluster: TestCluster, home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "ARGENTO_HOME": str(home), "ARGENTO_RAY_ADDRESS": ray_cluster.gcs_address,
            "PYTHONPATH": str(REPO / "src"), **extra}


def test_example_batch_inference(ray_cluster: TestCluster, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(REPO / "examples/ray/batch_inference.py")], capture_output=True,
                         text=True, timeout=120, env=_env(ray_cluster, tmp_path / "home"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "3000 predictions from iris-ray:" in out.stdout and "in 12 Ray tasks" in out.stdout


def test_example_ray_job_step_passes_mlflow_through(ray_cluster: TestCluster, tmp_path: Path) -> None:
    tracking = f"file://{tmp_path}/mlruns"
    out = subprocess.run(
        [sys.executable, "-m", "argento.cli.main", "run", str(REPO / "examples/ray/ray-job-step.yaml"),
         "--executor", "ray", "-o", "json"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
        env=_env(ray_cluster, tmp_path / "home", MLFLOW_TRACKING_URI=tracking),
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    wf = json.loads(out.stdout[out.stdout.index("{"):])
    job = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "distributed-training")
    summary = json.loads(job["outputs"]["result"])
    assert summary == {"shards": 4, "best_loss": 0.25, "tracking": [tracking]}
