"""Parameters: workflow arguments, template inputs, defaults, enum, globalName, valueFrom and supplied.

Sources: ``workflow/common/util.go:ProcessArgs`` (``overwriteWithDefaultParams``, ``overwriteWithArguments``),
``workflow/validate/validate.go:validateArgumentsValues`` (Opts{} at run time), ``operator.go:
setGlobalParameters`` and Argo's examples (``arguments-parameters.yaml``, ``global-parameters.yaml``,
``global-outputs.yaml``).
"""

from __future__ import annotations

import json

import pytest
from tests.conformance.argo_facts._util import wf

CAT = "parameters"
PROCESS = "workflow/common/util.go:ProcessArgs"
GLOBALS = "workflow/controller/operator.go:setGlobalParameters"
VALIDATE = "workflow/validate/validate.go:validateArgumentsValues"


def say(source: str) -> str:
    return f"script: {{image: alpine, command: [sh], source: '{source}'}}"


def result(run, name: str) -> str:
    return run.node(name)["outputs"]["result"]


@pytest.mark.fact(CAT, f"{GLOBALS} (examples/global-parameters.yaml)")
def test_workflow_argument_is_a_global(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        arguments:
          parameters: [{{name: message, value: hello world}}]
        templates:
        - name: main
          {say('echo "{{workflow.parameters.message}}"')}
        """)
    )
    assert run.phase == "Succeeded"
    assert result(run, "facts") == "hello world"


@pytest.mark.fact(CAT, f"{GLOBALS} (workflow arguments bind the entrypoint's inputs by name)")
def test_workflow_argument_binds_entrypoint_input(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        arguments:
          parameters: [{{name: message, value: from-args}}]
        templates:
        - name: main
          inputs:
            parameters: [{{name: message}}]
          {say('echo "{{inputs.parameters.message}}"')}
        """)
    )
    assert run.phase == "Succeeded"
    assert result(run, "facts") == "from-args"


@pytest.mark.fact(CAT, f"{PROCESS}:overwriteWithDefaultParams (input default)")
def test_input_default(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            parameters: [{{name: message, default: dflt}}]
          {say('echo "{{inputs.parameters.message}}"')}
        """)
    )
    assert result(run, "facts") == "dflt"


@pytest.mark.fact(CAT, f"{PROCESS}:overwriteWithArguments (an argument wins over the default)")
def test_argument_wins_over_default(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: s
              template: echo
              arguments:
                parameters: [{{name: message, value: passed}}]
        - name: echo
          inputs:
            parameters: [{{name: message, default: dflt}}]
          {say('echo "{{inputs.parameters.message}}"')}
        """)
    )
    assert result(run, "s") == "passed"


@pytest.mark.fact(CAT, f"{PROCESS} (an input's own value is used when nothing is passed)")
def test_input_value(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            parameters: [{{name: message, value: own}}]
          {say('echo "{{inputs.parameters.message}}"')}
        """)
    )
    assert result(run, "facts") == "own"


@pytest.mark.fact(CAT, f"{PROCESS} (inputs may use earlier inputs and globals)")
def test_input_value_from_global(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        arguments:
          parameters: [{{name: g, value: G}}]
        templates:
        - name: main
          inputs:
            parameters:
            - {{name: a, value: "x-{{{{workflow.parameters.g}}}}"}}
          {say('echo "{{inputs.parameters.a}}"')}
        """)
    )
    assert result(run, "facts") == "x-G"


@pytest.mark.fact(CAT, f"{VALIDATE} (run time, Opts{{}}: 'invalid spec')")
def test_workflow_argument_without_value_fails(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        arguments:
          parameters:
          - name: missing
        templates:
        - name: main
          container: {image: alpine, command: [echo, hi]}
        """)
    )
    assert run.phase == "Failed"
    assert run.message == (
        "invalid spec: spec.arguments.missing.value or spec.arguments.missing.valueFrom is required"
    )
    assert run.nodes == {}


@pytest.mark.fact(CAT, f"{VALIDATE} (a supplied -p value satisfies it)")
def test_required_argument_supplied(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        arguments:
          parameters:
          - name: needed
        templates:
        - name: main
          {say('echo "{{workflow.parameters.needed}}"')}
        """),
        parameters={"needed": "here"},
    )
    assert run.phase == "Succeeded"
    assert result(run, "facts") == "here"
    assert run.workflow["spec"]["arguments"]["parameters"] == [{"name": "needed", "value": "here"}]


