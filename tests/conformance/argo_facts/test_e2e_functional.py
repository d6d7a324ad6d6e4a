"""Argo's functional e2e suite (``test/e2e/functional_test.go``): the tests that judge what a workflow does, run
as ``argento run`` runs them (real local processes for argosay steps; the fake executor where the fact is the
controller's alone). Long sleeps are scaled down; nothing sleeps then asserts.

Not ported, Kubernetes-only mechanics (one line each):

- TestDeletingPendingPod — deletes a pending pod with kubectl and waits for the controller to recreate it.
- TestEventOnPVCFail — the Event of a failed PersistentVolumeClaim creation.
- TestOptionalInputArtifacts — optional input artifacts whose HTTP (github.com) and S3 (MinIO) sources are
  missing: needs the network and a MinIO endpoint.
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
from typing import Any

import httpx
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


# --------------------------------------------------------------------------------------- artifacts, outputs
@fact("outputs", "TestArchiveStrategies")
def test_archive_strategies_default_tar_and_none(argo) -> None:
    pair = """
        - name: generate-{s}
          container: {{image: argoproj/argosay:v2, args: [echo, hello, /tmp/file-{s}]}}
          outputs:
            artifacts: [{{name: file-{s}, path: /tmp/file-{s}{archive}}}]
        - name: consume-{s}
          inputs:
            artifacts: [{{name: file-{s}, path: /tmp/file-{s}{archive}}}]
          container: {{image: argoproj/argosay:v2, args: [assert_contains, /tmp/file-{s}, hello]}}
    """
    tasks = "".join(
        f"""
            - {{name: generate-{s}, template: generate-{s}}}
            - name: consume-{s}
              template: consume-{s}
              dependencies: [generate-{s}]
              arguments:
                artifacts: [{{name: file-{s}, from: '{{{{tasks.generate-{s}.outputs.artifacts.file-{s}}}}}'}}]"""
        for s in ("default", "tar", "none")
    )
    run = argo.run(wf(
        "entrypoint: main\ntemplates:\n- name: main\n  dag:\n    tasks:"
        + textwrap.indent(textwrap.dedent(tasks), "    ")
        + textwrap.dedent(
            pair.format(s="default", archive="")
            + pair.format(s="tar", archive=", archive: {tar: {}}")
            + pair.format(s="none", archive=", archive: {none: {}}")
        )
    ))
    assert run.phase == "Succeeded", run.message
    for s in ("default", "tar", "none"):
        assert run.node(f"consume-{s}")["phase"] == "Succeeded"


@fact("outputs", "TestOptionalOutputArtifacts")
def test_optional_output_artifact_that_is_missing(argo) -> None:
    run = argo.run(wf("""
        entrypoint: artifact-example
        templates:
        - name: artifact-example
          steps:
          - - {name: generate-artifact, template: whalesay}
        - name: whalesay
          container:
            image: argoproj/argosay:v1
            command: [sh, -c]
            args: ["cowsay hello world | tee /tmp/hello_world12.txt"]
          outputs:
            artifacts: [{name: hello-art, optional: true, path: /tmp/hello_world.txt}]
        """))
    assert run.phase == "Succeeded", run.message


@fact("steps", "TestMissingStepsInUI")
def test_nested_steps_with_optional_artifacts_keep_their_children(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: step1
              template: work
              arguments: {parameters: [{name: script, value: "echo hello\\n"}]}
          - - name: step2
              template: work
              arguments: {parameters: [{name: script, value: "echo world\\n"}]}
        - name: work
          inputs:
            parameters:
            - {name: script}
            - {name: outputArtifactResultFilePath, default: /tmp/output}
            artifacts: [{name: inputFile, optional: true}]
          outputs:
            parameters:
            - name: result
              valueFrom: {parameter: '{{steps.execute-script.outputs.result}}'}
            artifacts:
            - {name: resultFile, optional: true, from: '{{steps.execute-script.outputs.artifacts.resultFile}}'}
          steps:
          - - name: execute-script
              template: execute-target-script
              arguments:
                parameters:
                - {name: script, value: '{{inputs.parameters.script}}'}
                - {name: outputArtifactResultFilePath, value: '{{inputs.parameters.outputArtifactResultFilePath}}'}
                artifacts:
                - {name: inputFile, from: '{{inputs.artifacts.inputFile}}'}
        - name: execute-target-script
          inputs:
            parameters:
            - {name: script}
            - {name: outputArtifactResultFilePath, default: /tmp/output}
            artifacts: [{name: inputFile, optional: true, path: /tmp/inputFile}]
          outputs:
            artifacts:
            - {name: resultFile, optional: true, path: '{{inputs.parameters.outputArtifactResultFilePath}}'}
          script: {command: [bash], image: 'argoproj/argosay:v2', source: '{{inputs.parameters.script}}'}
        """, name="missing-steps"))
    assert run.phase == "Succeeded", run.message
    node = run.nodes["missing-steps[0].step1[0].execute-script"]
    assert len(node.get("children") or []) == 1


