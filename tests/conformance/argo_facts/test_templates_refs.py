"""``templateRef``, ``workflowTemplateRef`` and ClusterWorkflowTemplates: resolution, merge rules, validation.

Sources: ``workflow/validate/validate_test.go`` (TestNestedTemplateRef, TestWorkflowWithWFTRef…,
TestValidateFieldsWithWFTRef, TestDynamicWorkflowTemplateRef…), ``workflow/util/merge.go:JoinWorkflowSpec``
and ``MergeTo`` (the Workflow's fields win; arguments merge by name), ``operator.go`` (``invalid spec`` on a
merged spec that does not validate) and ``test/e2e/workflow_template_test.go``.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import VALIDATE, wf

CAT = "templates-refs"
MERGE = "workflow/util/merge.go:JoinWorkflowSpec"


def wft(body: str, name: str = "tmpl", kind: str = "WorkflowTemplate") -> str:
    return wf(body, name=name, kind=kind)


TARGET = wft("""
    entrypoint: A
    arguments:
      parameters: [{name: message, value: from-template}]
    templates:
    - name: A
      script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.message}}"'}
    - name: with-input
      inputs:
        parameters: [{name: message}]
      script: {image: alpine, command: [sh], source: 'echo "{{inputs.parameters.message}}"'}
    """)


@pytest.mark.fact(CAT, f"{VALIDATE}:TestWorkflowWithWFTRefWithEntrypoint (entrypoint from the template)")
def test_workflow_template_ref_runs_template_entrypoint(argo) -> None:
    run = argo.run(wf("workflowTemplateRef: {name: tmpl}"), templates=TARGET)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "from-template"


@pytest.mark.fact(CAT, f"{VALIDATE}:TestWorkflowWithWFTRefWithOverrideParam ({MERGE}: arguments by name)")
def test_workflow_arguments_override_template_arguments(argo) -> None:
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: tmpl}
        arguments:
          parameters: [{name: message, value: from-workflow}]
        """),
        templates=TARGET,
    )
    assert run.node("facts")["outputs"]["result"] == "from-workflow"


@pytest.mark.fact(CAT, f"{MERGE} (-p overrides a template argument)")
def test_p_overrides_template_argument(argo) -> None:
    run = argo.run(
        wf("workflowTemplateRef: {name: tmpl}"), templates=TARGET, parameters={"message": "from-p"}
    )
    assert run.node("facts")["outputs"]["result"] == "from-p"


@pytest.mark.fact(CAT, f"{MERGE} (the Workflow's entrypoint wins)")
def test_workflow_entrypoint_wins(argo) -> None:
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: tmpl}
        entrypoint: with-input
        arguments:
          parameters: [{name: message, value: chosen}]
        """),
        templates=TARGET,
    )
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "chosen"


@pytest.mark.fact(CAT, f"{VALIDATE}:TestValidateFieldsWithWFTRef (templates beside workflowTemplateRef)")
def test_templates_beside_workflow_template_ref_rejected(argo) -> None:
    text = wf("""
        entrypoint: A
        workflowTemplateRef: {name: tmpl}
        templates:
        - name: A
          container: {image: alpine}
        """)
    assert any(
        "Templates is invalid field in spec if workflow referred WorkflowTemplate reference" in e
        for e in argo.lint_errors(text)
    )


@pytest.mark.fact(
    CAT, "workflow/controller/operator.go:operate ('invalid spec' of a merged spec), issue 15 item 8"
)
def test_invalid_merged_spec_fails_with_invalid_spec(argo) -> None:
    broken = wft("""
        entrypoint: main
        templates:
        - name: main
          container: {command: [echo, hi]}
        """)
    run = argo.run(wf("workflowTemplateRef: {name: tmpl}"), templates=broken)
    assert run.phase == "Failed"
    assert run.message.startswith("invalid spec: ")
    assert "container.image may not be empty" in run.message
    assert run.nodes == {}


@pytest.mark.fact(
    CAT, "workflow/controller/operator.go:operate (merged spec: a missing template is 'invalid spec')"
)
def test_merged_spec_with_missing_template(argo) -> None:
    broken = wft("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: a, template: nope}
        """)
    run = argo.run(wf("workflowTemplateRef: {name: tmpl}"), templates=broken)
    assert run.phase == "Failed"
    assert run.message.startswith("invalid spec: ") and "template name 'nope' undefined" in run.message


