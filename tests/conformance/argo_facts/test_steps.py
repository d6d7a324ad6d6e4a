"""Steps templates: step groups, ``when``, ``continueOn``, skipped producers, references between steps.

Facts from Argo's steps.go (``executeSteps``, ``executeStepGroup``, ``shouldExecute``) and steps_test.go
(TestStepsFailedRetries, TestArtifactResolutionWhenSkipped, TestStepsStepGroupIDReference,
TestStepsWhenSkipNoRequeue, TestStepsWhenExprWithParamFilter, TestStepsSkippedOutputDefault), and the e2e
suite (functional_test.go TestContinueOnFail, TestWhenExpressions).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest


def _run(argo, body: str, **kwargs: Any):
    return argo.run(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + textwrap.dedent(body).lstrip(), **kwargs
    )


@pytest.mark.fact(
    "steps", "workflow/controller/steps.go:executeSteps (groups, their children and outbound nodes)"
)
def test_step_group_tree(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: st}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: ok}
            - - {name: b1, template: ok}
              - {name: b2, template: ok}
            - - {name: c, template: ok}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    n = run.nodes
    ids = {k: v["id"] for k, v in n.items()}
    assert n["st"]["children"] == [ids["st[0]"]]
    assert n["st[0]"]["children"] == [ids["st[0].a"]]
    assert n["st[0].a"]["children"] == [ids["st[1]"]]
    assert sorted(n["st[1]"]["children"]) == sorted([ids["st[1].b1"], ids["st[1].b2"]])
    assert n["st[1].b1"]["children"] == [ids["st[2]"]] and n["st[1].b2"]["children"] == [ids["st[2]"]]
    assert n["st"]["outboundNodes"] == [ids["st[2].c"]]
    assert n["st[1]"]["displayName"] == "[1]" and n["st[1]"]["type"] == "StepGroup"
    for name in ("st[0]", "st[1].b2", "st[2].c"):
        assert n[name]["boundaryID"] == "st"


@pytest.mark.fact(
    "steps", "workflow/controller/steps_test.go:TestStepsFailedRetries (testdata/steps-failed-retries.yaml)"
)
def test_failed_retries_end_the_steps(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: failed-retries}
        spec:
          entrypoint: failed-retries
          templates:
          - name: failed-retries
            steps:
            - - {name: fail, template: fail}
              - {name: delayed-fail, template: delayed-fail}
          - name: fail
            retryStrategy: {limit: 1}
            container: {image: alpine:3.23, command: [sh, -c], args: ["exit 1"]}
          - name: delayed-fail
            retryStrategy: {limit: 1}
            container: {image: alpine:3.23, command: [sh, -c], args: ["sleep 0.2; exit 1"]}
        """,
    )
    assert run.phase == "Failed"
    for name in ("fail", "delayed-fail"):
        retry = run.node(name)
        assert (retry["type"], retry["phase"], retry["message"]) == (
            "Retry",
            "Failed",
            "No more retries left",
        )
        assert len(retry["children"]) == 2


@pytest.mark.fact("steps", "workflow/controller/steps_test.go:TestArtifactResolutionWhenSkipped")
def test_skipped_consumer_of_a_skipped_producers_artifact(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: conditional-artifact-passing-}
        spec:
          entrypoint: artifact-example
          templates:
          - name: artifact-example
            steps:
            - - {name: generate-artifact, template: whalesay, when: "false"}
            - - name: consume-artifact
                template: print-message
                when: "false"
                arguments:
                  artifacts:
                  - {name: message, from: "{{steps.generate-artifact.outputs.artifacts.hello-art}}"}
          - name: whalesay
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello world | tee /tmp/hello_world.txt"]}
            outputs:
              artifacts:
              - {name: hello-art, path: /tmp/hello_world.txt}
          - name: print-message
            inputs:
              artifacts:
              - {name: message, path: /tmp/message}
            container: {image: alpine:3.23, command: [sh, -c], args: ["cat /tmp/message"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("generate-artifact")["phase"] == "Skipped"
    assert run.node("consume-artifact")["phase"] == "Skipped"


@pytest.mark.fact(
    "steps",
    "workflow/controller/steps_test.go:TestStepsStepGroupIDReference (steps.<loop>.id is the step group's)",
)
def test_id_of_a_loop_step_is_its_step_groups(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-stepgroup-id-ref}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: fanout
                template: echo
                arguments: {parameters: [{name: msg, value: '{{item}}'}]}
                withItems: [0, 1]
            - - name: use-id
                template: echo
                arguments: {parameters: [{name: msg, value: '{{steps.fanout.id}}'}]}
          - name: echo
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, '{{inputs.parameters.msg}}']}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("use-id")["inputs"]["parameters"][0]["value"] == "steps-stepgroup-id-ref-3297018276"
    assert run.nodes["steps-stepgroup-id-ref[0]"]["id"] == "steps-stepgroup-id-ref-3297018276"


