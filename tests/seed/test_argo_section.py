"""The guide's "Argo Workflows" blocks and its complete pipeline, as written, on one ``argento up`` (server + MLflow).

Fragments (``- name: …`` template items) run wrapped into a Workflow whose ``templates`` are the fragment; the
pseudo-code ``train_model()`` reaches steps through the wrapper's ``templateDefaults`` (``PYTHONPATH`` of
tests/seed/pseudocode). ``rayproject/ray:2.9.0`` runs through the image table's Python-with-Ray mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from seed_guide import Platform, argento, find, platform, pseudocode_defaults, wrap

pytestmark = pytest.mark.slow

# What the test writes for the pipeline's `command: [python, train.py]` / `[python, evaluate.py]` (the guide
# shows the Workflow, not the scripts). They use `import bentoml` and MLflow as a user of the guide would.
TRAIN_PY = """\
import bentoml
import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

features, target = load_iris(return_X_y=True)
with mlflow.start_run():
    classifier = LogisticRegression(max_iter=500).fit(features, target)
    mlflow.log_param("max_iter", 500)
    mlflow.log_metric("accuracy", classifier.score(features, target))
print(bentoml.sklearn.save_model("my-model", classifier).tag)
"""
EVALUATE_PY = """\
import bentoml
from sklearn.datasets import load_iris

