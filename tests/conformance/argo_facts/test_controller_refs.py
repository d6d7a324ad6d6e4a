"""What Argo's controller makes of templates from elsewhere: node names, types and ``templateScope`` through
``templateRef`` (``operator_template_scope_test.go``), the merge of a ``workflowTemplateRef``
(``operator_workflow_template_ref_test.go``) and inline templates (``inline_test.go``).
"""

from __future__ import annotations

import textwrap

import pytest
from tests.conformance.argo_facts._util import wf

CTRL = "workflow/controller"
SCOPE = f"{CTRL}/operator_template_scope_test.go"
WFTREF = f"{CTRL}/operator_workflow_template_ref_test.go"
INLINE = f"{CTRL}/inline_test.go"


def doc(body: str, name: str, kind: str = "WorkflowTemplate", more: str = "") -> str:
    """A manifest whose spec is ``body`` followed by ``more`` (more list items of ``templates``)."""
    if more:
        body = textwrap.dedent(body).rstrip("\n") + "\n" + textwrap.dedent(more).strip("\n")
    return wf(body, name=name, kind=kind)


def expect_nodes(run, expected: list[tuple[str, str, str]]) -> None:
    """Each ``(node name, type, templateScope)`` exists as stated."""
    assert run.phase == "Succeeded", run.message
    for name, type_, scope in expected:
        node = run.nodes.get(name)
        assert node is not None, f"no node {name!r}: {sorted(run.nodes)}"
        assert (node["type"], node.get("templateScope")) == (type_, scope), name


HELLO = """
    - name: hello
      script:
        image: python:alpine3.23
        command: [python]
        source: |
          print("hello world")
    """
SCOPE_2 = doc(
    """
    templates:
    - name: steps
      steps:
      - - name: hello
          template: hello
    """,
    "test-template-scope-2",
    more=HELLO,
)


def scope_1(kind: str) -> str:
    return doc(
        """
        templates:
        - name: steps
          steps:
          - - name: hello
              template: hello
            - name: other-wftmpl
              templateRef: {name: test-template-scope-2, template: steps}
        """,
        "test-template-scope-1",
        kind,
        more=HELLO,
    )


def entry(ref: str, name: str) -> str:
    return wf(
        f"""
        entrypoint: entry
        templates:
        - name: entry
          steps:
          - - name: step
              templateRef: {ref}
        """,
        name=name,
    )


@pytest.mark.parametrize(
    ("kind", "ref", "outer"),
    [
        pytest.param("WorkflowTemplate", "{name: test-template-scope-1, template: steps}", "namespaced",
                     id="TestTemplateScope", marks=pytest.mark.fact("templates-refs", f"{SCOPE}:TestTemplateScope")),
        pytest.param("ClusterWorkflowTemplate", "{name: test-template-scope-1, template: steps, clusterScope: true}",
                     "cluster", id="TestTemplateClusterScope",
                     marks=pytest.mark.fact("templates-refs", f"{SCOPE}:TestTemplateClusterScope")),
    ],
)
def test_template_scope_of_nodes(argo, kind: str, ref: str, outer: str) -> None:
    run = argo.run(entry(ref, "test-template-scope"), templates=scope_1(kind) + "---\n" + SCOPE_2)
    s = "test-template-scope[0].step"
    expect_nodes(
        run,
        [
            (s, "Steps", "local/test-template-scope"),
            (f"{s}[0]", "StepGroup", f"{outer}/test-template-scope-1"),
            (f"{s}[0].hello", "Pod", f"{outer}/test-template-scope-1"),
            (f"{s}[0].other-wftmpl", "Steps", f"{outer}/test-template-scope-1"),
            (f"{s}[0].other-wftmpl[0]", "StepGroup", "namespaced/test-template-scope-2"),
            (f"{s}[0].other-wftmpl[0].hello", "Pod", "namespaced/test-template-scope-2"),
        ],
    )


PRINT_STRING = """
    - name: print-string
      inputs:
        parameters: [{name: letter}]
      container: {image: alpine:3.23, command: [sh, -c], args: ["echo {{inputs.parameters.letter}}"]}
    """


