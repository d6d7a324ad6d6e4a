"""``argento rerun``: local runs (real processes, artifacts) and a live server, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from serverconf import ServerProcess

from argento.cli.main import cli

PIPELINE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: pipe-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: scale, value: "2"}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: gen}
      - {name: train, depends: gen, template: train,
         arguments: {artifacts: [{name: data, from: "{{tasks.gen.outputs.artifacts.data}}"}]}}
      - {name: report, depends: train, template: report,
         arguments: {parameters: [{name: score, value: "{{tasks.train.outputs.result}}"}]}}
  - name: gen
    script:
      image: python:3.11
      command: [python]
      source: |
        import pathlib, time
        pathlib.Path("/tmp/data.txt").write_text(str(time.time_ns()))
    outputs: {artifacts: [{name: data, path: /tmp/data.txt}]}
  - name: train
    inputs: {artifacts: [{name: data, path: /tmp/in.txt}]}
    script:
      image: python:3.11
      command: [python]
      source: |
        import pathlib
        print(int(pathlib.Path("/tmp/in.txt").read_text()) % 1000 * {{workflow.parameters.scale}})
  - name: report
    inputs: {parameters: [{name: score}]}
    script: {image: alpine, command: [sh], source: "echo score={{inputs.parameters.score}}"}
"""


def _cli(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"ARGENTO_SERVER": None, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def _nodes(wf: dict) -> dict[str, dict]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def test_local_rerun_reuses_outputs_and_artifacts(tmp_path: Path, argento_home: Path) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPELINE)
    code, out, err = _cli("run", str(path), "-o", "json")
    assert code == 0, err
    first = json.loads(out)
    name = first["metadata"]["name"]
    assert json.loads((argento_home / "runs" / name / "run.json").read_text())["file"] == str(path)

    code, out, err = _cli("rerun", "@latest", "--from", "train", "-o", "json")
    assert code == 0, err
    second = json.loads(out)
    nodes, old = _nodes(second), _nodes(first)
    assert second["metadata"]["name"].startswith(name + "-")
    # gen was not run again: its artifact (the time it was made) is the original's, and train read it
    assert nodes["gen"]["outputs"]["artifacts"] == old["gen"]["outputs"]["artifacts"]
    assert nodes["gen"]["memoizationStatus"]["cacheName"] == "argento-rerun"
    assert nodes["train"]["outputs"]["result"] == old["train"]["outputs"]["result"]
    assert "memoizationStatus" not in nodes["train"] and "memoizationStatus" not in nodes["report"]
    # the reused pod's logs are reachable from the new run's folder
    runs = argento_home / "runs" / second["metadata"]["name"]
    assert any(p.is_symlink() for p in runs.iterdir())

    # a changed parameter runs what uses it (train) and what follows (report), not gen
    code, out, err = _cli("rerun", name, "--from", "report", "-p", "scale=3", "-o", "json")
    assert code == 0, err
    third = _nodes(json.loads(out))
    assert third["gen"]["memoizationStatus"]["cacheName"] == "argento-rerun"
    assert "memoizationStatus" not in third["train"]
    assert int(third["train"]["outputs"]["result"]) == int(old["train"]["outputs"]["result"]) // 2 * 3

    # the human output says what was reused
    code, out, err = _cli("rerun", name, "--from", "report")
    assert code == 0 and "reused from " + name in out and "Reused 2 step(s)" in err


def test_local_rerun_errors(tmp_path: Path, argento_home: Path) -> None:
    code, _, err = _cli("rerun", "nothing-here", "--from", "x", "--local")
    assert code == 2 and err.startswith("error: no local run") and "Traceback" not in err
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPELINE)
    code, out, _ = _cli("run", str(path), "-o", "name")
    name = out.strip()
    code, _, err = _cli("rerun", name, "--from", "nope")
    assert code == 2 and f'error: node "nope" not found in workflow "{name}"' in err
    code, _, err = _cli("rerun", name)
    assert code == 2 and "--from" in err


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ServerProcess(tmp_path_factory.mktemp("rerun-home")) as proc:
        yield proc.url


def test_server_rerun_waits_and_reports(server: str, tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text(PIPELINE)
    env = {"ARGENTO_SERVER": server, "ARGENTO_HOME": str(tmp_path / "home")}
    code, out, err = _cli("submit", str(path), "--wait", "-o", "json", env=env)
    assert code == 0, err
    name = json.loads(out)["metadata"]["name"]
    code, out, err = _cli("rerun", name, "--from", "report", "--wait", "-o", "json", env=env)
    assert code == 0, err
    wf = json.loads(out)
    assert wf["status"]["phase"] == "Succeeded"
    nodes = _nodes(wf)
    assert sorted(d for d, n in nodes.items() if (n.get("memoizationStatus") or {}).get("hit")) == [
        "gen",
        "train",
    ]
    # the reused step's log is served from the original run
    code, out, err = _cli("logs", wf["metadata"]["name"], env=env)
    assert code == 0, err
    result = nodes["train"]["outputs"]["result"]
    assert any(line.endswith(f": {result}") for line in out.splitlines()), out
