"""Argo's e2e suites that run a workflow and check its outcome: expressions (``expr_lang_test.go``), parameters
from ConfigMaps (``workflow_configmap_substitution_test.go``), which value an input takes
(``workflow_inputs_orverridable_test.go``), WorkflowTemplates and ClusterWorkflowTemplates
(``workflow_template_test.go``, ``cluster_workflow_template_test.go``) — run as ``argento run`` runs them.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import wf

E2E = "test/e2e"
EXPR = f"{E2E}/expr_lang_test.go"
CMSUB = f"{E2E}/workflow_configmap_substitution_test.go"
OVERRIDE = f"{E2E}/workflow_inputs_orverridable_test.go"
WFT = f"{E2E}/workflow_template_test.go"
CWFT = f"{E2E}/cluster_workflow_template_test.go"


def doc(body: str, name: str, kind: str) -> str:
    return wf(body, name=name, kind=kind)


def configmap(name: str, data: dict[str, str]) -> str:
    lines = "".join(f"  {k}: {v}\n" for k, v in data.items())
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  labels:\n"
        "    workflows.argoproj.io/configmap-type: Parameter\ndata:\n" + lines
    )


# ------------------------------------------------------------------------------------------ expressions
@pytest.mark.fact("expressions", f"{EXPR}:TestShadowedExprFunctionsAsTaskNames")
def test_task_names_that_are_expr_functions(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: split, template: foo}
            - {name: map, template: foo, depends: split}
        - name: foo
          container: {image: argoproj/argosay:v2, command: [echo], args: [foo]}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("split")["phase"] == "Succeeded"
    assert run.node("map")["phase"] == "Succeeded"


@pytest.mark.fact("expressions", f"{EXPR}:TestItemInSprigExpr")
def test_item_in_sprig_expression(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: loop-example
        templates:
        - name: print-message
          container: {image: argoproj/argosay:v2, command: [echo], args: ['{{inputs.parameters.message}}']}
          inputs:
            parameters: [{name: message}]
        - name: loop-example
          steps:
          - - name: print-message-loop
              template: print-message
              withItems: [example]
              arguments:
                parameters: [{name: message, value: '{{=sprig.upper(item)}}'}]
        """)
    )
    assert run.phase == "Succeeded", run.message
    node = run.node("print-message-loop(0:example)")
    assert node["inputs"]["parameters"][0]["value"] == "EXAMPLE"


# ----------------------------------------------------------------------------- parameters from ConfigMaps
CM_INPUT = """
    entrypoint: whalesay
    arguments:
      parameters:
      - name: {arg}
        value: {value}
    templates:
    - name: whalesay
      inputs:
        parameters:
        - name: message
          valueFrom:
            configMapKeyRef: {{name: '{cm}', key: '{key}'}}
      container: {{image: argoproj/argosay:v2, args: [echo, '{{{{inputs.parameters.message}}}}']}}
    """


@pytest.mark.fact("configmaps", f"{CMSUB}:TestKeySubstitution")
def test_configmap_key_substituted(argo) -> None:
    body = CM_INPUT.format(arg="message", value="msg", cm="cmref-parameters",
                           key="{{ workflow.parameters.message }}")
    run = argo.run(wf(body), templates=configmap("cmref-parameters", {"msg": "hello world"}))
    assert run.phase == "Succeeded", run.message
    # the key resolves (a missing one would be an error); the workflow's argument `message` then wins
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "msg"


@pytest.mark.fact("configmaps", f"{CMSUB}:TestNameSubstitution")
def test_configmap_name_substituted(argo) -> None:
    body = CM_INPUT.format(arg="cm-name", value="cmref-parameters", cm="{{ workflow.parameters.cm-name}}",
                           key="msg")
    run = argo.run(wf(body), templates=configmap("cmref-parameters", {"msg": "hello world"}))
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "hello world"


@pytest.mark.fact("configmaps", f"{CMSUB}:TestInvalidNameParameterSubstitution (no such ConfigMap: Error)")
def test_configmap_missing_is_an_error(argo) -> None:
    body = CM_INPUT.format(arg="cm-name", value="cmref-parameters", cm="{{ workflow.parameters.cm-name }}",
                           key="msg")
    run = argo.run(wf(body))
    assert run.phase == "Error", (run.phase, run.message)