@pytest.mark.fact("templates-refs", f"{SCOPE}:TestTemplateScopeWithParam")
def test_template_scope_with_param(argo) -> None:
    tmpl = doc(
        """
        templates:
        - name: main
          steps:
          - - name: print-string
              template: print-string
              arguments:
                parameters: [{name: letter, value: '{{item}}'}]
              withParam: '["x", "y", "z"]'
        """,
        "test-template-scope-with-param-1",
        more=PRINT_STRING,
    )
    name = "test-template-scope-with-param"
    run = argo.run(entry("{name: test-template-scope-with-param-1, template: main}", name), templates=tmpl)
    ns = "namespaced/test-template-scope-with-param-1"
    expect_nodes(
        run,
        [
            (f"{name}[0].step", "Steps", f"local/{name}"),
            (f"{name}[0].step[0]", "StepGroup", ns),
            *((f"{name}[0].step[0].print-string({i}:{c})", "Pod", ns) for i, c in enumerate("xyz")),
        ],
    )


@pytest.mark.fact("templates-refs", f"{SCOPE}:TestTemplateScopeNestedStepsWithParams")
def test_template_scope_nested_steps(argo) -> None:
    tmpl = doc(
        """
        templates:
        - name: main
          steps:
          - - name: main
              template: sub
        - name: sub
          steps:
          - - name: print-string
              template: print-string
              arguments:
                parameters: [{name: letter, value: '{{item}}'}]
              withParam: '["x", "y", "z"]'
        """,
        "test-template-scope-nested-steps-with-params-1",
        more=PRINT_STRING,
    )
    name = "test-template-scope-nested-steps-with-params"
    run = argo.run(entry(f"{{name: {name}-1, template: main}}", name), templates=tmpl)
    ns = f"namespaced/{name}-1"
    expect_nodes(
        run,
        [
            (name, "Steps", f"local/{name}"),
            (f"{name}[0].step[0]", "StepGroup", ns),
            (f"{name}[0].step[0].main", "Steps", ns),
            (f"{name}[0].step[0].main[0]", "StepGroup", ns),
            *((f"{name}[0].step[0].main[0].print-string({i}:{c})", "Pod", ns) for i, c in enumerate("xyz")),
        ],
    )


@pytest.mark.fact("templates-refs", f"{SCOPE}:TestTemplateScopeDAG")
def test_template_scope_dag(argo) -> None:
    tmpl = doc(
        """
        templates:
        - name: main
          dag:
            tasks:
            - name: A
              template: print-string
              arguments:
                parameters: [{name: letter, value: A}]
            - name: B
              template: print-string
              arguments:
                parameters: [{name: letter, value: '{{item}}'}]
              withParam: '["x", "y", "z"]'
        """,
        "test-template-scope-dag-1",
        more=PRINT_STRING,
    )
    name = "test-template-scope-dag"
    run = argo.run(entry("{name: test-template-scope-dag-1, template: main}", name), templates=tmpl)
    ns = "namespaced/test-template-scope-dag-1"
    expect_nodes(
        run,
        [
            (f"{name}[0].step", "DAG", f"local/{name}"),
            (f"{name}[0].step.A", "Pod", ns),
            (f"{name}[0].step.B", "TaskGroup", ns),
            *((f"{name}[0].step.B({i}:{c})", "Pod", ns) for i, c in enumerate("xyz")),
        ],
    )


# ---------------------------------------------------------------------------------- workflowTemplateRef
WFT = doc(
    """
    serviceAccountName: my-sa
    priority: 77
    templates:
    - name: whalesay-template
      inputs:
        parameters: [{name: message}]
      script:
        image: alpine
        command: [sh]
        source: |
          echo "{{inputs.parameters.message}} {{workflow.serviceAccountName}} {{workflow.priority}}"
          ls -d /data
        volumeMounts: [{name: data, mountPath: /data}]
    volumes:
    - {name: data, emptyDir: {}}
    """,
    "workflow-template-whalesay-template",
)
WF_WITH_REF = wf(
    """
    entrypoint: whalesay-template
    arguments:
      parameters: [{name: message, value: test}]
    workflowTemplateRef: {name: workflow-template-whalesay-template}
    """,
    name="workflow-template-hello-world",
)


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRef (serviceAccountName, priority, volumes)")
def test_workflow_template_ref_copies_spec_fields(argo) -> None:
    run = argo.run(WF_WITH_REF, templates=WFT)
    assert run.phase == "Succeeded", run.message
    assert run.node("workflow-template-hello-world")["outputs"]["result"] == "test my-sa 77\n/data"


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRefWithArgs (-p sets a global)")
def test_workflow_template_ref_with_args(argo) -> None:
    tmpl = doc(
        """
        entrypoint: main
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.param1}}"'}
        """,
        "t",
    )
    run = argo.run(wf("workflowTemplateRef: {name: t}"), templates=tmpl, parameters={"param1": "test"})
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "test"


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRefWithWorkflowTemplateArgs")
def test_workflow_template_arguments_are_globals(argo) -> None:
    tmpl = doc(
        """
        entrypoint: main
        arguments:
          parameters: [{name: param1, value: test}]
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.param1}}"'}
        """,
        "t",
    )
    run = argo.run(wf("workflowTemplateRef: {name: t}"), templates=tmpl)
    assert run.node("facts")["outputs"]["result"] == "test"


