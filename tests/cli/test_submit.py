"""``argento submit``: local lint first, Argo's submit options, --wait/--watch exit codes, --from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import HELLO, Run
from fake_argo import FakeArgo


def test_submit_prints_summary_and_creates(run: Run, fake: FakeArgo, hello: Path) -> None:
    result = run("submit", str(hello))
    assert result.exit_code == 0, result.output
    (wf,) = fake.workflows.values()
    assert wf["metadata"]["name"].startswith("hello-")
    assert "Name:" in result.stdout and wf["metadata"]["name"] in result.stdout
    assert "Status:              Running" in result.stdout


def test_submit_applies_options_client_side(run: Run, fake: FakeArgo, hello: Path) -> None:
    result = run(
        "submit", str(hello), "-p", "message=yo", "-p", "extra=1", "--entrypoint", "main",
        "-l", "team=ml", "--generate-name", "greet-", "--serviceaccount", "robot", "-o", "name",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (wf,) = fake.workflows.values()
    assert result.stdout.strip() == wf["metadata"]["name"] and wf["metadata"]["name"].startswith("greet-")
    params = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    assert params == {"message": "yo", "extra": "1"}
    assert wf["metadata"]["labels"]["team"] == "ml" and wf["metadata"]["labels"]["app"] == "demo"
    assert wf["spec"]["serviceAccountName"] == "robot"


def test_submit_sends_manifest_unchanged_without_options(run: Run, fake: FakeArgo, hello: Path) -> None:
    import yaml

    assert run("submit", str(hello)).exit_code == 0
    body = json.loads(fake.requests[-1].content)
    assert body == {"namespace": "argo", "workflow": yaml.safe_load(HELLO)}


def test_submit_bad_manifest_fails_locally_with_file_line(run: Run, fake: FakeArgo, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(HELLO.replace("entrypoint: main", "entrypoint: missing"))
    result = run("submit", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:" in result.stderr and "missing" in result.stderr
    assert result.stderr.startswith("error: ")
    assert not fake.requests  # nothing was sent


def test_submit_malformed_yaml_and_missing_file(run: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Workflow\nspec: [\n")
    result = run("submit", str(broken))
    assert result.exit_code == 1 and "broken.yaml:" in result.stderr
    result = run("submit", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_submit_resolves_template_refs_on_the_server(run: Run, fake: FakeArgo, tmp_path: Path) -> None:
    manifest = tmp_path / "ref.yaml"
    manifest.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: ref-}\n"
        "spec:\n  workflowTemplateRef: {name: shared}\n"
    )
    result = run("submit", str(manifest))
    assert result.exit_code == 1 and "shared" in result.stderr  # not on the server: lint says so locally
    fake.templates[("argo", "shared")] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "shared", "namespace": "argo"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox"}}]},
    }
    result = run("submit", str(manifest), "-o", "name")
    assert result.exit_code == 0, result.output
    assert any(r.url.path == "/api/v1/workflow-templates/argo/shared" for r in fake.requests)


def test_submit_remembers_checked_files_but_not_against_changed_server_templates(
    run: Run, fake: FakeArgo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files whose Workflows passed lint are not parsed again (`argento.cli.checked`) — unless the server
    templates they reference changed since, or the files did: lint then runs, and says what is wrong."""
    from argento.cli import workflows

    manifest = tmp_path / "ref.yaml"
    manifest.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: ref-}\n"
        "spec:\n  workflowTemplateRef: {name: shared}\n"
    )
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "shared", "namespace": "argo", "resourceVersion": "1"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox"}}]},
    }
    fake.templates[("argo", "shared")] = template
    linted: list[int] = []
    real = workflows._lint_workflows
    monkeypatch.setattr(workflows, "_lint_workflows", lambda *a: (linted.append(1), real(*a))[1])

    assert run("submit", str(manifest), "-o", "name").exit_code == 0
    assert run("submit", str(manifest), "-o", "name").exit_code == 0
    assert len(linted) == 1 and len(fake.workflows) == 2  # the second submit took the checked entry
    # The template changes on the server so that the workflow no longer resolves: lint runs and refuses it.
    fake.templates[("argo", "shared")] = {
        **template,
        "metadata": {**template["metadata"], "resourceVersion": "2"},
        "spec": {**template["spec"], "entrypoint": "gone"},
    }
    result = run("submit", str(manifest))
    assert result.exit_code == 1 and "gone" in result.stderr and len(linted) == 2
    fake.templates[("argo", "shared")] = template  # back as it was: a digest lint passed with before
    assert run("submit", str(manifest), "-o", "name").exit_code == 0 and len(linted) == 2
    manifest.write_text(manifest.read_text().replace("ref-", "other-"))  # an edit: checked again
    assert run("submit", str(manifest), "-o", "name").exit_code == 0 and len(linted) == 3


def test_submit_wait_exit_codes(run: Run, fake: FakeArgo, hello: Path) -> None:
    result = run("submit", str(hello), "--wait")
    assert result.exit_code == 0, result.output
    name = next(iter(fake.workflows))[1]
    assert f"{name} Succeeded at " in result.stdout
    fake.default_outcome = "Failed"
    result = run("submit", str(hello), "--wait", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"]["phase"] == "Failed"


def test_submit_watch_prints_tree_and_exit_code(run: Run, fake: FakeArgo, hello: Path) -> None:
    result = run("submit", str(hello), "--watch")
    assert result.exit_code == 0, result.output
    assert "STEP" in result.stdout and "Succeeded" in result.stdout
    assert ": Running" in result.stderr and ": Succeeded" in result.stderr  # node transitions, not a tty
    fake.default_outcome = "Error"
    assert run("submit", str(hello), "--watch").exit_code == 1


def test_submit_from_template(run: Run, fake: FakeArgo) -> None:
    fake.templates[("argo", "train")] = {"metadata": {"name": "train"}, "spec": {}}
    result = run("submit", "--from", "workflowtemplate/train", "-p", "epochs=3", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["spec"]["workflowTemplateRef"] == {"name": "train"}
    assert json.loads(fake.requests[-1].content)["submitOptions"]["parameters"] == ["epochs=3"]
    result = run("submit", "--from", "workflowtemplate/none")
    assert result.exit_code == 2 and "none" in result.stderr
    assert run("submit", "--from", "bogus/x").exit_code == 1
    assert run("submit").exit_code == 2  # usage


def test_submit_stdin_and_namespace_env(run: Run, fake: FakeArgo) -> None:
    result = run("submit", "-", "-o", "name", input=HELLO, env={"ARGENTO_NAMESPACE": "team"})
    assert result.exit_code == 0, result.output
    assert next(iter(fake.workflows))[0] == "team"


def test_submit_argo_server_uses_same_client(fake: FakeArgo, hello: Path, argento_home: Path) -> None:
    from click.testing import CliRunner

    from argento.cli.main import cli

    result = CliRunner().invoke(
        cli,
        ["submit", str(hello), "--argo-server", "argo.example:2746", "--token", "Bearer abc", "-o", "name"],
        obj={"transport": fake.transport},
    )
    assert result.exit_code == 0, result.output
    request = fake.requests[-1]
    assert str(request.url).startswith("https://argo.example:2746/api/v1/workflows/argo")
    assert request.headers["authorization"] == "Bearer abc"
