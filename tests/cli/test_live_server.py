"""The CLI client against a real ``argento server`` (a subprocess on 127.0.0.1 with its own ARGENTO_HOME).

Skipped, with the reason, while the ``server`` command is not available.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_support import HELLO, Run
from click.testing import CliRunner, Result

from argento.cli.main import COMMANDS, cli

FAILING = HELLO.replace("generateName: hello-", "generateName: failing-").replace(
    'command: [echo, "{{workflow.parameters.message}}"]', 'command: [sh, -c, "echo boom; exit 3"]'
)


def _server_missing() -> str:
    target = COMMANDS.get("server")
    if target is None:
        return "`argento server` is not registered in argento.cli.main.COMMANDS yet"
    module, attr = target.split(":")
    try:
        getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        return f"`argento server` cannot be imported yet ({exc})"
    return ""


pytestmark = pytest.mark.skipif(bool(_server_missing()), reason=_server_missing() or "server present")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a live ``argento server`` with a fresh home; stopped after the module."""
    home = tmp_path_factory.mktemp("live-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}
    env.update(ARGENTO_HOME=str(home), ARGENTO_SLEEP_SCALE="0.01")
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "argento.cli.main", "server", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"argento server exited with {proc.returncode}:\n{(home / 'server.log').read_text()}"
                )
            try:
                if httpx.get(f"{url}/api/v1/info", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"argento server did not answer within 30s:\n{(home / 'server.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def live(server: str, tmp_path: Path) -> Run:
    """``live("get", name)`` runs the CLI against the live server."""

    def invoke(*args: str) -> Result:
        env = {"ARGENTO_SERVER": server, "ARGENTO_TOKEN": None, "ARGENTO_NAMESPACE": None}
        env["ARGENTO_HOME"] = str(tmp_path)
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def _manifest(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_submit_wait_get_logs_list_delete(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "hello.yaml", HELLO)
    result = live("submit", path, "--wait", "-o", "json", "-p", "message=live-hello")
    assert result.exit_code == 0, result.output
    wf = json.loads(result.stdout)
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Succeeded"

    got = live("get", name)
    assert got.exit_code == 0 and "Succeeded" in got.stdout and "STEP" in got.stdout

    logs = live("logs", name)
    assert logs.exit_code == 0, logs.output
    assert any(line.endswith(": live-hello") for line in logs.stdout.splitlines()), logs.stdout

    listed = live("list", "-l", "app=demo", "-o", "name")
    assert name in listed.stdout.split()
    assert name not in live("list", "-l", "app=other", "-o", "name").stdout.split()

    assert live("delete", name).exit_code == 0
    assert live("get", name).exit_code == 2


def test_failing_workflow_exits_1(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "failing.yaml", FAILING)
    result = live("submit", path, "--wait")
    assert result.exit_code == 1, result.output
    assert "Failed at" in result.stdout or "Error at" in result.stdout
