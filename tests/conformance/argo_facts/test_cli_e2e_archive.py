"""Argo's CLI e2e suite (``test/e2e/cli_test.go``), part 4: ``argo archive`` (TestArchive, TestArchiveLabel), as
real ``argento`` subprocesses against one ``argento server`` (``_cli.py``; parts 1–3 are
``test_cli_e2e.py``, ``test_cli_e2e_retry.py`` and ``test_cli_e2e_resources.py``).

TestArchive's subtests share one archived workflow in Argo; here the read-only ones share one too (a
namespace of the module's own), and those that change the archive archive their own. Beyond Argo's e2e
asserts, the rules of the commands themselves are pinned from ``cmd/argo/commands/archive/*.go`` and
``server/workflowarchive/archived_workflow_server.go``: names resolved to one UID, ``retry`` refused while the
workflow is still live, ``resubmit --memoized`` from the archive, label values for one key only. The archive's
REST API is the server facts' (``test_server_api.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from serverconf import ServerProcess
from tests.conformance.argo_facts._cli import BASIC, CAT, E2E, Cli, new_cli, nodes, phase
from wait import eventually

CMD = "cmd/argo/commands/archive"
SERVER = "server/workflowarchive/archived_workflow_server.go"
ARCHIVING = "workflows.argoproj.io/workflow-archiving-status"


#: Exits with its ``code`` parameter: fails as submitted, passes when retried with ``-p code=0``.
EXIT_CODE = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      name: exit-code
    spec:
      entrypoint: exit
      arguments:
        parameters:
          - name: code
            value: "1"
      templates:
        - name: exit
          container:
            image: argoproj/argosay:v2
            args: [exit, "{{workflow.parameters.code}}"]
    """

#: ``get.go:printWorkflow``'s block for a finished workflow.
SUMMARY = ("Name:", "Namespace:", "ServiceAccount:", "Status:", "Created:", "Started:", "Finished:", "Duration:")


def archived(cli: Cli, name: str) -> dict[str, Any]:
    """Argo's ``fixtures.ToBeArchived``: the live workflow once it is labelled Archived."""
    return cli.wait_for(name, lambda wf: (wf["metadata"].get("labels") or {}).get(ARCHIVING) == "Archived")


def uid_of(wf: dict[str, Any]) -> str:
    return str(wf["metadata"]["uid"])


@pytest.fixture(scope="module")
def shared(cli_server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any]]:
    """TestArchive's set-up: ``@smoke/basic.yaml`` submitted and archived, in a namespace of the module's."""
    cli = new_cli(cli_server.url, tmp_path_factory.mktemp("archive-shared"))
    return cli, archived(cli, cli.submit(BASIC))


# -- TestArchive -------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestArchive/List")
def test_archive_list_in_chunks(cli: Cli) -> None:
    first = archived(cli, cli.submit(BASIC))
    second = archived(cli, cli.submit(BASIC))
    out = cli("archive", "list", "--chunk-size", "1")  # one a page: the CLI follows the continue token
    assert out.code == 0, out.text
    header, *rows = out.lines
    for column in ("NAMESPACE", "NAME", "STATUS", "UID"):
        assert column in header
    assert header.split() == [
        "NAMESPACE", "NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE", "P/R/C", "PARAMETERS", "UID"
    ]  # the wide table is the default, with the namespace and the UID (list.go)
    assert len(rows) == 2
    for row in rows:
        assert cli.ns in row and "basic" in row and "Succeeded" in row
    assert sorted(r.split()[-1] for r in rows) == sorted([uid_of(first), uid_of(second)])


@pytest.mark.fact(CAT, f"{E2E}:TestArchive/Get")
def test_archive_get_by_uid(shared: tuple[Cli, dict[str, Any]]) -> None:
    cli, wf = shared
    out = cli("archive", "get", uid_of(wf))
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    assert re.search(rf"^Name:\s+{wf['metadata']['name']}$", out.text, re.M), out.text
    assert re.search(r"^Status:\s+Succeeded$", out.text, re.M), out.text
    assert "STEP" not in out.text  # the summary only, no node tree (get.go:printWorkflow)