def aggregation(kind: str) -> str:
    ref = "tasks" if kind == "dag" else "steps"
    body = (
        """
          dag:
            tasks:
            - name: echo-list"""
        if kind == "dag"
        else """
          steps:
          - - name: echo-list"""
    )
    indent = " " * 14
    return wf(
        f"""
        retryStrategy: {{limit: 1}}
        entrypoint: fanout
        templates:
        - name: echo-value
          inputs: {{parameters: [{{name: message}}]}}
          container: {{image: argoproj/argosay:v2}}
          outputs:
            parameters: [{{name: dummy-output, value: '{{{{inputs.parameters.message}}}}'}}]
        - name: fanout{body}
{indent}template: echo-value
{indent}arguments: {{parameters: [{{name: message, value: '{{{{item}}}}'}}]}}
{indent}withItems: [1, 2, 3]
          outputs:
            parameters:
            - name: out
              valueFrom: {{parameter: '{{{{{ref}.echo-list.outputs.parameters.dummy-output}}}}'}}
        """,
        name=f"aggregation-{kind}",
    )


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("dag", marks=fact("outputs", "TestParameterAggregationDAGWithRetry")),
        pytest.param("steps", marks=fact("outputs", "TestParameterAggregationStepsWithRetry")),
    ],
)
def test_parameter_aggregation_under_a_workflow_retry_strategy(argo, kind: str) -> None:
    run = argo.run(aggregation(kind))
    assert run.phase == "Succeeded", run.message
    node = run.node(f"aggregation-{kind}(0)")
    assert node["phase"] == "Succeeded"
    assert [p["value"] for p in node["outputs"]["parameters"]] == ['["1","2","3"]']


