"""Argo's validation (``workflow/validate``): what it rejects, with its wording, and what it accepts.

Each case ports one workflow of ``workflow/validate/validate_test.go`` (or a rule of ``validate.go``): an
invalid manifest must be refused by ``argento lint`` with Argo's words, a valid one accepted.
"""

from __future__ import annotations

import pytest
from tests.conformance.argo_facts._util import VALIDATE, accepted, case, rejected, wf

CAT = "validation"

WHALESAY = """
        - name: whalesay
          inputs:
            parameters:
            - name: message
          container:
            image: docker/whalesay
            command: [cowsay]
            args: ["{{inputs.parameters.message}}"]
        """

INVALID: list[object] = [
    case(
        "duplicate-template-names",
        CAT,
        f"{VALIDATE}:TestDuplicateOrEmptyNames",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
        - name: whalesay
          container: {image: docker/whalesay}
        """),
        "not unique",
    ),
    case(
        "duplicate-input-names",
        CAT,
        f"{VALIDATE}:TestDuplicateOrEmptyNames",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          inputs:
            parameters:
            - {name: dup, value: value}
            - {name: dup, value: value}
          container: {image: docker/whalesay}
        """),
        "not unique",
    ),
    case(
        "empty-input-name",
        CAT,
        f"{VALIDATE}:TestDuplicateOrEmptyNames",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          inputs:
            parameters:
            - {name: "", value: value}
          container: {image: docker/whalesay}
        """),
        "name is required",
    ),
    case(
        "unresolved-input-in-image",
        CAT,
        f"{VALIDATE}:TestUnresolved",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: "docker/whalesay:{{inputs.parameters.unresolved}}"}
        """),
        "failed to resolve",
    ),
    case(
        "unresolved-step-input",
        CAT,
        f"{VALIDATE}:TestUnresolved",
        wf(
            """
        entrypoint: entry-step
        templates:
        - name: entry-step
          inputs:
            parameters:
            - {name: message, value: hello world}
          steps:
          - - name: a
              template: whalesay
              arguments:
                parameters:
                - {name: message, value: "{{inputs.parameters.nope}}"}
        """
            + WHALESAY
        ),
        "failed to resolve",
    ),
    case(
        "unresolved-step-output",
        CAT,
        f"{VALIDATE}:TestUnresolved",
        wf("""
        entrypoint: main
        templates:
        - name: hello
          container: {image: docker/whalesay}
        - name: main
          steps:
          - - {name: hello, template: hello}
          outputs:
            parameters:
            - name: unresolved
              valueFrom:
                parameter: "{{steps.hello.outputs.parameters.unresolved}}"
        """),
        "failed to resolve",
    ),
    case(
        "future-step-status",
        CAT,
        f"{VALIDATE}:TestStepStatusReferenceNoFutureReference",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: one
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{steps.two.status}}"}]
          - - name: two
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{steps.one.status}}"}]
        """
            + WHALESAY
        ),
        "failed to resolve {{steps.two.status}}",
    ),
    case(
        "input-without-value",
        CAT,
        f"{VALIDATE}:TestParamWithoutValue",
        wf(
            """
        entrypoint: whalesay
        templates:
        """
            + WHALESAY
        ),
        "not supplied",
    ),
    case(
        "template-name-underscore",
        CAT,
        f"{VALIDATE}:TestInvalidTemplateName",
        wf("""
        entrypoint: whalesay_d
        templates:
        - name: whalesay_d
          container: {image: docker/whalesay}
        """),
        "is invalid",
    ),
    case(
        "argument-parameter-name-hash",
        CAT,
        f"{VALIDATE}:TestInvalidArgParamName",
        wf("""
        entrypoint: whalesay
        arguments:
          parameters:
          - {name: "param#1", value: paramValue}
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
        """),
        "is invalid",
    ),
    case(
        "argument-artifact-name-ampersand",
        CAT,
        f"{VALIDATE}:TestInvalidArgArtName",
        wf("""
        entrypoint: main
        arguments:
          artifacts:
          - name: "&-kubectl"
            http: {url: "https://example.com/kubectl"}
        templates:
        - name: main
          inputs:
            artifacts:
            - {name: "&-kubectl", path: /usr/local/bin/kubectl}
          container: {image: debian:9.4}
        """),
        "is invalid",
    ),
    case(
        "step-name-with-dot",
        CAT,
        f"{VALIDATE}:TestInvalidStepName",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: hello1.blah
              template: whalesay
              arguments:
                parameters: [{name: message, value: hello1}]
        """
            + WHALESAY
        ),
        "is invalid",
    ),
    case(
        "input-parameter-name-plus",
        CAT,
        f"{VALIDATE}:TestInvalidInputParamName",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          inputs:
            parameters:
            - {name: message+123, default: abc}
          container: {image: docker/whalesay, args: ["{{inputs.parameters.message+123}}"]}
        """),
        "is invalid",
    ),
    case(
        "input-artifact-name-paren",
        CAT,
        f"{VALIDATE}:TestInvalidInputArtName",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          inputs:
            artifacts:
            - name: test(jpg
              path: /test.jpg
              http: {url: "https://example.com/a.jpg"}
          container: {image: docker/whalesay}
        """),
        "is invalid",
    ),
    case(
        "output-artifact-name-bang",
        CAT,
        f"{VALIDATE}:TestInvalidOutputArtName",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          outputs:
            artifacts:
            - {name: "!1", path: /tmp/hello_world.txt}
        """),
        "is invalid",
    ),
    case(
        "output-parameter-name-brace",
        CAT,
        f"{VALIDATE}:TestInvalidOutputParam",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          outputs:
            parameters:
            - name: blah-122lsfj}
              valueFrom: {path: /tmp/hello_world.txt}
        """),
        "is invalid",
    ),
    case(
        "output-parameter-no-value-from",
        CAT,
        f"{VALIDATE}:TestInvalidOutputParam",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          outputs:
            parameters:
            - name: outparam
        """),
        "does not have valueFrom or value specified",
    ),
    case(
        "output-parameter-multiple-value-from",
        CAT,
        f"{VALIDATE}:TestInvalidOutputParam",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          outputs:
            parameters:
            - name: outparam
              valueFrom: {path: /abc, jqFilter: abc}
        """),
        "multiple valueFrom",
    ),
    case(
        "container-output-from-parameter",
        CAT,
        f"{VALIDATE}:TestInvalidOutputParam",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          outputs:
            parameters:
            - name: outparam
              valueFrom: {parameter: abc}
        """),
        ".path must be specified for Container templates",
    ),
    case(
        "steps-output-from-path",
        CAT,
        f"{VALIDATE}:TestInvalidOutputParam",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: step1, template: hello}
          outputs:
            parameters:
            - name: myoutput
              valueFrom: {path: /abc}
        - name: hello
          container: {image: docker/whalesay}
        """),
        ".parameter or expression must be specified for Steps templates",
    ),
    case(
        "multiple-template-types",
        CAT,
        f"{VALIDATE}:TestMultipleTemplateTypes",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
          script: {image: python:alpine3.23, command: [python], source: "print(1)"}
        """),
        "multiple template types specified",
    ),
    case(
        "workflow-failures-outside-exit-handler",
        CAT,
        f"{VALIDATE}:TestExitHandler",
        wf("""
        entrypoint: pass
        templates:
        - name: pass
          container: {image: alpine:3.23, command: [sh, -c], args: ["echo {{workflow.failures}}"]}
        """),
        "failed to resolve {{workflow.failures}}",
    ),
    case(
        "negative-active-deadline",
        CAT,
        f"{VALIDATE}:TestValidActiveDeadlineSeconds",
        wf("""
        entrypoint: pass
        templates:
        - name: pass
          activeDeadlineSeconds: -1
          container: {image: alpine:3.23, command: [sh, -c], args: ["exit 0"]}
        """),
        "activeDeadlineSeconds must be a positive integer > 0",
    ),
    case(
        "parallelism-on-leaf",
        CAT,
        f"{VALIDATE}:TestLeafWithParallelism",
        wf("""
        entrypoint: leaf
        templates:
        - name: leaf
          parallelism: 2
          container: {image: debian:9.4, command: [sh, -c], args: ["true"]}
        """),
        "is only valid",
    ),
    case(
        "steps-artifact-argument-without-source",
        CAT,
        f"{VALIDATE}:TestInvalidArgumentNoFromOrLocation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: consume
              template: consume
              arguments:
                artifacts:
                - name: art
        - name: consume
          inputs:
            artifacts:
            - {name: art, path: /tmp/art}
          container: {image: docker/whalesay}
        """),
        "from, artifact location, or key is required",
    ),
    case(
        "dag-artifact-argument-without-source",
        CAT,
        f"{VALIDATE}:TestInvalidArgumentNoFromOrLocation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - name: consume
              template: consume
              arguments:
                artifacts:
                - name: art
        - name: consume
          inputs:
            artifacts:
            - {name: art, path: /tmp/art}
          container: {image: docker/whalesay}
        """),
        "from, artifact location, or key is required",
    ),
    case(
        "step-argument-without-value",
        CAT,
        f"{VALIDATE}:TestInvalidArgumentNoValue",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: whalesay
              template: whalesay
              arguments:
                parameters:
                - name: message
        """
            + WHALESAY
        ),
        ".valueFrom is required",
    ),
    case(
        "sequence-count-and-end",
        CAT,
        f"{VALIDATE}:TestSpecBadSequenceCountAndEnd",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: print
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{item}}"}]
              withSequence: {count: "10", end: "10"}
        """
            + WHALESAY
        ),
        "only one of count or end can be defined",
    ),
    case(
        "undefined-template-ref",
        CAT,
        f"{VALIDATE}:TestUndefinedTemplateRef",
        wf("""
        entrypoint: A
        templates:
        - name: A
          steps:
          - - name: call-A
              templateRef: {name: foo, template: echo}
        """),
        "not found",
    ),
    case(
        "template-ref-named-placeholder",
        CAT,
        f"{VALIDATE}:TestTemplateRefWithPlaceholderInNameIsNotSkipped",
        wf("""
        entrypoint: A
        templates:
        - name: A
          steps:
          - - name: call-A
              templateRef: {name: foo, template: run-placeholder-task}
        """),
        "not found",
    ),
    case(
        "resource-manifest-not-yaml",
        CAT,
        f"{VALIDATE}:TestInvalidResourceWorkflow",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          resource:
            action: apply
            manifest: |
              invalid-yaml-line
              kind: ConfigMap
              metadata:
                name: whalesay-cm
        """),
        "resource.manifest must be a valid yaml",
    ),
    case(
        "resource-unknown-action",
        CAT,
        f"{VALIDATE}:TestInvalidResourceWorkflow",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          resource:
            action: foo
            manifest: |
              apiVersion: v1
              kind: ConfigMap
              metadata:
                name: whalesay-cm
        """),
        "resource.action must be one of: get, create, apply, delete, replace, patch",
    ),
    case(
        "pod-gc-unknown-strategy",
        CAT,
        f"{VALIDATE}:TestIncorrectPodGCStrategy",
        wf("""
        podGC: {strategy: Foo}
        entrypoint: main
        templates:
        - name: main
          container: {image: docker/whalesay}
        """),
        "podGC.strategy unknown strategy 'Foo'",
    ),
    case(
        "metric-name-with-dots",
        CAT,
        f"{VALIDATE}:TestInvalidMetricName",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: invalid.metric.name
              help: invalid
              gauge: {value: "1"}
          container: {image: docker/whalesay}
        """),
        "metric name 'invalid.metric.name' is invalid. Metric names must contain alphanumeric characters or '_'",
    ),
    case(
        "metric-label-with-dots",
        CAT,
        f"{VALIDATE}:TestInvalidMetricLabelName",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: valid
              help: invalid
              labels: [{key: invalid.key, value: hi}]
              gauge: {value: "1"}
          container: {image: docker/whalesay}
        """),
        "metric label 'invalid.key' is invalid: keys may only contain alphanumeric characters or '_'",
    ),
    case(
        "metric-without-help",
        CAT,
        f"{VALIDATE}:TestInvalidMetricHelp",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: metric_name
              gauge: {value: "1"}
          container: {image: docker/whalesay}
        """),
        "metric 'metric_name' must contain a help string under 'help: ' field",
    ),
    case(
        "realtime-metric-resources-duration",
        CAT,
        f"{VALIDATE}:TestInvalidMetricGauge",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: metric_name
              help: please
              gauge:
                realtime: true
                value: "{{resourcesDuration.cpu}}/{{resourcesDuration.memory}}"
          container: {image: docker/whalesay}
        """),
        "metric 'metric_name' error: 'resourcesDuration.*' metrics cannot be used in real-time",
    ),
    case(
        "gauge-without-value",
        CAT,
        f"{VALIDATE}:TestInvalidNoValueMetricGauge",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: metric_name
              help: please
              gauge: {realtime: false}
          container: {image: docker/whalesay}
        """),
        "metric 'metric_name' error: missing gauge.value",
    ),
    case(
        "container-without-image",
        CAT,
        f"{VALIDATE}:TestInvalidWfNoImageField",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container:
            command: [cowsay]
            args: [hello world]
        """),
        "container.image may not be empty",
    ),
    case(
        "script-without-image",
        CAT,
        f"{VALIDATE}:TestInvalidWfNoImageFieldScript",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          script:
            command: [cowsay]
            source: hello
        """),
        "script.image may not be empty",
    ),
    case(
        "script-without-image-default-has-none",
        CAT,
        f"{VALIDATE}:TestIinvalidWfNoImageScriptInTemplateDefault",
        wf("""
        entrypoint: whalesay
        templateDefaults:
          script:
            command: [cowsay]
        templates:
        - name: whalesay
          script:
            source: hello
        """),
        "script.image may not be empty",
    ),
    case(
        "enum-empty",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithEmptyEnumList",
        wf(
            """
        entrypoint: main
        arguments:
          parameters:
          - {name: message, value: one, enum: []}
        templates:
        - name: main
          container: {image: alpine, args: ["{{workflow.parameters.message}}"]}
        """,
            kind="WorkflowTemplate",
        ),
        "spec.arguments.message.enum should contain at least one value",
    ),
    case(
        "enum-value-not-listed",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithArgumentValueNotFromEnumList",
        wf(
            """
        entrypoint: main
        arguments:
          parameters:
          - {name: message, value: one, enum: [two, three, four]}
        templates:
        - name: main
          container: {image: alpine, args: ["{{workflow.parameters.message}}"]}
        """,
            kind="WorkflowTemplate",
        ),
        "spec.arguments.message.value should be present in spec.arguments.message.enum list",
    ),
    case(
        "workflow-name-too-long",
        CAT,
        f"{VALIDATE}:TestMaxLengthName",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine}
        """,
            name="a" * 70,
        ),
        "must not be more than 63 characters long (currently 70)",
    ),
    case(
        "cron-workflow-name-too-long",
        CAT,
        f"{VALIDATE}:TestMaxLengthName",
        wf(
            """
        schedules: ["0 * * * *"]
        workflowSpec:
          entrypoint: main
          templates:
          - name: main
            container: {image: alpine}
        """,
            name="a" * 60,
            kind="CronWorkflow",
        ),
        "must not be more than 52 characters long (currently 60)",
    ),
    case(
        "cron-invalid-timezone",
        CAT,
        f"{VALIDATE}:TestCronWorkflowInvalidTimezoneRejected",
        wf(
            """
        schedules: ["0 * * * *"]
        timezone: Not/A_Real_Timezone
        workflowSpec:
          entrypoint: main
          templates:
          - name: main
            container: {image: alpine}
        """,
            kind="CronWorkflow",
        ),
        'invalid timezone "Not/A_Real_Timezone"',
    ),
    case(
        "container-set-unknown-dependency",
        CAT,
        f"{VALIDATE}:TestInvalidContainerSetDependencyNotFound",
        wf("""
        entrypoint: main
        templates:
        - name: main
          containerSet:
            containers:
            - {name: a, image: argoproj/argosay:v2}
            - {name: b, image: argoproj/argosay:v2, dependencies: [c]}
        """),
        "dependency 'c' not defined",
    ),
    case(
        "container-set-reserved-name",
        CAT,
        f"{VALIDATE}:TestReservedAuxContainerNames",
        wf("""
        entrypoint: main
        templates:
        - name: main
          containerSet:
            containers:
            - {name: supervisor, image: argoproj/argosay:v2}
        """),
        'containerSet.containers: "supervisor" is a reserved Argo container name',
    ),
    case(
        "sidecar-reserved-name",
        CAT,
        f"{VALIDATE}:TestReservedAuxContainerNames",
        wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: argoproj/argosay:v2}
          sidecars:
          - {name: wait, image: argoproj/argosay:v2}
        """),
        'sidecars: "wait" is a reserved Argo container name',
    ),
    case(
        "container-set-artifacts-without-main",
        CAT,
        f"{VALIDATE}:TestInvalidContainerSetNoMainContainer",
        wf("""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - {name: message, path: /tmp/message}
          containerSet:
            containers:
            - {name: a, image: argoproj/argosay:v2}
        """),
        'containerSet.containers must have a container named "main" for input or output',
    ),
    case(
        "container-set-outputs-without-main",
        CAT,
        f"{VALIDATE}:TestInvalidContainerSetNoMainContainer",
        wf("""
        entrypoint: main
        templates:
        - name: main
          outputs:
            parameters:
            - name: output-message
              valueFrom: {path: /workspace/message}
          containerSet:
            containers:
            - {name: a, image: argoproj/argosay:v2}
        """),
        'containerSet.containers must have a container named "main" for input or output',
    ),
    case(
        "init-container-without-name",
        CAT,
        f"{VALIDATE}:TestInitContainerHasName",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: spurious, template: spurious}
        - name: spurious
          initContainers:
          - image: alpine:3.23
            command: [sleep, "15"]
          container: {image: alpine:3.23, command: [echo, hi]}
        """),
        "initContainers must all have container name",
    ),
    case(
        "spaced-placeholder",
        CAT,
        f"{VALIDATE}:TestShouldCheckValidationToSpacedParameters",
        wf("""
        entrypoint: helloworld
        templates:
        - name: helloworld
          container: {image: "alpine:3.23", command: [echo, "{{  workflow.thisdoesnotexist  }}"]}
        """),
        "failed to resolve {{  workflow.thisdoesnotexist  }}",
    ),
    case(
        "dynamic-step-name-invalid-skeleton",
        CAT,
        f"{VALIDATE}:TestDynamicStepNameInvalidSkeletonStillFails",
        wf("""
        entrypoint: main
        arguments:
          parameters:
          - {name: date, value: "2024-01-15"}
        templates:
        - name: main
          steps:
          - - name: process-day
              template: day-loop
              arguments:
                parameters: [{name: date, value: "{{workflow.parameters.date}}"}]
        - name: day-loop
          inputs:
            parameters: [{name: date}]
          steps:
          - - name: run_{{inputs.parameters.date}}
              template: worker
              arguments:
                parameters: [{name: date, value: "{{inputs.parameters.date}}"}]
        - name: worker
          inputs:
            parameters: [{name: date}]
          container: {image: busybox, command: [echo], args: ["{{inputs.parameters.date}}"]}
        """),
        "is invalid",
    ),
    case(
        "global-artifact-nonexistent",
        CAT,
        f"{VALIDATE}:TestWorkflowWithoutParameterizedArtifactsFails",
        wf("""
        entrypoint: main
        onExit: exit-handler
        templates:
        - name: main
          container: {image: alpine:3.23, command: [sh, -c], args: ["echo x > /tmp/result.txt"]}
          outputs:
            artifacts:
            - {name: result, globalName: simple-artifact, path: /tmp/result.txt}
        - name: exit-handler
          container:
            image: alpine:3.23
            command: [sh, -c]
            args: ["echo '{{workflow.outputs.artifacts.nonexistent}}'"]
        """),
        "failed to resolve {{workflow.outputs.artifacts.nonexistent}}",
    ),
    case(
        "pod-resources-not-pod-level",
        CAT,
        f"{VALIDATE}:TestPodResourcesValidation",
        wf("""
        entrypoint: main
        podResources:
          limits:
            nvidia.com/gpu: "1"
        templates:
        - name: main
          container: {image: alpine:3.23}
        """),
        'spec.podResources: "nvidia.com/gpu" is not a valid pod-level resource',
    ),
    case(
        "pod-resources-claims",
        CAT,
        f"{VALIDATE}:TestPodResourcesValidation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          podResources:
            claims: [{name: gpu}]
          container: {image: alpine:3.23}
        """),
        "podResources.claims is not supported for pod-level resources",
    ),
    case(
        "pod-resources-http",
        CAT,
        f"{VALIDATE}:TestPodResourcesValidation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          podResources:
            limits: {cpu: "1"}
          http: {url: "https://example.com"}
        """),
        "podResources is not supported for HTTP templates",
    ),
    case(
        "resource-claims-http",
        CAT,
        f"{VALIDATE}:TestPodResourceClaimsValidation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          resourceClaims:
          - {name: accelerator, resourceClaimTemplateName: gpu-claim-template}
          http: {url: "https://example.com"}
        """),
        "resourceClaims is not supported for HTTP templates, which do not create a pod",
    ),
    case(
        "resource-claims-steps",
        CAT,
        f"{VALIDATE}:TestPodResourceClaimsValidation",
        wf("""
        entrypoint: main
        templates:
        - name: main
          resourceClaims:
          - {name: accelerator, resourceClaimTemplateName: gpu-claim-template}
          steps:
          - - {name: run, template: worker}
        - name: worker
          container: {image: alpine:3.23}
        """),
        "resourceClaims is not supported for Steps templates, which do not create a pod",
    ),
    case(
        "executor-plugin-without-name",
        CAT,
        f"{VALIDATE}:TestExecutorPluginsValidation",
        wf("""
        entrypoint: main
        executorPlugins:
        - spec:
            sidecar:
              container:
                name: plugin
                image: python:alpine3.23
                ports: [{containerPort: 4356}]
        templates:
        - name: main
          container: {image: busybox}
        """),
        "spec.executorPlugins: executor plugin metadata name is mandatory",
    ),
    case(
        "executor-plugin-without-port",
        CAT,
        f"{VALIDATE}:TestExecutorPluginsValidation",
        wf("""
        entrypoint: main
        executorPlugins:
        - metadata: {name: plugin}
          spec:
            sidecar:
              container:
                name: plugin
                image: python:alpine3.23
        templates:
        - name: main
          container: {image: busybox}
        """),
        "spec.executorPlugins: at least one port is mandatory",
    ),
    case(
        "volume-mount-artifact-collision",
        CAT,
        f"{VALIDATE}:TestVolumeMountArtifactPathCollision",
        wf("""
        volumeClaimTemplates:
        - metadata: {name: workdir}
          spec:
            accessModes: ["ReadWriteOnce"]
            resources: {requests: {storage: 1Gi}}
        entrypoint: pass
        templates:
        - name: pass
          inputs:
            artifacts:
            - name: argo-source
              path: /src
              git: {repo: "https://github.com/argoproj/argo-workflows.git"}
          container:
            image: alpine:3.23
            volumeMounts:
            - {name: workdir, mountPath: /src}
        """),
        "already mounted",
    ),
    case(
        "dag-unknown-dependency",
        CAT,
        "workflow/validate/validate.go:validateDAG (dependency not defined)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: hello, dependencies: [nope]}
        - name: hello
          container: {image: alpine}
        """),
        "dependency 'nope' not defined",
    ),
    case(
        "dag-cycle",
        CAT,
        "workflow/validate/validate.go:validateDAG (dependency cycle)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: hello, dependencies: [b]}
            - {name: b, template: hello, dependencies: [a]}
        - name: hello
          container: {image: alpine}
        """),
        "dependency cycle detected: ",
    ),
    case(
        "dag-dependencies-and-depends",
        CAT,
        "workflow/validate/validate.go:validateDAG (cannot use both)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: hello}
            - {name: b, template: hello, dependencies: [a], depends: a}
        - name: hello
          container: {image: alpine}
        """),
        "cannot use both 'depends' and 'dependencies' in the same DAG template",
    ),
    case(
        "entrypoint-missing-template",
        CAT,
        "workflow/validate/validate.go:ValidateWorkflow (entrypoint not found)",
        wf("""
        entrypoint: nope
        templates:
        - name: main
          container: {image: alpine}
        """),
        "template name 'nope' undefined",
    ),
    case(
        "on-exit-missing-template",
        CAT,
        "workflow/validate/validate.go:ValidateWorkflow (onExit)",
        wf("""
        entrypoint: main
        onExit: nope
        templates:
        - name: main
          container: {image: alpine}
        """),
        "template name 'nope' undefined",
    ),
    case(
        "step-both-template-and-ref",
        CAT,
        "workflow/validate/validate.go:validateTemplateHolder (template and templateRef)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: a
              template: hello
              templateRef: {name: x, template: y}
        - name: hello
          container: {image: alpine}
        """),
        "template name cannot be specified with templateRef",
    ),
    case(
        "template-no-type",
        CAT,
        "workflow/validate/validate.go:validateTemplateType (template type unspecified)",
        wf("""
        entrypoint: main
        templates:
        - name: main
        """),
        "template type unspecified",
    ),
]

