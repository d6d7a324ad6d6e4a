"""`argento quickstart` end to end, non-interactively, as the README's first command runs it (SPEC §7)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from argento import procs
from argento.quickstart import PIPELINE, SAMPLES, manifest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_embedded_pipeline_is_the_seed_shape() -> None:
    wf = yaml.safe_load(PIPELINE.read_text())
    tasks = {t["name"]: t for t in wf["spec"]["templates"][0]["dag"]["tasks"]}
    assert list(tasks) == ["train", "evaluate", "deploy"]
    assert tasks["deploy"]["when"] == "{{tasks.evaluate.outputs.result}} == success"
    assert manifest({"replicas": "3"})["spec"]["arguments"]["parameters"][3] == {
        "name": "replicas",
        "value": "3",
    }


def test_the_embedded_pipeline_lints(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "argento", "lint", str(PIPELINE)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.timeout(420)
def test_quickstart_trains_tracks_deploys_and_serves(argento_home: Path) -> None:
    pytest.importorskip("mlflow")
    env = {
        **os.environ,
        "ARGENTO_HOME": str(argento_home),
        "ARGENTO_SERVER": f"http://127.0.0.1:{_free_port()}",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "argento", "quickstart", "--down", "-o", "json", "--timeout", "300"],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["phase"] == "Succeeded"
    assert result["model"].startswith("iris-quickstart:")
    assert [p["answer"]["species"] for p in result["predictions"]] == [s for _, s in SAMPLES]
    assert result["endpoint"].endswith("/deployments/iris-quickstart/predict")
    assert result["mlflow_run_id"] and result["mlflow_run_url"].startswith(result["urls"]["mlflow"])
    assert result["urls"]["ui"].endswith(f"/workflows/argo/{result['workflow']}")
    assert result["deployment_namespace"] == "argo"  # beside its workflow (issue 17.10), no longer "default"
    # The model landed in the store with its MLflow lineage; --down left nothing running.
    model_dir = argento_home / "models" / "iris-quickstart" / "versions"
    (version,) = [p.name for p in model_dir.iterdir()]
    manifest_yaml = yaml.safe_load((model_dir / version / "model.yaml").read_text())
    assert manifest_yaml["metadata"]["mlflow_run_id"] == result["mlflow_run_id"]
    assert not (argento_home / "up.json").exists()
    assert not (argento_home / "mlflow" / "server.json").exists()
    leftovers = [  # no replica (or any other process) of this home is still running
        pid
        for pid in (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
        if str(argento_home) in " ".join(procs.cmdline(pid) or []) and procs.running(pid)
    ]
    assert not leftovers, leftovers
