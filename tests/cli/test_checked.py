"""`argento run` remembers the manifests it has parsed and linted (``argento.cli.checked``): same files, same
code → the same inputs without YAML, pydantic or lint; anything else → the full path and its exact errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli import checked
from argento.cli.checked import load_checked
from argento.cli.main import cli
from argento.errors import SpecError, SpecErrors

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: remembered}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: one, template: ref, arguments: {parameters: [{name: x, value: "1"}]}}
  - name: ref
    inputs:
      Parameters: [{name: x}]
    container: {image: myorg/tool:1.0, command: [sh, -c, "true"]}
"""

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: shared}
spec:
  templates:
  - {name: t, container: {image: alpine, command: [sh, -c, "true"]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1"}
"""

BROKEN = WF.replace("template: ref,", "template: nope,")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    wf = tmp_path / "wf.yaml"
    wf.write_text(WF)
    tdir = tmp_path / "templates"
    tdir.mkdir()
    (tdir / "shared.yaml").write_text(TEMPLATE)
    return wf, tdir


def test_second_load_is_the_first_without_parsing(tmp_path: Path, argento_home: Path) -> None:
    wf, tdir = _files(tmp_path)
    first = load_checked(wf, [tdir], lint=True, home=argento_home)
    second = load_checked(wf, [tdir], lint=True, home=argento_home)
    assert not first.cached and second.cached
    assert second.workflow == first.workflow
    # Go's case-insensitive decoding was applied before the workflow was kept (`Parameters` → `parameters`)
    assert second.workflow["spec"]["templates"][1]["inputs"] == {"parameters": [{"name": "x"}]}
    assert second.registry.get("shared") == first.registry.get("shared")
    assert second.configmaps == first.configmaps == {"settings": {"a": "1"}}
    assert second.images == first.images
    assert second.images[0][:3] == ("myorg/tool:1.0", "spec.templates[1].container.image", f"{wf}:14:17")


def test_any_change_of_the_files_is_a_miss(tmp_path: Path, argento_home: Path) -> None:
    wf, tdir = _files(tmp_path)
    load_checked(wf, [tdir], lint=True, home=argento_home)
    wf.write_text(WF.replace('value: "1"', 'value: "2"'))
    changed = load_checked(wf, [tdir], lint=True, home=argento_home)
    assert not changed.cached
    assert (
        changed.workflow["spec"]["templates"][0]["steps"][0][0]["arguments"]["parameters"][0]["value"] == "2"
    )
    (tdir / "shared.yaml").write_text(TEMPLATE.replace('a: "1"', 'a: "3"'))
    assert not load_checked(wf, [tdir], lint=True, home=argento_home).cached
    (tdir / "more.yaml").write_text(TEMPLATE.replace("shared", "more").replace("settings", "other"))
    added = load_checked(wf, [tdir], lint=True, home=argento_home)
    assert not added.cached and added.registry.get("more")
    assert load_checked(wf, [tdir], lint=True, home=argento_home).cached


def test_a_change_of_the_checking_code_is_a_miss(
    tmp_path: Path, argento_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wf, tdir = _files(tmp_path)
    load_checked(wf, [tdir], lint=True, home=argento_home)
    monkeypatch.setattr(checked, "code_fingerprint", lambda: "another version of argento.spec")
    assert not load_checked(wf, [tdir], lint=True, home=argento_home).cached


def test_errors_are_never_kept_and_read_the_same_every_time(tmp_path: Path, argento_home: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(BROKEN)
    messages = []
    for _ in range(2):
        with pytest.raises(SpecErrors) as exc:
            load_checked(wf, [], lint=True, home=argento_home)
        messages.append([(e.message, e.path, e.location) for e in exc.value.errors])
    assert messages[0] == messages[1]
    assert any("template name 'nope' undefined" in m for m, _, _ in messages[0])
    assert not list((argento_home / "checked").glob("*.json"))
    wf.write_text(
        "kind: Workflow\napiVersion: argoproj.io/v1alpha1\nmetadata: {name: x}\nspec: {entrypoint: [1]}\n"
    )
    with pytest.raises(SpecError) as exc:
        load_checked(wf, [], lint=True, home=argento_home)
    assert exc.value.path == "spec.entrypoint" and exc.value.location == f"{wf}:4:8"


def test_a_no_lint_run_keeps_nothing_but_uses_what_a_linted_run_kept(
    tmp_path: Path, argento_home: Path
) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(BROKEN)
    assert not load_checked(wf, [], lint=False, home=argento_home).cached  # lint would refuse it
    assert not load_checked(wf, [], lint=False, home=argento_home).cached
    with pytest.raises(SpecErrors):
        load_checked(wf, [], lint=True, home=argento_home)
    wf.write_text(WF)
    load_checked(wf, [], lint=True, home=argento_home)
    assert load_checked(wf, [], lint=False, home=argento_home).cached


def test_what_json_cannot_keep_is_parsed_every_time(tmp_path: Path, argento_home: Path) -> None:
    """YAML allows integer keys (an item of ``withItems``); JSON would turn them into strings."""
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        WF.replace(
            "    - - {name: one,",
            "    - - {name: loop, template: ref, withItems: [{1: a}],"
            " arguments: {parameters: [{name: x, value: '{{item}}'}]}}\n      - {name: one,",
        )
    )
    first = load_checked(wf, [], lint=True, home=argento_home)
    assert first.workflow["spec"]["templates"][0]["steps"][0][0]["withItems"] == [{1: "a"}]
    assert not load_checked(wf, [], lint=True, home=argento_home).cached


def test_a_damaged_entry_is_a_miss(tmp_path: Path, argento_home: Path) -> None:
    wf, tdir = _files(tmp_path)
    load_checked(wf, [tdir], lint=True, home=argento_home)
    (entry,) = (argento_home / "checked").glob("*.json")
    entry.write_text('{"format": 1, "workflow": ')
    assert not load_checked(wf, [tdir], lint=True, home=argento_home).cached
    assert load_checked(wf, [tdir], lint=True, home=argento_home).cached
    assert oct(entry.parent.stat().st_mode & 0o777) == "0o700"


def test_the_cli_says_the_same_on_a_hit(tmp_path: Path, argento_home: Path) -> None:
    """The image warning and the run itself do not depend on where the inputs came from."""
    wf, tdir = _files(tmp_path)
    results = [
        CliRunner().invoke(
            cli, ["run", str(wf), "--templates", str(tdir), "-o", "json"], catch_exceptions=False
        )
        for _ in range(2)
    ]
    assert [r.exit_code for r in results] == [0, 0]
    warnings = [[line for line in r.stderr.splitlines() if line.startswith("warning:")] for r in results]
    assert warnings[0] == warnings[1]
    assert any(f"{wf}:14:17" in w and "myorg/tool:1.0" in w for w in warnings[0])
    first, second = (json.loads(r.stdout) for r in results)
    assert first["spec"] == second["spec"] and second["status"]["phase"] == "Succeeded"
    assert len(list((argento_home / "checked").glob("*.json"))) == 1
