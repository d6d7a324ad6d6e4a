"""Argo's CLI e2e suite (``test/e2e/cli_test.go``), part 3: lint, ``template``, ``cluster-template``
and ``cron``, as real ``argento`` subprocesses against one ``argento server``
(``_cli.py``; part 1 is ``test_cli_e2e.py``, whose docstring lists the cases not ported, part 2
``test_cli_e2e_retry.py``, part 4 ``test_cli_e2e_archive.py``: TestArchive, TestArchiveLabel).

Not ported from this half either:

- TestWorkflowLint/LintFileWithTemplate, Different Kind: ``argo lint`` asks the cluster for the templates a
  file references; ``argento lint`` is offline (Argo's ``--offline``) and wants them with ``--templates``.
- TestWorkflowLint's summary lines (``no linting errors found!``, ``1 linting errors found!``): ``argento
  lint`` reports every problem with ``file:line`` and a ``N files, E errors, W warnings`` summary (a
  documented difference, docs/conformance.md); the exit codes and the errors' wording are checked.
- TestCronWorkflowsBackfillCommands (``argo cron backfill``), TestArgoSetOutputs (``argo node set``),
  TestAuthToken (``argo auth token`` prints the kubeconfig's token; ``argento auth token`` manages the
  server's own tokens).

"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._cli import BASIC, CAT, E2E, EXIT_1, Cli, created_name, phase

# -- lint --------------------------------------------------------------------------------------------------

EMPTY_PARAMETER = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: empty-parameter-
    spec:
      entrypoint: abc
      templates:
        - name: abc
          {body}
        - name: whalesay
          inputs:
            parameters:
              - name: message
          container:
            image: argoproj/argosay:v2
            args: [echo, "{{{{inputs.parameters.message}}}}"]
    """


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowLint")
def test_lint(cli: Cli) -> None:
    out = cli("lint", cli.file(BASIC, "basic.yaml"))
    assert out.code == 0 and "0 errors" in out.text, out.text
    folder = cli.tmp / "dir"
    cli.file(BASIC, "dir/my-workflow.yaml")
    out = cli("lint", str(folder))
    assert out.code == 0 and "0 errors" in out.text, out.text
    out = cli("lint", cli.file(EXIT_1, "exit-1.yaml"))
    assert out.code == 0, out.text


@pytest.mark.parametrize(
    ("body", "wording"),
    [
        ("dag: {tasks: [{name: a, template: whalesay}]}", "inputs.parameters.message was not supplied"),
        ("steps: [[{name: a, template: whalesay}]]", "inputs.parameters.message was not supplied"),
        (
            "steps: [[{name: hello1, template: whalesay, arguments: {parameters: [{name: message, value: x}]}}],"
            " [{name: hello2, template: hell0}]]",
            "template name 'hell0' undefined",
        ),
    ],
    ids=["empty-parameter-dag", "empty-parameter-steps", "misreference-template-name"],
)
@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowLint (LintFileEmptyParamDAG, …Steps, …MisreferenceTemplate)")
def test_lint_errors(cli: Cli, body: str, wording: str) -> None:
    out = cli("lint", cli.file(EMPTY_PARAMETER.format(body=body)))
    assert out.code == 1, out.text
    assert wording in out.text
    assert "1 errors" in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowLint (All Kinds: a WorkflowTemplate without template names)")
def test_lint_malformed_template(cli: Cli) -> None:
    text = """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata:
          name: malformed
        spec:
          templates:
            - container:
                image: argoproj/argosay:v2
        """
    out = cli("lint", cli.file(text))
    assert out.code == 1, out.text
    assert "spec.templates[0].name" in out.text and "name is required" in out.text


# -- template ----------------------------------------------------------------------------------------------
WFT = """
    apiVersion: argoproj.io/v1alpha1
    kind: WorkflowTemplate
    metadata:
      name: basic
    spec:
      workflowMetadata:
        labels:
          workflows.argoproj.io/test: "true"
      entrypoint: {entry}
      templates:
        - name: {entry}
          container:
            image: argoproj/argosay:v2
    """


