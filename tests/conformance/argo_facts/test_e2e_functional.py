"""Argo's functional e2e suite (``test/e2e/functional_test.go``): the tests that judge what a workflow does, run
as ``argento run`` runs them (real local processes for argosay steps; the fake executor where the fact is the
controller's alone). Long sleeps are scaled down; nothing sleeps then asserts.

Not ported, Kubernetes-only mechanics (one line each):

- TestDeletingPendingPod — deletes a pending pod with kubectl and waits for the controller to recreate it.
- TestEventOnNodeFail, TestEventOnPVCFail, TestEventOnWorkflowSuccess — Kubernetes audit Events objects.
- TestPendingRetryWorkflow, TestPendingRetryWorkflowWithRetryStrategy — a namespace memory ResourceQuota
  keeping pods Pending until it is deleted.
- TestResourceQuota — a namespace pod-count ResourceQuota.
- TestTemplateLevelTimeoutWithForbidden — pods forbidden by a memory ResourceQuota must still time out.
- TestScriptAsNonRoot — pod securityContext (runAsUser/runAsNonRoot) and the /argo/staging volume.
- TestVolumeClaimTemplate — PVC deletion (the pvc-protection finalizer).
- TestWorkflowInvalidServiceAccountError — RBAC of the pod's service account on WorkflowTaskResults.
- TestWorkflowPodSpecPatch — podSpecPatch checked on the Kubernetes pod object.
- TestOutputArtifactS3BucketCreationEnabled — creating a missing S3 bucket on a MinIO endpoint.
- TestDataTransformation — an S3 ``data`` source listing a MinIO bucket.
- TestPauseBefore, TestPauseAfter, TestPauseAfterAndBefore — kubectl exec touching marker files under
  /proc/1/root/run/argo/ctr inside the pod (Argento's own debug pause is pinned elsewhere).
- TestWorkflowRetention — the controller's ``retentionPolicy`` in its ConfigMap deleting old workflows.
"""

from __future__ import annotations

import textwrap

import pytest
from tests.conformance.argo_facts._util import wf

FUNC = "test/e2e/functional_test.go"


def fact(category: str, test: str):
    return pytest.mark.fact(category, f"{FUNC}:{test}")


# ------------------------------------------------------------------------------ skipped and omitted tasks
PRODUCE = """
- name: produce
  outputs:
    parameters:
    - name: msg
      valueFrom: {{path: /tmp/out.txt{default}}}
  container: {{image: argoproj/argosay:v2, args: [echo, real-value, /tmp/out.txt]}}
- name: consume
  inputs:
    parameters:
    - name: in{input_default}
  container: {{image: argoproj/argosay:v2, args: [echo, 'consumer got: [{{{{inputs.parameters.in}}}}]']}}
"""


def skipped_producer(kind: str, *, producer_default: bool) -> str:
    produce = PRODUCE.format(
        default=", default: hello-from-producer" if producer_default else "",
        input_default="" if producer_default else "\n      default: fallback-from-input",
    )
    if kind == "dag":
        main = """
        - name: main
          dag:
            tasks:
            - {name: producer, template: produce, when: 'false'}
            - name: consumer
              template: consume
              depends: producer.Succeeded || producer.Skipped
              arguments:
                parameters: [{name: in, value: '{{tasks.producer.outputs.parameters.msg}}'}]
        """
    else:
        main = """
        - name: main
          steps:
          - - {name: producer, template: produce, when: 'false'}
          - - name: consumer
              template: consume
              arguments:
                parameters: [{name: in, value: '{{steps.producer.outputs.parameters.msg}}'}]
        """


    return wf("entrypoint: main\ntemplates:\n" + textwrap.dedent(main).strip("\n") + produce)


@pytest.mark.parametrize(
    ("kind", "producer_default", "expected"),
    [
        pytest.param("dag", True, "hello-from-producer", id="dag-producer-default",
                     marks=fact("dag", "TestDAGSkippedProducerOutputDefault")),
        pytest.param("dag", False, "fallback-from-input", id="dag-consumer-default",
                     marks=fact("dag", "TestDAGSkippedConsumerInputDefault")),
        pytest.param("steps", True, "hello-from-producer", id="steps-producer-default",
                     marks=fact("steps", "TestStepsSkippedProducerOutputDefault")),
        pytest.param("steps", False, "fallback-from-input", id="steps-consumer-default",
                     marks=fact("steps", "TestStepsSkippedConsumerInputDefault")),
    ],
)
def test_skipped_producer_output_takes_a_default(argo, kind: str, producer_default: bool, expected: str) -> None:
    run = argo.run(skipped_producer(kind, producer_default=producer_default))
    assert run.phase == "Succeeded", run.message
    assert run.node("producer")["phase"] == "Skipped"
    consumer = run.node("consumer")
    assert consumer["phase"] == "Succeeded"
    assert [p["value"] for p in consumer["inputs"]["parameters"]] == [expected]


