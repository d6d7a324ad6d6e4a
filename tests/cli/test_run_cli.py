"""`argento run` end to end: real subprocess steps, exit codes, clear errors (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli

GOOD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: good-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: who, value: world}]}
  templates:
  - name: main
    steps:
    - - {name: hello, template: hello}
  - name: hello
    script: {image: python:3.11, command: [python], source: "print('hello {{workflow.parameters.who}}')"}
"""


def _run(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["run", str(path), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_run_succeeds_and_prints_tree(tmp_path: Path, argento_home: Path) -> None:
    code, out, _ = _run(tmp_path, GOOD, "-p", "who=argento")
    assert code == 0
    assert "Status:              Succeeded" in out
    assert "hello" in out


def test_run_json_output_has_argo_status(tmp_path: Path, argento_home: Path) -> None:
    code, out, _ = _run(tmp_path, GOOD, "-o", "json")
    wf = json.loads(out)
    assert code == 0
    node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "hello")
    assert node["outputs"]["result"] == "hello world"
    assert wf["status"]["phase"] == "Succeeded" and wf["status"]["progress"] == "1/1"
    kept = argento_home / "runs" / wf["metadata"]["name"] / "workflow.json"
    assert json.loads(kept.read_text())["status"]["phase"] == "Succeeded"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (("template: hello}", "template: nope}"), "template name 'nope' undefined"),
        (("source: \"print", "source: \"import sys; sys.exit(3); print"), "Error (exit code 3)"),
        (("{name: hello, template: hello}", "{name: hello, template: hello, when: \"1 ==\"}"), "when"),
    ],
)
def test_failures_exit_nonzero_with_a_clear_message(tmp_path: Path, argento_home: Path, patch: tuple[str, str], message: str) -> None:
    code, out, err = _run(tmp_path, GOOD.replace(*patch))
    assert code == 1
    assert message in out + err
    assert "Traceback" not in out + err


def test_timeout_fails_the_workflow(tmp_path: Path, argento_home: Path) -> None:
    text = GOOD.replace("  - name: hello\n", "  - name: hello\n    activeDeadlineSeconds: 1\n").replace(
        "print('hello", "import time; time.sleep(20); print('hello"
    )
    code, out, _ = _run(tmp_path, text)
    assert code == 1
    assert "Pod was active on the node longer than the specified deadline" in out


def test_malformed_yaml_points_at_the_line(tmp_path: Path, argento_home: Path) -> None:
    code, _out, err = _run(tmp_path, "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec: [\n")
    assert code == 1
    assert "wf.yaml:" in err and "Traceback" not in err