@pytest.mark.fact("steps", "workflow/controller/steps_test.go:TestStepsWhenSkipNoRequeue")
def test_when_false_skips_a_step_whose_arguments_cannot_resolve(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: steps-when-skip-no-requeue-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: A, template: script-echo, when: "false"}
            - - name: B
                when: "{{steps.A.status}} == Succeeded"
                template: echo-with-param
                arguments:
                  parameters: [{name: msg, value: "{{steps.A.outputs.result}}"}]
          - name: script-echo
            script: {image: alpine:3.23, command: [sh], source: "echo hello"}
          - name: echo-with-param
            inputs: {parameters: [{name: msg}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.msg}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("B")["phase"] == "Skipped"
    assert run.node("B")["message"] == "when 'Skipped == Succeeded' evaluated false"


@pytest.mark.fact("steps", "workflow/controller/steps_test.go:TestStepsWhenExprWithParamFilter")
def test_when_with_expressions_over_loop_items(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: steps-when-expr-filter-}
        spec:
          entrypoint: main
          templates:
            - name: main
              inputs:
                parameters:
                  - {name: test, value: 'true'}
                  - name: list
                    value: "{{= concat(['always'], inputs.parameters.test == 'true' ? ['test'] : []) | toJSON() }}"
              steps:
                - - name: fst
                    template: run
                    when: |
                      "{{= get(item, 'type') ?? 'always' }}"
                      in
                      ("{{= inputs.parameters.list | fromJSON() | join('","') }}","")
                    withParam: |
                      [
                        { "name": "first", "type": "" },
                        { "name": "second", "type": "always" },
                        { "name": "third", "type": "test" },
                        { "name": "fourth" }
                      ]
                    arguments:
                      parameters:
                        - {name: name, value: "{{ item.name }}{{ inputs.parameters.list }}"}
            - name: run
              inputs: {parameters: [{name: name}]}
              container: {image: alpine:3.23, command: [echo], args: ["{{inputs.parameters.name}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    for name in (
        "fst(0:name:first,type:)",
        "fst(1:name:second,type:always)",
        "fst(2:name:third,type:test)",
        "fst(3:name:fourth)",
    ):
        node = run.node(name)
        assert (node["type"], node["phase"]) == ("Pod", "Succeeded"), name


@pytest.mark.fact("steps", "workflow/controller/steps_test.go:TestStepsSkippedOutputDefault")
def test_skipped_producers_default_reaches_the_consumer(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {generateName: steps-skipped-output-default-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: producer, template: produce, when: "false"}
            - - name: consumer
                template: consume
                arguments:
                  parameters: [{name: in, value: "{{steps.producer.outputs.parameters.msg}}"}]
          - name: produce
            outputs:
              parameters:
              - {name: msg, valueFrom: {path: /tmp/out.txt, default: "default-from-producer"}}
            container: {image: alpine:3.23, command: [sh, -c], args: ["echo hello > /tmp/out.txt"]}
          - name: consume
            inputs: {parameters: [{name: in}]}
            container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.in}}"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert run.node("consumer")["inputs"]["parameters"][0]["value"] == "default-from-producer"


@pytest.mark.fact("steps", "test/e2e/functional_test.go:TestContinueOnFail (continue-on-fail.yaml)")
def test_continue_on_failed(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: continue-on-fail}
        spec:
          entrypoint: workflow-ignore
          parallelism: 2
          templates:
          - name: workflow-ignore
            steps:
            - - {name: A, template: whalesay}
            - - {name: B, template: boom, continueOn: {failed: true}}
              - {name: C, template: whalesay}
            - - {name: D, template: whalesay}
          - name: boom
            dag:
              tasks:
              - {name: B-1, template: whalesplosion}
          - name: whalesay
            container: {image: argoproj/argosay:v2}
          - name: whalesplosion
            container: {image: argoproj/argosay:v2, args: [exit, "1"]}
        """,
    )
    assert run.phase == "Succeeded"
    assert len(run.nodes) == 9
    b = run.node("B")
    assert b["phase"] == "Failed"
    assert len(b["children"]) == 1 and len(b["outboundNodes"]) == 1
    assert run.node("D")["phase"] == "Succeeded"


@pytest.mark.fact("steps", "test/e2e/functional_test.go:TestWhenExpressions (govaluate after substitution)")
def test_when_expressions(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: when-expr}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: n, value: "5"}]
          templates:
          - name: main
            steps:
            - - {name: gt, template: ok, when: "{{workflow.parameters.n}} > 3"}
              - {name: lt, template: ok, when: "{{workflow.parameters.n}} < 3"}
              - {name: str-eq, template: ok, when: "foo == foo"}
              - {name: regex, template: ok, when: "'abc' =~ 'b'"}
              - {name: and, template: ok, when: "true && false"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
    )
    assert run.phase == "Succeeded"
    phases = {name: run.node(name)["phase"] for name in ("gt", "lt", "str-eq", "regex", "and")}
    assert phases == {
        "gt": "Succeeded",
        "lt": "Skipped",
        "str-eq": "Succeeded",
        "regex": "Succeeded",
        "and": "Skipped",
    }


@pytest.mark.fact(
    "steps", "workflow/controller/steps.go:shouldExecute (an invalid when is an error of the step group)"
)
def test_invalid_when_errors(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: bad-when}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: ok, when: "1 +"}
          - name: ok
            container: {image: argoproj/argosay:v2, args: [echo, hi]}
        """,
        lint=False,
    )
    assert run.phase in ("Failed", "Error")
    node = run.node("a")
    assert (node["type"], node["phase"]) == ("Skipped", "Error")
    assert node["message"].startswith("Invalid 'when' expression '1 +'")


