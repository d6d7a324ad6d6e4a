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


@fact("steps", "TestStepsSkippedOutputRef (functional/steps-skipped-output-ref.yaml: the reference is in `when`)")
def test_when_naming_a_skipped_step_output_errors_the_group(argo) -> None:
    run = argo.run(wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: job1, template: run-job}
          - - name: job2
              template: run-job
              when: '"{{steps.job1.outputs.parameters.status}}" == "FAILED"'
          - - name: job2-error-handler
              template: run-job
              when: >-
                "{{steps.job2.outputs.parameters.status}}" != "SUCCESS" &&
                "{{steps.job1.outputs.parameters.status}}" == "SUCCESS"
        - name: run-job
          outputs:
            parameters:
            - name: status
              valueFrom: {path: /tmp/status.txt}
          container: {image: argoproj/argosay:v2, args: [echo, SUCCESS, /tmp/status.txt]}
        """))
    assert run.phase == "Failed", run.message  # the errored step group rolls up as Failed
    assert run.node("job1")["phase"] == "Succeeded"
    assert run.node("job2")["phase"] == "Skipped"
    errored = [n for n in run.nodes.values() if n["phase"] == "Error"]
    assert errored and "absent optional" in errored[0].get("message", "")


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