@pytest.mark.fact(CAT, f"{E2E}:TestTemplateCommands")
def test_template_commands(cli: Cli) -> None:
    out = cli("template", "lint")
    assert out.code != 0 and "Usage:" in out.text, out.text

    basic = cli.file(WFT.format(entry="main"), "basic-workflowtemplate.yaml")
    out = cli("template", "lint", basic)
    assert out.code == 0 and "no linting errors found!" in out.text, out.text

    cli.file(WFT.format(entry="main"), "workflow-templates/workflowtemplate.yaml")
    cli.file(
        WFT.format(entry="main").replace("entrypoint:", "entrypoints:").replace("name: basic", "name: bad"),
        "workflow-templates/invalid-workflowtemplate.yaml",
    )
    out = cli("template", "lint", str(cli.tmp / "workflow-templates"))
    assert out.code != 0
    assert "invalid-workflowtemplate.yaml" in out.text
    assert "spec.entrypoints" in out.text and "unknown field" in out.text

    out = cli("template", "create", basic)
    assert out.code == 0, out.text
    for field in ("Name:", "Namespace:", "Created:"):
        assert field in out.text
    out = cli("template", "list")
    assert out.code == 0 and "NAME" in out.lines[0] and out.lines[1:] == ["basic"]

    out = cli("template", "get", "not-found")
    assert out.code != 0 and '"not-found" not found' in out.text
    out = cli("template", "get", "basic")
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text

    out = cli("submit", "--from", "workflowtemplate/basic")
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text
    assert phase(cli.wait_for(created_name(out.text))) == "Succeeded"

    out = cli("template", "update", cli.file(WFT.format(entry="main-2"), "update.yaml"))
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text
    out = cli("template", "get", "basic", "-o", "yaml")
    assert out.code == 0 and "entrypoint: main-2" in out.text and "name: main-2" in out.text
    assert cli("template", "update", basic).code == 0
    out = cli("template", "get", "basic", "-o", "yaml")
    assert "entrypoint: main\n" in out.text and "main-2" not in out.text

    assert cli("template", "delete", "basic").code == 0
    assert cli("template", "list").lines == ["No WorkflowTemplates found"]


CWFT = """
    apiVersion: argoproj.io/v1alpha1
    kind: ClusterWorkflowTemplate
    metadata:
      name: {name}
    spec:
      entrypoint: whalesay-template
      arguments:
        parameters:
          - name: message
            value: {value}
      templates:
        - name: whalesay-template
          inputs:
            parameters:
              - name: message
          container:
            image: argoproj/argosay:v2
            args: [echo, "{say}"]
    """


@pytest.mark.fact(CAT, f"{E2E}:TestClusterTemplateCommands")
def test_cluster_template_commands(cli: Cli) -> None:
    name = f"cluster-whalesay-{cli.ns}"
    first = CWFT.format(name=name, value="hello", say="{{inputs.parameters.message}}")
    out = cli("cluster-template", "create", cli.file(first))
    assert out.code == 0 and name in out.text, out.text
    out = cli("cluster-template", "get", name)
    assert out.code == 0 and name in out.text, out.text
    second = CWFT.format(name=name, value="hello", say="Updated: {{inputs.parameters.message}}")
    out = cli("cluster-template", "update", cli.file(second, "update.yaml"))
    assert out.code == 0 and name in out.text, out.text
    out = cli("cluster-template", "get", name, "-o", "yaml")
    assert out.code == 0 and "Updated: {{inputs.parameters.message}}" in out.text
    third = CWFT.format(name=name, value="thanks", say="{{inputs.parameters.message}}")
    assert cli("cluster-template", "update", cli.file(third, "update2.yaml")).code == 0
    out = cli("cluster-template", "get", name, "-o", "yaml")
    assert out.code == 0 and "thanks" in out.text
    out = cli("cluster-template", "list")
    assert out.code == 0 and name in out.text
    out = cli("cluster-template", "delete", name)
    assert out.code == 0 and name in out.text


