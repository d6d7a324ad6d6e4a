"""More of Argo's controller unit tests replayed on the fake executor (see test_operator_replay.py and _replay.py).

Facts from workflow/controller/operator_test.go, operator_workflow_template_ref_test.go,
operator_template_scope_test.go, inline_test.go, exit_handler_test.go and when_test.go. Argo's tests operate
once and look at the pods created; here the workflow runs to its end and the node tree is read, so a fact states
the final outcome the Go test's intermediate states lead to.
"""

from __future__ import annotations

import pytest

from argento.executors.base import StepResult

from ._replay import Scripted, replay

CTRL = "workflow/controller"


def fact(source: str, category: str = "operator") -> pytest.MarkDecorator:
    return pytest.mark.fact(category, f"{CTRL}/{source}")


def _wft(name: str, body: str) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\n"
        f"metadata: {{name: {name}, namespace: argo}}\nspec:\n" + body
    )


REF = """
metadata: {{name: {name}, namespace: argo}}
spec:
  workflowTemplateRef: {{name: {ref}}}
{extra}
"""


# -- operate() on a WorkflowTemplate whose spec does not validate ------------------------------------------------
@fact("operator_test.go:TestWorkflowTemplateOnExitValidation", "validation")
def test_a_referenced_template_with_an_unknown_exit_handler_fails_the_workflow(argo) -> None:
    wft = _wft("bad-onexit", """
  entrypoint: main
  onExit: no-such-template
  templates:
  - {name: main, container: {image: alpine, command: [sh, -c, 'exit 0']}}
""")
    run, fake = replay(argo, REF.format(name="onexit-bad", ref="bad-onexit", extra=""), templates=wft,
                       lint=False)
    assert run.phase == "Failed"
    assert "invalid spec" in run.message
    assert fake.started == []


@fact("operator_test.go:TestWorkflowTemplateEntryPointValidation", "validation")
def test_a_referenced_template_with_an_unknown_entrypoint_fails_the_workflow(argo) -> None:
    wft = _wft("bad-entry", """
  entrypoint: no-such-template
  templates:
  - {name: main, container: {image: alpine, command: [sh, -c, 'exit 0']}}
""")
    run, _ = replay(argo, REF.format(name="entry-bad", ref="bad-entry", extra=""), templates=wft, lint=False)
    assert run.phase == "Failed"
    assert "invalid spec" in run.message


# -- workflowTemplateRef arguments -----------------------------------------------------------------------------
def _param_wft(param: str) -> str:
    return _wft("with-param", f"""
  entrypoint: main
  arguments:
    parameters:
    - name: param1
      {param}
  templates:
  - name: main
    container: {{image: alpine, command: [sh, -c, 'echo {{{{workflow.parameters.param1}}}}']}}
""")


def _param_run(argo, name: str, wft_param: str, wf_param: str = "", configmaps: str = "") -> str:
    extra = f"  arguments:\n    parameters:\n    - name: param1\n      {wf_param}" if wf_param else ""
    templates = _param_wft(wft_param) + configmaps
    run, fake = replay(argo, REF.format(name=name, ref="with-param", extra=extra), templates=templates)
    assert run.phase == "Succeeded", run.message
    return fake.started[0].command[-1].removeprefix("echo ")


@fact("operator_workflow_template_ref_test.go:TestWorkflowTemplateRefWithArgs", "templates-refs")
def test_workflow_arguments_override_the_referenced_templates(argo) -> None:
    assert _param_run(argo, "args-wf", "value: from-wft", "value: test") == "test"


@fact("operator_workflow_template_ref_test.go:TestWorkflowTemplateRefWithWorkflowTemplateArgs", "templates-refs")
def test_the_referenced_templates_arguments_apply_when_the_workflow_gives_none(argo) -> None:
    assert _param_run(argo, "args-wft", "value: test") == "test"


CM = """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: config-properties, namespace: argo}
data: {message: from the configmap}
"""


@fact("operator_workflow_template_ref_test.go:TestWorkflowTemplateRefValueFromParamOverwrite", "templates-refs")
def test_a_workflow_value_overrides_a_templates_configmap_value_from(argo) -> None:
    wft_param = "valueFrom: {configMapKeyRef: {name: config-properties, key: message}}"
    got = _param_run(argo, "vf-over", wft_param, "value: overwritten by argument", CM)
    assert got == "overwritten by argument"


