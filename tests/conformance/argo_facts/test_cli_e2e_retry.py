"""Argo's CLI e2e suite (``test/e2e/cli_test.go``), part 2: ``retry`` and ``resubmit``, as real ``argento``
subprocesses against one ``argento server`` (``_cli.py``; part 1 is ``test_cli_e2e.py``, whose docstring
lists the cases not ported, part 3 ``test_cli_e2e_resources.py``).

"""

from __future__ import annotations

import re

import pytest
import yaml
from tests.conformance.argo_facts._cli import (
    CAT,
    E2E,
    EXIT_1,
    SUMMARY,
    Cli,
    created_name,
    nodes,
    phase,
    suspended,
)


# -- retry -------------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowRetry")
def test_retry_restart_successful_by_selector(cli: Cli) -> None:
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: retry-test-
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: steps-outer-step1
                    template: whalesay
                - - name: steps-outer-step2
                    template: steps-inner
            - name: steps-inner
              steps:
                - - name: steps-inner-step1
                    template: whalesay
                - - name: steps-inner-step2
                    template: approve
            - name: approve
              suspend: {}
            - name: whalesay
              container:
                image: argoproj/argosay:v2
        """
    )
    cli.wait_for(name, suspended)
    out = cli("terminate", "@latest")
    assert out.code == 0 and re.search(r"workflow retry-test-.* terminated", out.text), out.text
    before = cli.wait_for(name, lambda wf: phase(wf) == "Failed")
    inner_before = nodes(before)["steps-inner-step1"]
    out = cli(
        "retry", "@latest", "--restart-successful", "--node-field-selector", "templateName==steps-inner"
    )
    assert out.code == 0, out.text
    assert "Name:" in out.text and "Namespace:" in out.text
    after = cli.wait_for(name, lambda wf: suspended(wf) and phase(wf) == "Running")
    outer, inner = nodes(after)["steps-outer-step1"], nodes(after)["steps-inner-step1"]
    assert outer["id"] == nodes(before)["steps-outer-step1"]["id"]
    assert outer["finishedAt"] <= before["status"]["finishedAt"]  # kept, not run again
    assert inner["phase"] == "Succeeded" and inner["startedAt"] >= inner_before["finishedAt"]  # run again
    assert inner["finishedAt"] >= before["status"]["finishedAt"]
    assert cli("terminate", name).code == 0


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowRetryFailedWorkflow")
def test_retry_by_label_selector(cli: Cli) -> None:
    # the first run leaves a file on the workflow's volume, and fails; the retried run finds it
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: fail-first-pass-second-workflow
          labels:
            workflows.argoproj.io/workflow: fail-first-pass-second-workflow
        spec:
          entrypoint: main
          volumeClaimTemplates:
            - metadata:
                name: artifacts
              spec:
                accessModes: [ReadWriteOnce]
                resources:
                  requests:
                    storage: 0.1Gi
          templates:
            - name: main
              container:
                image: argoproj/argosay:v2
                volumeMounts:
                  - name: artifacts
                    mountPath: /mnt/artifacts
                command: [sh, -c]
                args: ['if [ -s /mnt/artifacts/a.txt ]; then exit 0; else echo x > /mnt/artifacts/a.txt; exit 1; fi']
        """
    )
    assert phase(cli.wait_for(name)) == "Failed"
    out = cli("retry", "-l", "workflows.argoproj.io/workflow=fail-first-pass-second-workflow")
    assert out.code == 0, out.text
    assert phase(cli.wait_for(name, lambda wf: phase(wf) == "Succeeded")) == "Succeeded"


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowRetryNestedDag")
def test_retry_nested_dag_node(cli: Cli) -> None:
    cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: retry-nested-dag
        spec:
          entrypoint: outer-dag
          templates:
            - name: outer-dag
              dag:
                tasks:
                  - {name: dag1-step1, template: node-to-succeed}
                  - {name: dag1-step2, dependencies: [dag1-step1], template: middle-dag}
                  - {name: dag1-step3-tofail, dependencies: [dag1-step2], template: node-to-fail}
            - name: middle-dag
              dag:
                tasks:
                  - {name: dag2-step1, template: inner-dag}
            - name: inner-dag
              dag:
                tasks:
                  - {name: dag3-step1, template: node-to-succeed}
                  - {name: dag3-step2, dependencies: [dag3-step1], template: node-to-succeed}
                  - {name: dag3-step3, dependencies: [dag3-step2], template: node-to-succeed}
            - name: node-to-succeed
              container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["exit 0"]}
            - name: node-to-fail
              container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["exit 1"]}
        """
    )
    first = cli.wait_for("retry-nested-dag")
    assert phase(first) == "Failed"
    out = cli(
        "retry",
        "retry-nested-dag",
        "--restart-successful",
        "--node-field-selector",
        "name=retry-nested-dag.dag1-step2.dag2-step1.dag3-step1",
    )
    assert out.code == 0, out.text
    assert "Name:" in out.text and "Namespace:" in out.text
    wf = cli.wait_for("retry-nested-dag")
    for step in ("dag3-step1", "dag3-step2", "dag3-step3"):
        assert nodes(wf)[step]["phase"] == "Succeeded"


@pytest.mark.fact(CAT, f"{E2E}:TestRetryWorkflowWithContinueOn")
def test_retry_with_continue_on(cli: Cli) -> None:
    task = "{{name: {n}, template: node-to-exit, {extra}arguments: {{parameters: [{{name: exitCode, value: '{c}'}}]}}}}"
    tasks = "\n".join(
        "              - " + task.format(n=n, extra=extra, c=c)
        for n, extra, c in (
            ("success", "", "0"),
            ("failure", "dependencies: [success], ", "1"),
            ("task-after-failure", "dependencies: [failure], ", "0"),
            ("continue", "continueOn: {failed: true}, dependencies: [success], ", "2"),
            ("task-after-continue", "dependencies: [continue], ", "0"),
        )
    )
    name = cli.submit(
        f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: retry-workflow-with-continueon
spec:
  entrypoint: dag
  templates:
    - name: dag
      retryStrategy: {{limit: 2, retryPolicy: OnError}}
      dag:
        failFast: false
        tasks:
{tasks}
    - name: node-to-exit
      inputs: {{parameters: [{{name: exitCode}}]}}
      container: {{image: argoproj/argosay:v2, args: [exit, "{{{{inputs.parameters.exitCode}}}}"]}}
"""
    )
    first = cli.wait_for(name)
    assert phase(first) == "Failed" and len(first["status"]["nodes"]) == 7
    out = cli("retry", name)
    assert out.code == 0, out.text
    assert "Name:" in out.text and "Namespace:" in out.text
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed" and len(wf["status"]["nodes"]) == 7
    success = next(n for n in wf["status"]["nodes"].values() if n["name"].endswith(".success"))
    assert len(success["children"]) == 2


