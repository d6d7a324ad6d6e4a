"""Hostile resource names at the CLI (issue 14 item 2): `argento run`, `lint` and `secret create` refuse them
with one `error:` line and Kubernetes' message, and create nothing outside (or inside) ARGENTO_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli

WF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {{image: alpine, command: [echo, hi]}}
"""


@pytest.mark.parametrize(
    "name", ['"../../x"', '".."', "/tmp/argento-escape", '"a\\0b"', '"<script>"', '"%2e%2e"']
)
@pytest.mark.parametrize("command", ["run", "lint"])
def test_run_and_lint_refuse_hostile_workflow_names(
    tmp_path: Path, argento_home: Path, name: str, command: str
) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(WF.format(name=name))
    result = CliRunner().invoke(cli, [command, str(path)])
    assert result.exit_code == 1, result.output
    assert "metadata.name: Invalid value:" in result.output and "RFC 1123 subdomain" in result.output
    assert "Traceback" not in result.output
    assert not (argento_home / "runs").exists() or os.listdir(argento_home / "runs") == []
    assert not (tmp_path.parent / "x").exists() and not Path("/tmp/argento-escape").exists()


def test_secret_names_are_dns_1123(argento_home: Path) -> None:
    runner = CliRunner()
    for name in ("../x", "..", "a/b", "Upper"):
        out = runner.invoke(cli, ["secret", "create", name, "--from-literal", "k=v"])
        assert out.exit_code == 1 and "error: " in out.output and "Invalid value" in out.output, out.output
    out = runner.invoke(cli, ["secret", "create", "ok", "-n", "a.b", "--from-literal", "k=v"])
    assert out.exit_code == 1 and "must not contain dots" in out.output, out.output
    assert not (argento_home / "x").exists()
