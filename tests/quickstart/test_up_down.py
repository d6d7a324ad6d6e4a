"""`argento up` / `argento down` with the Argento server (MLflow's start is covered by the quickstart test)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from argento.tracking.server import pid_is


def _env(home: Path) -> tuple[dict[str, str], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return {**os.environ, "ARGENTO_HOME": str(home), "ARGENTO_SERVER": f"http://127.0.0.1:{port}"}, port


def _argento(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "argento", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_up_detached_then_down(argento_home: Path) -> None:
    env, port = _env(argento_home)
    proc = _argento("up", "-d", "--no-mlflow", "--port", str(port), "-o", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    state = json.loads(proc.stdout)
    pid = state["server"]["pid"]
    assert state["server"]["url"] == f"http://127.0.0.1:{port}" and state["server"]["rss_bytes"] > 0
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    assert json.loads((argento_home / "up.json").read_text())["server"]["pid"] == pid
    # Up again: nothing new is started.
    again = _argento("up", "-d", "--no-mlflow", "--port", str(port), "-o", "json", env=env)
    assert json.loads(again.stdout)["server"]["pid"] == pid
    down = _argento("down", env=env)
    assert down.returncode == 0 and "stopped Argento server" in down.stderr
    assert not pid_is(pid, "argento") and not (argento_home / "up.json").exists()
    assert "nothing was running" in _argento("down", env=env).stderr


def test_up_in_the_foreground_stops_everything_on_ctrl_c(argento_home: Path) -> None:
    env, port = _env(argento_home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "argento", "up", "--no-mlflow", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not (argento_home / "up.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = json.loads((argento_home / "up.json").read_text())["server"]["pid"]
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Argento is up" in out and f"http://127.0.0.1:{port}" in out
    assert "stopped Argento server" in err
    assert not pid_is(pid, "argento") and not (argento_home / "up.json").exists()


def test_up_without_anything_to_start_fails_clearly(argento_home: Path) -> None:
    env, _ = _env(argento_home)
    proc = _argento("up", "--no-mlflow", "--no-server", env=env)
    assert proc.returncode == 1 and proc.stderr.startswith("error: nothing to start")


def test_up_passes_the_auth_mode_to_the_server(argento_home: Path) -> None:
    """Issue 14 item 8: `argento up --host 0.0.0.0` could not be given `--auth-mode client`."""
    env, port = _env(argento_home)
    refused = _argento("up", "-d", "--no-mlflow", "--host", "0.0.0.0", "--port", str(port), env=env)
    assert refused.returncode == 1 and "refusing to bind 0.0.0.0 without authentication" in refused.stderr
    assert not (argento_home / "up.json").exists()
    proc = _argento(
        "up", "-d", "--no-mlflow", "--auth-mode", "client", "--port", str(port), "-o", "json", env=env
    )
    try:
        assert proc.returncode == 0, proc.stderr
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{url}/api/v1/workflows/argo", timeout=5).status_code == 401
    finally:
        assert _argento("down", env=env).returncode == 0
