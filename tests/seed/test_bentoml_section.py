"""The guide's "BentoML / Yatai" blocks, as written, with ``import bentoml`` resolving to Argento's compatibility
layer (the real BentoML is not installed here), on one ``argento up`` (server + MLflow).

- ``service.py``, ``build_bento.py`` and ``deploy.py`` are files: written unedited, served / run in their folder.
  ``build_bento.py`` uses ``MyMLService`` without importing it, so it runs with ``service.py``'s names in scope
  (``runpy.run_path(init_globals=…)``), as running both in one session would.
- The unnamed snippets (MLflow, Ray, model versioning) run in order in one Python session, as pasted into one
  interpreter: the Ray snippet uses ``bentoml`` and ``model`` from the MLflow one. What they presuppose exists
  first: a registered MLflow model ``my-model`` in stage Production, a stored version ``my-model:v1.0.0``.
- The global ``model`` and ``data_chunks`` the blocks leave undefined come from tests/seed/pseudocode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from seed_guide import PSEUDOCODE, Platform, argento, find, free_port, platform

pytestmark = pytest.mark.slow

#: What the MLflow and model-versioning snippets presuppose: MLflow's registered `my-model` in stage Production
#: and a stored `my-model:v1.0.0` (run before the session, in the same environment).
PRESUPPOSED = """\
import warnings
warnings.filterwarnings("ignore")
import argento, mlflow, mlflow.sklearn
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

features, target = load_iris(return_X_y=True)
with mlflow.start_run():
    info = mlflow.sklearn.log_model(LogisticRegression(max_iter=500).fit(features, target), name="model")
version = mlflow.register_model(info.model_uri, "my-model").version
MlflowClient().transition_model_version_stage("my-model", version, "Production")
argento.sklearn.save_model("my-model", LogisticRegression(max_iter=200).fit(features, target), version="v1.0.0")
"""
#: Runs files in order in one namespace, like one interactive session, then prints what the session holds. With
#: CALL_RAY, the Ray service is used right after its snippet defines it (the next snippet rebinds `model`).
SESSION = """\
import json, os, sys
session = {"__name__": "__main__"}
out = {}
for path in sys.argv[1:]:
    exec(compile(open(path).read(), path, "exec"), session)
    if "CALL_RAY" in os.environ and "RayMLService" in session and "ray" not in out:
        out["ray"] = session["RayMLService"]().predict({})