@pytest.mark.fact(CAT, f"{E2E}:TestRetryWorkflowWithFailedExitHandler")
def test_retry_with_failed_exit_handler(cli: Cli) -> None:
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: retry-workflow-with-failed-exit-handler
        spec:
          entrypoint: hello
          onExit: exit-handler
          templates:
          - name: hello
            container: {image: argoproj/argosay:v2, args: [echo, hello]}
          - name: exit-handler
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """
    )
    first = cli.wait_for(name)
    assert phase(first) == "Failed" and len(first["status"]["nodes"]) == 2
    out = cli("retry", name)
    assert out.code == 0, out.text
    assert "Name:" in out.text and "Namespace:" in out.text
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed" and len(wf["status"]["nodes"]) == 2
    by_name = {n["name"]: n for n in wf["status"]["nodes"].values()}
    assert by_name[name]["phase"] == "Succeeded"
    on_exit = next(n for k, n in by_name.items() if k.endswith(".onExit"))
    assert on_exit["phase"] == "Failed" and "exit code 1" in on_exit["message"]


@pytest.mark.fact(CAT, f"{E2E}:TestRetryOmit")
def test_retry_with_omitted_node(cli: Cli) -> None:
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: retry-omit-
        spec:
          entrypoint: main
          templates:
            - name: main
              dag:
                tasks:
                  - {name: F, template: fail}
                  - {name: O, depends: F, template: pass}
            - name: pass
              container: {image: argoproj/argosay:v2}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """
    )
    wf = cli.wait_for(name)
    assert phase(wf) == "Failed" and nodes(wf)["O"]["phase"] == "Omitted"
    out = cli("retry", "@latest")
    assert out.code == 0, out.text
    cli.wait_for(name)


