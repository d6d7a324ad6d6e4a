"""Loops: ``withItems``, ``withParam``, ``withSequence``; node names of items; aggregation; empty loops.

Facts from Argo's ``expandStepGroup``/``expandTask``/``processItem`` (steps.go, dag.go, operator.go),
operator_test.go (Test_processItem, TestWithParamAsJsonList, TestParamAggregation,
TestWithSequenceExpressionPreservesGlobalScope), dag_test.go (TestEmptyWithParamDAG, TestFailsWithParamDAG) and
the e2e suite (functional_test.go TestLoopEmptyParam, TestDAGEmptyParam, TestParameterAggregation).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


@pytest.mark.fact(
    "loops", "workflow/controller/operator_test.go:Test_processItem (node names and values of items)"
)
@pytest.mark.parametrize(
    ("item", "name", "value"),
    [
        ('"string"', "task-name(0:string)", "string"),
        ("42", "task-name(0:42)", "42"),
        ("true", "task-name(0:true)", "true"),
        (
            # nested keys as Argo's test sees them (its fixture decoding sorts them; a real withParam keeps its order)
            '{"number": 2, "string": "foo", "list": [0, "1"], "json": {"list": [0, "1"], "number": 2, "string": "foo"}}',
            'task-name(0:json:{"list":[0,"1"],"number":2,"string":"foo"},list:[0,"1"],number:2,string:foo)',
            '{"json":{"list":[0,"1"],"number":2,"string":"foo"},"list":[0,"1"],"number":2,"string":"foo"}',
        ),
        ('[1, "two", 3]', "task-name(0:[1 two 3])", '[1,"two",3]'),
    ],
)
def test_item_node_names_and_values(argo, item: str, name: str, value: str) -> None:
    run = _run(
        argo,
        f"""
        metadata: {{name: items}}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - name: task-name
                template: echo
                withParam: {json.dumps("[" + item + "]")}
                arguments: {{parameters: [{{name: p, value: "{{{{item}}}}"}}]}}
          - name: echo
            inputs: {{parameters: [{{name: p}}]}}
            container: {{image: alpine:3.23, command: [echo, "{{{{inputs.parameters.p}}}}"]}}
        """,
    )
    assert run.phase == "Succeeded"
    node = run.node(name)
    assert node["inputs"]["parameters"][0]["value"] == value


@pytest.mark.fact(
    "loops", "test/e2e/functional_test.go:TestLoopEmptyParam (functional/loops-empty-param.yaml)"
)
def test_empty_with_param_in_steps(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: loops-param-result-}
        spec:
          entrypoint: loop-param-result-example
          templates:
          - name: loop-param-result-example
            steps:
            - - {name: generate, template: gen-number-list}
            - - name: sleep
                template: sleep-n-sec
                arguments: {parameters: [{name: seconds, value: "{{item}}"}]}
                withParam: "{{steps.generate.outputs.result}}"
          - name: gen-number-list
            script: {image: argoproj/argosay:v2, args: ["echo", "[]"]}
          - name: sleep-n-sec
            inputs: {parameters: [{name: seconds}]}
            container: {image: argoproj/argosay:v1, command: [sh, -c], args: ["sleep {{inputs.parameters.seconds}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert len(run.nodes) == 5
    sleep = run.node("sleep")
    assert (sleep["phase"], sleep["message"]) == ("Skipped", "Skipped, empty params")


@pytest.mark.fact("loops", "test/e2e/functional_test.go:TestDAGEmptyParam (functional/dag-empty-param.yaml)")
def test_empty_with_param_in_a_dag(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: dag-param-result-}
        spec:
          entrypoint: dag-param-result-example
          templates:
          - name: dag-param-result-example
            dag:
              tasks:
              - {name: generate, template: gen-number-list}
              - name: sleep
                template: sleep-n-sec
                arguments: {parameters: [{name: seconds, value: "{{item}}"}]}
                withParam: "{{tasks.generate.outputs.result}}"
                dependencies: [generate]
          - name: gen-number-list
            script: {image: argoproj/argosay:v2, args: ["echo", "[]"]}
          - name: sleep-n-sec
            inputs: {parameters: [{name: seconds}]}
            container: {image: argoproj/argosay:v1, command: [sh, -c], args: ["sleep {{inputs.parameters.seconds}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert len(run.nodes) == 3
    sleep = run.node("sleep")
    assert (sleep["phase"], sleep["message"]) == ("Skipped", "Skipped, empty params")


@pytest.mark.fact("loops", "workflow/controller/dag_test.go:TestFailsWithParamDAG")
def test_a_failed_item_fails_the_task_group(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: fails-with-param}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - name: items
                template: exit
                arguments: {parameters: [{name: code, value: "{{item}}"}]}
                withItems: ["0", "1", "0"]
          - name: exit
            inputs: {parameters: [{name: code}]}
            container: {image: alpine:3.23, command: [sh, -c, "exit {{inputs.parameters.code}}"]}
        """,
    )
    assert run.phase == "Failed"
    group = run.node("items")
    assert (group["type"], group["phase"]) == ("TaskGroup", "Failed")
    assert [run.status["nodes"][c]["displayName"] for c in group["children"]] == [
        "items(0:0)",
        "items(1:1)",
        "items(2:0)",
    ]


