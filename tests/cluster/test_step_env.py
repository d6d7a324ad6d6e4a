"""What a workflow step sees of the platform: in-cluster addresses of its env resolved, its namespace,
``import bentoml``, and a relative script found in the workflow's folder (``argento run``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml


def _run(
    tmp_path: Path, container: dict[str, Any], *, env: dict[str, str] | None = None, namespace: str = "mlops"
) -> dict[str, Any]:
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "env-", "namespace": namespace},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "python:3.11", **container}}],
        },
    }
    file = tmp_path / "wf.yaml"
    file.write_text(yaml.safe_dump(wf))
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGENTO_", "MLFLOW_"))}
    run_env.update(ARGENTO_HOME=str(tmp_path / "home"), ARGENTO_SERVER="http://127.0.0.1:4321", **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "argento", "run", str(file), "-o", "json"],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=120,
    )
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def _node(wf: dict[str, Any]) -> dict[str, Any]:
    (node,) = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    return node


def _log(tmp_path: Path, wf: dict[str, Any]) -> str:
    """What the step printed (a container's stdout is its log; outputs.result only when something uses it)."""
    return "".join(
        p.read_text() for p in (tmp_path / "home" / "runs" / wf["metadata"]["name"]).rglob("main.log")
    )


PRINT_ENV = (
    "import json, os; print(json.dumps({k: os.environ.get(k, '') for k in "
    "('SERVER', 'FEATURES', 'ARGENTO_NAMESPACE', 'PYTHONPATH')}))"
)


def test_step_env_addresses_resolve_through_the_alias_table(tmp_path: Path) -> None:
    wf = _run(
        tmp_path,
        {
            "command": ["python", "-c"],
            "args": [PRINT_ENV],
            "env": [
                {"name": "SERVER", "value": "http://argo-workflows-server.mlops:2746/api/v1"},
                {"name": "FEATURES", "value": "feature-store.mlops:6566"},
            ],
        },
        env={"ARGENTO_SERVICE_ALIASES": '{"feature-store*": "http://127.0.0.1:6566"}'},
    )
    node = _node(wf)
    assert node["phase"] == "Succeeded", node.get("message")
    seen = json.loads(_log(tmp_path, wf))
    assert seen["SERVER"] == "http://127.0.0.1:4321/api/v1"
    assert seen["FEATURES"] == "127.0.0.1:6566"
    assert seen["ARGENTO_NAMESPACE"] == "mlops"  # a deployment the step creates lands beside its workflow
    # The manifest is not rewritten: only the step's environment.
    env = wf["spec"]["templates"][0]["container"]["env"]
    assert env[0]["value"] == "http://argo-workflows-server.mlops:2746/api/v1"


def test_an_unmapped_cluster_address_fails_the_step_naming_the_table(tmp_path: Path) -> None:
    wf = _run(
        tmp_path,
        {
            "command": ["python", "-c"],
            "args": ["print('unreached')"],
            "env": [{"name": "FEATURES", "value": "http://feature-store.mlops:6566"}],
        },
    )
    node = _node(wf)
    assert node["phase"] == "Error"
    assert node["message"].startswith(
        "env FEATURES: http://feature-store.mlops:6566 is an in-cluster address"
    )
    assert "serviceAliases" in node["message"]


def test_mlflow_address_without_a_tracking_server_says_how_to_start_one(tmp_path: Path) -> None:
    wf = _run(
        tmp_path,
        {
            "command": ["python", "-c"],
            "args": ["print('unreached')"],
            "env": [{"name": "MLFLOW_TRACKING_URI", "value": "http://mlflow.ml-platform:5000"}],
        },
    )
    node = _node(wf)
    assert node["phase"] == "Error" and "`argento up`" in node["message"]


def test_import_bentoml_works_in_a_step(tmp_path: Path) -> None:
    code = "import bentoml; from bentoml.io import JSON; print(bentoml.__version__)"
    wf = _run(tmp_path, {"command": ["python", "-c"], "args": [code]})
    assert _node(wf)["phase"] == "Succeeded", _log(tmp_path, wf)
    assert "+argento" in _log(tmp_path, wf)


def test_relative_script_is_found_in_the_workflow_folder(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import sys; print('trained from', sys.argv[0])\n")
    wf = _run(tmp_path, {"command": ["python", "train.py"], "args": []})
    assert _node(wf)["phase"] == "Succeeded", _log(tmp_path, wf)
    assert _log(tmp_path, wf) == f"trained from {tmp_path / 'train.py'}\n"
    # A program text (-c) or a script the folder does not have is left alone, as in a container.
    missing = _node(_run(tmp_path, {"command": ["python", "evaluate.py"]}))
    assert missing["phase"] == "Failed"