features, target = load_iris(return_X_y=True)
classifier = bentoml.sklearn.load_model("my-model:latest")
print("success" if classifier.score(features, target) >= 0.9 else "failure")
"""


@pytest.fixture(scope="module")
def plat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("seed-argo") / "home") as p:
        yield p


def _write(path: Path, doc: dict[str, Any] | str) -> Path:
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return path


def _run(plat: Platform, file: Path) -> tuple[int, dict[str, Any]]:
    proc = argento("run", str(file), "-o", "json", env=plat.env, cwd=file.parent)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _pods(wf: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]


def _log(plat: Platform, wf: dict[str, Any]) -> str:
    return "".join(p.read_text() for p in (plat.home / "runs" / wf["metadata"]["name"]).rglob("main.log"))


# -- Basic Workflow Example ------------------------------------------------------------------------------------


def test_basic_workflow_lints_as_written(plat: Platform, tmp_path: Path) -> None:
    file = _write(tmp_path / "ml-pipeline.yaml", find("Basic Workflow Example", "yaml").text)
    proc = argento("lint", str(file), env=plat.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_basic_workflow_runs(plat: Platform, tmp_path: Path) -> None:
    file = _write(tmp_path / "ml-pipeline.yaml", find("Basic Workflow Example", "yaml").text)
    code, wf = _run(plat, file)
    assert (code, wf["status"]["phase"]) == (0, "Succeeded"), wf["status"].get("message")
    assert wf["metadata"]["namespace"] == "mlops"
    assert sorted(p["displayName"] for p in _pods(wf)) == ["evaluate", "prepare-data", "train"]


def test_basic_workflow_submit_watch_follows_its_namespace(plat: Platform, tmp_path: Path) -> None:
    file = _write(tmp_path / "ml-pipeline.yaml", find("Basic Workflow Example", "yaml").text)
    proc = argento("submit", str(file), "--watch", env=plat.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Namespace:           mlops" in proc.stdout and "Succeeded" in proc.stdout


# -- Integration with Ray (the Argo step) ----------------------------------------------------------------------


def test_ray_training_fragment_fails_as_ray_does(plat: Platform, tmp_path: Path) -> None:
    """`ray submit CLUSTER_CONFIG SCRIPT` takes a cluster config file first and has no --address/--working-dir
    options (those belong to `ray job submit`): Ray's own CLI takes `--address=…` for the config file and fails,
    in a cluster as here. The argument reaches it as written."""
    block = find("Integration with Ray", "yaml", under="Argo Workflows")
    code, wf = _run(plat, _write(tmp_path / "ray-training.yaml", wrap(block.text, name="ray-training")))
    (pod,) = _pods(wf)
    assert code == 1 and pod["phase"] == "Failed" and "Error (exit code" in pod["message"]
    assert "'--address=ray-head.ml-platform:10001'" in _log(plat, wf)


# -- Integration with MLFlow (the Argo step) -------------------------------------------------------------------


def test_train_and_log_fragment_logs_to_the_local_mlflow(plat: Platform, tmp_path: Path) -> None:
    block = find("Integration with MLFlow", "yaml", under="Argo Workflows")
    doc = wrap(block.text, template_defaults=pseudocode_defaults(), name="train-and-log")
    code, wf = _run(plat, _write(tmp_path / "train-and-log.yaml", doc))
    assert (code, wf["status"]["phase"]) == (0, "Succeeded"), _log(plat, wf)
    # MLFLOW_TRACKING_URI: http://mlflow.ml-platform:5000 reached the MLflow of `argento up`.
    (pod,) = _pods(wf)
    outputs = {p["name"]: p["value"] for p in pod["outputs"]["parameters"]}
    assert outputs["mlflow-run-url"].startswith(plat.mlflow)
    run = httpx.get(
        f"{plat.mlflow}/api/2.0/mlflow/runs/get", params={"run_id": outputs["mlflow-run-id"]}, timeout=30
    ).json()["run"]
    assert {p["key"]: p["value"] for p in run["data"]["params"]} == {"epochs": "10"}
    assert {m["key"]: m["value"] for m in run["data"]["metrics"]} == {"accuracy": 0.95}
    models = httpx.post(
        f"{plat.mlflow}/api/2.0/mlflow/logged-models/search",
        json={"experiment_ids": [run["info"]["experiment_id"]]},
        timeout=30,
    ).json()
    assert any(m["info"].get("source_run_id") == run["info"]["run_id"] for m in models.get("models") or [])


# -- Artifact Management ---------------------------------------------------------------------------------------


def test_save_artifact_fragment_fails_as_in_argo(plat: Platform, tmp_path: Path) -> None:
    """The step prints and never writes /workspace/model.pkl, so saving the output fails — in Argo too (its
    executor: "<path> no such file or directory"). The MinIO endpoint and its secrets are not the problem: the
    endpoint means the local artifact repository, which needs no credentials."""
    block = find("Artifact Management", "yaml")
    code, wf = _run(plat, _write(tmp_path / "save-artifact.yaml", wrap(block.text, name="save-artifact")))
    (pod,) = _pods(wf)
    assert code == 1 and pod["phase"] == "Error"
    assert pod["message"] == "/workspace/model.pkl no such file or directory"


def test_minio_endpoint_means_the_local_repository(plat: Platform, tmp_path: Path) -> None:
    """Not a block of the guide: its artifact template with a step that does write the file. The artifact lands
    in the local repository under the bucket/key the manifest names, with no secret in the store."""
    template = yaml.safe_load(find("Artifact Management", "yaml").text)
    template[0]["container"]["args"] = [
        "import os; os.makedirs('/workspace', exist_ok=True); open('/workspace/model.pkl', 'w').write('weights')"
    ]
    code, wf = _run(
        plat, _write(tmp_path / "save-artifact.yaml", wrap(yaml.safe_dump(template), name="save"))
    )
    assert (code, wf["status"]["phase"]) == (0, "Succeeded"), wf["status"].get("message")
    stored = plat.home / "artifacts" / "argo-workflows" / "models" / wf["metadata"]["name"] / "model.pkl"
    assert stored.is_file()
    out = tmp_path / "model.pkl"
    proc = argento(
        "artifacts", "get", wf["metadata"]["name"], "--name", "model", "--to", str(out), env=plat.env
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "weights"


# -- Workflow Templates ----------------------------------------------------------------------------------------


def test_workflow_template_placeholder_is_rejected_as_argo_does(plat: Platform, tmp_path: Path) -> None:
    """`# ... templates ...` leaves `train-job` undefined: Argo's validation refuses the template, so does ours."""
    file = _write(tmp_path / "template.yaml", find("Workflow Templates", "yaml").text)
    lint = argento("lint", str(file), env=plat.env)
    assert lint.returncode == 1 and "template name 'train-job' undefined" in lint.stdout
    create = argento("template", "create", str(file), env=plat.env)
    assert create.returncode == 1
    assert create.stderr.startswith("error: ") and "'train-job' undefined" in create.stderr


