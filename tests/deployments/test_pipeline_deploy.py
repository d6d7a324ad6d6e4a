"""The seed's train → evaluate → deploy pipeline on `argento server`: the deploy step runs `argento deploy`
against the server whose URL the engine put in the step's environment (SPEC §1.3, §7)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from deploy_support import free_port

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("sklearn")


@pytest.mark.slow
def test_train_evaluate_deploy_end_to_end(argento_home: Path, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "ARGENTO_SERVER"}
    env["ARGENTO_HOME"] = str(argento_home)
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [sys.executable, "-m", "argento", "server", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "argento",
                "submit",
                str(REPO / "examples" / "train-evaluate-deploy.yaml"),
                "--server",
                url,
                "--wait",
                "-o",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
            cwd=tmp_path,
        )
        if run.returncode:
            logs = subprocess.run(
                [sys.executable, "-m", "argento", "logs", "@latest", "--server", url],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            pytest.fail(
                logs.stdout[-4000:] + logs.stderr[-2000:] + (tmp_path / "server.log").read_text()[-3000:]
            )
        wf = json.loads(run.stdout)
        nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
        assert nodes["evaluate"]["outputs"]["result"] == "success"
        assert nodes["deploy"]["phase"] == "Succeeded"
        view = httpx.get(f"{url}/api/v1/deployments/iris", timeout=10).json()
        assert view["status"]["converged"] and len(view["status"]["replicas"]) == 2
        assert view["spec"]["variants"][0]["bento"].startswith("iris-classifier:")
        answer = httpx.post(
            f"{url}/deployments/iris/predict", json={"features": [5.1, 3.5, 1.4, 0.2]}, timeout=10
        )
        assert answer.status_code == 200 and answer.json() == {"prediction": 0}
        assert (
            httpx.delete(f"{url}/api/v1/deployments/iris", params={"wait": "true"}, timeout=60).status_code
            == 200
        )
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        _kill_leftover_replicas(argento_home)


def _kill_leftover_replicas(home: Path) -> None:
    import signal

    try:
        rows = json.loads((home / "deployments" / "replicas.json").read_text())
    except (OSError, ValueError):
        return
    for row in rows:
        with contextlib.suppress(ProcessLookupError, PermissionError, KeyError, ValueError):
            os.killpg(int(row["pid"]), signal.SIGKILL)
