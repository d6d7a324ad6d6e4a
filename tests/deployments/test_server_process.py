"""Deployments of a real ``argento server`` process: stopping it stops their replicas (issue 17.5) unless
``--keep-deployments``, and a deployment's own gateway port asks for a token in client auth mode (issue 14.8)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from deploy_support import free_port, write_service
from serverconf import ServerProcess

from argento.cli.main import cli
from argento.procs import running


def _deploy(server: ServerProcess, svc: Path, headers: dict[str, str], **extra: Any) -> list[int]:
    body = {"name": "web", "replicas": 2, "service": "tinysvc:Tiny", "working_dir": str(svc), **extra}
    r = httpx.post(f"{server.url}/api/v1/deployments", json=body, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    r = httpx.get(
        f"{server.url}/api/v1/deployments/web/wait", params={"timeout": 60}, headers=headers, timeout=70
    )
    assert r.status_code == 200, r.text
    return [rep["pid"] for rep in r.json()["status"]["replicas"]]


def _stop(server: ServerProcess, sig: signal.Signals) -> str:
    """Send ``sig`` (SIGTERM, or SIGINT as Ctrl-C does) and wait for the server to exit; returns its log."""
    assert server.proc is not None
    server.proc.send_signal(sig)
    try:
        server.proc.wait(40)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
        raise
    return server.log.read_text()


def _gone(pids: list[int], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(running(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_sigterm_stops_the_replicas_and_the_own_port_needs_a_token(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    created = CliRunner().invoke(
        cli, ["auth", "token", "create", "--name", "ops"], env={"ARGENTO_HOME": str(home)}
    )
    assert created.exit_code == 0, created.output
    auth = {"Authorization": f"Bearer {created.stdout.strip()}"}
    svc = write_service(tmp_path / "svc")
    port = free_port()
    server = ServerProcess(home, "--auth-mode", "client").start()
    try:
        pids = _deploy(server, svc, auth, gateway_port=port)
        own = f"http://127.0.0.1:{port}"
        r = httpx.post(f"{own}/predict", json={"x": 2})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"  # before: 200, no token
        assert httpx.get(f"{own}/metrics").status_code == 401
        assert (
            httpx.post(f"{own}/predict", json={"x": 2}, headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        assert httpx.post(f"{own}/predict", json={"x": 2}, headers=auth).json()["y"] == 4.0
        # The UI's session cookie is not a credential here: a browser sends it to every port of the host, so
        # any page on localhost could use it (the own port has no anti-CSRF token).
        cookie = {"Cookie": "authorization=" + auth["Authorization"].replace(" ", "%20")}
        assert httpx.post(f"{own}/predict", json={"x": 2}, headers=cookie).status_code == 401
        assert httpx.get(f"{own}/readyz").status_code == 200  # health probes stay open, as /healthz is
        assert httpx.post(f"{server.url}/deployments/web/predict", json={}).status_code == 401
        assert all(running(pid) for pid in pids)
        log = _stop(server, signal.SIGTERM)
    finally:
        server.stop()
    assert _gone(pids), "the replicas outlived their server"  # before: orphaned, still listening
    assert "keep serving" not in log


def test_keep_deployments_leaves_them_serving_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    svc = write_service(tmp_path / "svc")
    server = ServerProcess(home, "--keep-deployments").start()
    try:
        pids = _deploy(server, svc, {})
        log = _stop(server, signal.SIGINT)  # Ctrl-C
    finally:
        server.stop()
    try:
        assert all(running(pid) for pid in pids)
        assert "2 replica(s) keep serving; `argento down` stops them" in log
    finally:
        down = CliRunner().invoke(cli, ["down"], env={"ARGENTO_HOME": str(home)})
        assert down.exit_code == 0, down.output
    assert "stopped 2 deployment replica process(es)" in down.output
    assert _gone(pids)


def test_up_and_down_keep_deployments_still_keeps_them(tmp_path: Path) -> None:
    """`argento up` starts its server with --keep-deployments: `argento down` decides (it stops the replicas
    after the server, or keeps them with --keep-deployments) — the server must not stop them on its own."""
    import os
    import sys

    home = tmp_path / "home"
    home.mkdir()
    svc = write_service(tmp_path / "svc")
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}
    env = {**inherited, "ARGENTO_HOME": str(home), "ARGENTO_SERVER": f"http://127.0.0.1:{port}"}

    def argento(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "argento", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)

    up = argento("up", "-d", "--no-mlflow", "--port", str(port))
    assert up.returncode == 0, up.stderr
    server = ServerProcess(home)
    server.url = f"http://127.0.0.1:{port}"
    try:
        pids = _deploy(server, svc, {})
        kept = argento("down", "--keep-deployments")
        assert kept.returncode == 0 and "stopped Argento server" in kept.stderr, kept.stderr
        assert all(running(pid) for pid in pids)
    finally:
        down = argento("down")
    assert "stopped 2 deployment replica process(es)" in down.stderr, down.stderr
    assert _gone(pids)
