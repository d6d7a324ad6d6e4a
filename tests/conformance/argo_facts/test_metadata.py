"""Workflow labels and annotations: ``spec.workflowMetadata`` (labels, annotations, labelsFrom), the
workflow-template labels, and the ``{{workflow.labels.*}}`` / ``{{workflow.annotations.*}}`` variables.

Sources: ``workflow/controller/operator.go:updateWorkflowMetadata``, ``setWfTemplateLabel``,
``setGlobalParameters``; ``test/e2e/functional_test.go:TestWorkflowMetadataLabelsFrom`` and the example
``examples/label-value-from-workflow.yaml``.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import wf

CAT = "metadata"
UPDATE = "workflow/controller/operator.go:updateWorkflowMetadata"

ECHO = """
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "%s"'}
        """


def labels(run) -> dict[str, str]:
    return run.workflow["metadata"].get("labels") or {}


@pytest.mark.fact(CAT, f"{UPDATE} (workflowMetadata.labels merged into metadata.labels)")
def test_workflow_metadata_labels(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        workflowMetadata:
          labels: {team: ml}
        """
            + ECHO % "{{workflow.labels.team}}"
        )
    )
    assert run.phase == "Succeeded"
    assert labels(run)["team"] == "ml"
    assert run.node("facts")["outputs"]["result"] == "ml"


@pytest.mark.fact(CAT, f"{UPDATE} (workflowMetadata.annotations)")
def test_workflow_metadata_annotations(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        workflowMetadata:
          annotations: {note: hello}
        """
            + ECHO % "{{workflow.annotations.note}}"
        )
    )
    assert run.workflow["metadata"]["annotations"]["note"] == "hello"
    assert run.node("facts")["outputs"]["result"] == "hello"


@pytest.mark.fact(CAT, f"{UPDATE} (workflowMetadata.labels override metadata.labels)")
def test_workflow_metadata_label_overrides(argo) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: facts
  labels: {team: old, other: kept}
spec:
  entrypoint: main
  workflowMetadata:
    labels: {team: new}
  templates:
  - name: main
    container: {image: alpine, command: [echo, hi]}
"""
    run = argo.run(text)
    assert labels(run)["team"] == "new"
    assert labels(run)["other"] == "kept"


@pytest.mark.fact(CAT, f"{UPDATE} + test/e2e/functional_test.go:TestWorkflowMetadataLabelsFrom (labelsFrom)")
def test_labels_from_expression(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        arguments:
          parameters: [{name: env, value: prod}]
        workflowMetadata:
          labelsFrom:
            environment:
              expression: workflow.parameters.env
            named:
              expression: "'wf-' + workflow.name"
        """
            + ECHO % "{{workflow.labels.environment}}"
        )
    )
    assert run.phase == "Succeeded", run.message
    assert labels(run)["environment"] == "prod"
    assert labels(run)["named"] == "wf-facts"
    assert run.node("facts")["outputs"]["result"] == "prod"


@pytest.mark.fact(CAT, f"{UPDATE} (labelsFrom must evaluate to a string)")
def test_labels_from_non_string_errors(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        workflowMetadata:
          labelsFrom:
            n: {expression: "1 + 1"}
        """
            + ECHO % "x"
        )
    )
    assert run.phase == "Error"
    assert (
        run.message == 'failed to evaluate label "n" expression "1 + 1" evaluted to int but must be a string'
    )


@pytest.mark.fact(CAT, f"{UPDATE} (labelsFrom values must be valid label values)")
def test_labels_from_invalid_value_errors(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        workflowMetadata:
          labelsFrom:
            bad: {expression: "'not a label'"}
        """
            + ECHO % "x"
        )
    )
    assert run.phase == "Error"
    assert run.message.startswith(
        'invalid label value "not a label" for label "bad" and expression "\'not a label\'": '
    )


@pytest.mark.fact(CAT, f"{UPDATE} (workflowMetadata.labels may use workflow variables)")
def test_workflow_metadata_labels_substituted(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        arguments:
          parameters: [{name: env, value: staging}]
        workflowMetadata:
          labels: {env: "{{workflow.parameters.env}}"}
        """
            + ECHO % "x"
        )
    )
    assert labels(run)["env"] == "staging"


@pytest.mark.fact(CAT, f"{UPDATE} (an invalid workflowMetadata label value is an error)")
def test_workflow_metadata_invalid_label_errors(argo) -> None:
    run = argo.run(
        wf(
            """
        entrypoint: main
        workflowMetadata:
          labels: {bad: "has space"}
        """
            + ECHO % "x"
        )
    )
    assert run.phase == "Error"
    assert run.message.startswith('invalid label value "has space" for label "bad": ')


@pytest.mark.fact(CAT, "workflow/controller/operator.go:setWfTemplateLabel")
def test_workflow_template_label(argo) -> None:
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: tmpl}
        """),
        templates=wf(
            """
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine, command: [echo, hi]}
        """,
            name="tmpl",
            kind="WorkflowTemplate",
        ),
    )
    assert run.phase == "Succeeded"
    assert labels(run)["workflows.argoproj.io/workflow-template"] == "tmpl"


@pytest.mark.fact(CAT, "workflow/controller/operator.go:setWfTemplateLabel (cluster scope)")
def test_cluster_workflow_template_label(argo) -> None:
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: ctmpl, clusterScope: true}
        """),
        templates=wf(
            """
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine, command: [echo, hi]}
        """,
            name="ctmpl",
            kind="ClusterWorkflowTemplate",
        ),
    )
    assert run.phase == "Succeeded"
    assert labels(run)["workflows.argoproj.io/cluster-workflow-template"] == "ctmpl"


@pytest.mark.fact(CAT, "workflow/controller/operator.go:setGlobalParameters (workflow.labels / .json)")
def test_workflow_labels_json(argo) -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: facts
  labels: {a: b}
spec:
  entrypoint: main
  templates:
  - name: main
    script:
      image: alpine
      command: [sh]
      source: |
        echo '{{workflow.labels.a}}'
"""
    run = argo.run(text)
    assert run.node("facts")["outputs"]["result"] == "b"


@pytest.mark.fact(
    CAT,
    "workflow/controller/operator.go:updateWorkflowMetadata (WorkflowTemplate's workflowMetadata applies)",
)
def test_template_workflow_metadata_applies(argo) -> None:
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: tmpl}
        """),
        templates=wf(
            """
        entrypoint: main
        workflowMetadata:
          labels: {from-template: "yes"}
        templates:
        - name: main
          container: {image: alpine, command: [echo, hi]}
        """,
            name="tmpl",
            kind="WorkflowTemplate",
        ),
    )
    assert labels(run)["from-template"] == "yes"