@pytest.mark.fact("configmaps", f"{CMSUB}:TestDefaultParamValueWhenNotFound")
def test_configmap_input_default(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: whalesay
        arguments:
          parameters: [{name: message, value: msg}]
        templates:
        - name: whalesay
          inputs:
            parameters:
            - name: message
              valueFrom:
                default: default-val
                configMapKeyRef: {name: cmref-parameters, key: not-existing-key}
          container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.message}}']}
        """),
        templates=configmap("cmref-parameters", {"msg": "hello world"}),
    )
    assert run.phase == "Succeeded", run.message
    # the workflow's argument `message` binds the entrypoint's input first (workflow_inputs_orverridable_test)
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "msg"


@pytest.mark.fact("configmaps", f"{CMSUB}:TestGlobalArgDefaultCMParamValueWhenNotFound")
def test_global_argument_configmap_default(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: whalesay
        arguments:
          parameters:
          - name: simple-global-param
            valueFrom:
              default: default value
              configMapKeyRef: {name: not-existing-cm, key: not-existing-key}
        templates:
        - name: whalesay
          container:
            image: argoproj/argosay:v2
            command: [sh, -c]
            args: ["echo -n {{workflow.parameters.simple-global-param}} > /tmp/message.txt"]
          outputs:
            parameters:
            - name: message
              valueFrom: {path: /tmp/message.txt}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "default value"


# ------------------------------------------------------------------------ workflow arguments bind inputs
def overridable(argument: str, input_param: str) -> str:
    return wf(f"""
        entrypoint: whalesay
        arguments:
          parameters:
          - name: message
            {argument}
        templates:
        - name: whalesay
          container: {{image: argoproj/argosay:v2, args: [echo, '{{{{inputs.parameters.message}}}}']}}
          inputs:
            parameters:
            - name: message
              {input_param}
        """)


CM_INPUT_VALUE = "valueFrom: {configMapKeyRef: {name: cmref-parameters, key: cmref-key}}"
CM_ARG_VALUE = "valueFrom: {configMapKeyRef: {name: new-cmref-parameters, key: cmref-key}}"
CMS = (
    configmap("cmref-parameters", {"cmref-key": "input-value"})
    + "---\n"
    + configmap("new-cmref-parameters", {"cmref-key": "arg-value"})
)


@pytest.mark.parametrize(
    ("argument", "input_param"),
    [
        pytest.param("value: arg-value", CM_INPUT_VALUE, id="ArgsValueParamsOverrideInputParamsValueFrom",
                     marks=pytest.mark.fact("parameters",
                                            f"{OVERRIDE}:TestArgsValueParamsOverrideInputParamsValueFrom")),
        pytest.param(CM_ARG_VALUE, CM_INPUT_VALUE, id="ArgsValueFromParamsOverrideInputParamsValueFrom",
                     marks=pytest.mark.fact("parameters",
                                            f"{OVERRIDE}:TestArgsValueFromParamsOverrideInputParamsValueFrom")),
        pytest.param("value: arg-value", "value: input-value", id="ArgsValueParamsOverrideInputParamsValue",
                     marks=pytest.mark.fact("parameters",
                                            f"{OVERRIDE}:TestArgsValueParamsOverrideInputParamsValue")),
        pytest.param(CM_ARG_VALUE, "value: input-value", id="ArgsValueFromParamsOverrideInputParamsValue",
                     marks=pytest.mark.fact("parameters",
                                            f"{OVERRIDE}:TestArgsValueFromParamsOverrideInputParamsValue")),
    ],
)
def test_workflow_argument_overrides_entrypoint_input(argo, argument: str, input_param: str) -> None:
    run = argo.run(overridable(argument, input_param), templates=CMS)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "arg-value"


# -------------------------------------------------------------------------------------- workflow templates
WHALESAY = doc(
    """
    entrypoint: whalesay-template
    onExit: on-exit
    arguments:
      parameters: [{name: message, value: hello world}]
    templates:
    - name: whalesay-template
      inputs:
        parameters: [{name: message}]
      container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.message}}']}
    - name: on-exit
      container: {image: argoproj/argosay:v2, args: [echo, Exit Handler]}
    """,
    "workflow-template-whalesay-template",
    "WorkflowTemplate",
)

NESTED = doc(
    """
    templates:
    - name: whalesay-inner-template
      inputs:
        parameters: [{name: message}]
      steps:
      - - name: step
          arguments:
            parameters: [{name: message, value: '{{inputs.parameters.message}}'}]
          templateRef: {name: workflow-template-whalesay-template, template: whalesay-template}
    - name: whalesay-template
      inputs:
        parameters: [{name: message}]
      steps:
      - - name: step
          arguments:
            parameters: [{name: message, value: '{{inputs.parameters.message}}'}]
          template: whalesay-inner-template
    """,
    "workflow-template-nested-template",
    "WorkflowTemplate",
)


@pytest.mark.fact("templates-refs", f"{WFT}:TestNestedWorkflowTemplate")
def test_nested_workflow_template(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          steps:
          - - name: call-whalesay-template
              templateRef: {name: workflow-template-nested-template, template: whalesay-template}
              arguments:
                parameters: [{name: message, value: hello from nested}]
        """),
        templates=NESTED + "---\n" + WHALESAY,
    )
    assert run.phase == "Succeeded", run.message
    leaf = [n for n in run.nodes.values() if n["type"] == "Pod"]
    assert len(leaf) == 1 and leaf[0]["inputs"]["parameters"][0]["value"] == "hello from nested"