@pytest.mark.fact(CAT, f"{E2E}:TestArchive/GetByUIDFlag")
def test_archive_get_uid_flag(shared: tuple[Cli, dict[str, Any]]) -> None:
    cli, wf = shared
    out = cli("archive", "get", "--uid", uid_of(wf))
    assert out.code == 0 and "Name:" in out.text, out.text


@pytest.mark.fact(CAT, f"{E2E}:TestArchive/GetByNameFlag")
def test_archive_get_name_flag(shared: tuple[Cli, dict[str, Any]]) -> None:
    cli, wf = shared
    for args in (["--name", wf["metadata"]["name"]], [wf["metadata"]["name"]]):  # a name is told from a UID
        out = cli("archive", "get", *args)
        assert out.code == 0 and "Name:" in out.text, out.text


@pytest.mark.fact(CAT, f"{E2E}:TestArchive/GetByNameFlagWithUID")
def test_archive_get_uid_read_as_name_is_not_found(shared: tuple[Cli, dict[str, Any]]) -> None:
    cli, wf = shared
    out = cli("archive", "get", "--name", uid_of(wf))
    assert out.code != 0
    assert "not found" in out.text
    assert "Traceback" not in out.text


@pytest.mark.fact(CAT, f"{CMD}/get.go:NewGetCommand (-o json|yaml: the archived workflow)")
def test_archive_get_json_and_yaml(shared: tuple[Cli, dict[str, Any]]) -> None:
    cli, wf = shared
    got = cli("archive", "get", uid_of(wf), "-o", "json")
    assert got.code == 0, got.text
    body = got.json()
    assert body["metadata"]["uid"] == uid_of(wf) and body["status"]["phase"] == "Succeeded"
    # the archive's copy is labelled Persisted (workflow_archive.go:GetWorkflow)
    assert body["metadata"]["labels"][ARCHIVING] == "Persisted"
    got = cli("archive", "get", uid_of(wf), "-o", "yaml")
    assert got.code == 0 and yaml.safe_load(got.text)["metadata"]["uid"] == uid_of(wf), got.text
    bad = cli("archive", "get", uid_of(wf), "-o", "name")  # json, yaml or wide only
    assert bad.code != 0 and "Traceback" not in bad.text


@pytest.mark.fact(CAT, f"{E2E}:TestArchive/Delete")
def test_archive_delete(cli: Cli) -> None:
    wf = archived(cli, cli.submit(BASIC))
    out = cli("archive", "delete", uid_of(wf))
    assert out.code == 0, out.text
    assert "Archived workflow" in out.text and "deleted" in out.text
    assert out.lines == [f"Archived workflow '{uid_of(wf)}' deleted"]
    assert cli("archive", "get", uid_of(wf)).code != 0
    assert cli("archive", "list").lines == ["No workflows found"]
    assert cli.get(wf["metadata"]["name"])["metadata"]["uid"] == uid_of(wf)  # the live one stays


@pytest.mark.fact(CAT, f"{CMD}/delete.go:NewDeleteCommand (by name: the message names it as given)")
def test_archive_delete_by_name(cli: Cli) -> None:
    name = archived(cli, cli.submit(BASIC))["metadata"]["name"]
    out = cli("archive", "delete", name)
    assert out.code == 0 and out.lines == [f"Archived workflow '{name}' deleted"], out.text
    again = cli("archive", "delete", name)
    assert again.code != 0 and f"archived workflow '{name}' not found" in again.text


