"""``argento models …``: output formats, aliases and history, labels, delete, export/import, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from argento.cli.main import cli
from argento.registry.store import ModelStore


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["models", *args], catch_exceptions=False)


@pytest.fixture
def iris(store: ModelStore) -> ModelStore:
    store.save("iris", {"v": 1}, version="v1", labels={"team": "a"}, metadata={"acc": 0.9})
    store.save("iris", {"v": 2}, version="v2")
    store.save("fraud", {"v": 1}, version="v1")
    return store


def test_help_has_examples() -> None:
    for command in (
        [],
        ["list"],
        ["get"],
        ["tag"],
        ["untag"],
        ["history"],
        ["delete"],
        ["export"],
        ["import"],
        ["labels"],
    ):
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_list(iris: ModelStore) -> None:
    iris.tag("iris:v2", "production")
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["TAG", "FRAMEWORK", "SIZE", "ALIASES", "CREATED"]
    assert [line.split()[0] for line in lines[1:]] == ["fraud:v1", "iris:v2", "iris:v1"]
    assert "production" in lines[2]
    data = json.loads(run("list", "iris", "-o", "json").output)
    assert [(m["tag"], m["aliases"]) for m in data] == [("iris:v2", ["production"]), ("iris:v1", [])]
    assert run("list", "nothing", "-o", "json").output.strip() == "[]"


def test_get(iris: ModelStore) -> None:
    iris.tag("iris:v1", "production")
    data = json.loads(run("get", "iris:production", "-o", "json").output)
    assert data["tag"] == "iris:v1"
    assert data["aliases"] == ["production"]
    assert data["labels"] == {"team": "a"} and data["metadata"] == {"acc": 0.9}
    as_yaml = yaml.safe_load(run("get", "iris").output)
    assert as_yaml["tag"] == "iris:v2"


def test_errors_are_one_line_with_exit_codes(iris: ModelStore) -> None:
    result = CliRunner().invoke(cli, ["models", "get", "iris:v9"])
    assert result.exit_code == 2  # NotFound
    assert result.output.strip().splitlines() == [
        "error: model iris:v9 not found: 'iris' has no version or alias 'v9'"
    ]
    result = CliRunner().invoke(cli, ["models", "get", "bad tag!"])
    assert result.exit_code == 1 and result.output.startswith("error: ")
    result = CliRunner().invoke(cli, ["models", "labels", "iris:v1", "nonsense"])
    assert result.exit_code == 1 and "KEY=VALUE" in result.output
    result = CliRunner().invoke(cli, ["models", "history", "iris", "--at", "yesterday"])
    assert result.exit_code == 1 and "ISO 8601" in result.output


def test_tag_untag_history(iris: ModelStore) -> None:
    assert run("tag", "iris:v1", "production").output.strip() == "iris:production: (none) → iris:v1"
    moved = json.loads(run("tag", "iris:latest", "production", "-o", "json").output)
    assert (moved["from"], moved["to"], moved["action"]) == ("v1", "v2", "tag")
    assert run("tag", "iris:production", "canary").exit_code == 0
    assert run("untag", "iris", "canary").output.strip() == "iris:canary: removed (was iris:v2)"

    table = run("history", "iris").output.splitlines()
    assert table[0].split() == ["TIME", "ALIAS", "FROM", "TO", "ACTION", "USER"]
    assert len(table) == 5
    events = json.loads(run("history", "iris", "--alias", "production", "-o", "json").output)
    assert [(e["from"], e["to"]) for e in events] == [(None, "v1"), ("v1", "v2")]

    first = datetime.fromisoformat(events[0]["time"])
    at_first = json.loads(run("history", "iris", "--at", events[0]["time"], "-o", "json").output)
    assert at_first["aliases"] == {"production": "v1"}
    assert datetime.fromisoformat(at_first["time"]) == first
    now = run("history", "iris", "--alias", "production", "--at", "now").output.split()
    assert now == ["ALIAS", "VERSION", "production", "v2"]
    past = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    assert json.loads(run("history", "iris", "--at", past, "-o", "json").output)["aliases"] == {}


def test_delete(iris: ModelStore) -> None:
    iris.tag("iris:v1", "production")
    result = CliRunner().invoke(cli, ["models", "delete", "iris:v1"])
    assert result.exit_code == 1
    assert "alias 'production'" in result.output and "--force" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert run("delete", "iris:v1", "--force").output.strip() == "deleted iris:v1"
    assert iris.aliases("iris") == {}
    assert run("delete", "fraud").output.strip() == "deleted fraud:v1"
    assert [m.tag for m in iris.list()] == ["iris:v2"]


def test_labels(iris: ModelStore) -> None:
    assert run("labels", "iris:v1").output.strip() == "team=a"
    out = run("labels", "iris:v1", "stage=prod", "owner=ana", "team-").output.split()
    assert out == ["owner=ana", "stage=prod"]
    assert json.loads(run("labels", "iris:v1", "x=1", "--replace", "-o", "json").output) == {"x": "1"}


def test_export_import(iris: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "iris.argento-model"
    assert run("export", "iris:v1", str(archive)).output.strip() == str(archive)
    monkeypatch.setenv("ARGENTO_HOME", str(tmp_path / "other-home"))
    assert run("import", str(archive)).output.strip() == "iris:v1"
    assert json.loads(run("get", "iris:v1", "-o", "json").output)["labels"] == {"team": "a"}
    result = CliRunner().invoke(cli, ["models", "import", str(archive)])
    assert result.exit_code == 1 and "exists already" in result.output


def test_real_entry_point(iris: ModelStore, argento_home: Path) -> None:
    env = {**os.environ, "ARGENTO_HOME": str(argento_home)}
    argento = [sys.executable, "-m", "argento.cli.main", "models"]
    out = subprocess.run(
        [*argento, "list", "-o", "json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 3
    bad = subprocess.run([*argento, "get", "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: model 'nope' not found"
