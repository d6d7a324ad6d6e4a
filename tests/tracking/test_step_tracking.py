"""Steps get MLFLOW_TRACKING_URI (and Argento's variables); the run a step creates lands on its node."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from argento.config import Settings
from argento.tracking.steps import RUN_ID_PARAM, RUN_URL_PARAM, TAG_NODE_ID, StepPlatform

REPO = Path(__file__).resolve().parents[2]

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: tracked-
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: train, template: train}
          - {name: plain, template: plain}
          - {name: own-uri, template: own-uri}
    - name: train
      script:
        image: python:3.11
        command: [python]
        source: |
          import os, mlflow
          mlflow.set_experiment("step-tracking")
          with mlflow.start_run() as run:
              mlflow.log_param("alpha", 0.5)
              mlflow.log_metric("accuracy", 0.97)
              with mlflow.start_run(nested=True):
                  mlflow.log_metric("fold", 1)
          print(run.info.run_id)
          print(os.environ["ARGENTO_HOME"])
    - name: plain
      container:
        image: busybox
        command: [sh, -c, 'echo "$MLFLOW_TRACKING_URI"']
    - name: own-uri
      container:
        image: busybox
        command: [sh, -c, 'echo "$MLFLOW_TRACKING_URI"']
        env: [{name: MLFLOW_TRACKING_URI, value: "http://elsewhere:5000"}]
"""


def _run(tmp_path: Path, home: Path) -> dict:
    manifest = tmp_path / "wf.yaml"
    manifest.write_text(WORKFLOW)
    proc = subprocess.run(
        [sys.executable, "-m", "argento.cli.main", "run", str(manifest), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_a_step_that_logs_to_mlflow_gets_its_run_id_on_its_node(tmp_path: Path, tracked_home: Path, mlflow_server) -> None:
    import mlflow

    wf = _run(tmp_path, tracked_home)
    nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    train = nodes["train"]
    params = {p["name"]: p["value"] for p in train["outputs"]["parameters"]}
    lines = train["outputs"]["result"].splitlines()
    run_id, step_home = lines[-2], lines[-1]
    assert params[RUN_ID_PARAM] == run_id  # the top-level run, not the nested one
    assert params[RUN_URL_PARAM] == f"{mlflow_server.url}/#/experiments/{mlflow.get_experiment_by_name('step-tracking').experiment_id}/runs/{run_id}"
    assert step_home == str(tracked_home)
    run = mlflow.get_run(run_id)
    assert run.data.tags[TAG_NODE_ID] == train["id"]
    assert run.data.tags["argento.workflow"] == wf["metadata"]["name"]
    assert run.data.params == {"alpha": "0.5"} and run.data.metrics["accuracy"] == 0.97
    # A step that creates no run gets no parameter; a step's own MLFLOW_TRACKING_URI wins.
    assert "parameters" not in nodes["plain"]["outputs"]
    assert nodes["plain"]["outputs"].get("exitCode") == "0"
    assert mlflow_server.url in (Path(tracked_home) / "runs" / wf["metadata"]["name"]).joinpath(
        _pod_dir(wf, nodes["plain"]), "main.log"
    ).read_text()
    assert "http://elsewhere:5000" in (Path(tracked_home) / "runs" / wf["metadata"]["name"]).joinpath(
        _pod_dir(wf, nodes["own-uri"]), "main.log"
    ).read_text()


def _pod_dir(wf: dict, node: dict) -> str:
    from argento.cli.tree import pod_name

    return pod_name(wf, node)


def test_argento_get_summary_links_the_runs(tmp_path: Path, tracked_home: Path) -> None:
    from argento.cli.tree import mlflow_runs, render_summary

    wf = _run(tmp_path, tracked_home)
    runs = mlflow_runs(wf)
    assert [step for step, _ in runs] == ["train"]
    assert "MLflow runs:" in render_summary(wf)


class _Run:
    name = "wf-1"
    workflow = {"metadata": {"name": "wf-1", "namespace": "argo"}}


class _Node:
    id = "wf-1-123"
    name = "wf-1.train"
    display_name = "train"


def test_without_a_tracking_server_steps_get_only_argento_variables(settings: Settings) -> None:
    platform = StepPlatform.from_settings(settings)
    env = platform.env(_Run(), _Node())  # type: ignore[arg-type]
    assert env == {
        "ARGENTO_HOME": str(settings.home),
        "ARGENTO_SERVER": settings.server,
        "ARGENTO_NAMESPACE": "argo",  # the workflow's (a deployment the step makes lands beside it)
        "ARGENTO_PYTHON": sys.executable,  # runs the `bentoml` command of the compatibility layer
    }


def test_run_context_tags_and_s3_endpoint(settings: Settings) -> None:
    s = Settings.from_env(
        {
            "ARGENTO_HOME": str(settings.home),
            "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
            "ARGENTO_ARTIFACT_REPOSITORY": "s3://bucket?endpoint=minio:9000&insecure=true",
        }
    )
    platform = StepPlatform.from_settings(s)
    env = platform.env(_Run(), _Node())  # type: ignore[arg-type]
    assert env["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:9"
    assert json.loads(env["MLFLOW_RUN_CONTEXT"]) == {
        "argento.node_id": "wf-1-123",
        "argento.workflow": "wf-1",
        "argento.namespace": "argo",
        "argento.node_name": "train",
    }
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert "AWS_ACCESS_KEY_ID" not in env


def test_an_unreachable_tracking_server_never_fails_a_step(settings: Settings) -> None:
    import asyncio

    platform = StepPlatform(settings, tracking_uri="http://127.0.0.1:9", timeout=0.5)
    assert asyncio.run(platform.outputs(_Run(), _Node())) == []  # type: ignore[arg-type]