@fact("operator_workflow_template_ref_test.go:TestWorkflowTemplateRefValueParamOverwrite", "templates-refs")
def test_a_workflow_configmap_value_from_overrides_a_templates_value(argo) -> None:
    wf_param = "valueFrom: {configMapKeyRef: {name: config-properties, key: message}}"
    assert _param_run(argo, "v-over", "value: from-wft", wf_param, CM) == "from the configmap"


# -- templateScope -----------------------------------------------------------------------------------------------
SCOPE_WFTS = _wft("scope-1", """
  templates:
  - name: steps
    steps:
    - - {name: hello, template: hello}
      - name: other-wftmpl
        templateRef: {name: scope-2, template: steps}
  - {name: hello, container: {image: alpine, command: [sh, -c, 'echo hello']}}
""") + "\n---\n" + _wft("scope-2", """
  templates:
  - name: steps
    steps:
    - - {name: hello, template: hello}
  - {name: hello, container: {image: alpine, command: [sh, -c, 'echo hello']}}
""")


@fact("operator_template_scope_test.go:TestTemplateScope", "templates-refs")
def test_each_node_records_the_scope_of_the_template_it_runs(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: scope, namespace: argo}
        spec:
          entrypoint: entry
          templates:
          - name: entry
            steps:
            - - name: step
                templateRef: {name: scope-1, template: steps}
        """, templates=SCOPE_WFTS)
    assert run.phase == "Succeeded"
    scopes = {name: (n["type"], n.get("templateScope")) for name, n in run.nodes.items()}
    # A node records the scope its template was resolved from (the caller's); what runs inside a referenced
    # template is in that template's scope.
    assert scopes["scope"] == ("Steps", "local/scope")
    assert scopes["scope[0]"] == ("StepGroup", "local/scope")
    assert scopes["scope[0].step"] == ("Steps", "local/scope")
    assert scopes["scope[0].step[0]"] == ("StepGroup", "namespaced/scope-1")
    assert scopes["scope[0].step[0].hello"] == ("Pod", "namespaced/scope-1")
    assert scopes["scope[0].step[0].other-wftmpl"] == ("Steps", "namespaced/scope-1")
    assert scopes["scope[0].step[0].other-wftmpl[0]"] == ("StepGroup", "namespaced/scope-2")
    assert scopes["scope[0].step[0].other-wftmpl[0].hello"] == ("Pod", "namespaced/scope-2")


# -- inline templates ------------------------------------------------------------------------------------------
@fact("inline_test.go:TestInlineDAG", "dag")
def test_an_inline_template_of_a_dag_task_runs_with_its_own_inputs(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: inline-dag}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - name: a
                inline:
                  inputs:
                    parameters: [{name: foo, value: bar}]
                  container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.foo}}']}
        """)
    assert run.phase == "Succeeded"
    assert run.node("a")["type"] == "Pod"
    assert run.node("a")["inputs"]["parameters"] == [{"name": "foo", "value": "bar"}]
    assert [p.args for p in fake.started] == [["echo", "bar"]]


@fact("inline_test.go:TestInlineSteps", "steps")
def test_an_inline_template_of_a_step_takes_the_steps_arguments(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: inline-steps}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: a
                arguments:
                  parameters: [{name: foo, value: given}]
                inline:
                  inputs:
                    parameters: [{name: foo}]
                  container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.foo}}']}
        """)
    assert run.phase == "Succeeded"
    assert [p.args for p in fake.started] == [["echo", "given"]]


@fact("inline_test.go:TestCallTemplateWithInlineSteps", "steps")
def test_an_inline_steps_template_calls_a_named_template(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: inline-call}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: outer
                inline:
                  steps:
                  - - name: inner
                      template: say
                      arguments: {parameters: [{name: msg, value: hi}]}
          - name: say
            inputs: {parameters: [{name: msg}]}
            container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.msg}}']}
        """)
    assert run.phase == "Succeeded"
    assert run.node("outer")["type"] == "Steps"
    assert run.node("inner")["templateName"] == "say"
    assert [p.args for p in fake.started] == [["echo", "hi"]]