@pytest.mark.fact(CAT, f"{VALIDATE}:TestNestedTemplateRef (templateRef into a WorkflowTemplate)")
def test_template_ref_step(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: call
              templateRef: {name: tmpl, template: with-input}
              arguments:
                parameters: [{name: message, value: via-ref}]
        """),
        templates=TARGET,
    )
    assert run.phase == "Succeeded"
    assert run.node("call")["outputs"]["result"] == "via-ref"
    assert run.node("call")["templateRef"] == {"name": "tmpl", "template": "with-input"}


@pytest.mark.fact(CAT, "workflow/templateresolution (templateRef with clusterScope)")
def test_cluster_template_ref(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - name: call
              templateRef: {name: ctmpl, template: with-input, clusterScope: true}
              arguments:
                parameters: [{name: message, value: cluster}]
        """),
        templates=TARGET.replace("name: tmpl", "name: ctmpl").replace(
            "kind: WorkflowTemplate", "kind: ClusterWorkflowTemplate"
        ),
    )
    assert run.phase == "Succeeded"
    assert run.node("call")["outputs"]["result"] == "cluster"


@pytest.mark.fact(CAT, f"{VALIDATE}:TestUndefinedTemplateRef (lint)")
def test_undefined_template_ref_template(argo) -> None:
    text = (
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: call
              templateRef: {name: tmpl, template: nope}
        """)
        + "---\n"
        + TARGET
    )
    assert any("nope" in e and "not found" in e for e in argo.lint_errors(text))


@pytest.mark.fact(CAT, f"{VALIDATE}:TestNestedTemplateRefWithError (inputs a referenced template requires)")
def test_template_ref_missing_input(argo) -> None:
    text = (
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: call
              templateRef: {name: tmpl, template: with-input}
        """)
        + "---\n"
        + TARGET
    )
    assert any("inputs.parameters.message was not supplied" in e for e in argo.lint_errors(text))


@pytest.mark.fact(CAT, f"{VALIDATE}:TestDynamicWorkflowTemplateRef (a templated templateRef.template)")
def test_dynamic_template_ref(argo) -> None:
    text = wf("""
        entrypoint: main
        arguments:
          parameters: [{name: message, value: dynamic}]
        templates:
        - name: main
          steps:
          - - name: outer
              template: pick
              arguments:
                parameters: [{name: which, value: A}]
        - name: pick
          inputs:
            parameters: [{name: which}]
          steps:
          - - name: call
              templateRef: {name: tmpl, template: "{{inputs.parameters.which}}"}
        """)
    assert argo.lint_errors(text + "---\n" + TARGET) == []
    run = argo.run(text, templates=TARGET)
    assert run.phase == "Succeeded", run.message
    assert run.node("call")["outputs"]["result"] == "dynamic"


@pytest.mark.fact(CAT, f"{MERGE} (a template's templateDefaults apply to its templates)")
def test_template_defaults_from_workflow_template(argo) -> None:
    tmpl = wft("""
        entrypoint: main
        templateDefaults:
          script: {image: alpine}
        templates:
        - name: main
          script: {command: [sh], source: echo defaulted}
        """)
    run = argo.run(wf("workflowTemplateRef: {name: tmpl}"), templates=tmpl)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "defaulted"


@pytest.mark.fact(
    CAT, "workflow/controller/operator.go:setExecWorkflow (a missing WorkflowTemplate is an Error)"
)
def test_missing_workflow_template(argo) -> None:
    run = argo.run(wf("workflowTemplateRef: {name: absent}"), lint=False)
    assert run.phase == "Error"
    assert '"absent" not found' in run.message


@pytest.mark.fact(CAT, f"{MERGE} (the Workflow's own arguments keep the template's other arguments)")
def test_template_arguments_kept(argo) -> None:
    tmpl = wft("""
        entrypoint: main
        arguments:
          parameters:
          - {name: a, value: A}
          - {name: b, value: B}
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.a}}{{workflow.parameters.b}}"'}
        """)
    run = argo.run(
        wf("""
        workflowTemplateRef: {name: tmpl}
        arguments:
          parameters: [{name: b, value: X}]
        """),
        templates=tmpl,
    )
    assert run.node("facts")["outputs"]["result"] == "AX"