@fact("loops", "TestParameterAggregationFromOutputs")
def test_double_fan_out_from_aggregated_outputs(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main-dag
        templates:
        - name: operation
          inputs: {parameters: [{name: param1}]}
          outputs:
            parameters:
            - name: output1
              valueFrom: {path: /tmp/fan_out.json}
          container: {image: argoproj/argosay:v2, args: [echo, '{{inputs.parameters.param1}}', /tmp/fan_out.json]}
        - name: secondary-dag
          inputs: {parameters: [{name: param1}]}
          dag:
            tasks:
            - name: task3
              template: operation
              withParam: '{{inputs.parameters.param1}}'
              arguments: {parameters: [{name: param1, value: '{{item}}'}]}
        - name: main-dag
          dag:
            tasks:
            - name: task1
              template: operation
              arguments:
                parameters:
                - name: param1
                  value: '[[{"key1": "value1"}, {"key2": "value2"}, {"key3": "value3"}], [{"key4": "value4"}, {"key5": "value5"}]]'
            - name: task2
              template: operation
              depends: task1
              withParam: '{{tasks.task1.outputs.parameters.output1}}'
              arguments: {parameters: [{name: param1, value: '{{item}}'}]}
            - name: task3-dag
              template: secondary-dag
              depends: task2
              withParam: '{{tasks.task2.outputs.parameters.output1}}'
              arguments: {parameters: [{name: param1, value: '{{item}}'}]}
        """))
    assert run.phase == "Succeeded", run.message
    for name in ("task3(0:key1:value1)", "task3(1:key2:value2)", "task3(2:key3:value3)",
                 "task3(0:key4:value4)", "task3(1:key5:value5)"):
        assert run.node(name)["phase"] == "Succeeded", name


@fact("outputs", "TestHTTPOutputs")
def test_http_template_result_feeds_the_next_task(argo) -> None:
    import http.server
    import threading

    body = b'{"swagger": "2.0", "info": {"title": "served here"}}'

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run = argo.run(wf(f"""
            entrypoint: main
            templates:
            - name: main
              dag:
                tasks:
                - name: http
                  template: http
                  arguments: {{parameters: [{{name: url, value: 'http://127.0.0.1:{server.server_port}/swagger.json'}}]}}
                - name: echo
                  template: echo
                  dependencies: [http]
                  arguments: {{parameters: [{{name: msg, value: '{{{{tasks.http.outputs.result}}}}'}}]}}
            - name: http
              inputs: {{parameters: [{{name: url}}]}}
              http: {{url: '{{{{inputs.parameters.url}}}}'}}
            - name: echo
              inputs: {{parameters: [{{name: msg}}]}}
              container: {{image: argoproj/argosay:v2, args: [echo, '{{{{inputs.parameters.msg}}}}']}}
            """))
    finally:
        server.shutdown()
        server.server_close()
    assert run.phase == "Succeeded", run.message
    result = run.node("http")["outputs"]["result"]
    assert result == body.decode()
    assert run.node("echo")["inputs"]["parameters"][0]["value"] == result


# ------------------------------------------------------------------------------------- variables, templates
@fact("variables", "TestJSONVariables")
def test_labels_annotations_and_parameters_as_json(argo) -> None:
    run = argo.run("""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: json-variables
          labels: {myLabel: myLabelValue}
          annotations: {myAnnotation: myAnnotationValue}
        spec:
          entrypoint: main
          arguments:
            parameters: [{name: myParam, value: myParamValue}]
          templates:
          - name: main
            steps:
            - - {name: say, template: argosay1}
            - - name: heard
                template: heard
                arguments: {parameters: [{name: said, value: '{{steps.say.outputs.result}}'}]}
          - name: heard
            inputs: {parameters: [{name: said}]}
            container: {image: 'argoproj/argosay:v2', args: [echo, '{{inputs.parameters.said}}']}
          - name: argosay1
            container:
              image: argoproj/argosay:v1
              command: [echo]
              args:
              - "{{=jsonpath(workflow.labels.json, '$.myLabel')}}"
              - "{{=jsonpath(workflow.annotations.json, '$.myAnnotation')}}"
              - "{{=jsonpath(workflow.parameters.json, '$[0].value')}}"
        """)
    assert run.phase == "Succeeded", run.message
    # (Argo checks the pod's three args; here the step's stdout, captured as its result, shows them.)
    assert run.node("say")["outputs"]["result"] == "myLabelValue myAnnotationValue myParamValue"


@fact("variables", "TestEntrypointName")
def test_main_entrypoint_seen_from_a_referenced_template(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: bar
        templates:
        - name: bar
          steps:
          - - name: step
              templateRef: {name: next-template, template: next}
        """),
        templates=wf("""
        entrypoint: next
        templates:
        - name: next
          inputs:
            parameters: [{name: test, value: '{{ workflow.mainEntrypoint }}'}]
          container: {image: argoproj/argosay:v2, args: [echo, We got here!]}
        """, name="next-template", kind="WorkflowTemplate"),
    )
    assert run.phase == "Succeeded", run.message
    step = run.node("step")
    assert step["phase"] == "Succeeded"
    assert step["inputs"]["parameters"][0]["value"] == "bar"


@fact("templates-refs", "TestTemplateDefaultImage")
def test_template_defaults_give_image_command_and_working_dir(argo) -> None:
    run = argo.run(wf("""
        entrypoint: entrypoint
        templateDefaults:
          script: {image: 'argoproj/argosay:v1', command: [sh], workingDir: /src}
          container: {image: 'argoproj/argosay:v1', command: [sh, -c], workingDir: /src}
        templates:
        - name: entrypoint
          steps:
          - - {name: test-script, template: test-script}
            - {name: test-container, template: test-container}
        - name: test-script
          script: {source: pwd}
        - name: test-container
          container: {args: [pwd]}
        """))
    assert run.phase == "Succeeded", run.message
    assert run.node("test-script")["phase"] == "Succeeded"
    assert run.node("test-container")["phase"] == "Succeeded"