@fact("loops", "TestDAGSkippedWithParamProducerDefault")
def test_skipped_producer_default_feeds_with_param(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: producer, template: produce, when: 'false'}
            - name: consumer
              template: consume
              depends: producer.Succeeded || producer.Skipped
              withParam: '{{tasks.producer.outputs.parameters.items}}'
              arguments:
                parameters: [{name: in, value: '{{item}}'}]
        - name: produce
          outputs:
            parameters:
            - name: items
              valueFrom: {path: /tmp/out.txt, default: '["a","b"]'}
          container: {image: argoproj/argosay:v2, args: [echo, '["real"]', /tmp/out.txt]}
        - name: consume
          inputs: {parameters: [{name: in}]}
          container: {image: argoproj/argosay:v2, args: [echo, 'got {{inputs.parameters.in}}']}
        """))
    assert run.phase == "Succeeded", run.message
    assert run.node("producer")["phase"] == "Skipped"
    for i, item in enumerate(["a", "b"]):
        child = run.node(f"consumer({i}:{item})")
        assert child["phase"] == "Succeeded"
        assert [p["value"] for p in child["inputs"]["parameters"]] == [item]


@fact("dag", "TestDAGSkippedVolumeRefProducerDefault")
def test_skipped_producer_default_in_workflow_volumes(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        volumes:
        - name: cfg
          configMap: {name: '{{tasks.producer.outputs.parameters.cm-name}}', optional: true}
        templates:
        - name: main
          dag:
            tasks:
            - {name: producer, template: produce, when: 'false'}
            - {name: consumer, template: consume, depends: producer.Succeeded || producer.Skipped}
        - name: produce
          outputs:
            parameters:
            - name: cm-name
              valueFrom: {path: /tmp/out.txt, default: rescued-config}
          container: {image: argoproj/argosay:v2, args: [echo, real-config, /tmp/out.txt]}
        - name: consume
          container:
            image: argoproj/argosay:v2
            args: [echo, hello]
            volumeMounts: [{name: cfg, mountPath: /cfg}]
        """))
    assert run.phase == "Succeeded", run.message
    assert run.node("producer")["phase"] == "Skipped"
    assert run.node("consumer")["phase"] == "Succeeded"


@fact("dag", "TestDAGSkippedArtifactSubPathRef")
def test_skipped_producer_without_default_in_artifact_subpath_errors(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: artifact-producer, template: produce-artifact}
            - {name: param-producer, template: produce-param, when: 'false'}
            - name: consumer
              template: consume
              depends: artifact-producer && (param-producer.Succeeded || param-producer.Skipped)
              arguments:
                artifacts:
                - name: data
                  from: '{{tasks.artifact-producer.outputs.artifacts.out}}'
                  subPath: '{{tasks.param-producer.outputs.parameters.dir}}'
        - name: produce-artifact
          outputs: {artifacts: [{name: out, path: /tmp/message}]}
          container: {image: argoproj/argosay:v2, args: [echo, hello, /tmp/message]}
        - name: produce-param
          outputs:
            parameters:
            - name: dir
              valueFrom: {path: /tmp/dir.txt}
          container: {image: argoproj/argosay:v2, args: [echo, subdir, /tmp/dir.txt]}
        - name: consume
          inputs: {artifacts: [{name: data, path: /tmp/in}]}
          container: {image: argoproj/argosay:v2, args: [echo, consumed]}
        """))
    assert run.phase == "Error", run.message
    assert run.node("param-producer")["phase"] == "Skipped"
    consumer = run.node("consumer")
    assert consumer["phase"] == "Error"
    assert "absent optional" in consumer.get("message", "")


@fact("dag", "TestDAGOmittedOutputRef")
def test_omitted_task_output_reference_errors_the_consumer(argo) -> None:
    stage = """
        - name: stage-{x}
          outputs:
            parameters:
            - name: output-message
              valueFrom: {{path: /tmp/output.txt}}
          container: {{image: argoproj/argosay:v2, args: [echo, hello from stage {x}, /tmp/output.txt]}}
    """
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: stage-a, template: stage-a}
            - {name: stage-b, template: stage-b, depends: stage-a.Failed}
            - name: stage-c
              template: stage-c
              depends: stage-a && (stage-b || stage-b.Omitted)
              arguments:
                parameters:
                - {name: message-from-a, value: '{{tasks.stage-a.outputs.parameters.output-message}}'}
                - {name: message-from-b, value: '{{tasks.stage-b.outputs.parameters.output-message}}'}
        - name: stage-c
          inputs:
            parameters: [{name: message-from-a}, {name: message-from-b}]
          container:
            image: argoproj/argosay:v2
            args: [echo, 'c got [{{inputs.parameters.message-from-a}}] [{{inputs.parameters.message-from-b}}]']
        """ + stage.format(x="a") + stage.format(x="b")))
    assert run.phase == "Error", run.message
    assert run.node("stage-a")["phase"] == "Succeeded"
    assert run.node("stage-b")["phase"] == "Omitted"
    c = run.node("stage-c")
    assert c["phase"] == "Error"
    assert "absent optional" in c.get("message", "")


@fact("dag", "TestDAGWhenExprSkip")
def test_when_expression_false_skips_the_task_without_evaluating_its_arguments(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        arguments:
          parameters: [{name: data, value: ''}]
        templates:
        - name: main
          dag:
            tasks:
            - name: A
              template: echo
              arguments: {parameters: [{name: message, value: A}]}
            - name: B
              dependencies: [A]
              when: "{{= workflow.parameters.data != '' }}"
              template: echo
              arguments:
                parameters: [{name: message, value: "{{= jsonpath(workflow.parameters.data, '$.id') }}"}]
        - name: echo
          inputs: {parameters: [{name: message}]}
          container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.message}}']}
        """))
    assert run.phase == "Succeeded", run.message
    assert run.node("B")["phase"] == "Skipped"


@fact("loops", "TestStepsWhenExprFilter")
def test_when_expression_filters_with_param_items(argo) -> None:
    run = argo.run(wf("""
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
                parameters: [{name: name, value: '{{ item.name }}{{ inputs.parameters.list }}'}]
        - name: run
          inputs: {parameters: [{name: name}]}
          container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.name}}']}
        """))
    assert run.phase == "Succeeded", run.message
    for name in ("fst(0:name:first,type:)", "fst(1:name:second,type:always)", "fst(2:name:third,type:test)",
                 "fst(3:name:fourth)"):
        assert run.node(name)["phase"] == "Succeeded", name