@fact("inline_test.go:TestCallTemplateWithInlineDAG", "dag")
def test_an_inline_dag_template_calls_a_named_template(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: inline-call-dag}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: outer
                inline:
                  dag:
                    tasks:
                    - {name: inner, template: say}
          - {name: say, container: {image: argoproj/argosay:v2, args: [echo, hello]}}
        """)
    assert run.phase == "Succeeded"
    assert run.node("outer")["type"] == "DAG"
    assert run.node("inner")["templateName"] == "say"
    assert [p.args for p in fake.started] == [["echo", "hello"]]


# -- container sets in a DAG -----------------------------------------------------------------------------------
CONTAINER_SET_DAG = """
metadata: {name: cs-dag}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: group}
      - name: b
        depends: a
        template: verify
        arguments: {parameters: [{name: x, value: '{{tasks.a.outputs.result}}'}]}
  - name: group
    containerSet:
      containers:
      - {name: main, image: alpine, command: [sh, -c, 'echo hi']}
  - name: verify
    inputs: {parameters: [{name: x}]}
    container: {image: alpine, command: [sh, -c, 'echo {{inputs.parameters.x}}']}
"""


@fact("operator_test.go:TestDagTwoChildrenContainerSet", "dag")
def test_a_container_set_task_has_its_container_as_only_child_and_passes_its_result(argo) -> None:
    run, _ = replay(argo, CONTAINER_SET_DAG)
    assert run.phase == "Succeeded"
    a = run.node("a")
    assert a["type"] == "Pod"
    kids = [run.status["nodes"][c] for c in a.get("children", [])]
    assert [k["displayName"] for k in kids if k["type"] == "Container"] == ["main"]
    assert run.node("b")["outputs"]["result"] == "hi"


@fact("operator_test.go:TestGetOutboundNodesFromDAGContainerset", "dag")
def test_the_tasks_after_a_container_set_task_hang_under_its_container(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: cs-out}
        spec:
          entrypoint: pipeline
          templates:
          - name: group
            containerSet:
              containers:
              - {name: main, image: argoproj/argosay:v2, command: [/argosay], args: [echo, hello]}
          - name: pipeline
            dag:
              tasks:
              - {name: A, template: group}
              - {name: B, depends: A.Succeeded, template: group}
              - {name: C, depends: A.Succeeded, template: group}
        """)
    assert run.phase == "Succeeded"
    nodes = run.status["nodes"]
    main = run.nodes["cs-out.A.main"]
    assert main["type"] == "Container"
    assert sorted(nodes[c]["name"] for c in main.get("children", [])) == ["cs-out.B", "cs-out.C"]
    assert sorted(nodes[o]["name"] for o in run.nodes["cs-out"]["outboundNodes"]) == ["cs-out.B.main",
                                                                                       "cs-out.C.main"]


# -- exit handlers -------------------------------------------------------------------------------------------------
@fact("exit_handler_test.go:TestStepsTmplOnExit", "exit-handlers")
def test_a_steps_exit_handler_of_a_step_runs_its_own_steps_with_outputs(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: steps-tmpl-onexit}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: leafA, template: say, onExit: exit-steps}
          - name: exit-steps
            steps:
            - - {name: leafB, template: say}
            - - name: leafC
                template: echo
                arguments: {parameters: [{name: msg, value: '{{steps.leafB.outputs.result}}'}]}
          - {name: say, container: {image: alpine, command: [sh, -c, 'echo Welcome']}}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine, command: [sh, -c, 'echo {{inputs.parameters.msg}}']}
        """)
    assert run.phase == "Succeeded"
    on_exit = run.nodes["steps-tmpl-onexit[0].leafA.onExit"]
    assert on_exit["type"] == "Steps" and on_exit["phase"] == "Succeeded"
    assert run.node("leafC")["outputs"]["result"] == "Welcome"


@fact("exit_handler_test.go:TestDAGOnExit", "exit-handlers")
def test_a_dag_exit_handler_of_a_task_runs_its_own_dag_with_outputs(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: dag-onexit}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: leafA, template: say, onExit: exit-dag}
          - name: exit-dag
            dag:
              tasks:
              - {name: leafB, template: say}
              - name: leafC
                depends: leafB
                template: echo
                arguments: {parameters: [{name: msg, value: '{{tasks.leafB.outputs.result}}'}]}
          - {name: say, container: {image: alpine, command: [sh, -c, 'echo Welcome']}}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine, command: [sh, -c, 'echo {{inputs.parameters.msg}}']}
        """)
    assert run.phase == "Succeeded"
    on_exit = run.nodes["dag-onexit.leafA.onExit"]
    assert on_exit["type"] == "DAG" and on_exit["phase"] == "Succeeded"
    assert run.node("leafC")["outputs"]["result"] == "Welcome"