@fact("templates-refs", "TestTTY")
def test_tty_and_stdin_give_the_script_a_terminal(argo) -> None:
    check = """
        - name: tty-{flag}
          script:
            {fields}image: alpine:3.23
            command: [sh]
            source: |
              if [ {neg}-t 0 ]; then echo "wrong terminal state"; exit 1; fi
    """
    run = argo.run(wf("""
        entrypoint: entrypoint
        templates:
        - name: entrypoint
          steps:
          - - {name: tty-true, template: tty-true}
            - {name: tty-false, template: tty-false}
        """ + check.format(flag="true", fields="tty: true\n            stdin: true\n            ", neg="! ")
        + check.format(flag="false", fields="", neg="")))
    assert run.phase == "Succeeded", run.message


# ------------------------------------------------------------------------------------ retry, memoization
CONTAINER_SET = """
    entrypoint: main
    templates:
    - name: main
      containerSet:
        containers:
        - name: a
          image: argoproj/argosay:v2
          command: [sh, -c]
          args: ['FILE=test.yml; EXITCODE=1; if test -f "$FILE"; then EXITCODE=0; else touch $FILE; fi; exit $EXITCODE']
"""


@fact("retry", "TestContainerSetRetryFail")
def test_container_set_retry_restarts_in_the_same_pod(argo) -> None:
    # The containerSet's own retryStrategy reruns its containers in the same pod: the file the first run left
    # in the working directory is still there, so the second run succeeds.
    run = argo.run(wf(CONTAINER_SET + """
        retryStrategy: {retries: 2, duration: 5s}
    """))
    assert run.phase == "Succeeded", run.message


@fact("retry", "TestContainerSetRetrySuccess")
def test_container_set_without_retry_fails(argo) -> None:
    run = argo.run(wf(CONTAINER_SET))
    assert run.phase == "Failed", run.message