@pytest.mark.fact("templates-refs", f"{WFT}:TestSubmitWorkflowTemplateWithEnum")
def test_workflow_template_with_enum(argo) -> None:
    enum = doc(
        """
        entrypoint: argosay
        arguments:
          parameters:
          - {name: message, value: one, enum: [one, two, three]}
        templates:
        - name: argosay
          inputs:
            parameters: [{name: message, value: '{{workflow.parameters.message}}'}]
          container: {name: main, image: argoproj/argosay:v2, command: [/argosay],
                      args: [echo, '{{inputs.parameters.message}}']}
        """,
        "workflow-template-with-enum-values",
        "WorkflowTemplate",
    )
    run = argo.run(wf("workflowTemplateRef: {name: workflow-template-with-enum-values}"), templates=enum)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["inputs"]["parameters"][0]["value"] == "one"


@pytest.mark.fact("templates-refs", f"{WFT}:TestSubmitWorkflowTemplateWorkflowMetadataSubstitution")
def test_workflow_metadata_labels_substituted(argo) -> None:
    sub = doc(
        """
        entrypoint: whalesay-template
        templates:
        - name: whalesay-template
          container:
            image: argoproj/argosay:v2
            command: [/argosay]
            args: [echo, '{{workflow.labels.arg-name}}']
        workflowMetadata:
          labels: {arg-name: myLabelArg}
        """,
        "workflow-template-submittable",
        "WorkflowTemplate",
    )
    run = argo.run(wf("workflowTemplateRef: {name: workflow-template-submittable}"), templates=sub)
    assert run.phase == "Succeeded", run.message
    assert run.workflow["metadata"]["labels"]["arg-name"] == "myLabelArg"


INVALID_MOUNT = """
    entrypoint: whalesay
    onExit: notify
    templates:
    - name: whalesay
      container:
        image: argoproj/argosay:v2
        command: [/argosay]
        args: [echo, hello world]{entry}
    - name: notify
      container:
        image: argoproj/argosay:v2
        command: [sh, -c]
        args: ["exit 0"]{exit}
    """
MOUNT = "\n    volumeMounts:\n    - {name: foo, mountPath: /foo}"


@pytest.mark.parametrize(
    ("entry", "exit", "wording"),
    [
        pytest.param("", MOUNT, "error in exit template execution", id="InvalidOnExit",
                     marks=pytest.mark.fact("templates-refs", f"{WFT}:TestWorkflowTemplateInvalidOnExit")),
        pytest.param(MOUNT, "", "error in entry template execution", id="InvalidEntryPoint",
                     marks=pytest.mark.fact("templates-refs", f"{WFT}:TestWorkflowTemplateInvalidEntryPoint")),
    ],
)
def test_workflow_template_with_unknown_volume(argo, entry: str, exit: str, wording: str) -> None:
    body = INVALID_MOUNT.format(entry=entry.replace("\n", "\n    "), exit=exit.replace("\n", "\n    "))
    template = doc(body, "invalid", "WorkflowTemplate")
    run = argo.run(wf("workflowTemplateRef: {name: invalid}"), templates=template, lint=False)
    assert run.phase == "Error", (run.phase, run.message)
    assert wording in run.message