PARAMS_WFT = doc(
    """
    entrypoint: main
    arguments:
      parameters:
      - {name: a-a, value: "10"}
      - {name: b, value: ""}
      - {name: g-g, value: "1"}
      - {name: things, value: "[]"}
    templates:
    - name: main
      script:
        image: alpine
        command: [sh]
        source: 'echo "{{workflow.parameters.a-a}} {{workflow.parameters.g-g}} {{workflow.parameters.b}}"'
    """,
    "params-test-1",
)


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRefParamMerge (the Workflow keeps its own)")
def test_workflow_template_ref_param_merge(argo) -> None:
    run = argo.run(
        wf("""
        arguments:
          parameters:
          - {name: g-g, value: "2"}
          - {name: things, value: '[{"a":"1"}]'}
          - {name: a-a, value: "5"}
        workflowTemplateRef: {name: params-test-1}
        """),
        templates=PARAMS_WFT,
    )
    assert run.phase == "Succeeded", run.message
    assert run.workflow["spec"]["arguments"]["parameters"] == [
        {"name": "g-g", "value": "2"},
        {"name": "things", "value": '[{"a":"1"}]'},
        {"name": "a-a", "value": "5"},
    ]
    assert run.node("facts")["outputs"]["result"] == "5 2 "


ECHO_WFT = """
    entrypoint: echo
    arguments:
      parameters:
      - name: message
        {message}
    templates:
    - name: echo
      script: {{image: alpine, command: [sh], source: 'echo "{{{{workflow.parameters.message}}}}"'}}
    """
CONFIG_PROPERTIES = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-properties
  labels: {workflows.argoproj.io/configmap-type: Parameter}
data:
  message: message from configmap
