"""The managed server: command line, state file, health, and stop by PID (the real server is the session's)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from argento import tracking
from argento.config import Settings
from argento.tracking import server as srv


def test_session_server_is_lean_and_recorded(mlflow_server: tracking.TrackingServer) -> None:
    assert mlflow_server.healthy()
    assert mlflow_server.alive()
    cmdline = Path(f"/proc/{mlflow_server.pid}/cmdline").read_bytes().split(b"\0")
    # One process (the launcher runs uvicorn in place), one worker, on loopback; no child processes.
    assert cmdline[2] == b"argento.tracking.launch" and cmdline[cmdline.index(b"--workers") + 1] == b"1"
    assert cmdline[cmdline.index(b"--host") + 1] == b"127.0.0.1"
    children = Path(f"/proc/{mlflow_server.pid}/task/{mlflow_server.pid}/children").read_text().split()
    assert children == []
    env = Path(f"/proc/{mlflow_server.pid}/environ").read_bytes().split(b"\0")
    assert b"MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false" in env and b"MLFLOW_DISABLE_TELEMETRY=true" in env
    # Steps reach it at 127.0.0.1 and localhost (--allowed-hosts).
    for host in ("127.0.0.1", "localhost"):
        resp = httpx.get(f"http://{host}:{mlflow_server.port}/health", timeout=5)
        assert resp.status_code == 200


def test_start_again_returns_the_running_server(mlflow_server: tracking.TrackingServer) -> None:
    home = Path(mlflow_server.log).parents[1]
    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    assert tracking.current(settings) == mlflow_server
    assert tracking.start(settings) == mlflow_server
    assert tracking.tracking_uri(settings) == mlflow_server.url


def test_artifacts_go_to_the_artifact_repository(mlflow_server: tracking.TrackingServer) -> None:
    home = Path(mlflow_server.log).parents[1]
    assert mlflow_server.artifacts == str(home / "artifacts" / "mlflow")


def test_command_line(settings: Settings) -> None:
    cmd = srv.command(settings, 5123, "/data/artifacts/mlflow")
    assert cmd[:4] == [sys.executable, "-m", "argento.tracking.launch", "server"]
    assert cmd[cmd.index("--backend-store-uri") + 1] == f"sqlite:///{settings.home}/mlflow/mlflow.db"
    assert cmd[cmd.index("--artifacts-destination") + 1] == "/data/artifacts/mlflow"
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "127.0.0.1:5123" in cmd[cmd.index("--allowed-hosts") + 1]


def test_s3_artifacts_and_endpoint(settings: Settings) -> None:
    s3 = Settings.from_env(
        {"ARGENTO_HOME": str(settings.home), "ARGENTO_ARTIFACT_REPOSITORY": "s3://bucket/pre?endpoint=127.0.0.1:9000&insecure=true&region=eu-west-1"}
    )
    dest, env = srv.artifacts_destination(s3)
    assert dest == "s3://bucket/pre/mlflow"
    assert env == {"MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_DEFAULT_REGION": "eu-west-1"}


def test_tracking_uri_prefers_the_environment(settings: Settings) -> None:
    assert tracking.tracking_uri(settings) == ""
    explicit = Settings.from_env({"ARGENTO_HOME": str(settings.home), "MLFLOW_TRACKING_URI": "http://mlflow:5000"})
    assert tracking.tracking_uri(explicit) == "http://mlflow:5000"


def test_stop_by_pid_ends_the_process_group_and_forgets_stale_state(settings: Settings) -> None:
    folder = settings.home / "mlflow"
    folder.mkdir(parents=True)
    # A stand-in whose command line names mlflow and which has a child in its group, as the real server may.
    proc = subprocess.Popen(
        [sys.executable, "-c", "import subprocess,sys,time; subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)']); time.sleep(60)", "mlflow"],
        start_new_session=True,
    )
    deadline = time.monotonic() + 5
    while b"mlflow" not in Path(f"/proc/{proc.pid}/cmdline").read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the fork has exec'd
    state = {"pid": proc.pid, "url": "http://127.0.0.1:1", "port": 1, "artifacts": "", "started_at": time.time()}
    (folder / "server.json").write_text(json.dumps(state))
    assert tracking.current(settings) is not None
    assert tracking.stop(settings, timeout=5)
    assert proc.wait(timeout=5) is not None
    assert not srv._group_alive(proc.pid)
    assert not (folder / "server.json").exists()
    assert tracking.stop(settings) is False
    # A recorded PID that is not an MLflow server (reused) is not trusted, and the record is dropped.
    (folder / "server.json").write_text(json.dumps({**state, "pid": 1}))
    assert tracking.current(settings) is None
    assert not (folder / "server.json").exists()


def test_start_without_free_port_fails_clearly(settings: Settings) -> None:
    pytest.importorskip("mlflow")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(Exception, match=f"port {port} is in use"):
            tracking.start(settings, port=port)
