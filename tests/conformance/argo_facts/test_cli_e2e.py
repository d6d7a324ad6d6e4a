"""Argo's CLI e2e suite (``test/e2e/cli_test.go``), part 1: submit, list, get, delete, logs, wait, watch,
suspend, resume, stop and terminate, run as real ``argento`` subprocesses against one ``argento server``
(``_cli.py``). Part 2 (``test_cli_e2e_retry.py``) has retry and resubmit, part 3 (``test_cli_e2e_resources.py``) lint,
templates and cron, part 4 (``test_cli_e2e_archive.py``) the archive.

Each fact asserts what Argo's test asserts: the exit code, the lines that matter and the workflow's state.
Cases of Argo's suite not ported (they test Kubernetes or the Go binary, not behaviour a local tool has):

- TestCompletion: cobra's shell completion script (click generates its own through ``_ARGENTO_COMPLETE``).
- TestLogLevels, TestGLogLevels: the Go CLI's ``-v``/``--loglevel``/``--gloglevel`` (klog) output.
- TestVersion: Go build metadata (BuildDate, GitCommit, GoVersion, Compiler, Platform).
- TestGRPC, TestKUBE, TestTokenArg, TestClientCerts: gRPC and kubeconfig transports, client certificates.
- TestLogs/ContainerLogs: the ``wait`` sidecar container's ``Executor`` log lines (there is no sidecar).
- TestLogs/SinceTime: ``--since-time`` in KUBE mode (kubectl's flag; ``--since`` is ported).
- TestResourceTemplateStopAndTerminate: a ``resource:`` template creating a Kubernetes object.
- TestWorkflowCopyArtifact (``argo cp``), TestConfigMapSyncCLI, TestDBSyncCLI (``argo sync``),
  TestPluginStruct (executor plugins), TestWorkflowConvert (``argo convert``): commands Argento lacks.
- TestWorkflowRetryWithRecreatedPVC: a ``volumeClaimTemplates`` PVC deleted and recreated by Kubernetes.
"""

from __future__ import annotations

import re
import time

import pytest
import yaml
from tests.conformance.argo_facts._cli import BASIC, CAT, E2E, EXIT_1, SUMMARY, Cli, nodes, phase, suspended
from wait import eventually

#: A workflow still running when the test acts on it (stop and terminate kill it).
SLEEPY = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: basic-
      labels:
        workflows.argoproj.io/test: "true"
    spec:
      entrypoint: main
      templates:
        - name: main
          container:
            image: argoproj/argosay:v2
            args: [sleep, 60s]
    """


def running_pod(wf: dict) -> bool:
    return any(
        n.get("type") == "Pod" and n.get("phase") == "Running"
        for n in ((wf.get("status") or {}).get("nodes") or {}).values()
    )


# -- submit ------------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestSubmitDryRun")
def test_submit_dry_run(cli: Cli) -> None:
    out = cli("submit", cli.file(BASIC), "--dry-run", "-o", "yaml", "-l", "workflows.argoproj.io/test=true")
    assert out.code == 0, out.text
    assert "generateName: basic" in out.text
    assert "uid:" not in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, "cmd/argo/commands/submit.go:validateOptions (--dry-run needs -o)")
def test_submit_dry_run_needs_an_output(cli: Cli) -> None:
    out = cli("submit", cli.file(BASIC), "--dry-run")
    assert out.code != 0
    assert "--dry-run should have an output option" in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestSubmitInvalidWf")
def test_submit_invalid_yaml(cli: Cli) -> None:
    text = BASIC.rstrip() + '-this-is-invalid-yaml"\n'
    out = cli("submit", cli.file(text), "-l", "workflows.argoproj.io/test=true")
    assert out.code != 0
    assert "Traceback" not in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestSubmitServerDryRun")
def test_submit_server_dry_run(cli: Cli) -> None:
    out = cli(
        "submit", cli.file(BASIC), "--server-dry-run", "-o", "yaml", "-l", "workflows.argoproj.io/test=true"
    )
    assert out.code == 0, out.text
    assert re.search(r"^  name: basic-", out.text, re.M), out.text
    assert "uid:" in out.text
    assert cli.names() == []


TEMPLATE = """
    apiVersion: argoproj.io/v1alpha1
    kind: WorkflowTemplate
    metadata:
      name: workflow-template-whalesay-template
    spec:
      entrypoint: whalesay-template
      arguments:
        parameters:
          - name: message
            value: hello
      templates:
        - name: whalesay-template
          inputs:
            parameters:
              - name: message
          container:
            image: argoproj/argosay:v2
            args: [echo, "{{inputs.parameters.message}}"]
    """


@pytest.mark.fact(CAT, f"{E2E}:TestSubmitWorkflowTemplateDryRun")
def test_submit_from_template_dry_run(cli: Cli) -> None:
    cli.create_template(TEMPLATE)
    out = cli(
        "submit", "--dry-run", "--from", "workflowtemplate/workflow-template-whalesay-template", "-o", "yaml"
    )
    assert out.code == 0, out.text
    assert "generateName: workflow-template-whalesay-template-" in out.text
    assert "uid:" not in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestSubmitWorkflowTemplateServerDryRun")
def test_submit_from_template_server_dry_run(cli: Cli) -> None:
    cli.create_template(TEMPLATE)
    out = cli(
        "submit",
        "--server-dry-run",
        "--from",
        "workflowtemplate/workflow-template-whalesay-template",
        "-o",
        "yaml",
    )
    assert out.code == 0, out.text
    assert "generateName: workflow-template-whalesay-template-" in out.text
    assert "uid:" in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestParametersFile")
def test_submit_parameter_file(cli: Cli) -> None:
    params = cli.file("message: hello", "parameters-file.yaml")
    wf = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: parameters-
        spec:
          entrypoint: main
          arguments:
            parameters:
              - name: message
          templates:
            - name: main
              container:
                image: argoproj/argosay:v2
                args: [echo, "{{workflow.parameters.message}}"]
        """
    out = cli("submit", cli.file(wf), "-l", "workflows.argoproj.io/test=true", f"--parameter-file={params}")
    assert out.code == 0, out.text
    assert "message:           hello" in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestSubmitClusterWorkflowTemplate")
def test_submit_from_cluster_template(cli: Cli) -> None:
    cluster = TEMPLATE.replace("kind: WorkflowTemplate", "kind: ClusterWorkflowTemplate").replace(
        "name: workflow-template-whalesay-template", f"name: cluster-whalesay-{cli.ns}"
    )
    cli.create_template(cluster, cluster=True)
    out = cli("submit", "--from", f"clusterworkflowtemplate/cluster-whalesay-{cli.ns}", "--name", "my-wf")
    assert out.code == 0, out.text
    assert phase(cli.wait_for("my-wf")) == "Succeeded"


# -- the root commands: submit, list, get, delete ----------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestRoot")
def test_root_commands(cli: Cli) -> None:
    submitted = cli("submit", cli.file(BASIC), "-l", "workflows.argoproj.io/test=true")
    assert submitted.code == 0, submitted.text
    for field in SUMMARY:
        assert field in submitted.text
    name = re.search(r"^Name:\s+(\S+)", submitted.text, re.M).group(1)  # type: ignore[union-attr]
    cli.wait_for(name)

    listed = cli("list")
    assert listed.code == 0, listed.text
    for column in ("NAME", "STATUS", "AGE", "DURATION", "PRIORITY"):
        assert column in listed.lines[0]
    assert name in listed.lines[1]

    names = cli("list", "-o", "name")
    assert names.code == 0 and "NAME" not in names.text and names.lines == [name]

    wide = cli("list", "-o", "wide")
    assert wide.code == 0 and "PARAMETERS" in wide.lines[0]

    as_json = cli("list", "-o", "json")
    assert as_json.code == 0 and len(as_json.json()) == 1

    as_yaml = cli("list", "-o", "yaml")
    assert as_yaml.code == 0 and len(yaml.safe_load(as_yaml.text)) == 1

    got = cli("get", "@latest")
    assert got.code == 0, got.text
    for field in SUMMARY:
        assert field in got.text

    assert cli("delete", "@latest").code == 0
    assert cli.names() == []


@pytest.mark.fact(CAT, "cmd/argo/commands/common/get.go:PrintWorkflowHelper (ServiceAccount when unset)")
def test_get_service_account_line(cli: Cli) -> None:
    name = cli.submit(BASIC)
    assert "ServiceAccount:      unset (will run with the default ServiceAccount)" in cli("get", name).text
    other = cli.submit(BASIC, "--serviceaccount", "robot")
    assert re.search(r"^ServiceAccount:\s+robot$", cli("get", other).text, re.M)


# -- delete ------------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteByName")
def test_delete_by_name(cli: Cli) -> None:
    name = cli.submit(BASIC)
    out = cli("delete", name)
    assert out.code == 0, out.text
    assert re.search(r"Workflow 'basic-.*' deleted", out.text)


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteByFieldSelector")
def test_delete_by_field_selector(cli: Cli) -> None:
    name = cli.submit(BASIC)
    out = cli("delete", "--field-selector", f"metadata.name={name}")
    assert out.code == 0, out.text
    assert f"Workflow '{name}' deleted" in out.text
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteDryRun")
def test_delete_dry_run(cli: Cli) -> None:
    out = cli("delete", "--dry-run", "basic")
    assert out.code == 0, out.text
    assert "Workflow 'basic' deleted (dry-run)" in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteNothing")