out["names"] = sorted(k for k in session if not k.startswith("__"))
print(json.dumps(out, default=lambda v: v.tolist()))
"""


@pytest.fixture(scope="module")
def plat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("seed-bentoml") / "home") as p:
        yield p


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """service.py, build_bento.py and deploy.py as the guide writes them."""
    folder = tmp_path_factory.mktemp("project")
    for heading, file in (
        ("1. Define Service", "service.py"),
        ("2. Build Bento", "build_bento.py"),
        ("3. Deploy to Kubernetes", "deploy.py"),
    ):
        block = find(heading, "python")
        assert block.text.startswith(f"# {file}\n"), block
        (folder / file).write_text(block.text)
    return folder


def _exec(
    plat: Platform, *command: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return argento("exec", "--", *command, env={**plat.env, **(env or {})}, cwd=cwd, timeout=timeout)


def test_import_bentoml_is_the_compatibility_layer(plat: Platform, project: Path) -> None:
    proc = _exec(
        plat, "python", "-c", "import bentoml, sys; print(bentoml.__version__, bentoml.__file__)", cwd=project
    )
    assert proc.returncode == 0, proc.stderr
    assert "+argento" in proc.stdout and "/argento/compat/site/bentoml/" in proc.stdout


def test_service_serves_as_written(plat: Platform, project: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "argento", "serve", "service:MyMLService", "--port", str(port)],
        cwd=project,
        env=plat.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "argento serve did not become ready"
            time.sleep(0.2)
        rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
        assert httpx.post(f"{url}/predict", json={"features": rows}).json() == {"prediction": [0, 2]}
        assert httpx.post(f"{url}/predict_batch", json=rows).json() == [0, 2]
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def built(plat: Platform, project: Path) -> dict[str, object]:
    code = "import runpy, service; runpy.run_path('build_bento.py', init_globals=vars(service), run_name='__main__')"
    proc = _exec(plat, "python", "-c", code, cwd=project)
    assert proc.returncode == 0, proc.stderr
    listed = argento("bentos", "list", "my-ml-service", "-o", "json", env=plat.env)
    (bento,) = json.loads(listed.stdout)
    return bento


def test_build_bento_builds_my_ml_service(built: dict[str, object]) -> None:
    assert str(built["tag"]).startswith("my-ml-service:")
    assert built["service"] == "service:MyMLService"


@pytest.fixture(scope="module")
def deployed(plat: Platform, project: Path, built: dict[str, object]) -> dict[str, object]:
    proc = _exec(plat, "python", "deploy.py", cwd=project)
    assert proc.returncode == 0, proc.stderr
    return plat.wait_deployment("my-ml-service")


@pytest.mark.timeout(600)
def test_yatai_client_deploys_into_the_namespace_given(plat: Platform, deployed: dict[str, object]) -> None:
    assert deployed["namespace"] == "ml-platform"
    assert deployed["spec"]["replicas"] == 2  # type: ignore[index]
    assert plat.predict("my-ml-service", {"features": [[6.7, 3.0, 5.2, 2.3]]}) == {"prediction": [2]}


@pytest.mark.timeout(600)
def test_troubleshooting_deployment_issues(plat: Platform, deployed: dict[str, object]) -> None:
    """The guide's `kubectl logs -n ml-platform -l app=yatai`, `kubectl get deployments -n ml-platform` and
    `kubectl get endpoints -n ml-platform`, as their Argento equivalents (docs/migration.md)."""
    block = find("BentoML Deployment Issues", "bash")
    assert [line.split()[:3] for line in block.text.splitlines() if line and not line.startswith("#")] == [
        ["kubectl", "logs", "-n"],
        ["kubectl", "get", "deployments"],
        ["kubectl", "get", "endpoints"],
    ]
    logs = argento("platform", "logs", "yatai", env=plat.env)
    assert logs.returncode == 0 and f"argento server on {plat.server}" in logs.stdout
    listed = argento("deployments", "list", "-n", "ml-platform", env=plat.env)
    assert listed.returncode == 0
    assert any(
        line.split()[:5] == ["my-ml-service", "ml-platform", "Available", "2/2", "main=100%"]
        for line in listed.stdout.splitlines()
    )
    endpoints = argento("deployments", "endpoints", "-n", "ml-platform", "-o", "json", env=plat.env)
    (row,) = json.loads(endpoints.stdout)
    assert row["name"] == "my-ml-service" and len(row["endpoints"]) == 2
    assert row["gateway"] == f"{plat.server}/deployments/my-ml-service"
    assert argento("deployments", "list", "-n", "mlops", "-o", "json", env=plat.env).stdout.strip() == "[]"


def _session_files(folder: Path) -> list[str]:
    names = []
    for heading, under, file in (
        ("Integration with MLFlow", "BentoML / Yatai", "mlflow_snippet.py"),
        ("Integration with Ray", "BentoML / Yatai", "ray_snippet.py"),
        ("Model Versioning", None, "versioning_snippet.py"),
    ):
        (folder / file).write_text(find(heading, "python", under=under).text)
        names.append(file)
    (folder / "presupposed.py").write_text(PRESUPPOSED)
    (folder / "session.py").write_text(SESSION)
    return names


@pytest.mark.timeout(900)
def test_mlflow_ray_and_versioning_snippets_in_one_session(plat: Platform, tmp_path: Path) -> None:
    files = _session_files(tmp_path)
    setup = _exec(plat, "python", "presupposed.py", cwd=tmp_path)
    assert setup.returncode == 0, setup.stderr
    proc = _exec(plat, "python", "session.py", *files, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = json.loads(proc.stdout.strip().splitlines()[-1])["names"]
    assert {"bentoml", "mlflow", "ray", "model", "svc", "RayMLService"} <= set(names)
    # bentoml.sklearn.save_model + bentoml.deploy("my-model", platform="yatai"): served from the model store.
    assert plat.wait_deployment("my-model")["namespace"] == "argo"
    assert plat.predict("my-model", {"features": [[5.1, 3.5, 1.4, 0.2]]}) == {"predictions": [0]}
    # bentoml.models.tag("my-model:latest", "production"): the alias points at the newest version.
    models = json.loads(argento("models", "list", "my-model", "-o", "json", env=plat.env).stdout)
    newest = max(models, key=lambda m: m["created_at"])
    assert {m["version"] for m in models} >= {"v1.0.0"} and newest["version"] != "v1.0.0"
    assert "production" in (newest.get("aliases") or [])


@pytest.mark.timeout(900)
def test_ray_service_distributes_in_a_private_network_namespace(tmp_path: Path) -> None:
    """The Ray snippet's predict() starts Ray (ray.remote/ray.get): Ray runs only in a private network namespace
    here, so the whole session — its own `argento up`, MLflow, the snippets, the call — runs inside one."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("a private network namespace needs root, unshare(1) and ip(8)")
    pytest.importorskip("ray")
    files = _session_files(tmp_path)
    script = tmp_path / "inside.py"
    script.write_text(f"""\
import json, subprocess, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from seed_guide import argento, platform
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
with platform(Path({str(tmp_path / "home")!r})) as plat:
    env = {{**plat.env, "CALL_RAY": "1"}}
    assert argento("exec", "--", "python", "presupposed.py", env=env, cwd={str(tmp_path)!r}).returncode == 0
    proc = argento("exec", "--", "python", "session.py", *{files!r}, env=env, cwd={str(tmp_path)!r}, timeout=600)
    print(proc.stdout[-2000:]); print(proc.stderr[-3000:], file=sys.stderr)
code = proc.returncode
sys.path.insert(0, {str(Path(__file__).parents[1] / "ray")!r})
from netns import leftovers  # every other process of this namespace was started here and must be gone
import os, signal, time
deadline = time.monotonic() + 30
while (left := leftovers()) and time.monotonic() < deadline:
    time.sleep(0.5)
for pid, cmd in left.items():
    print(f"leftover {{pid}} {{cmd}}", file=sys.stderr)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
sys.exit(code or (3 if left else 0))
""")
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(tmp_path), "PYTHONPATH": str(PSEUDOCODE)}
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=840,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # model: MLflow's my-model (block "Integration with MLFlow"); data_chunks: one row, then two.
    assert result["ray"] == {"predictions": [[0], [2, 1]]}