@pytest.mark.fact(CAT, f"{CMD}/util.go:resolveUID (a name archived twice wants the UID)")
def test_archive_name_archived_twice_is_ambiguous(cli: Cli) -> None:
    first = archived(cli, cli.submit(EXIT_CODE))
    assert cli("delete", "exit-code").code == 0
    second = archived(cli, cli.submit(EXIT_CODE))
    out = cli("archive", "get", "exit-code")
    assert out.code != 0
    assert "Multiple archived workflows found with name 'exit-code':" in out.text
    assert uid_of(first) in out.text and uid_of(second) in out.text and "Please specify the UID." in out.text
    for wf in (first, second):
        got = cli("archive", "get", uid_of(wf), "-o", "json")
        assert got.code == 0 and got.json()["metadata"]["uid"] == uid_of(wf), got.text
    both = cli("archive", "get", "--name", "--uid", "exit-code")  # MarkFlagsMutuallyExclusive
    assert both.code != 0 and "Traceback" not in both.text


@pytest.mark.fact(CAT, f"{CMD}/list.go:NewListCommand (-l selector, -o name|json)")
def test_archive_list_label_selector_and_outputs(cli: Cli) -> None:
    labelled = archived(cli, cli.submit(BASIC, "-l", "team=a"))
    archived(cli, cli.submit(BASIC, "-l", "team=b"))
    out = cli("archive", "list", "-l", "team=a", "-o", "name")
    assert out.code == 0 and out.lines == [labelled["metadata"]["name"]], out.text
    out = cli("archive", "list", "-l", "team", "-o", "json")
    assert out.code == 0, out.text
    assert sorted(w["metadata"]["labels"]["team"] for w in out.json()) == ["a", "b"]
    out = cli("archive", "list", "-l", "team=c", "-o", "json")
    assert out.code == 0 and json.loads(out.text) == [], out.text


# -- retry and resubmit from the archive -------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{SERVER}:RetryArchivedWorkflow (retry.go: -p, live again under its name)")
def test_archive_retry(cli: Cli) -> None:
    wf = archived(cli, cli.submit(EXIT_CODE))
    assert phase(wf) == "Failed"
    live = cli("archive", "retry", uid_of(wf))  # the workflow is still live: that is `argo retry`'s
    assert live.code != 0
    assert "Workflow already exists on cluster, use argo retry exit-code instead" in live.text
    assert cli("delete", "exit-code").code == 0
    eventually(cli.names, until=lambda names: "exit-code" not in names, timeout=30, what="exit-code deleted")
    out = cli("archive", "retry", "exit-code", "-p", "code=0")
    assert out.code == 0, out.text
    for field in ("Name:", "Namespace:", "ServiceAccount:", "Status:", "Created:"):
        assert field in out.text
    again = cli.wait_for("exit-code", lambda w: phase(w) == "Succeeded")
    assert uid_of(again) != uid_of(wf)
    params = again["spec"]["arguments"]["parameters"]
    assert params == [{"name": "code", "value": "0"}]
    # a workflow of its own: archived again when it ends, next to the first run's copy
    eventually(
        lambda: cli("archive", "list", "-o", "json").json(),
        until=lambda items: sorted(w["status"]["phase"] for w in items) == ["Failed", "Succeeded"],
        timeout=30,
        what="both runs archived",
    )
    assert cli("archive", "get", uid_of(wf), "-o", "json").json()["status"]["phase"] == "Failed"


@pytest.mark.fact(CAT, f"{CMD}/retry.go:NewRetryCommand (requires either selector or workflow)")
def test_archive_retry_needs_a_target(cli: Cli) -> None:
    out = cli("archive", "retry")
    assert out.code != 0 and "requires either selector or workflow" in out.text


