"""Parameters from ConfigMaps (``valueFrom.configMapKeyRef``): workflow arguments and template inputs.

Sources: Argo's ``operator.go:setGlobalParameters`` (workflow arguments), ``workflow/common/util.go:
substituteAndGetConfigMapValue`` (inputs, templated name/key, ``valueFrom.default``) and
``workflow/common/configmap.go:GetConfigMapValue`` (the messages), with the examples
``examples/arguments-parameters-from-configmap.yaml`` and ``global-parameters-from-configmap.yaml``.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import wf

CAT = "configmaps"
GLOBAL = "workflow/controller/operator.go:setGlobalParameters"
INPUT = "workflow/common/util.go:substituteAndGetConfigMapValue"
GET = "workflow/common/configmap.go:GetConfigMapValue"

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: simple-parameters
  labels:
    workflows.argoproj.io/configmap-type: Parameter
data:
  msg: hello world
  env: prod
"""

#: a script's stdout is its outputs.result (Argo captures it for scripts)
ECHO_GLOBAL = """
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.parameters.message}}"'}
        """


def global_arg(value_from: str) -> str:
    return wf(
        f"""
        entrypoint: main
        arguments:
          parameters:
          - name: message
            valueFrom:
              {value_from}
        """
        + ECHO_GLOBAL
    )


def input_param(value_from: str, extra: str = "") -> str:
    return wf(
        f"""
        entrypoint: main
        {extra}
        templates:
        - name: main
          inputs:
            parameters:
            - name: message
              valueFrom:
                {value_from}
          script: {{image: alpine, command: [sh], source: 'echo "{{{{inputs.parameters.message}}}}"'}}
        """
    )


@pytest.mark.fact(CAT, f"{GLOBAL} (examples/global-parameters-from-configmap.yaml)")
def test_workflow_argument_from_configmap(argo) -> None:
    run = argo.run(global_arg("configMapKeyRef: {name: simple-parameters, key: msg}"), templates=CONFIGMAP)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "hello world"


@pytest.mark.fact(CAT, f"{GLOBAL} (missing key, valueFrom.default)")
def test_workflow_argument_default_when_key_missing(argo) -> None:
    run = argo.run(
        global_arg("configMapKeyRef: {name: simple-parameters, key: nope}\n              default: fallback"),
        templates=CONFIGMAP,
    )
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "fallback"


@pytest.mark.fact(CAT, f"{GLOBAL} (missing map, valueFrom.default)")
def test_workflow_argument_default_when_map_missing(argo) -> None:
    run = argo.run(global_arg("configMapKeyRef: {name: absent, key: msg}\n              default: fallback"))
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "fallback"


@pytest.mark.fact(CAT, f"{GLOBAL} + operator.go:operate ('failed to set global parameters')")
def test_workflow_argument_missing_key_without_default_fails(argo) -> None:
    run = argo.run(global_arg("configMapKeyRef: {name: simple-parameters, key: nope}"), templates=CONFIGMAP)
    assert run.phase == "Failed"
    assert run.message == (
        "failed to set global parameters: failed to set global parameter message from configmap with name "
        "simple-parameters and key nope: ConfigMap 'simple-parameters' does not have the key 'nope'"
    )
    assert run.nodes == {}


@pytest.mark.fact(CAT, GET)
def test_workflow_argument_missing_map_message(argo) -> None:
    run = argo.run(global_arg("configMapKeyRef: {name: absent, key: msg}"))
    assert run.phase == "Failed"
    assert run.message.endswith(
        "ConfigMap 'absent' does not exist. Please make sure it has the label "
        "workflows.argoproj.io/configmap-type: Parameter to be detectable by the controller"
    )


@pytest.mark.fact(CAT, f"{GLOBAL} (the value is visible as workflow.parameters.json)")
def test_configmap_value_in_parameters_json(argo) -> None:
    text = wf(
        """
        entrypoint: main
        arguments:
          parameters:
          - name: message
            valueFrom:
              configMapKeyRef: {name: simple-parameters, key: msg}
        templates:
        - name: main
          script: {image: alpine, command: [sh], source: "echo '{{=jsonpath(workflow.parameters.json, '$[0].value')}}'"}
        """
    )
    run = argo.run(text, templates=CONFIGMAP)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "hello world"


@pytest.mark.fact(CAT, f"{INPUT} (examples/arguments-parameters-from-configmap.yaml)")
def test_input_from_configmap(argo) -> None:
    run = argo.run(input_param("configMapKeyRef: {name: simple-parameters, key: msg}"), templates=CONFIGMAP)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "hello world"


@pytest.mark.fact(CAT, f"{INPUT} (templated name and key, issue item 5)")
def test_input_configmap_name_and_key_templated(argo) -> None:
    text = input_param(
        'configMapKeyRef: {name: "{{workflow.parameters.cm}}", key: "{{workflow.parameters.key}}"}',
        extra="arguments:\n          parameters:\n          - {name: cm, value: simple-parameters}\n"
        "          - {name: key, value: env}",
    )
    run = argo.run(text, templates=CONFIGMAP)
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["result"] == "prod"


@pytest.mark.fact(CAT, f"{INPUT} (valueFrom.default when the key is missing)")
def test_input_default_when_key_missing(argo) -> None:
    run = argo.run(
        input_param("configMapKeyRef: {name: simple-parameters, key: nope}\n                default: dflt"),
        templates=CONFIGMAP,
    )
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["result"] == "dflt"


@pytest.mark.fact(CAT, f"{INPUT} (no default: 'unable to retrieve inputs.parameters…')")
def test_input_missing_key_errors(argo) -> None:
    run = argo.run(input_param("configMapKeyRef: {name: simple-parameters, key: nope}"), templates=CONFIGMAP)
    assert run.phase == "Error"
    assert (
        "unable to retrieve inputs.parameters.message from ConfigMap: "
        "ConfigMap 'simple-parameters' does not have the key 'nope'" in run.message
    )


@pytest.mark.fact(CAT, "workflow/common/util.go:overwriteWithArguments (a passed value replaces valueFrom)")
def test_argument_value_wins_over_input_configmap(argo) -> None:
    text = wf(
        """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: say
              template: say
              arguments:
                parameters: [{name: message, value: passed}]
        - name: say
          inputs:
            parameters:
            - name: message
              valueFrom:
                configMapKeyRef: {name: simple-parameters, key: msg}
          script: {image: alpine, command: [sh], source: 'echo "{{inputs.parameters.message}}"'}
        """
    )
    run = argo.run(text, templates=CONFIGMAP)
    assert run.phase == "Succeeded"
    assert run.node("say")["outputs"]["result"] == "passed"


@pytest.mark.fact(CAT, f"{GET} (configMapKeyRef.optional is not consulted for parameters)")
def test_optional_does_not_hide_a_missing_key(argo) -> None:
    run = argo.run(
        global_arg("configMapKeyRef: {name: simple-parameters, key: nope, optional: true}"),
        templates=CONFIGMAP,
    )
    assert run.phase == "Failed"
    assert "does not have the key 'nope'" in run.message


@pytest.mark.fact(
    CAT, "workflow/validate/validate.go:validateArgumentsValues (default needs configMapKeyRef)"
)
def test_value_from_default_alone_is_rejected(argo) -> None:
    text = wf(
        """
        entrypoint: main
        arguments:
          parameters:
          - name: message
            valueFrom: {default: x}
        """
        + ECHO_GLOBAL
    )
    assert any(
        "spec.arguments.message.valueFrom only allows: default, configMapKeyRef and supplied" in e
        for e in argo.lint_errors(text)
    )