@fact("memoization", "TestDAGLevelMemoizeNoOutput")
def test_memoized_dag_template_without_outputs_hits_the_cache(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: hello-hello-hello
        templates:
        - name: hello-hello-hello
          steps:
          - - name: hello1
              template: memostep
              arguments: {parameters: [{name: message, value: hello1}]}
          - - name: hello2a
              template: memostep
              arguments: {parameters: [{name: message, value: hello1}]}
        - name: memostep
          inputs: {parameters: [{name: message}]}
          memoize:
            key: '{{inputs.parameters.message}}'
            maxAge: 10s
            cache: {configMap: {name: my-config-memo-dag}}
          dag:
            tasks:
            - name: cache
              template: whalesay
              arguments: {parameters: [{name: message, value: '{{inputs.parameters.message}}'}]}
        - name: whalesay
          inputs: {parameters: [{name: message}]}
          container: {image: argoproj/argosay:v2, command: [echo], args: ['{{inputs.parameters.message}}']}
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert any((n.get("memoizationStatus") or {}).get("hit") for n in run.nodes.values())


# ------------------------------------------------------------------------------------- hooks, exit handlers
@fact("hooks", "TestWithItemsWithHooks")
def test_with_items_task_with_exit_and_running_hooks(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        podMetadata:
          labels: {parent-workflow: '{{workflow.name}}'}
        templates:
        - name: hook-template
          inputs: {parameters: [{name: foo}]}
          script: {image: 'alpine:3.23', command: [sh], source: 'echo "I am a hook {{inputs.parameters.foo}}"'}
        - name: run-sim-template
          inputs: {parameters: [{name: fanoutValue}]}
          script:
            image: 'alpine:3.23'
            command: [sh]
            source: echo $FANOUT_VALUE
            env: [{name: FANOUT_VALUE, value: '{{inputs.parameters.fanoutValue}}'}]
        - name: run-sim-steps-template
          inputs: {parameters: [{name: fanoutValue}]}
          steps:
          - - name: run-sim
              template: run-sim-template
              arguments: {parameters: [{name: fanoutValue, value: '{{inputs.parameters.fanoutValue}}'}]}
        - name: main
          dag:
            tasks:
            - name: run-sim
              template: run-sim-steps-template
              arguments: {parameters: [{name: fanoutValue, value: '{{item}}'}]}
              withItems: [1, 2, 3]
              hooks:
                exit:
                  template: hook-template
                  arguments: {parameters: [{name: foo, value: bar}]}
                running:
                  template: hook-template
                  arguments: {parameters: [{name: foo, value: bar}]}
                  expression: tasks["run-sim"].status == "Running"
        """))
    assert run.phase == "Succeeded", run.message


@fact("exit-handlers", "TestWorkflowExitHandlerCrashEnsureNodeIsPresent")
def test_exit_hook_of_a_failed_step_with_missing_output(argo) -> None:
    run = argo.run(wf("""
        entrypoint: failure-workflow
        templates:
        - name: failure-workflow
          steps:
          - - name: step1
              template: intentional-fail
              hooks:
                exit:
                  template: lifecycle-hook
                  arguments:
                    parameters: [{name: hello-param, value: '{{steps.step1.outputs.parameters.hello-param}}'}]
        - name: intentional-fail
          outputs:
            parameters:
            - name: hello-param
              valueFrom: {path: /tmp/hello_world.txt}
          container: {image: argoproj/argosay:v2, command: [sh, -c], args: ['echo intentional failure; exit 1']}
        - name: lifecycle-hook
          inputs: {parameters: [{name: hello-param}]}
          container: {image: argoproj/argosay:v2, args: [echo, 'Hello param: {{inputs.parameters.hello-param}}']}
        """))
    assert run.phase == "Failed", run.message
    exits = [n for n in run.nodes.values() if (n.get("nodeFlag") or {}).get("hooked")]
    assert exits, sorted(run.nodes)
    hook = run.node(exits[0]["displayName"])
    params = (hook.get("inputs") or {}).get("parameters") or []
    assert len(params) == 1
    assert params[0].get("value") is not None


@fact("hooks", "TestWorkflowLifecycleHookWithWorkflowTemplate")
def test_template_exit_hook_by_template_ref(argo) -> None:
    run = argo.run(
        wf("""
        entrypoint: hooks-exit-test
        templates:
        - name: hooks-exit-test
          container: {image: argoproj/argosay:v2}
          hooks:
            exit:
              templateRef: {name: test-exit-handler, template: main}
              arguments: {parameters: [{name: message, value: hello world}]}
        """),
        # A Template has no `hooks` field: Argo's API drops it as an unknown field (so the workflow simply
        # succeeds); Argento's lint, strict like `argo lint`, reports it, so the fact runs unlinted.
        lint=False,
        templates=wf("""
        entrypoint: main
        templates:
        - name: main
          inputs: {parameters: [{name: message}]}
          container: {image: argoproj/argosay:v2, command: [cowsay], args: ['{{inputs.parameters.message}}']}
        """, name="test-exit-handler", kind="WorkflowTemplate"),
    )
    assert run.phase == "Succeeded", run.message
    assert run.message == ""


@fact("exit-handlers", "TestWorkflowTemplateRefWithExitHandlerError")
def test_exit_handler_referencing_a_missing_template_is_an_invalid_spec(argo) -> None:
    run = argo.run(
        wf("workflowTemplateRef: {name: test-exit-handler}"),
        templates=wf("""
        entrypoint: main
        onExit: exit-handler
        templates:
        - name: main
          container: {name: main, image: argoproj/argosay:v2}
        - name: exit-handler
          templateRef: {name: nonexistent, template: exit-handler}
        """, name="test-exit-handler", kind="WorkflowTemplate"),
        lint=False,
    )
    assert run.phase in ("Failed", "Error"), run.message
    assert "invalid spec" in run.message


# ---------------------------------------------------------------------------------------- failFast
@fact("dag", "TestWorkflowParallelismDAGFailFast")
def test_dag_fail_fast_under_parallelism(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: 2
          failFast: true
          dag:
            tasks:
            - {name: task1, template: fail}
            - {name: task2, template: sleep}
        - name: fail
          container: {image: argoproj/argosay:v2, args: [exit, '1']}
        - name: sleep
          container: {image: argoproj/argosay:v2, args: [sleep, 1s]}
        """))
    assert run.phase == "Failed"
    assert run.message == "template has failed or errored children and failFast enabled"
    assert run.node("task1")["phase"] == "Failed"
    assert run.node("task2")["phase"] == "Succeeded"