VALID: list[object] = [
    case(
        "io-artifact-path-placeholders",
        CAT,
        f"{VALIDATE}:TestResolveIOArtifactPathPlaceholders",
        wf("""
        entrypoint: head-lines
        arguments:
          parameters:
          - {name: lines-count, value: 3}
          artifacts:
          - name: text
            raw: {data: "1\\n2\\n3\\n"}
        templates:
        - name: head-lines
          inputs:
            parameters: [{name: lines-count}]
            artifacts: [{name: text, path: /inputs/text/data}]
          outputs:
            parameters:
            - name: actual-lines-count
              valueFrom: {path: /outputs/actual-lines-count/data}
            artifacts: [{name: text, path: /outputs/text/data}]
          container:
            image: busybox
            command: [sh, -c, 'head -n {{inputs.parameters.lines-count}} <"{{inputs.artifacts.text.path}}" | tee "{{outputs.artifacts.text.path}}" | wc -l > "{{outputs.parameters.actual-lines-count.path}}"']
        """),
    ),
    case(
        "output-parameter-path-placeholder",
        CAT,
        f"{VALIDATE}:TestResolveOutputParameterPathPlaceholder",
        wf("""
        entrypoint: main
        templates:
        - name: main
          outputs:
            parameters:
            - name: current-date
              valueFrom: {path: /tmp/current-date}
          container: {image: busybox, command: [sh, -c, 'date > {{outputs.parameters.current-date.path}}']}
        """),
    ),
    case(
        "step-output-reference",
        CAT,
        f"{VALIDATE}:TestStepOutputReference",
        wf("""
        entrypoint: stepref
        templates:
        - name: whalesay
          inputs:
            parameters: [{name: message, value: value}]
          container: {image: docker/whalesay}
          outputs:
            parameters:
            - name: outparam
              valueFrom: {path: /etc/hosts}
        - name: stepref
          steps:
          - - {name: one, template: whalesay}
          - - name: two
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{steps.one.outputs.parameters.outparam}}"}]
        """),
    ),
    case(
        "step-status-reference",
        CAT,
        f"{VALIDATE}:TestStepStatusReference",
        wf(
            """
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: one
              template: whalesay
              arguments:
                parameters: [{name: message, value: "Hello, world"}]
          - - name: two
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{steps.one.status}}"}]
        """
            + WHALESAY
        ),
    ),
    case(
        "step-artifact-reference",
        CAT,
        f"{VALIDATE}:TestStepArtReference",
        wf("""
        entrypoint: stepref
        templates:
        - name: generate
          container: {image: alpine:3.23, command: [echo, generate]}
          outputs:
            artifacts: [{name: generated_hosts, path: /etc/hosts}]
        - name: echo
          inputs:
            artifacts: [{name: passthrough, path: /tmp/passthrough}]
          container: {image: alpine:3.23, command: [echo, hi]}
        - name: stepref
          steps:
          - - {name: one, template: generate}
          - - name: two
              template: echo
              arguments:
                artifacts:
                - {name: passthrough, from: "{{steps.one.outputs.artifacts.generated_hosts}}"}
        """),
    ),
    case(
        "input-from-configmap",
        CAT,
        f"{VALIDATE}:TestParamWithValueFromConfigMapRef",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          inputs:
            parameters:
            - name: message
              valueFrom:
                configMapKeyRef: {name: simple-config, key: msg}
          container: {image: docker/whalesay}
        """),
    ),
    case(
        "global-and-input-parameters",
        CAT,
        f"{VALIDATE}:TestGlobalParam",
        wf("""
        priority: 100
        entrypoint: test-workflow
        arguments:
          parameters:
          - {name: message1, value: hello world}
          - {name: message2, value: foo bar}
        templates:
        - name: test-workflow
          inputs:
            parameters:
            - name: message1
            - {name: message-internal, value: "{{workflow.parameters.message1}}"}
          steps:
          - - name: step1
              template: say
              arguments:
                parameters:
                - {name: message1, value: world hello}
                - {name: message2, value: "{{inputs.parameters.message1}}"}
                - {name: message3, value: "{{workflow.parameters.message2}}"}
                - {name: message4, value: "{{inputs.parameters.message-internal}}"}
        - name: say
          inputs:
            parameters: [{name: message1}, {name: message2}, {name: message3}, {name: message4}]
          container:
            image: docker/whalesay
            args: ["{{workflow.parameters.message1}} {{inputs.parameters.message4}}"]
        """),
    ),
    case(
        "nested-global-artifact",
        CAT,
        f"{VALIDATE}:TestGlobalParam (nestedGlobalParam)",
        wf("""
        entrypoint: global-output
        templates:
        - name: global-output
          steps:
          - - {name: nested, template: output-global}
          - - name: consume-global
              template: consume-global
              arguments:
                artifacts:
                - {name: art, from: "{{workflow.outputs.artifacts.global-art}}"}
        - name: output-global
          container: {image: alpine:3.23, command: [sh, -c], args: ["echo -n art > /tmp/art.txt"]}
          outputs:
            artifacts:
            - {name: hello-art, path: /tmp/art.txt, globalName: global-art}
        - name: consume-global
          inputs:
            artifacts: [{name: art, path: /art}]
          container: {image: alpine:3.23, command: [cat, /art]}
        """),
    ),
    case(
        "workflow-status-in-exit-handler",
        CAT,
        f"{VALIDATE}:TestExitHandler",
        wf("""
        entrypoint: pass
        onExit: fail
        templates:
        - name: pass
          container: {image: alpine:3.23, command: [sh, -c], args: ["exit 0"]}
        - name: fail
          container:
            image: alpine:3.23
            command: [sh, -c]
            args: ["echo {{workflow.status}} {{workflow.uid}} {{workflow.duration}}"]
        """),
    ),
    case(
        "priority-variable",
        CAT,
        f"{VALIDATE}:TestPriorityVariable",
        wf("""
        entrypoint: whalesay
        priority: 100
        templates:
        - name: whalesay
          container: {image: docker/whalesay, command: [cowsay], args: ["{{workflow.priority}}"]}
        """),
    ),
    case(
        "with-items-of-every-json-type",
        CAT,
        f"{VALIDATE}:TestValidWithItems",
        wf(
            """
        entrypoint: loop
        templates:
        - name: loop
          steps:
          - - name: print-message
              template: whalesay
              arguments:
                parameters: [{name: message, value: "{{item}}"}]
              withItems: [0, false, string, 1.2, {os: debian, version: "9.0"}]
        """
            + WHALESAY
        ),
    ),
    case(
        "pod-name-variable",
        CAT,
        f"{VALIDATE}:TestPodNameVariable",
        wf("""
        entrypoint: main
        templates:
        - name: main
          container: {image: debian:9.4, command: [sh, -c], args: ["echo {{pod.name}}"]}
          outputs:
            artifacts:
            - name: my-out
              path: /tmp/hello_world.txt
              s3:
                endpoint: s3.amazonaws.com
                bucket: my-bucket
                key: "path/{{pod.name}}/hello_world.tgz"
                accessKeySecret: {name: my-s3-credentials, key: accessKey}
                secretKeySecret: {name: my-s3-credentials, key: secretKey}
        """),
    ),
    case(
        "snake-case-argument-names",
        CAT,
        f"{VALIDATE}:TestSpecArgumentSnakeCase",
        wf("""
        entrypoint: whalesay
        arguments:
          artifacts:
          - name: __kubectl
            http: {url: "https://example.com/kubectl"}
          parameters:
          - {name: my_snake_case_param, value: hello world}
        templates:
        - name: whalesay
          inputs:
            artifacts:
            - {name: __kubectl, path: /usr/local/bin/kubectl}
          container: {image: docker/whalesay, args: ["{{workflow.parameters.my_snake_case_param}}"]}
        """),
    ),
    case(
        "workflow-template-global-params",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithGlobalParams",
        wf(
            """
        templates:
        - name: A
          container: {image: alpine:3.23, command: [echo, "{{workflow.parameters.something}}"]}
        """,
            kind="WorkflowTemplate",
        ),
    ),
    case(
        "resource-template",
        CAT,
        f"{VALIDATE}:TestValidResourceWorkflow",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          resource:
            action: create
            manifest: |
              apiVersion: v1
              kind: ConfigMap
              metadata:
                name: whalesay-cm
        """),
    ),
    case(
        "placeholder-from-inputs-in-resource",
        CAT,
        f"{VALIDATE}:TestAllowPlaceholderInVariableTakenFromInputs",
        wf("""
        entrypoint: main
        arguments:
          parameters:
          - name: deployment
            value: |
              apiVersion: apps/v1
              kind: Deployment
              metadata:
                name: x
        templates:
        - name: manifest
          inputs:
            parameters: [{name: action}, {name: manifest}]
          resource:
            action: "{{inputs.parameters.action}}"
            manifest: "{{inputs.parameters.manifest}}"
        - name: main
          inputs:
            parameters: [{name: deployment}]
          steps:
          - - name: setup
              template: manifest
              arguments:
                parameters:
                - {name: action, value: apply}
                - {name: manifest, value: "{{item}}"}
              withItems: ["{{inputs.parameters.deployment}}"]
        """),
    ),
    case(
        "runtime-global-name",
        CAT,
        f"{VALIDATE}:TestRuntimeResolutionOfVariableNames",
        wf("""
        entrypoint: plan
        templates:
        - name: plan
          steps:
          - - name: pass-parameter
              template: passing
              arguments:
                parameters:
                - {name: global-parameter-name, value: key}
                - {name: global-parameter-value, value: value}
          - - name: print-parameter
              template: printing
              arguments:
                parameters: [{name: parameter, value: "{{workflow.outputs.parameters.key}}"}]
        - name: passing
          inputs:
            parameters: [{name: global-parameter-name}, {name: global-parameter-value}]
          container: {image: alpine:3.23, command: [sh, -c], args: ["exit 0"]}
          outputs:
            parameters:
            - name: global-parameter
              value: "{{inputs.parameters.global-parameter-value}}"
              globalName: "{{inputs.parameters.global-parameter-name}}"
        - name: printing
          inputs:
            parameters: [{name: parameter}]
          container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.parameter}}"]}
        """),
    ),
    case(
        "item-fields-in-image",
        CAT,
        f"{VALIDATE}:TestStepWithItemParam",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: test-linux
              template: cat-os-release
              arguments:
                parameters:
                - {name: image, value: "{{item.image}}"}
                - {name: tag, value: "{{item.tag}}"}
              withItems:
              - {image: debian, tag: "9.1"}
              - {image: alpine, tag: "3.6"}
        - name: cat-os-release
          inputs:
            parameters: [{name: image}, {name: tag}]
          container: {image: "{{inputs.parameters.image}}:{{inputs.parameters.tag}}", command: [cat, /etc/os-release]}
        """),
    ),
    case(
        "valid-gauges",
        CAT,
        f"{VALIDATE}:TestValidMetricGauge",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          metrics:
            prometheus:
            - name: metric_one
              help: please
              gauge: {realtime: true, value: "{{duration}}/{{workflow.duration}}"}
            - name: metric_two
              help: please
              gauge: {realtime: false, value: "{{resourcesDuration.cpu}}/{{resourcesDuration.memory}}/{{duration}}"}
          container: {image: docker/whalesay}
        """),
    ),
    case(
        "global-variables",
        CAT,
        f"{VALIDATE}:TestWorkflowGlobalVariables",
        wf("""
        entrypoint: main
        priority: 100
        templates:
        - name: main
          container:
            image: docker/whalesay
            args: ["{{workflow.name}} {{workflow.namespace}} {{workflow.serviceAccountName}} {{workflow.uid}} {{workflow.priority}} {{workflow.duration}}"]
        """),
    ),
    case(
        "image-from-template-defaults",
        CAT,
        f"{VALIDATE}:TestValidWfImageContainerInTemplateDefault",
        wf("""
        entrypoint: whalesay
        templateDefaults:
          container: {image: alpine:3.23}
        templates:
        - name: whalesay
          container: {command: [echo], args: [hello world]}
        """),
    ),
    case(
        "script-image-from-template-defaults",
        CAT,
        f"{VALIDATE}:TestValidWfImageScriptInTemplateDefault",
        wf("""
        entrypoint: whalesay
        templateDefaults:
          script: {image: alpine:3.23}
        templates:
        - name: whalesay
          script: {command: [sh], source: echo hi}
        """),
    ),
    case(
        "enum-without-value-in-template",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithEnumValueWithoutValue",
        wf(
            """
        entrypoint: main
        arguments:
          parameters:
          - {name: message, enum: [one, two, three]}
        templates:
        - name: main
          container: {image: alpine, args: ["{{workflow.parameters.message}}"]}
        """,
            kind="WorkflowTemplate",
        ),
    ),
    case(
        "enum-with-listed-value",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithEnumValue",
        wf(
            """
        entrypoint: main
        arguments:
          parameters:
          - {name: message, value: one, enum: [one, two, three]}
        templates:
        - name: main
          container: {image: alpine, args: ["{{workflow.parameters.message}}"]}
        """,
            kind="WorkflowTemplate",
        ),
    ),
    case(
        "resource-manifest-expressions",
        CAT,
        f"{VALIDATE}:TestWorkflowTemplateWithResourceManifest",
        wf("""
        entrypoint: main
        templates:
        - name: main
          inputs:
            parameters:
            - {name: intParam, value: '20'}
            - {name: strParam, value: foobarbaz}
          resource:
            action: create
            manifest: |
              apiVersion: v1
              kind: Pod
              metadata:
                name: foo
              spec:
                containers:
                - name: foo
                  image: docker/whalesay
                  args: ["{{=sprig.replace("bar", "baz", inputs.parameters.strParam)}}"]
                  ports:
                  - containerPort: {{=asInt(inputs.parameters.intParam)}}
        """),
    ),
    case(
        "active-deadline-from-parameter",
        CAT,
        f"{VALIDATE}:TestValidActiveDeadlineSecondsArgoVariable",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: print-timeout, template: print-timeout}
            - name: use-timeout
              template: use-timeout
              dependencies: [print-timeout]
              arguments:
                parameters: [{name: timeout, value: "{{tasks.print-timeout.outputs.result}}"}]
        - name: print-timeout
          container: {image: alpine, command: [echo, "5"]}
        - name: use-timeout
          inputs:
            parameters: [{name: timeout}]
          activeDeadlineSeconds: "{{inputs.parameters.timeout}}"
          container: {image: alpine, command: [echo, hi]}
        """),
    ),
    case(
        "step-timing-variables",
        CAT,
        f"{VALIDATE}:TestValidateStartedATVariable",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - {name: one, template: wait}
          - - name: print
              template: printer
              arguments:
                parameters:
                - {name: startedat, value: "{{steps.one.startedAt}}"}
                - {name: finishedat, value: "{{steps.one.finishedAt}}"}
                - {name: id, value: "{{steps.one.id}}"}
        - name: wait
          container: {image: alpine:3.23, command: [sleep, "0"]}
        - name: printer
          inputs:
            parameters: [{name: startedat}, {name: finishedat}, {name: id}]
          container: {image: alpine:3.23, command: [echo, "{{inputs.parameters.startedat}}"]}
        """),
    ),
    case(
        "workflow-argument-from-configmap",
        CAT,
        f"{VALIDATE}:TestTemplateReferenceWorkflowConfigMapRefArgument",
        wf(
            """
        entrypoint: whalesay
        arguments:
          parameters:
          - name: message
            valueFrom:
              configMapKeyRef: {name: simple-parameters, key: msg}
        templates:
        """
            + WHALESAY
        ),
    ),
    case(
        "script-outputs-aggregated",
        CAT,
        f"{VALIDATE}:TestStepsOutputParametersForScript",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: echo-num
              template: echo-num
              arguments:
                parameters: [{name: num, value: "{{item}}"}]
              withItems: [1, 2, 3, 4]
          - - name: echo-num-from-param
              template: echo-num
              arguments:
                parameters: [{name: num, value: "{{item.num}}"}]
              withParam: "{{steps.echo-num.outputs.parameters}}"
        - name: echo-num
          inputs:
            parameters: [{name: num}]
          script:
            image: argoproj/argosay:v1
            command: [sh, -x]
            source: echo {{inputs.parameters.num}} > /tmp/num
          outputs:
            parameters:
            - name: num
              valueFrom: {path: /tmp/num}
        """),
    ),
    case(
        "container-set-outputs-aggregated",
        CAT,
        f"{VALIDATE}:TestStepsOutputParametersForContainerSet",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: echo-num
              template: echo-num
              arguments:
                parameters: [{name: num, value: "{{item}}"}]
              withItems: [1, 2]
          - - name: echo-num-from-param
              template: echo-num
              arguments:
                parameters: [{name: num, value: "{{item.num}}"}]
              withParam: "{{steps.echo-num.outputs.parameters}}"
        - name: echo-num
          inputs:
            parameters: [{name: num}]
          containerSet:
            containers:
            - {name: main, image: alpine, command: [sh, -c], args: ['echo {{inputs.parameters.num}} > /tmp/num']}
          outputs:
            parameters:
            - name: num
              valueFrom: {path: /tmp/num}
        """),
    ),
    case(
        "labels-and-annotations-json",
        CAT,
        f"{VALIDATE}:TestResolveAnnotationsAndLabelsJSson",
        """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-world-
  labels: {testLabel: foobar}
  annotations:
    workflows.argoproj.io/description: a description
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, args: ["{{workflow.annotations}},  {{workflow.labels}}"]}
""",
    ),
    case(
        "node-name-variable",
        CAT,
        f"{VALIDATE}:TestNodeNameParameterInterpoliates",
        wf("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: part-1, template: main2}
        - name: main2
          steps:
          - - {name: part-2, template: whalesay}
        - name: whalesay
          container: {image: alpine, args: ["{{ node.name }}"]}
        """),
    ),
    case(
        "dynamic-step-name",
        CAT,
        f"{VALIDATE}:TestDynamicStepNameWithInputParameters (WithInlineSteps)",
        wf("""
        entrypoint: main
        arguments:
          parameters:
          - {name: date, value: "2024-01-15"}
        templates:
        - name: main
          steps:
          - - name: process-day
              template: day-loop
              arguments:
                parameters: [{name: date, value: "{{workflow.parameters.date}}"}]
        - name: day-loop
          inputs:
            parameters: [{name: date}]
          steps:
          - - name: run-{{inputs.parameters.date}}
              template: worker
              arguments:
                parameters: [{name: date, value: "{{inputs.parameters.date}}"}]
              continueOn: {failed: true}
          - - name: check-{{inputs.parameters.date}}
              template: worker
              arguments:
                parameters: [{name: date, value: "{{inputs.parameters.date}}"}]
              when: "{{steps.run-{{inputs.parameters.date}}.status}} != Succeeded"
        - name: worker
          inputs:
            parameters: [{name: date}]
          container: {image: busybox, command: [echo], args: ["{{inputs.parameters.date}}"]}
        """),
    ),
    case(
        "parameterized-global-artifact-in-exit-handler",
        CAT,
        f"{VALIDATE}:TestParameterizedGlobalArtifactsInExitHandler",
        wf("""
        entrypoint: main
        onExit: exit-handler
        arguments:
          parameters:
          - {name: variable, value: car}
        templates:
        - name: main
          container: {image: alpine:3.23, command: [sh, -c], args: ["echo x > /tmp/result.txt"]}
          outputs:
            artifacts:
            - name: result
              globalName: "output-result-{{workflow.parameters.variable}}"
              path: /tmp/result.txt
        - name: exit-handler
          container:
            image: alpine:3.23
            command: [sh, -c]
            args: ["echo '{{workflow.outputs.artifacts.output-result-car}}'"]
        """),
    ),
    case(
        "pod-resources-valid",
        CAT,
        f"{VALIDATE}:TestPodResourcesValidation",
        wf("""
        entrypoint: main
        podResources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: "1", memory: 256Mi}
        templates:
        - name: main
          podResources:
            limits: {cpu: "2", memory: 512Mi}
          container: {image: alpine:3.23}
        """),
    ),
    case(
        "resource-claims-valid",
        CAT,
        f"{VALIDATE}:TestPodResourceClaimsValidation",
        wf("""
        entrypoint: main
        resourceClaims:
        - {name: shared, resourceClaimName: existing-claim}
        templates:
        - name: main
          resourceClaims:
          - {name: accelerator, resourceClaimTemplateName: gpu-claim-template}
          container:
            image: alpine:3.23
            resources:
              claims: [{name: accelerator}]
        """),
    ),
    case(
        "executor-plugins-empty",
        CAT,
        f"{VALIDATE}:TestExecutorPluginsValidation (EmptyList)",
        wf("""
        entrypoint: main
        executorPlugins: []
        templates:
        - name: main
          container: {image: busybox}
        """),
    ),
    case(
        "custom-user-variable-lint",
        CAT,
        f"{VALIDATE}:TestCustomTemplateVariable",
        wf("""
        entrypoint: whalesay
        templates:
        - name: whalesay
          container: {image: "docker/whalesay:{{user.username}}"}
        """),
    ),
    case(
        "workflow-argument-without-value-in-template",
        CAT,
        f"{VALIDATE}:TestSpecArgumentNoValue (Lint: WorkflowTemplate)",
        wf(
            """
        entrypoint: whalesay
        arguments:
          parameters:
          - name: required-param
        templates:
        - name: whalesay
          container: {image: docker/whalesay}
        """,
            kind="WorkflowTemplate",
        ),
    ),
    case(
        "templated-output-names",
        CAT,
        "workflow/validate/validate.go:validateTemplate (outputs are checked after ProcessArgs)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          steps:
          - - name: make
              template: produce
              arguments:
                parameters: [{name: kind, value: model}]
        - name: produce
          inputs:
            parameters: [{name: kind}]
          container: {image: alpine, command: [sh, -c, "echo x > /tmp/out"]}
          outputs:
            artifacts:
            - {name: "{{inputs.parameters.kind}}-out", path: /tmp/out}
            parameters:
            - name: "{{inputs.parameters.kind}}-param"
              valueFrom: {path: /tmp/out}
        """),
    ),
    case(
        "templated-argument-names",
        CAT,
        "workflow/validate/validate.go:validateSteps (arguments of the substituted template)",
        wf("""
        entrypoint: main
        arguments:
          parameters: [{name: which, value: message}]
        templates:
        - name: main
          steps:
          - - name: say
              template: say
              arguments:
                parameters:
                - {name: "{{workflow.parameters.which}}", value: hi}
        - name: say
          inputs:
            parameters: [{name: message, default: x}]
          container: {image: alpine, command: [echo, "{{inputs.parameters.message}}"]}
        """),
    ),
    case(
        "templated-dag-task-name",
        CAT,
        "workflow/validate/validate.go:isValidStepName (the skeleton of a templated name)",
        wf("""
        entrypoint: main
        templates:
        - name: main
          inputs:
            parameters: [{name: env, value: prod}]
          dag:
            tasks:
            - {name: "deploy-{{inputs.parameters.env}}", template: leaf}
        - name: leaf
          container: {image: alpine, command: [echo, hi]}
        """),
    ),
]


@pytest.mark.parametrize(("text", "wording"), INVALID)
def test_argo_rejects(argo, text: str, wording: str) -> None:
    rejected(argo, text, wording)


@pytest.mark.parametrize("text", VALID)
def test_argo_accepts(argo, text: str) -> None:
    accepted(argo, text)