@pytest.mark.fact(CAT, f"{E2E}:TestWorkflowTemplateRefSubmit")
def test_submit_with_template_refs(cli: Cli) -> None:
    wft = """
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata:
          name: {name}
        spec:
          templates:
            - name: whalesay-template
              inputs:
                parameters:
                  - name: message
              container:
                image: argoproj/argosay:v2
                args: [echo, "{{{{inputs.parameters.message}}}}"]
        """
    out = cli("template", "create", cli.file(wft.format(name="workflow-template-whalesay-template")))
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text
    ref = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: {prefix}-
        spec:
          entrypoint: main
          templates:
            - name: main
              steps:
                - - name: call
                    templateRef:
                      name: {name}
                      template: whalesay-template
                      clusterScope: {cluster}
                    arguments:
                      parameters:
                        - name: message
                          value: hello
        """
    text = ref.format(
        prefix="workflow-template-ref", name="workflow-template-whalesay-template", cluster="false"
    )
    out = cli("submit", cli.file(text, "ref.yaml"), "-l", "workflows.argoproj.io/test=true")
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text
    assert phase(cli.wait_for(created_name(out.text))) == "Succeeded"

    cluster = f"cluster-whalesay-ref-{cli.ns}"
    cwft = wft.format(name=cluster).replace("kind: WorkflowTemplate", "kind: ClusterWorkflowTemplate")
    out = cli("cluster-template", "create", cli.file(cwft, "cwft.yaml"))
    assert out.code == 0 and "Name:" in out.text and "Created:" in out.text, out.text
    text = ref.format(prefix="cluster-workflow-template-ref", name=cluster, cluster="true")
    out = cli("submit", cli.file(text, "cref.yaml"), "-l", "workflows.argoproj.io/test=true")
    assert out.code == 0 and all(f in out.text for f in ("Name:", "Namespace:", "Created:")), out.text
    assert phase(cli.wait_for(created_name(out.text))) == "Succeeded"
    assert cli("cluster-template", "delete", cluster).code == 0


# -- cron --------------------------------------------------------------------------------------------------
CRON = """
    apiVersion: argoproj.io/v1alpha1
    kind: CronWorkflow
    metadata:
      name: test-cron-wf-basic
      labels:
        {labels}
    spec:
      schedules:
        - "{schedule}"
      concurrencyPolicy: "{policy}"
      startingDeadlineSeconds: {deadline}
      successfulJobsHistoryLimit: {success}
      failedJobsHistoryLimit: {failed}
      workflowSpec:
        entrypoint: main
        arguments:
          parameters:
            - name: message
              value: hello
        templates:
          - name: main
            container:
              image: {image}
    """


def cron_text(**over: str) -> str:
    values = {
        "labels": 'workflows.argoproj.io/test: "true"',
        "schedule": "0 0 1 1 *",
        "policy": "Allow",
        "deadline": "0",
        "success": "4",
        "failed": "2",
        "image": "argoproj/argosay:v2",
    }
    return CRON.format(**{**values, **over})


@pytest.mark.fact(CAT, f"{E2E}:TestCronCommands")
def test_cron_commands(cli: Cli) -> None:
    basic = cli.file(cron_text(), "cron/basic.yaml")
    out = cli("cron", "lint", basic)
    assert out.code == 0 and "no linting errors found!" in out.text, out.text
    out = cli("lint", basic)
    assert out.code == 0 and "0 errors" in out.text, out.text
    out = cli("cron", "lint", cli.file(WFT.format(entry="main"), "wft.yaml"))
    assert out.code != 0, out.text
    malformed = cron_text() + "---\n" + WFT.format(entry="main").replace("entrypoint:", "entrypoints:")
    out = cli("cron", "lint", cli.file(malformed, "cron/cron-and-malformed-template.yaml"))
    assert out.code == 0 and "no linting errors found!" in out.text, out.text
    out = cli("cron", "lint", str(cli.tmp / "cron"))
    assert out.code == 0 and "no linting errors found!" in out.text, out.text

    describe = ("Name:", "Namespace:", "Created:", "Schedules:", "Suspended:")
    describe += ("StartingDeadlineSeconds:", "ConcurrencyPolicy:")
    out = cli("cron", "create", basic)
    assert out.code == 0 and all(f in out.text for f in describe), out.text
    assert cli("cron", "delete", "test-cron-wf-basic").code == 0

    out = cli("cron", "create", basic, "--schedule", "1 2 3 * *", "-l", "workflows.argoproj.io/test=true")
    assert out.code == 0 and "Schedules:                     1 2 3 * *" in out.text, out.text
    update = cron_text(schedule="5 5 5 * *", policy="Replace", deadline="10", success="5", failed="3")
    out = cli("cron", "update", cli.file(update, "basic-update.yaml"))
    assert out.code == 0 and "Schedules:                     5 5 5 * *" in out.text, out.text
    out = cli("cron", "get", "test-cron-wf-basic", "-o", "yaml")
    assert out.code == 0
    for text in ("5 5 5 * *", "Replace", "startingDeadlineSeconds: 10", "successfulJobsHistoryLimit: 5"):
        assert text in out.text
    assert "failedJobsHistoryLimit: 3" in out.text and "argosay" in out.text
    update = cron_text(schedule="5 5 5 * *", policy="Replace", image="docker/whalesay:latest")
    out = cli("cron", "update", cli.file(update, "basic-update-template.yaml"))
    assert out.code == 0 and "Schedules:                     5 5 5 * *" in out.text, out.text
    out = cli("cron", "get", "test-cron-wf-basic", "-o", "yaml")
    assert "5 5 5 * *" in out.text and "Replace" in out.text and "whalesay" in out.text

    param = cli.file(cron_text().replace("name: test-cron-wf-basic", "name: test-cron-param"), "param.yaml")
    out = cli(
        "cron", "create", param, "-p", 'message="bar test passed"', "-l", "workflows.argoproj.io/test=true"
    )
    assert out.code == 0 and "bar test passed" in out.text, out.text

    out = cli("cron", "create", basic, "--name", "basic-cron-wf-overridden-name")
    assert out.code == 0 and "Name:basic-cron-wf-overridden-name" in out.text.replace(" ", ""), out.text
    out = cli("cron", "create", basic, "--generate-name", "basic-cron-wf-overridden-generate-name-")
    assert out.code == 0, out.text
    assert "Name:basic-cron-wf-overridden-generate-name-" in out.text.replace(" ", "")

    out = cli("cron", "list")
    assert out.code == 0
    for column in ("NAME", "AGE", "LAST RUN", "SCHEDULES", "SUSPENDED"):
        assert column in out.lines[0]

    labelled = cron_text(labels="client: importantclient").replace(
        "test-cron-wf-basic", "test-cwf-with-labels"
    )
    assert cli("cron", "create", cli.file(labelled, "labels.yaml")).code == 0
    assert cli("cron", "create", basic, "--name", "cron-wf-without-labels").code == 0
    out = cli("cron", "list", "-l client=importantclient")
    assert out.code == 0 and "SCHEDULES" in out.lines[0]
    assert "test-cwf-with-labels" in out.text and "cron-wf-without-labels" not in out.text

    out = cli("cron", "suspend", "test-cron-wf-basic")
    assert out.code == 0 and "CronWorkflow 'test-cron-wf-basic' suspended" in out.text, out.text
    out = cli("cron", "resume", "test-cron-wf-basic")
    assert out.code == 0 and "CronWorkflow 'test-cron-wf-basic' resumed" in out.text, out.text

    out = cli("cron", "get", "not-found")
    assert out.code != 0 and '"not-found" not found' in out.text, out.text
    out = cli("cron", "get", "test-cron-wf-basic")
    assert out.code == 0 and all(f in out.text for f in describe), out.text

    multiple = (
        cron_text()
        .replace('- "0 0 1 1 *"', '- "* * * * *"\n        - "*/2 * * * *"')
        .replace("test-cron-wf-basic", "test-cron-wf-multiple")
    )
    out = cli("cron", "create", cli.file(multiple, "multiple-schedules.yaml"))
    assert out.code == 0 and "Schedules:                     * * * * *,*/2 * * * *" in out.text, out.text
    assert cli("cron", "delete", "--all").code == 0  # no schedule fires later in another test