# -- Complete ML Pipeline Example, and "Workflow Not Starting" -------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(plat: Platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The guide's train → evaluate → deploy Workflow, submitted with its folder (train.py, evaluate.py)."""
    folder = tmp_path_factory.mktemp("pipeline")
    _write(folder / "ml-pipeline.yaml", find("Workflow: Train → Evaluate → Deploy", "yaml").text)
    _write(folder / "train.py", TRAIN_PY)
    _write(folder / "evaluate.py", EVALUATE_PY)
    proc = argento(
        "submit",
        "ml-pipeline.yaml",
        "--workdir",
        ".",
        "--wait",
        "-o",
        "json",
        env=plat.env,
        cwd=folder,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    return json.loads(proc.stdout[proc.stdout.index("{") :])


@pytest.mark.timeout(900)
def test_complete_pipeline_trains_evaluates_deploys_and_serves(
    plat: Platform, pipeline: dict[str, Any]
) -> None:
    assert pipeline["metadata"]["namespace"] == "mlops"
    assert pipeline["status"]["phase"] == "Succeeded"
    nodes = {n["displayName"]: n for n in pipeline["status"]["nodes"].values()}
    assert nodes["evaluate"]["outputs"]["result"] == "success"
    assert nodes["deploy"]["phase"] == "Succeeded"  # `bentoml deploy` in bentoml/bentoml:latest
    deployment = plat.wait_deployment("my-model")
    assert deployment["namespace"] == "mlops"  # the step's namespace
    answer = plat.predict("my-model", {"features": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]})
    assert answer == {"predictions": [0, 2]}


@pytest.mark.timeout(900)
def test_troubleshooting_workflow_not_starting(plat: Platform, pipeline: dict[str, Any]) -> None:
    """The guide's `kubectl get workflows -n mlops`, `argo logs <workflow-name> -n mlops` and
    `kubectl describe pod <pod-name> -n mlops`, as their Argento equivalents (docs/migration.md)."""
    block = find("Workflow Not Starting", "bash")
    assert [line.split()[:3] for line in block.text.splitlines() if line and not line.startswith("#")] == [
        ["kubectl", "get", "workflows"],
        ["argo", "logs", "<workflow-name>"],
        ["kubectl", "describe", "pod"],
    ]
    name = pipeline["metadata"]["name"]
    listed = argento("list", "-n", "mlops", env=plat.env)
    assert listed.returncode == 0 and name in listed.stdout and "Succeeded" in listed.stdout
    logs = argento("logs", name, "-n", "mlops", env=plat.env)
    assert logs.returncode == 0 and "success" in logs.stdout
    evaluate = next(n for n in pipeline["status"]["nodes"].values() if n["displayName"] == "evaluate")
    pod = next(line.split(":")[0] for line in logs.stdout.splitlines() if line.endswith(": success"))
    described = argento("describe", "pod", pod, "-n", "mlops", env=plat.env)
    assert described.returncode == 0, described.stderr
    assert f"Name:         {pod}" in described.stdout and "Status:       Succeeded" in described.stdout
    assert "Image:      python:3.11" in described.stdout and "evaluate.py" in described.stdout
    assert f"workflows.argoproj.io/node-id={evaluate['id']}" in described.stdout
    # Without -n, the pod is found in the namespace it is in; with a wrong -n, the error says where to look.
    assert argento("describe", "pod", pod, env=plat.env).returncode == 0
    wrong = argento("describe", "pod", pod, "-n", "argo", env=plat.env)
    assert wrong.returncode == 2 and 'not found in namespace "argo"' in wrong.stderr
