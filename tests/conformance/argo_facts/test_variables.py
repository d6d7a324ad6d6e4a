"""Variables (Argo's docs/variables.md): global, template, step/task and runtime values.

Facts from Argo's ``setGlobalParameters``/``globalParams`` (workflow/controller/operator.go), ``ProcessArgs``
(workflow/common/util.go), operator_test.go (TestGlobalParams, TestGlobalParamDuration,
TestInputParametersAsJson, TestSubstituteGlobalVariables, TestResolvePodNameInRetries) and the variables
reference.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


def _outputs(run, display: str) -> dict[str, str]:
    return {p["name"]: p["value"] for p in run.node(display)["outputs"]["parameters"]}


@pytest.mark.fact("variables", "workflow/controller/operator_test.go:TestInputParametersAsJson")
def test_parameters_as_json(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: whalesay}
        spec:
          entrypoint: steps
          arguments:
            parameters: [{name: parameter1, value: value1}]
          templates:
          - name: steps
            inputs:
              parameters:
              - {name: parameter1}
              - {name: parameter2, value: template2}
            steps:
              - - name: step1
                  template: whalesay
                  arguments:
                    parameters:
                    - {name: json, value: "Workflow: {{workflow.parameters}}. Template: {{inputs.parameters}}"}
          - name: whalesay
            inputs:
              parameters: [{name: json}]
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.json}}"]}
        """,
    )
    expected = (
        'Workflow: [{"name":"parameter1","value":"value1"}]. '
        'Template: [{"name":"parameter1","value":"value1"},{"name":"parameter2","value":"template2"}]'
    )
    assert run.node("step1")["inputs"]["parameters"][0]["value"] == expected


@pytest.mark.fact("variables", "workflow/controller/operator_test.go:TestGlobalParams (workflow identity)")
def test_workflow_identity_variables(argo) -> None:
    run = _run(
        argo,
        """
        metadata:
          name: ident
          namespace: my-ns
          labels: {team: data}
          annotations: {owner: alice}
        spec:
          entrypoint: main
          serviceAccountName: my-sa
          priority: 3
          templates:
          - name: main
            container: {image: alpine:3.23, command: ["true"]}
            outputs:
              parameters:
              - {name: name, value: "{{workflow.name}}"}
              - {name: namespace, value: "{{workflow.namespace}}"}
              - {name: uid, value: "{{workflow.uid}}"}
              - {name: sa, value: "{{workflow.serviceAccountName}}"}
              - {name: entry, value: "{{workflow.mainEntrypoint}}"}
              - {name: priority, value: "{{workflow.priority}}"}
              - {name: label, value: "{{workflow.labels.team}}"}
              - {name: annotation, value: "{{workflow.annotations.owner}}"}
        """,
    )
    out = _outputs(run, "ident")
    assert out["name"] == "ident" and out["namespace"] == "my-ns"
    assert out["uid"] == run.workflow["metadata"]["uid"] and out["uid"]
    assert (out["sa"], out["entry"], out["priority"]) == ("my-sa", "main", "3")
    assert (out["label"], out["annotation"]) == ("data", "alice")


@pytest.mark.fact(
    "variables", "workflow/controller/operator_test.go:TestGlobalParams (creationTimestamp forms)"
)
def test_creation_timestamp_variables(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: created}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {image: alpine:3.23, command: ["true"]}
            outputs:
              parameters:
              - {name: plain, value: "{{workflow.creationTimestamp}}"}
              - {name: rfc, value: "{{workflow.creationTimestamp.RFC3339}}"}
              - {name: epoch, value: "{{workflow.creationTimestamp.s}}"}
              - {name: year, value: "{{workflow.creationTimestamp.Y}}"}
              - {name: month, value: "{{workflow.creationTimestamp.m}}"}
        """,
    )
    out = _outputs(run, "created")
    created = run.workflow["metadata"]["creationTimestamp"]
    assert "UTC" not in out["plain"]
    assert out["rfc"] == created
    assert re.fullmatch(r"\d{10}", out["epoch"])
    assert out["year"] == created[:4] and out["month"] == created[5:7]


@pytest.mark.fact(
    "variables",
    "workflow/controller/operator_test.go:TestGlobalParamDuration (workflow.duration is %f seconds)",
)
def test_workflow_duration_in_the_exit_handler(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: duration}
        spec:
          entrypoint: main
          onExit: done
          templates:
          - name: main
            container: {image: argoproj/argosay:v2, args: [sleep, 0.2s]}
          - name: done
            container: {image: alpine:3.23, command: ["true"]}
            outputs:
              parameters:
              - {name: duration, value: "{{workflow.duration}}"}
              - {name: status, value: "{{workflow.status}}"}
        """,
    )
    out = _outputs(run, "duration.onExit")
    assert re.fullmatch(r"\d+\.\d{6}", out["duration"])
    assert float(out["duration"]) > 0
    assert out["status"] == "Succeeded"


