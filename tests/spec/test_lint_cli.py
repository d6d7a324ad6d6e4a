"""``argento lint``: text and JSON output, exit codes, directories, skipped documents, --templates."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from argento.cli.main import cli

GOOD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ok-
spec:
  entrypoint: main
  templates:
  - name: main
    nodeSelector: {disk: ssd}
    container:
      image: alpine
      command: [echo, hi]
"""
BAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: bad-
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - name: a
        template: nope
"""
CALLS_LIB = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ref-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        templateRef: {name: lib, template: hello}
"""
LIB = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: lib
spec:
  templates:
  - name: hello
    suspend: {}
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"


def _files(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_clean_file_exits_zero_with_warnings(tmp_path: Path) -> None:
    _files(tmp_path, **{"good.yaml": GOOD})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "good.yaml")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{tmp_path / 'good.yaml'}:9:5: warning: spec.templates[0].nodeSelector: "
        "nodeSelector has no effect when running locally (Kubernetes only)"
    )
    assert lines[-1] == "1 files, 0 errors, 1 warnings"


def test_errors_exit_one_with_file_line_col(tmp_path: Path) -> None:
    _files(tmp_path, **{"bad.yaml": BAD})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{tmp_path / 'bad.yaml'}:12:9: error: spec.templates[0].dag.tasks[0].template: template name 'nope' undefined",
        "1 files, 1 errors, 0 warnings",
    ]


def test_directories_skip_foreign_documents(tmp_path: Path) -> None:
    _files(tmp_path, **{"good.yaml": GOOD, "cm.yml": CONFIGMAP, "notes.txt": "ignored"})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path), "--summary"])
    assert result.exit_code == 0
    assert result.output == "2 files, 0 errors, 1 warnings\n"
    result = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert f"{tmp_path / 'cm.yml'}:1:1: skipped: ConfigMap: not an Argo resource" in result.output


def test_json_output(tmp_path: Path) -> None:
    _files(tmp_path, **{"bad.yaml": BAD, "cm.yaml": CONFIGMAP})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path), "-o", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"] == {"files": 2, "errors": 1, "warnings": 0}
    (problem,) = data["problems"]
    assert problem == {
        "severity": "error",
        "message": "template name 'nope' undefined",
        "path": "spec.templates[0].dag.tasks[0].template",
        "location": f"{tmp_path / 'bad.yaml'}:12:9",
        "file": str(tmp_path / "bad.yaml"),
    }
    assert data["skipped"][0]["kind"] == "ConfigMap"


def test_templates_option_resolves_template_refs(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    _files(tmp_path, **{"wf.yaml": CALLS_LIB, "lib/lib.yaml": LIB})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "wf.yaml")])
    assert result.exit_code == 1 and "template reference lib.hello not found" in result.output
    result = CliRunner().invoke(
        cli, ["lint", str(tmp_path / "wf.yaml"), "--templates", str(tmp_path / "lib")]
    )
    assert result.exit_code == 0, result.output


def test_malformed_yaml_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    _files(tmp_path, **{"broken.yaml": "kind: Workflow\nspec: [\n"})
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "broken.yaml")])
    assert result.exit_code == 1
    assert "error: malformed YAML" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_manifests(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert result.exit_code == 1
    assert "no manifests" in result.output


def test_help_shows_an_example() -> None:
    result = CliRunner().invoke(cli, ["lint", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "argento lint" in result.output
