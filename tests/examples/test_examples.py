"""Every example of examples/ that can run here runs; the others are linted or compiled (SPEC §7)."""

from __future__ import annotations

import json
import os
import py_compile
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _argo_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*.yaml") if "argoproj.io/" in p.read_text())


def _argento(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "argento", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def test_every_workflow_example_lints() -> None:
    files = _argo_files()
    assert {p.name for p in files} >= {
        "hello-dag.yaml",
        "mlflow-train.yaml",
        "s3-artifacts.yaml",
        "workflow-template.yaml",
        "from-template.yaml",
        "train-evaluate-deploy.yaml",
    }
    proc = _argento("lint", *map(str, files))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_python_example_compiles() -> None:
    for path in EXAMPLES.rglob("*.py"):
        py_compile.compile(str(path), doraise=True)


@pytest.mark.parametrize(
    ("example", "extra"),
    [("hello-dag.yaml", []), ("from-template.yaml", ["--templates", "examples/workflow-template.yaml"])],
)
def test_examples_run_without_a_server(example: str, extra: list[str], argento_home: Path) -> None:
    proc = _argento("run", f"examples/{example}", *extra, "-o", "json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["status"]["phase"] == "Succeeded"


def test_mlflow_train_example_logs_a_registered_model(argento_home: Path) -> None:
    pytest.importorskip("mlflow")
    # No server: a store in the home's mlflow/ folder, which steps see (not the rest of the home).
    (argento_home / "mlflow").mkdir(exist_ok=True)
    store = f"sqlite:///{argento_home / 'mlflow' / 'mlflow.db'}"
    proc = _argento(
        "run",
        "examples/mlflow-train.yaml",
        "-p",
        "C=0.5",
        "-o",
        "json",
        env={**os.environ, "MLFLOW_TRACKING_URI": store},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
    version = client.get_model_version_by_alias("iris", "candidate")
    assert client.get_run(version.run_id).data.params["C"] == "0.5"


def test_model_store_examples(argento_home: Path) -> None:
    env = {**os.environ, "ARGENTO_HOME": str(argento_home)}
    for script in ("train_iris.py", "model_versions.py"):
        proc = subprocess.run(
            [sys.executable, f"examples/{script}"],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert "production predicts 0" in proc.stdout
    proc = _argento("build", "-f", "examples/argento.yaml", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "my-ml-service:" in proc.stdout


def _exported_metric_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "src" / "argento").rglob("*.py"):
        names |= set(re.findall(r"\b((?:argo_workflows|argento)_[a-z_]+)\b", path.read_text()))
    return names | {n + "_total" for n in names} | {n + "_bucket" for n in names}


def test_grafana_dashboard_uses_metrics_argento_exports() -> None:
    dashboard = json.loads((EXAMPLES / "monitoring" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {m for e in exprs for m in re.findall(r"\b((?:argo_workflows|argento)_[a-z_]+)\b", e)}
    assert used and used <= _exported_metric_names(), used - _exported_metric_names()
    assert any(m.startswith("argo_workflows_") for m in used) and any(
        m.startswith("argento_service_") for m in used
    )
    prometheus = yaml.safe_load((EXAMPLES / "monitoring" / "prometheus.yml").read_text())
    assert prometheus["scrape_configs"][0]["static_configs"][0]["targets"] == ["127.0.0.1:2746"]


USER_DOCS = [
    "install",
    "quickstart",
    "pipelines",
    "images",
    "serving",
    "deployments",
    "tracking",
    "scaling",
    "operations",
    "migration",
    "troubleshooting",
]


@pytest.mark.parametrize("page", USER_DOCS)
def test_docs_name_only_real_commands_and_files(page: str) -> None:
    from argento.cli.main import COMMANDS

    text = (REPO / "docs" / f"{page}.md").read_text()
    used = set(re.findall(r"\bargento ([a-z][a-z-]+)", text))
    assert used <= set(COMMANDS), used - set(COMMANDS)
    for path in re.findall(r"\b(examples/[\w./-]+\.(?:ya?ml|py|json))", text):
        assert (REPO / path).exists(), path