@pytest.mark.fact("variables", "docs/variables.md (workflow.parameters.json, workflow.parameters.<name>)")
def test_workflow_parameters_json(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: params-json}
        spec:
          entrypoint: main
          arguments:
            parameters:
            - {name: a, value: "1"}
            - {name: b, value: two}
          templates:
          - name: main
            container: {image: alpine:3.23, command: ["true"]}
            outputs:
              parameters:
              - {name: all, value: "{{workflow.parameters.json}}"}
              - {name: b, value: "{{workflow.parameters.b}}"}
        """,
    )
    out = _outputs(run, "params-json")
    assert json.loads(out["all"]) == [{"name": "a", "value": "1"}, {"name": "b", "value": "two"}]
    assert out["b"] == "two"


@pytest.mark.fact(
    "variables", "workflow/controller/operator.go:setGlobalParameters (-p overrides a workflow argument)"
)
def test_submitted_parameters_override_arguments(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: override}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: message, value: default}]
          templates:
          - name: main
            script: {image: alpine:3.23, command: [sh], source: "echo {{workflow.parameters.message}}"}
        """,
        parameters={"message": "given"},
    )
    assert run.nodes["override"]["outputs"]["result"] == "given"


@pytest.mark.fact(
    "variables", "workflow/controller/operator_test.go:TestResolvePodNameInRetries (pod.name of each attempt)"
)
def test_pod_name_variable(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: pod-names}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: plain, template: show}
              - {name: retried, template: retried}
          - name: show
            script: {image: alpine:3.23, command: [sh], source: "echo {{pod.name}}"}
          - name: retried
            retryStrategy: {limit: 1}
            script: {image: alpine:3.23, command: [sh], source: 'echo {{pod.name}}; [ {{retries}} = 1 ]'}
        """,
    )
    from argento.engine.nodes import fnv1a_32

    plain = run.node("plain")
    assert plain["outputs"]["result"] == f"pod-names-show-{fnv1a_32(plain['name'])}"
    for attempt in ("retried(0)", "retried(1)"):
        node = run.node(attempt)
        assert node["outputs"]["result"] == f"pod-names-retried-{fnv1a_32(node['name'])}"


@pytest.mark.fact("variables", "workflow/controller/operator.go:executeTemplate (node.name)")
def test_node_name_variable(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: node-names}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: show}
          - name: show
            script: {image: alpine:3.23, command: [sh], source: "echo {{node.name}}"}
        """,
    )
    assert run.node("a")["outputs"]["result"] == "node-names.a"


@pytest.mark.fact("variables", "docs/variables.md (steps.<name>.startedAt / finishedAt / status / id)")
def test_step_node_variables(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: step-vars}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: first, template: ok}
            - - name: show
                template: show
                arguments:
                  parameters:
                  - {name: started, value: "{{steps.first.startedAt}}"}
                  - {name: finished, value: "{{steps.first.finishedAt}}"}
                  - {name: status, value: "{{steps.first.status}}"}
                  - {name: id, value: "{{steps.first.id}}"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
          - name: show
            inputs:
              parameters: [{name: started}, {name: finished}, {name: status}, {name: id}]
            container: {image: alpine:3.23, command: ["true"]}
        """,
    )
    first = run.node("first")
    params = {p["name"]: p["value"] for p in run.node("show")["inputs"]["parameters"]}
    assert params == {
        "started": first["startedAt"],
        "finished": first["finishedAt"],
        "status": "Succeeded",
        "id": first["id"],
    }


@pytest.mark.fact(
    "variables", "docs/variables.md (inputs.artifacts.<name>.path, outputs.parameters.<name>.path)"
)
def test_path_variables(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: path-vars}
        spec:
          entrypoint: main
          templates:
          - name: main
            inputs:
              artifacts:
              - name: data
                path: /tmp/in.txt
                raw: {data: "payload"}
            script:
              image: alpine:3.23
              command: [sh]
              source: 'cat {{inputs.artifacts.data.path}} > {{outputs.parameters.copy.path}}'
            outputs:
              parameters:
              - {name: copy, valueFrom: {path: /tmp/copy.txt}}
        """,
    )
    assert run.phase == "Succeeded"
    assert _outputs(run, "path-vars")["copy"] == "payload"


@pytest.mark.fact(
    "variables", "util/template/expression_template.go ({{=…}} with sprig and Argo's functions)"
)
def test_expression_tags(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: expr-tags}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: n, value: "4"}, {name: list, value: '["a","b","c"]'}]
          templates:
          - name: main
            container: {image: alpine:3.23, command: ["true"]}
            outputs:
              parameters:
              - {name: math, value: "{{=asInt(workflow.parameters.n) * 2 + 1}}"}
              - {name: float, value: "{{=asFloat(workflow.parameters.n) / 8}}"}
              - {name: upper, value: "{{=sprig.upper('abc')}}"}
              - {name: jsonpath, value: "{{=jsonpath(workflow.parameters.list, '$[1]')}}"}
              - {name: ternary, value: "{{=asInt(workflow.parameters.n) > 3 ? 'big' : 'small'}}"}
        """,
    )
    assert _outputs(run, "expr-tags") == {
        "math": "9",
        "float": "0.5",
        "upper": "ABC",
        "jsonpath": "b",
        "ternary": "big",
    }


@pytest.mark.fact(
    "variables",
    "workflow/controller/operator_test.go:TestSubstituteGlobalVariables (spec fields get global parameters, templates keep their tags)",
)
def test_global_parameters_in_spec_fields(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: spec-subst}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: mutex, value: mutex1}, {name: message, value: hello}]
          synchronization:
            mutexes: [{name: "{{workflow.parameters.mutex}}"}]
          templates:
          - name: main
            script: {image: alpine:3.23, command: [sh], source: "echo {{workflow.parameters.message}}"}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.nodes["spec-subst"]["outputs"]["result"] == "hello"
    # the stored spec keeps what was written (Argo substitutes its execution copy)
    assert run.workflow["spec"]["synchronization"]["mutexes"][0]["name"] == "{{workflow.parameters.mutex}}"