# -- resubmit ----------------------------------------------------------------------------------------------
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowResubmit")
def test_resubmit_memoized(cli: Cli) -> None:
    cli.wait_for(cli.submit(EXIT_1))
    out = cli("resubmit", "--memoized", "@latest")
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    assert len(cli.names()) == 2


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowResubmitDAGWithDependencies")
def test_resubmit_dag_with_dependencies(cli: Cli) -> None:
    name = cli.submit(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: resubmit-dag-with-dependencies-
        spec:
          entrypoint: rand-fail-dag
          templates:
            - name: rand-fail-dag
              dag:
                tasks:
                  - {name: A, template: success}
                  - {name: B, template: fail, depends: A}
                  - {name: C, depends: B, template: success}
                  - {name: D, depends: C, template: success}
            - name: fail
              container: {image: argoproj/argosay:v2, args: [exit, "1"]}
            - name: success
              container: {image: argoproj/argosay:v2, args: [exit, "0"]}
        """
    )
    assert phase(cli.wait_for(name)) == "Failed"
    out = cli("resubmit", "--memoized", "@latest")
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    # Argo reads it back with `get @latest`; here by its name: both were created within the same second,
    # and @latest then picks the first name of that second, as Argo's getLatestWorkflow does.
    got = cli("get", created_name(out.text), "-o", "yaml")
    assert got.code == 0, got.text
    again = yaml.safe_load(got.text)["metadata"]["name"]
    # Named from the original's generateName (util.go:FormulateResubmitWorkflow), not from its name.
    assert again != name and again.startswith("resubmit-dag-with-dependencies-")
    wf = cli.wait_for(again)
    assert phase(wf) == "Failed" and len(wf["status"]["nodes"]) == 5
    a, b, c, d = (nodes(wf)[x] for x in "ABCD")
    # The carried-over pod is a Skipped node naming the pod it stands for (util.go:FormulateResubmitWorkflow).
    old_a = nodes(cli.get(name))["A"]
    assert (a["type"], a["phase"], a["message"]) == ("Skipped", "Skipped", f"original pod: {old_a['id']}")
    assert a["finishedAt"] <= b["startedAt"]
    assert b["phase"] == "Failed" and "exit code 1" in b["message"]
    for skipped in (c, d):
        assert skipped["type"] == "Skipped" and "omitted: depends condition not met" in skipped["message"]


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowResubmitByLabelSelector")
def test_resubmit_by_label_selector(cli: Cli) -> None:
    cli.wait_for(cli.submit(EXIT_1))
    out = cli("resubmit", "--selector", "workflows.argoproj.io/test=true")
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    assert len(cli.names()) == 2


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowResubmitByFieldSelector")
def test_resubmit_by_field_selector(cli: Cli) -> None:
    cli.wait_for(cli.submit(EXIT_1))
    out = cli("resubmit", "--field-selector", f"metadata.namespace={cli.ns}")
    assert out.code == 0, out.text
    for field in SUMMARY:
        assert field in out.text
    assert len(cli.names()) == 2
