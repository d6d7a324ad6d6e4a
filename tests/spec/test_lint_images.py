"""Lint and the local image table: one warning per image with no mapping (issue 16.1, SPEC §2.4).

Argo has no such rule (a cluster pulls any image). Locally such an image runs its command on the host, so the
workflow is valid and lint says so once per image, at its first use — `argento lint` passed the seed guide's
``rayproject/ray:2.9.0`` silently, then ``argento run`` refused it.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from argento.cli.main import cli
from argento.spec import load_documents
from argento.spec.lint import lint_documents

MANIFEST = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: images-
spec:
  entrypoint: main
  arguments: {parameters: [{name: image, value: alpine}]}
  templates:
  - name: main
    steps:
    - - {name: a, template: one}
      - {name: b, template: two}
      - {name: c, template: mapped}
  - name: one
    container: {image: "myorg/trainer:1.0", command: [train]}
  - name: two
    script: {image: "myorg/trainer:1.0", command: [sh], source: "train"}
    sidecars:
    - {name: db, image: "postgres:16", command: [postgres]}
  - name: mapped
    container: {image: "rayproject/ray:2.9.0", command: [python, -c, "print(1)"]}
  - name: templated
    container: {image: "{{workflow.parameters.image}}", command: [x]}
"""


def _check(image: str) -> str:
    return "" if image.startswith("rayproject/") else f"unmapped {image}"


def test_one_warning_per_unmapped_image_at_its_first_use() -> None:
    report = lint_documents(load_documents(MANIFEST, filename="wf.yaml"), images=_check)
    assert report.ok
    got = [(p.severity, p.path, p.message, p.location) for p in report.warnings]
    assert got == [
        ("warning", "spec.templates[1].container.image", "unmapped myorg/trainer:1.0", "wf.yaml:15:17"),
        ("warning", "spec.templates[2].sidecars[0].image", "unmapped postgres:16", "wf.yaml:19:18"),
    ]


def test_without_an_image_check_lint_stays_pure() -> None:
    assert lint_documents(load_documents(MANIFEST, filename="wf.yaml")).warnings == []


def test_argento_lint_warns_with_the_image_table(tmp_path: Path, argento_home: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(MANIFEST)
    (argento_home / "images.yaml").write_text('"postgres*": {path: [/usr/lib/postgresql/16/bin]}\n')
    result = CliRunner().invoke(cli, ["lint", str(path), "-o", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    problems = json.loads(result.stdout)["problems"]
    assert [p["path"] for p in problems] == ["spec.templates[1].container.image"]  # ray is a built-in mapping
    message = problems[0]["message"]
    assert message.startswith(
        'image "myorg/trainer:1.0" has no local runtime mapping: its steps run on the host'
    )
    assert str(argento_home / "images.yaml") in message and "--strict-images" in message
