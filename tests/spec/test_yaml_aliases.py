"""Alias bombs are refused as Go's yaml refuses them (issue 14 item 4): `argento lint` of a "billion laughs"
document used 7.9 GB and 94 s. The rule is goyaml's ``allowedAliasRatio`` (decode.go), which Argo applies
when it reads a manifest (sigs.k8s.io/yaml → goyaml.v2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from argento.cli.main import cli
from argento.errors import SpecError
from argento.spec import load_documents
from argento.yamlsafe import allowed_alias_ratio, safe_load, safe_load_all


def bomb(levels: int = 9, width: int = 9) -> str:
    lines = [
        "apiVersion: argoproj.io/v1alpha1",
        "kind: Workflow",
        "metadata: {generateName: lol-}",
        f"l0: &l0 [{', '.join(['lol'] * width)}]",
    ]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    lines.append("spec: {entrypoint: main, templates: [{name: main, container: {image: alpine}}]}")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_at_the_alias(tmp_path: Path) -> None:
    text = bomb()
    with pytest.raises(SpecError) as err:
        load_documents(text, filename="bomb.yaml")
    assert "document contains excessive aliasing" in str(err.value)
    assert err.value.location.startswith("bomb.yaml:")  # file:line:col of the offending alias
    for loader in (safe_load, safe_load_all):
        with pytest.raises(SpecError, match="excessive aliasing"):
            loader(text, "bomb.yaml")
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 1 and "excessive aliasing" in result.output, result.output


def test_self_referencing_anchors_are_refused() -> None:
    with pytest.raises(SpecError, match="anchor value contains itself"):
        safe_load("a: &a [1, *a]")


def test_ordinary_anchors_still_work() -> None:
    text = """\
defaults: &defaults {image: alpine, command: [sh, -c]}
templates:
""" + "".join(f"- {{name: t{i}, container: {{<<: *defaults, args: [echo {i}]}}}}\n" for i in range(300))
    data = safe_load(text)
    assert data["templates"][299]["container"]["image"] == "alpine"
    # goyaml's allowance: 99 % of decoded nodes may come from aliases up to 400,000, then less.
    assert allowed_alias_ratio(1000) == 0.99 and allowed_alias_ratio(4_000_000) == 0.10
    assert 0.10 < allowed_alias_ratio(2_000_000) < 0.99
    small = bomb(levels=3, width=9)  # 729 leaves, 95 % of them through aliases: allowed
    assert safe_load(small)["l2"][8][8][8] == "lol"
