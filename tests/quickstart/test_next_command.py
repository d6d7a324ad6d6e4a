"""The command a message tells the user to run next works from where they are: after ``make demo`` the
running ``argento`` is ``.venv/bin/argento`` and none is on ``PATH`` (issue 17, item 4)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from argento.cli.prog import activate_hint, argento_command

SCRIPT = Path(sys.executable).parent / "argento"  # the console script of the environment under test


def _script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "argento").write_text("#!/bin/sh\n")
    (folder / "argento").chmod(0o755)
    (folder / "activate").write_text("")
    return folder / "argento"


def test_the_running_script_when_none_is_on_path(tmp_path: Path) -> None:
    script = _script(tmp_path / "proj" / ".venv" / "bin")
    here = tmp_path / "proj"
    assert argento_command(argv0=str(script), path_env="/usr/bin", cwd=here) == ".venv/bin/argento"
    assert activate_hint(argv0=str(script), path_env="/usr/bin", cwd=here) == "source .venv/bin/activate"
    assert argento_command(argv0=str(script), path_env="/usr/bin", cwd=tmp_path / "elsewhere") == str(script)


def test_plain_argento_when_the_one_on_path_is_this_one(tmp_path: Path) -> None:
    script = _script(tmp_path / "venv" / "bin")
    assert argento_command(argv0=str(script), path_env=str(script.parent), cwd=tmp_path) == "argento"
    assert activate_hint(argv0=str(script), path_env=str(script.parent), cwd=tmp_path) == ""
    other = _script(tmp_path / "other" / "bin")  # another installation's argento comes first on PATH
    assert argento_command(argv0=str(script), path_env=str(other.parent), cwd=tmp_path) == "venv/bin/argento"


def test_python_dash_m_when_no_script_runs(tmp_path: Path) -> None:
    assert (
        argento_command(argv0="-c", path_env="/nonexistent", cwd=tmp_path) == f"{sys.executable} -m argento"
    )


@pytest.mark.skipif(not SCRIPT.is_file(), reason=f"no argento console script at {SCRIPT}")
def test_up_prints_a_down_command_that_works(argento_home: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cwd = SCRIPT.parents[2]  # the folder holding .venv, as after `make demo`
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != str(SCRIPT.parent)
    )
    env = {
        **os.environ,
        "PATH": path,
        "ARGENTO_HOME": str(argento_home),
        "ARGENTO_SERVER": f"http://127.0.0.1:{port}",
    }
    env.pop("VIRTUAL_ENV", None)
    rel = os.path.relpath(SCRIPT, cwd)
    up = subprocess.run(
        [rel, "up", "-d", "--no-mlflow", "--port", str(port)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert up.returncode == 0, up.stderr
    m = re.search(r"Stop with `([^`]+)`", up.stdout)
    assert m is not None, up.stdout
    assert m.group(1) == f"{rel} down"
    down = subprocess.run(
        shlex.split(m.group(1)), cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert down.returncode == 0 and "stopped Argento server" in down.stderr
