"""``argento logs|get|list`` of runs made by ``argento run`` read them from ARGENTO_HOME when no server
answers, or when the server does not know the name (issue 17, item 9)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from cli_support import Run
from click.testing import CliRunner, Result

from argento.cli.main import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def offline(argento_home: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``argento`` with nothing listening at its server address."""
    monkeypatch.setenv("ARGENTO_SERVER", f"http://127.0.0.1:{_free_port()}")
    monkeypatch.delenv("ARGENTO_NAMESPACE", raising=False)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return invoke


@pytest.fixture
def local_run(offline: Run, hello: Path) -> str:
    result = offline("run", str(hello), "-o", "name")
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_logs_get_and_list_read_the_local_run(offline: Run, local_run: str, argento_home: Path) -> None:
    result = offline("logs", local_run)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{local_run}: hi\n"
    assert "no server answers at http://127.0.0.1:" in result.stderr
    assert str(argento_home / "runs") in result.stderr
    assert (
        offline("logs", "@latest", "-o", "json").stdout
        == json.dumps({"podName": local_run, "content": "hi"}) + "\n"
    )
    assert offline("logs", local_run, "--grep", "nothing-matches").stdout == ""
    stamped = offline("logs", local_run, "--timestamps").stdout
    assert re.fullmatch(rf"{local_run}: \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{9}}Z hi\n", stamped), stamped
    assert offline("logs", local_run, "--since", "1h").stdout == f"{local_run}: hi\n"

    got = offline("get", local_run, "-o", "json")
    assert got.exit_code == 0 and json.loads(got.stdout)["status"]["phase"] == "Succeeded"
    assert offline("get", "@latest", "-o", "name").stdout == f"{local_run}\n"
    assert offline("list", "-o", "name").stdout == f"{local_run}\n"
    assert offline("list", "--status", "Failed", "-o", "name").stdout == ""
    assert offline("list", "-l", "app=demo", "-o", "name").stdout == f"{local_run}\n"


def test_an_unknown_name_says_both_places(offline: Run, local_run: str) -> None:
    result = offline("logs", "nope-123")
    assert result.exit_code != 0
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: cannot reach the server at") and "no local run 'nope-123'" in line
    assert "Traceback" not in result.output


def test_a_server_that_does_not_know_the_run(run: Run, offline: Run, local_run: str) -> None:
    result = run("logs", local_run)  # the fake server answers, and has no such workflow
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{local_run}: hi\n"
    assert f"has no workflow {local_run}" in result.stderr
    assert run("get", "nope-123").exit_code != 0