@fact("exit_handler_test.go:TestWorkflowOnExitWorkflowStatus", "exit-handlers")
def test_an_exit_hook_of_a_task_reads_the_tasks_status(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: exit-status}
        spec:
          entrypoint: first
          templates:
          - name: first
            dag:
              tasks:
              - name: step-1
                template: output
                hooks:
                  exit:
                    template: exit
                    arguments: {parameters: [{name: message, value: '{{tasks.step-1.status}}'}]}
          - {name: output, container: {image: alpine, command: [sh, -c, 'exit 3']}}
          - name: exit
            inputs: {parameters: [{name: message}]}
            container: {image: alpine, command: [sh, -c, 'echo {{inputs.parameters.message}}']}
        """)
    assert run.phase == "Failed"
    assert run.nodes["exit-status.step-1.onExit"]["phase"] == "Succeeded"
    assert [p.command[-1] for p in fake.started if p.template == "exit"] == ["echo Failed"]


# -- a workflow of pods that all succeed --------------------------------------------------------------------------
@fact("operator_test.go:TestMarksWFSucceeded")
def test_a_dag_of_artifact_passing_pairs_succeeds_once_every_pod_succeeded(argo) -> None:
    pairs = ["default", "tar", "none"]
    tasks = "\n".join(
        f"      - {{name: generate-{p}, template: generate}}\n"
        f"      - name: consume-{p}\n        template: consume\n        dependencies: [generate-{p}]\n"
        f"        arguments: {{artifacts: [{{name: f, from: '{{{{tasks.generate-{p}.outputs.artifacts.f}}}}'}}]}}"
        for p in pairs
    )
    run, _ = replay(argo, f"""
metadata: {{name: marks-ok}}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
{tasks}
  - name: generate
    container: {{image: alpine, command: [sh, -c, 'echo x > /tmp/f']}}
    outputs: {{artifacts: [{{name: f, path: /tmp/f}}]}}
  - name: consume
    inputs: {{artifacts: [{{name: f, path: /tmp/f}}]}}
    container: {{image: alpine, command: [sh, -c, 'cat /tmp/f']}}
""", files=lambda pod: {"/tmp/f": "x\n"} if pod.template == "generate" else {})
    assert run.phase == "Succeeded", run.message
    assert {n["displayName"] for n in run.nodes.values() if n["type"] == "Pod"} == {
        f"{verb}-{p}" for verb in ("generate", "consume") for p in pairs
    }


# -- when ------------------------------------------------------------------------------------------------------
TRUE_WHEN = [
    "foo == foo", "'ref/branch/master' == 'ref/branch/master'", "foo != bar", "1 == 1", "1 != 2", "1 < 2",
    "1 <= 1", "1/2 == 0.5", "a < b", "(foo == bar) || (foo == foo)", "(1 > 0) && (1 < 2)",
    "Error in (Failed, Error)", "!(Succeeded in (Failed, Error))", "true == true",
]
FALSE_WHEN = [
    "foo != foo", "'ref/branch/master' != 'ref/branch/master'", "foo == bar", "1 != 1", "1 == 2", "1 > 2",
    "1 <= 0", "1/2 != 0.5", "a > b", "(foo == bar) || (bar == foo)", "(1 > 0) && (11 < 2)",
    "Succeeded in (Failed, Error)", "!(Error in (Failed, Error))", "false == true",
]


@fact("when_test.go:TestShouldExecute", "expressions")
def test_when_expressions_evaluate_as_govaluate_does() -> None:
    from argento.expr.govaluate import evaluate_when

    assert [e for e in TRUE_WHEN if not evaluate_when(e)] == []
    assert [e for e in FALSE_WHEN if evaluate_when(e)] == []


@fact("when_test.go:TestShouldExecute", "expressions")
def test_a_step_runs_only_when_its_expression_holds(argo) -> None:
    steps = "\n".join(
        f"    - - {{name: s{i}, template: ok, when: \"{e}\"}}" for i, e in enumerate(["1/2 == 0.5", "a > b"])
    )
    run, _ = replay(argo, f"""
metadata: {{name: when-steps}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
{steps}
  - {{name: ok, container: {{image: alpine, command: [sh, -c, 'exit 0']}}}}
""", script=Scripted({"ok": [StepResult(exit_code=0)]}))
    assert run.phase == "Succeeded"
    assert (run.node("s0")["phase"], run.node("s1")["phase"]) == ("Succeeded", "Skipped")