@pytest.mark.fact(CAT, f"{CMD}/resubmit.go:resubmitArchivedWorkflows (--memoized)")
def test_archive_resubmit_memoized(cli: Cli) -> None:
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: resubmit-dag-
        spec:
          entrypoint: dag
          templates:
            - name: dag
              dag:
                tasks:
                  - {name: A, template: success}
                  - {name: B, template: fail, depends: A}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: success
              container: {image: argoproj/argosay:v2, args: [exit, "0"]}
        """
    )
    wf = archived(cli, name)
    assert phase(wf) == "Failed"
    out = cli("archive", "resubmit", "--memoized", uid_of(wf))
    assert out.code == 0, out.text
    found = re.search(r"^Name:\s+(\S+)$", out.text, re.M)
    assert found, out.text
    new = cli.wait_for(found.group(1))
    assert new["metadata"]["name"] != name and phase(new) == "Failed"
    # the pod that succeeded is carried over as a Skipped node naming it (util.go:FormulateResubmitWorkflow)
    a = nodes(new)["A"]
    assert (a["type"], a["phase"], a["message"]) == ("Skipped", "Skipped", f"original pod: {nodes(wf)['A']['id']}")
    assert nodes(new)["B"]["phase"] == "Failed"
    assert sorted(cli.names()) == sorted([name, new["metadata"]["name"]])


@pytest.mark.fact(CAT, f"{CMD}/resubmit.go:resubmitArchivedWorkflows (-l: each selected once)")
def test_archive_resubmit_by_selector(cli: Cli) -> None:
    first = archived(cli, cli.submit(BASIC, "-l", "batch=x"))
    archived(cli, cli.submit(BASIC, "-l", "batch=x"))
    archived(cli, cli.submit(BASIC))
    out = cli("archive", "resubmit", "-l", "batch=x", first["metadata"]["name"])  # overlap: once
    assert out.code == 0, out.text
    assert len(re.findall(r"^Name:", out.text, re.M)) == 2
    assert len(cli.names()) == 5


# -- TestArchiveLabel --------------------------------------------------------------------------------------
@pytest.fixture
def labelled(cli: Cli) -> Cli:
    """TestArchiveLabel's set-up: a workflow from a template, labelled ``workflows.argoproj.io/test=true``."""
    cli.create_template(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata:
          name: workflow-template-whalesay-template
          labels:
            workflows.argoproj.io/test: "true"
        spec:
          entrypoint: whalesay-template
          onExit: on-exit
          arguments:
            parameters:
              - name: message
                value: hello world
          templates:
            - name: whalesay-template
              inputs:
                parameters:
                  - name: message
              container:
                image: argoproj/argosay:v2
                args: ["echo", "{{inputs.parameters.message}}"]
            - name: on-exit
              container:
                image: argoproj/argosay:v2
                args: ["echo", "Exit Handler"]
        """
    )
    out = cli(
        "submit", "--from", "workflowtemplate/workflow-template-whalesay-template",
        "-l", "workflows.argoproj.io/test=true", "-o", "name",
    )  # fmt: skip
    assert out.code == 0, out.text
    assert phase(archived(cli, out.lines[-1])) == "Succeeded"
    return cli


@pytest.mark.fact(CAT, f"{E2E}:TestArchiveLabel/ListKeys")
def test_archive_list_label_keys(labelled: Cli) -> None:
    out = labelled("archive", "list-label-keys")
    assert out.code == 0, out.text
    assert "workflows.argoproj.io/test" in out.text.split("\n")


@pytest.mark.fact(CAT, f"{E2E}:TestArchiveLabel/ListValues")
def test_archive_list_label_values(labelled: Cli) -> None:
    out = labelled("archive", "list-label-values", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert "true" in out.text.split("\n")[0]


@pytest.mark.fact(CAT, f"{SERVER}:ListArchivedWorkflowLabelValues (one key, no operator)")
def test_archive_list_label_values_wants_one_key(cli: Cli) -> None:
    missing = cli("archive", "list-label-values")  # -l is required (MarkFlagRequired)
    assert missing.code != 0 and "Traceback" not in missing.text
    out = cli("archive", "list-label-values", "-l", "workflows.argoproj.io/test=true")
    assert out.code != 0 and "operation = is not supported" in out.text
    out = cli("archive", "list-label-values", "-l", "a,b")
    assert out.code != 0 and "only allow 1 labelRequirement, found 2" in out.text