@fact("steps", "TestWorkflowParallelismStepFailFast")
def test_steps_fail_fast_under_parallelism(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          parallelism: 2
          failFast: true
          steps:
          - - {name: step1, template: fail}
            - {name: step2, template: sleep}
        - name: fail
          container: {image: argoproj/argosay:v2, command: [exit, '1']}
        - name: sleep
          container: {image: argoproj/argosay:v2, command: [sleep, 1s]}
        """))
    assert run.phase == "Failed"
    assert run.message == "template has failed or errored children and failFast enabled"
    assert run.node("[0]")["phase"] == "Failed"
    assert run.node("step1")["phase"] == "Failed"
    assert run.node("step2")["phase"] == "Succeeded"


# ------------------------------------------------------------------------------------------- API, repositories
@fact("exit-handlers", "TestTerminateWorkflowWhileOnExitHandlerRunning")
def test_terminate_while_the_exit_handler_runs(settings) -> None:
    from tests.conformance.argo_facts._server import NS, api_fact, container, wait_for, workflow

    resource = workflow(
        "workflow-exit-handler-sleep",
        [
            container("argosay-template", "echo", "hello-world"),
            container("sleep", "sleep", "600"),
            {"name": "exit-handler", "steps": [[{"name": "exit-handler-task", "template": "sleep"}]]},
        ],
        onExit="exit-handler",
    )

    def exit_handler_running(w: dict[str, Any]) -> bool:
        nodes = (w.get("status") or {}).get("nodes") or {}
        return any(n["displayName"] == "exit-handler-task" and n["phase"] == "Running" for n in nodes.values())

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        assert r.status_code == 200, r.text
        name = r.json()["metadata"]["name"]
        running = await wait_for(c, name, exit_handler_running, timeout=30)
        entry = [n for n in running["status"]["nodes"].values() if n["displayName"] == name]
        assert entry and entry[0]["phase"] == "Succeeded"
        assert (await c.put(f"{NS}/{name}/terminate")).status_code == 200
        done = await wait_for(c, name, timeout=30)
        assert done["status"]["phase"] == "Failed"
        for node in done["status"]["nodes"].values():
            if node["type"] in ("StepGroup", "Steps"):
                assert node["phase"] == "Failed", node

    api_fact(settings, body)


@fact("outputs", "TestArtifactRepositoryRef")
def test_artifact_repository_ref_is_recorded_and_keys_come_from_it(argo, tmp_path) -> None:
    repo = tmp_path / "repo"
    run = argo.run(
        wf("""
        entrypoint: main
        artifactRepositoryRef: {key: my-key}
        templates:
        - name: main
          dag:
            tasks:
            - {name: generate, template: generate}
            - {name: consume, template: consume, dependencies: [generate]}
        - name: generate
          container: {image: argoproj/argosay:v2, args: [echo, hello, /mnt/file]}
          outputs:
            artifacts: [{name: file, path: /mnt/file, s3: {key: my-file}}]
        - name: consume
          container: {image: argoproj/argosay:v2, args: [cat, /tmp/file]}
          inputs:
            artifacts: [{name: file, path: /tmp/file, s3: {key: my-file}}]
        """),
        templates=(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: artifact-repositories\ndata:\n"
            f"  my-key: |\n    local: {{path: {repo}}}\n"
        ),
    )
    assert run.phase == "Succeeded", run.message
    ref = run.status["artifactRepositoryRef"]
    assert (ref.get("namespace"), ref.get("configMap"), ref.get("key"), bool(ref.get("default"))) == (
        "argo", "artifact-repositories", "my-key", False
    )
    generated = run.node("generate")["outputs"]["artifacts"][0]["s3"]
    assert not generated.get("bucket") and generated.get("key")
    consumed = run.node("consume")["inputs"]["artifacts"][0]["s3"]
    assert not consumed.get("bucket") and consumed.get("key")


@fact("server-api", "TestWorkflowTTL")
def test_ttl_strategy_deletes_the_completed_workflow(settings) -> None:
    import asyncio
    import time

    from tests.conformance.argo_facts._server import NS, api_fact, container, workflow

    resource = workflow("workflow-ttl-", [container("main")], ttlStrategy={"secondsAfterCompletion": 0})

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        assert r.status_code == 200, r.text
        name = r.json()["metadata"]["name"]
        # completed, then gone: a GET either sees it completed or already deleted
        deadline = time.monotonic() + 30
        while (r := await c.get(f"{NS}/{name}")).status_code != 404:
            assert r.status_code == 200, r.text
            assert time.monotonic() < deadline, f"workflow not deleted: {r.json().get('status')}"
            await asyncio.sleep(0.02)

    api_fact(settings, body)


@fact("server-api", "TestWorkflowTTL (a workflow without ttlStrategy is kept)")
def test_without_ttl_strategy_the_workflow_is_kept(settings) -> None:
    from tests.conformance.argo_facts._server import NS, api_fact, container, wait_for, workflow

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": workflow("kept-", [container("main")])})
        name = r.json()["metadata"]["name"]
        done = await wait_for(c, name)
        assert done["status"]["phase"] == "Succeeded"
        assert (await c.get(f"{NS}/{name}")).status_code == 200

    api_fact(settings, body)


async def _workflow_events(c: httpx.AsyncClient, resource: dict[str, Any], last: str) -> list[dict[str, Any]]:
    """The Kubernetes Events of one workflow, from its submission to its ``last`` event (the server's event
    stream, subscribed to in-process before the workflow is submitted)."""
    import asyncio

    from tests.conformance.argo_facts._server import NS

    from argento.server.app import context_of
    from argento.server.hub import Subscriber

    hub = context_of(c._transport.app).hub  # type: ignore[attr-defined]
    sub = hub.subscribe(Subscriber(kind="event", namespace="argo"))
    r = await c.post(NS, json={"workflow": resource})
    assert r.status_code == 200, r.text
    uid = r.json()["metadata"]["uid"]
    seen: list[dict[str, Any]] = []
    while not any(e["reason"] == last for e in seen):
        event = await asyncio.wait_for(sub.queue.get(), 30)
        if event["involvedObject"].get("uid") == uid:
            seen.append(event)
    return seen


@pytest.mark.parametrize(
    ("args", "last"),
    [
        pytest.param(["exit", "1"], "WorkflowFailed", id="node-fail", marks=fact("server-api", "TestEventOnNodeFail")),
        pytest.param([], "WorkflowSucceeded", id="success", marks=fact("server-api", "TestEventOnWorkflowSuccess")),
    ],
)
def test_workflow_and_node_events(settings, args: list[str], last: str) -> None:
    from tests.conformance.argo_facts._server import api_fact, container, workflow

    prefix = "failed-step-event-" if args else "success-event-"
    node_end = "WorkflowNodeFailed" if args else "WorkflowNodeSucceeded"

    async def body(c: httpx.AsyncClient) -> None:
        events = await _workflow_events(c, workflow(prefix, [container("exit", *args)]), last)
        assert sorted(e["reason"] for e in events) == sorted(["WorkflowRunning", "WorkflowNodeRunning", node_end, last])
        for e in events:
            if e["reason"] == "WorkflowNodeRunning":
                assert e["message"].startswith(f"Running node {prefix}")
            elif e["reason"] == node_end:
                assert e["message"].startswith(f"{node_end[len('WorkflowNode'):]} node {prefix}")
                annotations = e["metadata"]["annotations"]
                assert annotations["workflows.argoproj.io/node-type"] == "Pod"
                assert annotations["workflows.argoproj.io/node-name"].startswith(prefix)
            elif e["reason"] == "WorkflowFailed":
                assert "exit code 1" in e["message"]
            elif e["reason"] == "WorkflowSucceeded":
                assert e["message"] == "Workflow completed"

    api_fact(settings, body)