@pytest.mark.fact(CAT, "workflow/validate/validate.go:validateArgumentsValues (enum at lint)")
def test_enum_value_must_be_listed(argo) -> None:
    text = wf("""
        entrypoint: main
        arguments:
          parameters:
          - {name: size, value: XL, enum: [S, M]}
        templates:
        - name: main
          container: {image: alpine, command: [echo, "{{workflow.parameters.size}}"]}
        """)
    assert any(
        "spec.arguments.size.value should be present in spec.arguments.size.enum list" in e
        for e in argo.lint_errors(text)
    )


@pytest.mark.fact(
    CAT, "workflow/validate/validate.go:validateArgumentsValues (numbers in enum match as strings)"
)
def test_enum_numbers(argo) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        arguments:
          parameters:
          - {{name: n, value: 2, enum: [1, 2, 3]}}
        templates:
        - name: main
          {say('echo "{{workflow.parameters.n}}"')}
        """)
    )
    assert run.phase == "Succeeded"
    assert result(run, "facts") == "2"


@pytest.mark.fact(CAT, f"{GLOBALS} (workflow.parameters.json lists the arguments)")
def test_parameters_json(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        arguments:
          parameters:
          - {name: a, value: "1"}
          - {name: b, value: two}
        templates:
        - name: main
          script:
            image: alpine
            command: [sh]
            source: |
              echo '{{=toJson(map(jsonpath(workflow.parameters.json, "$"), #.name))}}'

        """)
    )
    assert run.phase == "Succeeded", run.message
    assert json.loads(result(run, "facts")) == ["a", "b"]


@pytest.mark.fact(
    CAT, "workflow/controller/operator.go:addParamToGlobalScope (globalName, examples/global-outputs.yaml)"
)
def test_output_global_name(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: produce, template: produce}
          - - {name: consume, template: consume}
        - name: produce
          container: {image: alpine, command: [sh, -c, "echo -n produced > /tmp/out"]}
          outputs:
            parameters:
            - name: out
              globalName: shared
              valueFrom: {path: /tmp/out}
        - name: consume
          script: {image: alpine, command: [sh], source: 'echo "{{workflow.outputs.parameters.shared}}"'}
        """)
    )
    assert run.phase == "Succeeded"
    assert result(run, "consume") == "produced"
    assert run.status["outputs"]["parameters"] == [{"name": "shared", "value": "produced"}]


@pytest.mark.fact(
    CAT, "workflow/controller/operator.go:resolveOutputs (valueFrom.default when the file is missing)"
)
def test_output_value_from_default(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine, command: [sh, -c, "true"]}
          outputs:
            parameters:
            - name: out
              valueFrom: {path: /tmp/does-not-exist, default: fallback}
        """)
    )
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "fallback"


@pytest.mark.fact(CAT, "workflow/controller/steps.go (valueFrom.parameter of a steps template)")
def test_steps_output_from_parameter(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: inner, template: produce}
          outputs:
            parameters:
            - name: out
              valueFrom: {parameter: "{{steps.inner.outputs.parameters.p}}"}
        - name: produce
          container: {image: alpine, command: [sh, -c, "echo -n v > /tmp/p"]}
          outputs:
            parameters:
            - name: p
              valueFrom: {path: /tmp/p}
        """)
    )
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "v"


@pytest.mark.fact(CAT, "workflow/controller/dag.go (valueFrom.expression of a dag template)")
def test_dag_output_from_expression(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: produce}
          outputs:
            parameters:
            - name: out
              valueFrom: {expression: "tasks.a.outputs.parameters.p + '!'"}
        - name: produce
          container: {image: alpine, command: [sh, -c, "echo -n v > /tmp/p"]}
          outputs:
            parameters:
            - name: p
              valueFrom: {path: /tmp/p}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "v!"


@pytest.mark.fact(CAT, f"{PROCESS} (a required input not passed is an error naming it)")
def test_missing_input_errors(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: s, template: echo}
        - name: echo
          inputs:
            parameters: [{name: message}]
          container: {image: alpine, command: [echo, "{{inputs.parameters.message}}"]}
        """)
    assert any("inputs.parameters.message was not supplied" in e for e in argo.lint_errors(text))


@pytest.mark.fact(CAT, "workflow/controller/operator.go (supplied: a suspend node's output is set on resume)")
def test_supplied_declares_an_output(argo) -> None:
    text = wf("""
        entrypoint: main
        templates:
        - name: main
          suspend: {duration: "0"}
          outputs:
            parameters:
            - name: approve
              valueFrom: {supplied: {}, default: "no"}
        """)
    assert argo.lint_errors(text) == []
    run = argo.run(text)
    assert run.phase == "Succeeded"
    assert run.node("facts")["outputs"]["parameters"][0]["value"] == "no"
