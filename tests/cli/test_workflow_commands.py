"""``list``, ``get``, ``delete``, ``logs``, ``watch``, ``wait`` and the actions against the fake server."""

from __future__ import annotations

import json
import socket

import pytest
from cli_support import Run
from fake_argo import FakeArgo

SPEC = {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox"}}]}


def _add(fake: FakeArgo, name: str, labels: dict[str, str] | None = None, finish: str | None = None) -> None:
    fake.add_workflow({"metadata": {"name": name, "labels": dict(labels or {})}, "spec": dict(SPEC)}, "argo")
    if finish:
        fake.finish("argo", name, finish)


def test_list_table_filters_and_formats(run: Run, fake: FakeArgo) -> None:
    assert run("list").stdout.strip() == "No workflows found"
    _add(fake, "a-ok", {"app": "x"}, "Succeeded")
    _add(fake, "b-bad", {"app": "y"}, "Failed")
    _add(fake, "c-run", {"app": "x"})
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    assert lines[1].startswith("c-run")  # running first
    assert run("list", "--status", "Failed", "-o", "name").stdout.split() == ["b-bad"]
    assert sorted(run("list", "-l", "app=x", "-o", "name").stdout.split()) == ["a-ok", "c-run"]
    assert run("list", "--running", "-o", "name").stdout.split() == ["c-run"]
    assert sorted(run("list", "--completed", "-o", "name").stdout.split()) == ["a-ok", "b-bad"]
    assert len(json.loads(run("list", "-o", "json").stdout)) == 3
    wide = run("list", "-o", "wide").stdout.splitlines()
    assert "P/R/C" in wide[0] and "0/1/0" in wide[1]
    fields = [r.url.params.get("fields") for r in fake.requests if r.url.path == "/api/v1/workflows/argo"]
    assert fields[1] and "items.status.phase" in fields[1]  # the table asks for a field mask


def test_list_chunks(run: Run, fake: FakeArgo) -> None:
    for i in range(5):
        _add(fake, f"w{i}")
    assert len(run("list", "--chunk-size", "2", "-o", "name").stdout.split()) == 5
    # By default the list is paged too (issue 14 item 4: one 200 MB answer), 500 at a time as kubectl does.
    fake.requests.clear()
    assert len(run("list", "-o", "name").stdout.split()) == 5
    limits = [
        r.url.params.get("listOptions.limit") for r in fake.requests if r.url.path == "/api/v1/workflows/argo"
    ]
    assert limits and set(limits) == {"500"}


def test_get_tree_json_and_latest(run: Run, fake: FakeArgo) -> None:
    _add(fake, "old", finish="Succeeded")
    fake.workflows[("argo", "old")]["metadata"]["creationTimestamp"] = "2020-01-01T00:00:00Z"
    _add(fake, "new")
    result = run("get", "old")
    assert result.exit_code == 0, result.output
    assert (
        "Name:                old" in result.stdout and "STEP" in result.stdout and "✔ old" in result.stdout
    )
    assert json.loads(run("get", "@latest", "-o", "json").stdout)["metadata"]["name"] == "new"
    assert run("get", "@latest", "-o", "name").stdout.strip() == "new"


def test_not_found_exits_2_with_one_line(run: Run) -> None:
    result = run("get", "ghost")
    assert result.exit_code == 2
    assert result.stderr.strip() == 'error: workflows.argoproj.io "ghost" not found'


def test_unreachable_server_exits_3(run: Run, argento_home: object) -> None:
    from click.testing import CliRunner

    from argento.cli.main import cli

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(cli, ["list"], env={"ARGENTO_SERVER": f"http://127.0.0.1:{port}"})
    assert result.exit_code == 3
    assert f"http://127.0.0.1:{port}" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_token_exits_4(fake: FakeArgo, run: Run) -> None:
    fake.token = "right"
    assert run("list").exit_code == 4
    assert run("list", "--token", "wrong").exit_code == 4
    assert run("list", env={"ARGENTO_TOKEN": "right"}).exit_code == 0


def test_delete_names_filters_and_missing(run: Run, fake: FakeArgo) -> None:
    _add(fake, "a", finish="Succeeded")
    _add(fake, "b", {"app": "x"})
    _add(fake, "c", {"app": "x"})
    result = run("delete", "a")
    assert result.exit_code == 0 and result.stdout.strip() == "Workflow 'a' deleted"
    result = run("delete", "-l", "app=x", "--dry-run")
    assert result.stdout.count("(dry-run)") == 2 and len(fake.workflows) == 2
    result = run("delete", "b", "ghost")  # argo delete: a missing name is reported and skipped, exit 0
    assert result.exit_code == 0 and ("argo", "b") not in fake.workflows
    assert result.stdout.splitlines() == ["Workflow 'b' deleted", "Workflow 'ghost' not found"]
    assert run("delete").exit_code == 1  # argo: "requires either a workflow or other argument"
    _add(fake, "old", finish="Succeeded")
    fake.workflows[("argo", "old")]["status"]["finishedAt"] = "2020-01-01T00:00:00Z"
    _add(fake, "fresh", finish="Succeeded")
    assert run("delete", "--older", "1d").stdout.strip() == "Workflow 'old' deleted"
    assert run("delete", "--all").exit_code == 0 and not fake.workflows


def test_logs_prefix_node_and_filters(run: Run, fake: FakeArgo) -> None:
    _add(fake, "w")
    wf = fake.workflows[("argo", "w")]
    node = next(n for n in wf["status"]["nodes"].values() if n["type"] == "Pod")
    from argento.cli.tree import pod_name

    pod = pod_name(wf, node)
    fake.logs[("argo", "w")] = [(pod, "epoch 1"), ("w-other-9", "noise"), (pod, "accuracy 0.9")]
    result = run("logs", "w")
    assert result.stdout.splitlines() == [f"{pod}: epoch 1", "w-other-9: noise", f"{pod}: accuracy 0.9"]
    assert run("logs", "w", "main").stdout.splitlines() == [f"{pod}: epoch 1", f"{pod}: accuracy 0.9"]
    assert fake.requests[-1].url.params["podName"] == pod
    assert run("logs", "w", "--grep", "acc").stdout.strip() == f"{pod}: accuracy 0.9"
    assert run("logs", "w", "--tail", "1", "-c", "init").stdout.strip() == f"{pod}: accuracy 0.9"
    assert fake.requests[-1].url.params["logOptions.container"] == "init"
    lines = run("logs", "w", "w-other-9", "-o", "json").stdout.splitlines()
    assert [json.loads(x) for x in lines] == [{"podName": "w-other-9", "content": "noise"}]


def test_logs_follow_streams_until_done(run: Run, fake: FakeArgo) -> None:
    _add(fake, "w")
    result = run("logs", "@latest", "-f")
    assert result.exit_code == 0 and "hello from w" in result.stdout
    assert fake.requests[-1].url.params["logOptions.follow"] == "true"


def test_watch_and_wait_exit_codes(run: Run, fake: FakeArgo) -> None:
    _add(fake, "good")
    result = run("watch", "good")
    assert result.exit_code == 0 and "STEP" in result.stdout
    fake.outcomes["bad"] = "Failed"
    _add(fake, "bad")
    assert run("watch", "bad").exit_code == 1
    _add(fake, "good2")
    result = run("wait", "good2")
    assert result.exit_code == 0 and result.stdout.startswith("good2 Succeeded at ")
    assert run("wait", "bad").exit_code == 1
    assert run("wait", "ghost").exit_code == 2
    assert run("wait", "ghost", "--ignore-not-found").exit_code == 0


def test_actions(run: Run, fake: FakeArgo) -> None:
    _add(fake, "w")
    assert run("suspend", "w").stdout.strip() == "workflow w suspended"
    assert fake.workflows[("argo", "w")]["spec"]["suspend"] is True
    assert run("resume", "w").stdout.strip() == "workflow w resumed"
    result = run("resume", "w")
    assert result.exit_code == 1 and "suspended" in result.stderr  # Conflict
    assert run("stop", "w", "--message", "enough").stdout.strip() == "workflow w stopped"
    assert json.loads(fake.requests[-1].content)["message"] == "enough"
    result = run("retry", "w", "--wait")
    assert result.exit_code == 0 and "w Succeeded at" in result.stdout
    result = run("resubmit", "w", "--memoized", "-o", "name")
    new = result.stdout.strip()
    assert result.exit_code == 0 and new.startswith("w-") and ("argo", new) in fake.workflows
    assert run("terminate", new).stdout.strip() == f"workflow {new} terminated"
    _add(fake, "r")
    result = run("suspend", "r", "ghost")
    assert result.exit_code == 2 and "ghost" in result.stderr and "workflow r suspended" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        "submit", "list", "get", "logs", "watch", "wait", "delete", "retry", "resubmit", "stop", "terminate",
        "suspend", "resume", "template", "template create", "cluster-template list", "cron", "cron create",
        "archive list", "archive get",
    ],
)  # fmt: skip
def test_every_command_has_help_with_example(run: Run, command: str) -> None:
    result = run(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "argento" in result.stdout


def test_wait_timeout_exits_1(run: Run, fake: FakeArgo) -> None:
    _add(fake, "stuck")
    fake.workflows[("argo", "stuck")]["spec"]["suspend"] = True
    result = run("wait", "stuck", "--timeout", "0.3s")
    assert result.exit_code == 1 and "did not finish" in result.stderr


def test_live_view_redraws_on_a_terminal() -> None:
    import io

    from argento.cli.streams import LiveView

    fake = FakeArgo()
    wf = fake.add_workflow({"metadata": {"name": "w"}, "spec": dict(SPEC)}, "argo")
    out = io.StringIO()
    view = LiveView(tty=True, out=out)
    view.update(wf)
    view.last = 0.0  # do not throttle the second frame
    view.update(fake.finish("argo", "w"))
    view.clear()
    text = out.getvalue()
    assert text.count("STEP") == 2 and "\x1b[" in text and "Succeeded" in text