def test_delete_nothing(cli: Cli) -> None:
    cli.submit(BASIC)
    out = cli("delete")
    assert out.code == 1, out.text
    assert "deleted" not in out.text
    assert len(cli.names()) == 1


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteNotFound")
def test_delete_not_found(cli: Cli) -> None:
    out = cli("delete", "not-found")
    assert out.code == 0, out.text
    assert "Workflow 'not-found' not found" in out.text


@pytest.mark.fact(CAT, "cmd/argo/commands/delete.go:NewDeleteCommand (no match: 'No resources found')")
def test_delete_no_match(cli: Cli) -> None:
    out = cli("delete", "--all")
    assert out.code == 0, out.text
    assert out.lines == ["No resources found"]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteAll")
def test_delete_all(cli: Cli) -> None:
    cli.submit(BASIC, "-l", "workflows.argoproj.io/test=true")
    out = cli("delete", "--all", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert re.search(r"Workflow 'basic-.*' deleted", out.text)
    assert cli.names() == []


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteCompleted")
def test_delete_completed(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("delete", "--completed", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert "deleted" not in out.text
    assert cli("terminate", name).code == 0
    cli.wait_for(name)
    out = cli("delete", "--completed", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert f"Workflow '{name}' deleted" in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteResubmitted")
def test_delete_resubmitted(cli: Cli) -> None:
    original = cli.submit(EXIT_1)
    cli.wait_for(original)
    out = cli("resubmit", "--memoized", "@latest")
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    again = re.search(r"^Name:\s+(\S+)", out.text, re.M).group(1)  # type: ignore[union-attr]
    cli.wait_for(again)
    out = cli("delete", "--resubmitted", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert out.lines == [f"Workflow '{again}' deleted"]
    assert cli.names() == [original]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteOlder")
def test_delete_older(cli: Cli) -> None:
    name = cli.submit(BASIC, "-l", "workflows.argoproj.io/test=true")
    cli.wait_for(name)
    out = cli("delete", "--older", "1d", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert "deleted" not in out.text
    out = cli("delete", "--older", "0s", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert f"Workflow '{name}' deleted" in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowDeleteByPrefix")
def test_delete_by_prefix(cli: Cli) -> None:
    name = cli.submit(BASIC, "-l", "workflows.argoproj.io/test=true")
    out = cli("delete", "--prefix", "missing-prefix", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert "deleted" not in out.text
    out = cli("delete", "--prefix", "basic", "-l", "workflows.argoproj.io/test")
    assert out.code == 0, out.text
    assert f"Workflow '{name}' deleted" in out.text


# -- logs --------------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestLogs")
def test_logs(cli: Cli) -> None:
    name = cli.submit(BASIC)
    follow = cli("logs", name, "--follow")
    assert follow.code == 0 and ":) Hello Argo!" in follow.text, follow.text
    pod = cli("logs", name, name, "--follow")
    assert pod.code == 0 and ":) Hello Argo!" in pod.text, pod.text
    finished = cli.wait_for(name)["status"]["finishedAt"]
    # --since=1s once the line is more than a second old
    from argento.cli.remote import parse_time

    done = parse_time(finished).timestamp()  # type: ignore[union-attr]
    eventually(lambda: time.time() > done + 2.5, timeout=30, what="the log line is older than 1s")
    for flag in ("--since=1s", "--tail=0", "--grep=no"):
        out = cli("logs", name, flag)
        assert out.code == 0, out.text
        assert ":) Hello Argo!" not in out.text, (flag, out.text)
    tail = cli("logs", name, "--tail=10")
    assert tail.code == 0 and ":) Hello Argo!" in tail.text


@pytest.mark.fact(CAT, f"{E2E}:TestLogProblems")
def test_logs_in_order(cli: Cli) -> None:
    steps = "".join(
        f"""
                - - name: report-{i}
                    template: report
                    arguments:
                      parameters:
                        - name: message
                          value: {word}"""
        for i, word in enumerate(("one", "two", "three", "four", "five"), 1)
    )
    text = f"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: log-problems-
        spec:
          entrypoint: plan
          templates:
            - name: plan
              steps:{steps}
            - name: report
              inputs:
                parameters:
                  - name: message
              container:
                image: argoproj/argosay:v2
                args: [echo, "{{{{inputs.parameters.message}}}}"]
        """
    name = cli.submit(text)
    words = ["one", "two", "three", "four", "five"]
    follow = cli("logs", "@latest", "--follow")
    assert follow.code == 0, follow.text
    assert [line.split(": ", 1)[1] for line in follow.lines] == words, follow.text
    cli.wait_for(name)
    done = cli("logs", "@latest")
    assert done.code == 0 and [line.split(": ", 1)[1] for line in done.lines] == words, done.text


# -- suspend, resume, stop, terminate ----------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowSuspendResume")
def test_suspend_resume(cli: Cli) -> None:
    text = SLEEPY.replace("args: [sleep, 60s]", "args: [sleep, 3s]")
    name = cli.submit(text)
    cli.wait_for(name, running_pod)
    out = cli("suspend", "@latest")
    assert out.code == 0 and "workflow @latest suspended" in out.text, out.text
    assert cli.get(name)["spec"].get("suspend") is True
    out = cli("resume", "@latest")
    assert out.code == 0 and "workflow @latest resumed" in out.text, out.text
    assert phase(cli.wait_for(name)) == "Succeeded"


@pytest.mark.fact(CAT, f"{E2E}:TestNodeSuspendResume")
def test_node_suspend_resume(cli: Cli) -> None:
    text = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: node-suspend-
        spec:
          entrypoint: node-suspend
          templates:
            - name: node-suspend
              steps:
              - - name: step1
                  template: whalesay
              - - name: suspend1
                  template: suspend
                  arguments:
                    parameters:
                      - name: tag
                        value: "suspend1-{{steps.step1.outputs.result}}"
              - - name: suspend2
                  template: suspend
                  arguments:
                    parameters:
                      - name: tag
                        value: "suspend2-{{steps.step1.outputs.result}}"
            - name: whalesay
              container:
                image: argoproj/argosay:v2
                args: [echo, tag1]
            - name: suspend
              inputs:
                parameters:
                  - name: tag
              suspend: {}
        """
    name = cli.submit(text)
    cli.wait_for(name, suspended)
    out = cli("resume", "@latest", "--node-field-selector", "inputs.parameters.tag.value=suspend1-tag1")
    assert out.code == 0 and "workflow @latest resumed" in out.text, out.text
    cli.wait_for(name, lambda wf: suspended(wf) and "suspend2" in nodes(wf))
    out = cli(
        "stop",
        "@latest",
        "--node-field-selector",
        "inputs.parameters.tag.value=suspend2-tag1",
        "--message",
        "because",
    )
    assert out.code == 0, out.text
    assert re.search(r"workflow node-suspend-.* stopped", out.text)
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed"
    assert re.search(r"child 'node-suspend-.*' failed", wf["status"]["message"])


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowStop")
def test_stop(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("stop", "@latest")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} stopped"]
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed" and wf["spec"]["shutdown"] == "Stop"


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowStopDryRun")
def test_stop_dry_run(cli: Cli) -> None:
    name = cli.submit(SLEEPY, "--name", "basic")
    out = cli("stop", "--dry-run", "basic")
    assert out.code == 0, out.text
    assert out.lines == ["workflow basic stopped (dry-run)"]
    assert not cli.get(name)["spec"].get("shutdown")
    assert cli("terminate", name).code == 0


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowStopBySelector")
def test_stop_by_selector(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("stop", "--selector", "workflows.argoproj.io/test=true")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} stopped"]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowStopByFieldSelector")
def test_stop_by_field_selector(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("stop", "--field-selector", f"metadata.namespace={cli.ns}")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} stopped"]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowTerminate")
def test_terminate(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("terminate", "@latest")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} terminated"]
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed" and wf["spec"]["shutdown"] == "Terminate"
    assert "Failed (Terminated)" in cli("list").text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowTerminateDryRun")
def test_terminate_dry_run(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("terminate", "--dry-run", "@latest")
    assert out.code == 0, out.text
    assert out.lines == ["workflow @latest terminated (dry-run)"]
    assert not cli.get(name)["spec"].get("shutdown")
    assert cli("terminate", name).code == 0


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowTerminateBySelector")
def test_terminate_by_selector(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("terminate", "--selector", "workflows.argoproj.io/test=true")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} terminated"]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowTerminateByFieldSelector")
def test_terminate_by_field_selector(cli: Cli) -> None:
    name = cli.submit(SLEEPY)
    out = cli("terminate", "--field-selector", f"metadata.namespace={cli.ns}")
    assert out.code == 0, out.text
    assert out.lines == [f"workflow {name} terminated"]


@pytest.mark.fact(CAT, "cmd/argo/commands/stop.go, terminate.go (Args: a name or a selector)")
def test_stop_terminate_need_a_target(cli: Cli) -> None:
    for verb in ("stop", "terminate"):
        out = cli(verb)
        assert out.code != 0
        assert "requires either selector or workflow" in out.text, out.text


# -- wait, watch -------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowWait")
def test_wait(cli: Cli) -> None:
    name = cli.submit(BASIC)
    out = cli("wait", name)
    assert out.code == 0, out.text
    assert re.search(r"basic-.* Succeeded", out.text)


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowWatch")
def test_watch(cli: Cli) -> None:
    cli.submit(BASIC)
    out = cli("watch", "@latest")
    assert out.code == 0, out.text
    assert "Name: " in out.text
    assert re.search(r"^Status:\s+Succeeded$", out.text, re.M)