@pytest.mark.fact(
    "loops",
    "workflow/controller/operator_test.go:TestParamAggregation; test/e2e/functional_test.go:TestParameterAggregation",
)
def test_parameter_aggregation(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: parameter-aggregation}
        spec:
          entrypoint: parameter-aggregation
          templates:
          - name: parameter-aggregation
            steps:
            - - name: odd-or-even
                template: odd-or-even
                arguments: {parameters: [{name: num, value: "{{item}}"}]}
                withItems: [1, 2, 3, 4]
            - - name: print
                template: print
                arguments:
                  parameters:
                  - {name: evenness, value: "{{steps.odd-or-even.outputs.parameters.evenness}}"}
                  - {name: all, value: "{{steps.odd-or-even.outputs.parameters}}"}
          - name: odd-or-even
            inputs: {parameters: [{name: num}]}
            container:
              image: alpine:3.23
              command: [sh, -xc]
              args:
              - |
                sleep 0.1 &&
                echo {{inputs.parameters.num}} > /tmp/num &&
                if [ $(({{inputs.parameters.num}}%2)) -eq 0 ]; then
                  echo "even" > /tmp/even;
                else
                  echo "odd" > /tmp/even;
                fi
            outputs:
              parameters:
              - {name: num, valueFrom: {path: /tmp/num}}
              - {name: evenness, valueFrom: {path: /tmp/even}}
          - name: print
            inputs: {parameters: [{name: evenness}, {name: all}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.evenness}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    params = {p["name"]: p["value"] for p in run.node("print")["inputs"]["parameters"]}
    assert params["evenness"] == '["odd","even","odd","even"]'
    assert json.loads(params["all"]) == [
        {"num": "1", "evenness": "odd"},
        {"num": "2", "evenness": "even"},
        {"num": "3", "evenness": "odd"},
        {"num": "4", "evenness": "even"},
    ]


@pytest.mark.fact(
    "loops", "workflow/controller/operator.go:processAggregateNodeOutputs (results as a JSON list)"
)
def test_result_aggregation(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: result-agg}
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: gen, template: gen, arguments: {parameters: [{name: n, value: "{{item}}"}]}, withItems: [a, b]}
              - name: show
                depends: gen
                template: show
                arguments: {parameters: [{name: all, value: "{{tasks.gen.outputs.result}}"}]}
          - name: gen
            inputs: {parameters: [{name: n}]}
            script: {image: alpine:3.23, command: [sh], source: "echo {{inputs.parameters.n}}"}
          - name: show
            inputs: {parameters: [{name: all}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.all}}"]}
        """,
    )
    assert run.node("show")["inputs"]["parameters"][0]["value"] == '["a","b"]'


@pytest.mark.fact("loops", "examples/loops-sequence.yaml (withSequence count, start/end, format)")
def test_with_sequence(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: loops-sequence}
        spec:
          entrypoint: loops-sequence
          templates:
          - name: loops-sequence
            steps:
            - - name: sequence-count
                template: echo
                arguments: {parameters: [{name: msg, value: "{{item}}"}]}
                withSequence: {count: "3"}
              - name: sequence-start-end
                template: echo
                arguments: {parameters: [{name: msg, value: "{{item}}"}]}
                withSequence: {start: "100", end: "102"}
              - name: sequence-reverse
                template: echo
                arguments: {parameters: [{name: msg, value: "{{item}}"}]}
                withSequence: {start: "2", end: "0"}
              - name: sequence-format
                template: echo
                arguments: {parameters: [{name: msg, value: "{{item}}"}]}
                withSequence: {count: "2", format: "testuser%02X"}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    names = {n["displayName"] for n in run.nodes.values()}
    assert {"sequence-count(0:0)", "sequence-count(1:1)", "sequence-count(2:2)"} <= names
    assert {"sequence-start-end(0:100)", "sequence-start-end(2:102)"} <= names
    assert {"sequence-reverse(0:2)", "sequence-reverse(2:0)"} <= names
    assert {"sequence-format(0:testuser00)", "sequence-format(1:testuser01)"} <= names


@pytest.mark.fact(
    "loops", "workflow/controller/operator_test.go:TestWithSequenceExpressionPreservesGlobalScope"
)
def test_with_sequence_from_an_expression_and_a_global(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: seq-expr}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: n, value: "2"}]
          templates:
          - name: main
            steps:
            - - name: s
                template: echo
                arguments: {parameters: [{name: msg, value: "{{item}}-{{workflow.parameters.n}}"}]}
                withSequence: {count: "{{=asInt(workflow.parameters.n) + 1}}"}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    values = sorted(n["inputs"]["parameters"][0]["value"] for n in run.nodes.values() if n["type"] == "Pod")
    assert values == ["0-2", "1-2", "2-2"]


@pytest.mark.fact("loops", "examples/loops-maps.yaml (item.<key> of map items)")
def test_map_items(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: loops-maps}
        spec:
          entrypoint: loop-map-example
          templates:
          - name: loop-map-example
            steps:
            - - name: test-linux
                template: cat-os-release
                arguments:
                  parameters:
                  - {name: image, value: "{{item.image}}"}
                  - {name: tag, value: "{{item.tag}}"}
                withItems:
                - {image: 'debian', tag: '9.1'}
                - {image: 'ubuntu', tag: '17.10'}
          - name: cat-os-release
            inputs: {parameters: [{name: image}, {name: tag}]}
            container: {image: "alpine:3.23", command: [echo, "{{inputs.parameters.image}}:{{inputs.parameters.tag}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("test-linux(0:image:debian,tag:9.1)")["inputs"]["parameters"][1]["value"] == "9.1"
    assert run.node("test-linux(1:image:ubuntu,tag:17.10)")["phase"] == "Succeeded"


@pytest.mark.fact("loops", "workflow/controller/steps.go:expandStep (withParam that is not a JSON list)")
def test_with_param_that_is_not_a_list_errors(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: bad-param}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: gen, template: gen}
            - - name: use
                template: echo
                arguments: {parameters: [{name: p, value: "{{item}}"}]}
                withParam: "{{steps.gen.outputs.result}}"
          - name: gen
            script: {image: alpine:3.23, command: [sh], source: "echo not-json"}
          - name: echo
            inputs: {parameters: [{name: p}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.p}}"]}
        """,
    )
    assert run.phase in ("Failed", "Error")
    assert "withParam" in run.nodes["bad-param[1]"]["message"]
    assert run.nodes["bad-param[1]"]["phase"] == "Error"
