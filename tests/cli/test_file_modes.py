"""Private files are private (issue 14 item 8): the database and step logs were 0644, readable by every user
of the machine. Now argento.db (and SQLite's -wal/-shm) and every log file are 0600, and runs/ is 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from click.testing import CliRunner

from argento.cli.main import cli
from argento.config import Settings
from argento.store import open_store

WF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: modes}
spec:
  entrypoint: main
  templates:
  - name: main
    script: {image: python:3.11, command: [python], source: "print('secret-ish output')"}
"""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_and_step_logs_are_owner_only(tmp_path: Path, argento_home: Path) -> None:
    old = os.umask(0o022)  # the usual umask, under which these files used to be 0644
    try:
        store = open_store(Settings.from_env({"ARGENTO_HOME": str(argento_home)}))
        store.tokens.create("someone")
        store.close()
        path = tmp_path / "wf.yaml"
        path.write_text(WF)
        result = CliRunner().invoke(cli, ["run", str(path)])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    db = argento_home / "argento.db"
    assert _mode(db) == 0o600
    for extra in (argento_home / "argento.db-wal", argento_home / "argento.db-shm"):
        if extra.exists():
            assert _mode(extra) == 0o600, extra
    runs = argento_home / "runs"
    assert _mode(runs) == 0o700
    logs = list(runs.rglob("*.log"))
    assert logs and all(_mode(log) == 0o600 for log in logs), [(p, oct(_mode(p))) for p in logs]
    # A database made by an earlier version with 0644 is tightened on open.
    db.chmod(0o644)
    open_store(Settings.from_env({"ARGENTO_HOME": str(argento_home)})).close()
    assert _mode(db) == 0o600
