"""A mistake in the user's service file is one line naming their file and line, for ``argento serve`` and
``argento build``; the traceback through Argento's internals only with ``--debug`` (issue 17, items 2, 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _argento(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARGENTO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "argento.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path, argento_home: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "service.py").write_text("import argento\nimport x\n\n\n@argento.service\nclass S:\n    pass\n")
    (root / "bad.py").write_text("import argento\ndef f(:\n")
    (root / "outer.py").write_text("import argento\nimport helper\n")
    (root / "helper.py").write_text("LIMIT = 1\nraise ValueError('LIMIT must be 2')\n")
    return root


@pytest.mark.parametrize(
    ("target", "line"),
    [
        ("service:S", "error: service.py:2: cannot import 'x': No module named 'x'"),
        ("bad:S", "error: bad.py:2: SyntaxError: invalid syntax"),
        ("outer:S", "error: helper.py:2: ValueError: LIMIT must be 2"),  # the innermost of the user's frames
    ],
)
def test_serve_reports_the_users_file_and_line(
    project: Path, argento_home: Path, target: str, line: str
) -> None:
    proc = _argento("serve", target, "--port", "0", cwd=project, home=argento_home)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [line]


def test_debug_shows_the_traceback(project: Path, argento_home: Path) -> None:
    proc = _argento("--debug", "serve", "service:S", "--port", "0", cwd=project, home=argento_home)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and 'service.py", line 2' in proc.stderr
    assert proc.stderr.splitlines()[-1] == "error: service.py:2: cannot import 'x': No module named 'x'"


def test_build_reports_the_users_file_and_line(project: Path, argento_home: Path) -> None:
    (project / "argento.yaml").write_text("service: service:S\n")
    proc = _argento("build", cwd=project, home=argento_home)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["error: service.py:2: cannot import 'x': No module named 'x'"]
    (project / "argento.yaml").write_text("service: bad:S\n")
    proc = _argento("build", cwd=project, home=argento_home)
    assert proc.stderr.splitlines() == ["error: bad.py:2: SyntaxError: invalid syntax"]


def test_an_unknown_bento_tag_is_said_so(project: Path, argento_home: Path) -> None:
    proc = _argento("serve", "nosuch-bento:latest", cwd=project, home=argento_home)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["error: bento nosuch-bento:latest not found (argento bentos list)"]
    proc = _argento("serve", "iris:20261126-101112-00ab", cwd=project, home=argento_home)
    assert proc.stderr.splitlines() == [
        "error: bento iris:20261126-101112-00ab not found (argento bentos list)"
    ]


def test_an_unknown_version_of_a_known_bento_is_said_so(project: Path, argento_home: Path) -> None:
    (project / "ok.py").write_text("import argento\n\n\n@argento.service(name='ok')\nclass Ok:\n    pass\n")
    (project / "argento.yaml").write_text("service: ok:Ok\nname: known\nversion: v1\n")
    assert _argento("build", cwd=project, home=argento_home).returncode == 0
    proc = _argento("serve", "known:v9", cwd=project, home=argento_home)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["error: bento known:v9 not found (argento bentos list)"]