@pytest.mark.fact(
    "steps", "workflow/controller/operator.go:executeTemplate (steps.name is the step's own name)"
)
def test_steps_name_variable(argo) -> None:
    run = _run(
        argo,
        """
        metadata: {name: steps-name}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: first-step, template: show}
          - name: show
            script: {image: alpine:3.23, command: [sh], source: "echo {{steps.name}}"}
        """,
    )
    assert run.node("first-step")["outputs"]["result"] == "first-step"


@pytest.mark.fact("steps", "workflow/controller/operator_test.go:TestStepsTemplateParallelismLimit")
def test_steps_template_parallelism(argo) -> None:
    seen = {"most": 0}

    def watch(state, node) -> None:
        running = sum(1 for n in state.nodes.values() if str(n.type) == "Pod" and str(n.phase) == "Running")
        seen["most"] = max(seen["most"], running)

    argo.configure.append(lambda options: options.listeners.append(watch))
    run = _run(
        argo,
        """
        metadata: {name: steps-par}
        spec:
          entrypoint: main
          templates:
          - name: main
            parallelism: 2
            steps:
            - - {name: sleep, template: sleep, withItems: [1, 2, 3, 4, 5]}
          - name: sleep
            container: {image: argoproj/argosay:v2, args: [sleep, 0.3s]}
        """,
    )
    assert run.phase == "Succeeded"
    assert seen["most"] == 2