@pytest.mark.fact("hooks", f"{WFT}:TestWorkflowTemplateWithHook")
def test_workflow_template_hooks(argo) -> None:
    hook = doc(
        """
        entrypoint: main
        templates:
        - name: main
          container: {image: argoproj/argosay:v2, command: [/bin/sh, -c], args: ["/bin/sleep 0.1; /argosay"]}
        hooks:
          running: {expression: workflow.status == "Running", template: main}
          succeed: {expression: workflow.status == "Succeeded", template: main}
        """,
        "hook",
        "WorkflowTemplate",
    )
    run = argo.run(wf("workflowTemplateRef: {name: hook}"), templates=hook)
    assert run.phase == "Succeeded", run.message
    for hook_name in ("hooks.running", "hooks.succeed"):
        found = [n for n in run.nodes.values() if hook_name in n["name"]]
        assert found and all(n["phase"] == "Succeeded" for n in found), hook_name


@pytest.mark.fact("templates-refs", f"{WFT}:TestWorkflowFromWorkflowTemplateHasLabel")
def test_workflow_template_label(argo) -> None:
    template = doc(
        """
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: argoproj/argosay:v2, command: [/argosay]}
        """,
        "workflow-template-label-test",
        "WorkflowTemplate",
    )
    run = argo.run(wf("workflowTemplateRef: {name: workflow-template-label-test}"), templates=template)
    assert run.phase == "Succeeded", run.message
    labels = run.workflow["metadata"]["labels"]
    assert labels["workflows.argoproj.io/workflow-template"] == "workflow-template-label-test"


CLUSTER_WHALESAY = doc(
    """
    entrypoint: whalesay-template
    arguments:
      parameters: [{name: message, value: hello world}]
    templates:
    - name: whalesay-template
      inputs:
        parameters: [{name: message}]
      container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.message}}']}
    """,
    "cluster-workflow-template-whalesay-template",
    "ClusterWorkflowTemplate",
)


@pytest.mark.fact("templates-refs", f"{CWFT}:TestClusterWorkflowFromWorkflowTemplateHasLabel")
def test_cluster_workflow_template_label(argo) -> None:
    run = argo.run(
        wf("workflowTemplateRef: {name: cluster-workflow-template-whalesay-template, clusterScope: true}"),
        templates=CLUSTER_WHALESAY,
    )
    assert run.phase == "Succeeded", run.message
    labels = run.workflow["metadata"]["labels"]
    assert labels["workflows.argoproj.io/cluster-workflow-template"] == "cluster-workflow-template-whalesay-template"
    assert "workflows.argoproj.io/workflow-template" not in labels


@pytest.mark.fact("templates-refs", f"{CWFT}:TestNestedClusterWorkflowTemplate")
def test_nested_cluster_workflow_template(argo) -> None:
    nested = doc(
        """
        templates:
        - name: whalesay-inner-template
          inputs:
            parameters: [{name: message}]
          steps:
          - - name: step
              templateRef: {name: cluster-workflow-template-whalesay-template, template: whalesay-template,
                            clusterScope: true}
              arguments:
                parameters: [{name: message, value: '{{inputs.parameters.message}}'}]
        - name: whalesay-template
          inputs:
            parameters: [{name: message}]
          steps:
          - - name: step
              template: whalesay-inner-template
              arguments:
                parameters: [{name: message, value: '{{inputs.parameters.message}}'}]
        """,
        "cluster-workflow-template-nested-template",
        "ClusterWorkflowTemplate",
    )
    run = argo.run(
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          steps:
          - - name: call-whalesay-template
              templateRef: {name: cluster-workflow-template-nested-template, template: whalesay-template,
                            clusterScope: true}
              arguments:
                parameters: [{name: message, value: hello from nested}]
        """),
        templates=nested + "---\n" + CLUSTER_WHALESAY,
    )
    assert run.phase == "Succeeded", run.message


# -------------------------------------------------------------------------------------------------- signals
SIGNALS = f"{E2E}/signals_test.go"


@pytest.mark.fact("phases-messages", f"{SIGNALS}:TestSignaled (a main killed by SIGTERM: exit code 143)")
def test_signaled_main_fails_with_143(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          container:
            image: argoproj/argosay:v1
            command: [bash, -c]
            args: ['kill $BASHPID']
        """)
    )
    assert run.phase == "Failed"
    assert "(exit code 143)" in run.message


@pytest.mark.fact("phases-messages", f"{SIGNALS}:TestSubProcess (a background child does not hold the step)")
def test_background_subprocess_does_not_hold_the_step(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          container:
            image: argoproj/argosay:v1
            command: [sh, -c]
            args: ['sleep 60 & echo started']
        """)
    )
    assert run.phase == "Succeeded", run.message
