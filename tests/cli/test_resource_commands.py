"""``template``, ``cluster-template``, ``cron`` and ``archive`` commands against the fake server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_support import Run
from fake_argo import FakeArgo

from argento.cli.cron import next_run

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: train
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: python:3.11
      command: [python, -c, "print(1)"]
"""

CRON = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  timezone: UTC
  workflowSpec:
    entrypoint: main
    arguments:
      parameters:
      - name: day
        value: mon
    templates:
    - name: main
      container:
        image: busybox
        command: [echo, "{{workflow.parameters.day}}"]
"""


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("group", "kind", "store"),
    [
        ("template", "WorkflowTemplate", "templates"),
        ("cluster-template", "ClusterWorkflowTemplate", "cluster_templates"),
    ],
)
def test_template_groups(run: Run, fake: FakeArgo, tmp_path: Path, group: str, kind: str, store: str) -> None:
    path = _file(tmp_path, "t.yaml", TEMPLATE.format(kind=kind))
    assert run(group, "list").stdout.strip() == f"No {kind}s found"
    result = run(group, "create", path)
    assert result.exit_code == 0, result.output
    assert "Name:                train" in result.stdout and len(getattr(fake, store)) == 1
    assert run(group, "create", path).exit_code == 1  # AlreadyExists
    assert run(group, "list").stdout.split() == ["NAME", "train"]
    assert json.loads(run(group, "get", "train", "-o", "json").stdout)["metadata"]["name"] == "train"
    assert run(group, "update", path).exit_code == 0
    assert run(group, "lint", path, "--server-side").exit_code == 0
    assert run(group, "delete", "train").stdout.strip() == f'{kind} "train" deleted'
    assert run(group, "get", "train").exit_code == 2


def test_template_create_lints_locally(run: Run, fake: FakeArgo, tmp_path: Path) -> None:
    bad = _file(
        tmp_path,
        "bad.yaml",
        TEMPLATE.format(kind="WorkflowTemplate").replace("entrypoint: main", "entrypoint: nope"),
    )
    result = run("template", "create", bad)
    assert result.exit_code == 1 and "bad.yaml:" in result.stderr and not fake.requests
    wf = _file(tmp_path, "wf.yaml", TEMPLATE.format(kind="Workflow"))
    result = run("template", "create", wf)
    assert result.exit_code == 1 and "no WorkflowTemplate found" in result.stderr
    assert run("template", "lint", bad).exit_code == 1


def test_cron_commands(run: Run, fake: FakeArgo, tmp_path: Path) -> None:
    path = _file(tmp_path, "cron.yaml", CRON)
    result = run("cron", "create", path, "-p", "day=tue")
    assert result.exit_code == 0, result.output
    assert "Schedules:                     0 2 * * *" in result.stdout
    assert "NextScheduledTime:" in result.stdout and "  day:" in result.stdout
    stored = fake.crons[("argo", "nightly")]
    assert stored["spec"]["workflowSpec"]["arguments"]["parameters"] == [{"name": "day", "value": "tue"}]
    lines = run("cron", "list").stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "AGE", "LAST"] and lines[1].startswith("nightly")
    assert "N/A" in lines[1] and "0 2 * * *" in lines[1] and lines[1].rstrip().endswith("false")
    assert run("cron", "suspend", "nightly").stdout.strip() == "CronWorkflow 'nightly' suspended"
    assert json.loads(run("cron", "get", "nightly", "-o", "json").stdout)["spec"]["suspend"] is True
    assert run("cron", "resume", "nightly").exit_code == 0
    assert run("cron", "lint", path).exit_code == 0
    assert run("cron", "delete", "nightly").exit_code == 0
    assert run("cron", "get", "nightly").exit_code == 2


def test_next_run() -> None:
    now = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)  # a Friday
    assert next_run("0 2 * * *", now=now) == datetime(2024, 3, 2, 2, 0, tzinfo=UTC)
    assert next_run("*/15 * * * *", now=now) == datetime(2024, 3, 1, 10, 45, tzinfo=UTC)
    assert next_run("@hourly", now=now) == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert next_run("0 9 * * mon", now=now) == datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    assert next_run("0 0 1 jan *", now=now) == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    assert next_run("0 9 * * *", timezone="Europe/Paris", now=now) == datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
    assert next_run("CRON_TZ=America/New_York 0 9 * * *", now=now) == datetime(2024, 3, 1, 14, 0, tzinfo=UTC)
    assert next_run("not a cron", now=now) is None


def test_archive_commands(run: Run, fake: FakeArgo) -> None:
    wf = fake.add_workflow({"metadata": {"name": "done"}, "spec": {"entrypoint": "main"}}, "argo")
    fake.finish("argo", "done")
    uid = wf["metadata"]["uid"]
    # argo archive list: the wide table led by NAMESPACE and ended by UID (cmd/argo/commands/archive/list.go)
    lines = run("archive", "list").stdout.splitlines()
    assert lines[0].split() == [
        "NAMESPACE", "NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE", "P/R/C", "PARAMETERS", "UID"
    ]
    assert lines[1].split()[:3] == ["argo", "done", "Succeeded"] and lines[1].split()[-1] == uid
    result = run("archive", "get", uid)
    assert result.exit_code == 0 and "Name:                done" in result.stdout
    assert json.loads(run("archive", "get", "done", "-o", "json").stdout)["metadata"]["uid"] == uid
    assert run("archive", "delete", uid).stdout.strip() == f"Archived workflow '{uid}' deleted"
    assert run("archive", "list").stdout.strip() == "No workflows found"  # printer.PrintWorkflows
    assert run("archive", "get", "done").exit_code == 2


def test_next_run_reads_schedules_as_the_server_does() -> None:
    # One parser (argento.spec.cron) for the CLI and the server's cron controller: @every and time zones too.
    now = datetime(2024, 3, 1, 10, 30, 20, tzinfo=UTC)
    assert next_run("@every 90s", now=now) == datetime(2024, 3, 1, 10, 31, 50, tzinfo=UTC)
    assert next_run("CRON_TZ=Europe/Paris 0 12 * * *", now=now) == datetime(2024, 3, 1, 11, 0, tzinfo=UTC)
    assert next_run("0 12 * * *", timezone="Nowhere/City", now=now) is None
    assert next_run("61 * * * *", now=now) is None
