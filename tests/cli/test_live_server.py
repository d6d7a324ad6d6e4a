"""The CLI client against a real ``argento server`` (a subprocess on 127.0.0.1 with its own ARGENTO_HOME)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import HELLO, Run
from click.testing import CliRunner, Result
from serverconf import ServerProcess

from argento.cli.main import cli

FAILING = HELLO.replace("generateName: hello-", "generateName: failing-").replace(
    'command: [echo, "{{workflow.parameters.message}}"]', 'command: [sh, -c, "echo boom; exit 3"]'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a live ``argento server`` with a fresh home; stopped after the module."""
    with ServerProcess(tmp_path_factory.mktemp("live-home")) as proc:
        yield proc.url


@pytest.fixture
def live(server: str, tmp_path: Path) -> Run:
    """``live("get", name)`` runs the CLI against the live server."""

    def invoke(*args: str) -> Result:
        env = {"ARGENTO_SERVER": server, "ARGENTO_TOKEN": None, "ARGENTO_NAMESPACE": None}
        env["ARGENTO_HOME"] = str(tmp_path)
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def _manifest(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_submit_wait_get_logs_list_delete(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "hello.yaml", HELLO)
    result = live("submit", path, "--wait", "-o", "json", "-p", "message=live-hello")
    assert result.exit_code == 0, result.output
    wf = json.loads(result.stdout)
    name = wf["metadata"]["name"]
    assert wf["status"]["phase"] == "Succeeded"

    got = live("get", name)
    assert got.exit_code == 0 and "Succeeded" in got.stdout and "STEP" in got.stdout

    logs = live("logs", name)
    assert logs.exit_code == 0, logs.output
    assert any(line.endswith(": live-hello") for line in logs.stdout.splitlines()), logs.stdout

    listed = live("list", "-l", "app=demo", "-o", "name")
    assert name in listed.stdout.split()
    assert name not in live("list", "-l", "app=other", "-o", "name").stdout.split()

    assert live("delete", name).exit_code == 0
    assert live("get", name).exit_code == 2


def test_failing_workflow_exits_1(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "failing.yaml", FAILING)
    result = live("submit", path, "--wait")
    assert result.exit_code == 1, result.output
    assert "Failed at" in result.stdout or "Error at" in result.stdout


TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: greet
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: who
      value: world
  templates:
  - name: main
    container:
      image: busybox
      command: [echo, "hello {{workflow.parameters.who}}"]
"""

TWO_NAPS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: naps-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: nap
    - - name: b
        template: nap
  - name: nap
    container:
      image: busybox
      command: [sh, -c, "sleep 1; echo rested"]
"""

CRON = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container:
        image: busybox
        command: [echo, hi]
"""


def test_template_submit_from_and_logs_of_a_node(live: Run, tmp_path: Path) -> None:
    assert live("template", "create", _manifest(tmp_path, "t.yaml", TEMPLATE)).exit_code == 0
    assert live("template", "list", "-o", "name").stdout.split() == ["greet"]
    result = live("submit", "--from", "workflowtemplate/greet", "-p", "who=argento", "--wait", "-o", "name")
    assert result.exit_code == 0, result.output
    name = result.stdout.strip()
    assert live("logs", name).stdout.strip() == f"{name}: hello argento"
    assert live("template", "delete", "greet").exit_code == 0


def test_suspend_resume_watch_and_stop(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "naps.yaml", TWO_NAPS)
    name = live("submit", path, "-o", "name").stdout.strip()
    assert live("suspend", name).stdout.strip() == f"workflow {name} suspended"
    assert "Running (Suspended)" in live("list").stdout
    assert live("resume", name).exit_code == 0
    watched = live("watch", name)
    assert watched.exit_code == 0, watched.output
    assert "✔ a" in watched.stdout and "✔ b" in watched.stdout
    assert [line.split(": ", 1)[1] for line in live("logs", name, "b").stdout.splitlines()] == ["rested"]
    other = live("submit", path, "-o", "name").stdout.strip()
    assert live("stop", other).exit_code == 0
    assert live("wait", other).exit_code == 1


def test_retry_cron_and_archive(live: Run, tmp_path: Path) -> None:
    result = live("submit", _manifest(tmp_path, "f.yaml", FAILING), "--wait", "-o", "name")
    assert result.exit_code == 1
    name = result.stdout.strip()
    assert live("retry", name, "--wait").exit_code == 1  # it fails again, the same way
    assert live("cron", "create", _manifest(tmp_path, "c.yaml", CRON)).exit_code == 0
    assert "nightly" in live("cron", "list").stdout
    assert live("cron", "suspend", "nightly").exit_code == 0
    assert json.loads(live("cron", "get", "nightly", "-o", "json").stdout)["spec"]["suspend"] is True
    assert live("cron", "delete", "nightly").exit_code == 0
    archived = json.loads(live("archive", "list", "-o", "json").stdout)
    uid = next(w["metadata"]["uid"] for w in archived if w["metadata"]["name"] == name)
    assert f"Name:                {name}" in live("archive", "get", uid).stdout
    assert live("archive", "delete", uid).exit_code == 0
    assert live("archive", "get", uid).exit_code == 2


IN_MLOPS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: in-mlops-
  namespace: mlops
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: python:3.11
        command: [python, train.py]
"""


def test_submit_follows_the_manifest_namespace_and_get_logs_find_it(live: Run, tmp_path: Path) -> None:
    """Issue 16.4: `submit --wait/--watch` created the workflow in `mlops` and then watched `argo` (exit 2)."""
    (tmp_path / "train.py").write_text("print('trained here')\n")
    path = _manifest(tmp_path, "in-mlops.yaml", IN_MLOPS)
    for flag in ("--wait", "--watch"):
        result = live("submit", path, flag, "--workdir", str(tmp_path), "-o", "json")
        assert result.exit_code == 0, result.output
    wf = json.loads(result.stdout)
    name = wf["metadata"]["name"]
    assert wf["metadata"]["namespace"] == "mlops" and wf["status"]["phase"] == "Succeeded"
    # Without -n: found where it is. With the wrong -n: the error says where it is.
    got = live("get", name)
    assert got.exit_code == 0 and "Namespace:           mlops" in got.stdout
    logs = live("logs", name)
    assert logs.exit_code == 0 and logs.stdout.rstrip().endswith(": trained here")
    wrong = live("get", name, "-n", "argo")
    assert wrong.exit_code == 2
    assert (
        f'workflow "{name}" not found in namespace "argo"; it is in namespace "mlops" (-n mlops)'
        in wrong.output
    )
    # Without --workdir there is no folder to find train.py in, as in a container without the script.
    bare = live("submit", path, "--wait")
    assert bare.exit_code == 1


def test_describe_pod_of_a_step(live: Run, tmp_path: Path) -> None:
    path = _manifest(tmp_path, "hello.yaml", HELLO)
    wf = json.loads(live("submit", path, "--wait", "-o", "json").stdout)
    logs = live("logs", wf["metadata"]["name"])
    pod = logs.stdout.split(":")[0]
    described = live("describe", "pod", pod)
    assert described.exit_code == 0, described.output
    assert f"Name:         {pod}" in described.stdout and "Status:       Succeeded" in described.stdout
    assert "Events:" in described.stdout and "Container main exited with code 0" in described.stdout
    missing = live("describe", "pod", "no-such-pod-123")
    assert missing.exit_code == 2 and 'pod "no-such-pod-123" not found' in missing.output