"""
FROM_CM = "valueFrom: {configMapKeyRef: {name: config-properties, key: message}}"


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRefValueFromParamOverwrite (issue 14426)")
def test_workflow_value_overrides_template_value_from(argo) -> None:
    tmpl = doc(ECHO_WFT.format(message=FROM_CM), "wf-template-echo")
    run = argo.run(
        wf("""
        entrypoint: echo
        arguments:
          parameters: [{name: message, value: configmap argument overwrite with argument}]
        workflowTemplateRef: {name: wf-template-echo}
        """),
        templates=tmpl,  # no ConfigMap: the template's valueFrom is never read
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "configmap argument overwrite with argument"


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateRefValueParamOverwrite")
def test_workflow_value_from_overrides_template_value(argo) -> None:
    tmpl = doc(ECHO_WFT.format(message="value: message from workflow template"), "wf-template-echo")
    run = argo.run(
        wf(f"""
        entrypoint: echo
        arguments:
          parameters:
          - name: message
            {FROM_CM}
        workflowTemplateRef: {{name: wf-template-echo}}
        """),
        templates=tmpl + "---\n" + CONFIG_PROPERTIES,
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "message from configmap"
    assert run.workflow["spec"]["arguments"]["parameters"][0]["valueFrom"]["configMapKeyRef"] == {
        "name": "config-properties",
        "key": "message",
    }


@pytest.mark.fact("templates-refs", f"{WFTREF}:TestWorkflowTemplateWithDynamicRef")
def test_workflow_template_with_dynamic_ref(argo) -> None:
    tmpl = doc(
        """
        templates:
        - name: hello-world
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.global-parameter}}"'}
        """,
        "hello-world-template-global-arg",
    )
    run = argo.run(
        wf("""
        entrypoint: whalesay
        arguments:
          parameters:
          - {name: global-parameter, value: hello}
          - {name: template-name, value: hello-world-template-global-arg}
        templates:
        - name: whalesay
          steps:
          - - name: hello-world
              templateRef: {name: '{{workflow.parameters.template-name}}', template: hello-world}
        """),
        templates=tmpl,
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("hello-world")["outputs"]["result"] == "hello"


# ----------------------------------------------------------------------------------------------- inline
@pytest.mark.fact("steps", f"{INLINE}:TestInlineDAG")
def test_inline_dag_task(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - name: a
              inline:
                container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.foo}}']}
                inputs:
                  parameters: [{name: foo, value: bar}]
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("a")["inputs"]["parameters"] == [{"name": "foo", "value": "bar"}]


def inline_task(letter: str) -> str:
    return f"""
    - name: inline-{letter}
      arguments:
        parameters: [{{name: arg, value: '{{{{ inputs.parameters.arg }}}}'}}]
      inline:
        inputs:
          parameters: [{{name: arg}}]
        script: {{image: alpine, command: [sh], source: 'echo "{{{{ inputs.parameters.arg }}}} {letter}"'}}
        outputs:
          parameters: [{{name: arg-out, value: '{{{{ inputs.parameters.arg }}}}'}}]
    """


def iterated(kind: str) -> str:
    """``test-inline-iterated``: a loop over a steps or dag template whose two tasks are inline templates."""
    pair = textwrap.dedent(inline_task("a")).strip("\n") + "\n" + textwrap.dedent(inline_task("b")).strip("\n")
    if kind == "steps":  # one parallel group of the two
        body = "steps:\n- " + textwrap.indent(pair, "  ").lstrip()
    else:
        body = "dag:\n  tasks:\n" + textwrap.indent(pair, "  ")
    inner = "- name: inline\n  inputs:\n    parameters: [{name: arg}]\n" + textwrap.indent(body, "  ")
    spec = (
        "entrypoint: main\ntemplates:\n- name: main\n  steps:\n  - - name: iterated\n      template: inline\n"
        "      arguments:\n        parameters: [{name: arg, value: '{{ item }}'}]\n"
        "      withItems: [foo, bar]\n" + inner
    )
    return wf(spec, name="test-inline-iterated", kind="WorkflowTemplate")


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("steps", id="steps", marks=pytest.mark.fact("steps", f"{INLINE}:TestCallTemplateWithInlineSteps")),
        pytest.param("dag", id="dag", marks=pytest.mark.fact("dag", f"{INLINE}:TestCallTemplateWithInlineDAG")),
    ],
)
def test_call_template_with_inline(argo, kind: str) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - name: process
              templateRef: {name: test-inline-iterated, template: main}
        """),
        templates=iterated(kind),
    )
    assert run.phase == "Succeeded", run.message
    pods = sorted(n["outputs"]["result"] for n in run.nodes.values() if n["type"] == "Pod")
    assert pods == ["bar a", "bar b", "foo a", "foo b"]


OPERATOR = f"{CTRL}/operator_test.go"


@pytest.mark.parametrize(
    "typeless",
    [
        pytest.param("whalesay", id="entrypoint",
                     marks=pytest.mark.fact("templates-refs", f"{OPERATOR}:TestWorkflowTemplateEntryPointValidation")),
        pytest.param("notify", id="onExit",
                     marks=pytest.mark.fact("templates-refs", f"{OPERATOR}:TestWorkflowTemplateOnExitValidation")),
    ],
)
def test_referenced_template_without_a_type_is_an_invalid_spec(argo, typeless: str) -> None:
    bodies = {
        "whalesay": "container: {image: argoproj/argosay:v2, command: [/argosay], args: [echo, hi]}",
        "notify": "container: {image: argoproj/argosay:v2, command: [/argosay], args: [echo, bye]}",
    }
    templates = "\n".join(
        f"- name: {name}" + ("" if name == typeless else f"\n  {body}") for name, body in bodies.items()
    )
    tmpl = doc("entrypoint: whalesay\nonExit: notify\ntemplates:\n" + templates, "invalid")
    run = argo.run(wf("workflowTemplateRef: {name: invalid}"), templates=tmpl, lint=False)
    assert run.phase == "Failed"
    assert run.message.startswith("invalid spec: ")
    assert run.nodes == {}
