"""Argo's artifact e2e suites (``test/e2e/artifacts_test.go``, ``test/e2e/http_artifacts_test.go``) as facts, run as
``argento run`` runs them. S3 is moto's server on 127.0.0.1 (``art_support``'s session fixture) standing in for
Argo's e2e MinIO: the same buckets (``my-bucket``, ``my-bucket-2``, ``my-bucket-3``), the same ``my-minio-cred``
secret, and a default repository in ``my-bucket`` with ``archiveLogs: true`` as Argo's e2e config has it. HTTP
artifacts are served by a small 127.0.0.1 server in the test standing in for Argo's e2e ``httpbin``.

Skipped (cannot apply locally):

- ``TestOutputOnMountPlugin``, ``TestInputOnMountPlugin``, ``TestOutputOnInputPlugin``, ``TestArtifactPassingPlugin``,
  ``TestDeleteWorkflowPlugin``, ``TestDefaultParameterOutputsPlugin``,
  ``TestSameInputOutputPathOptionalArtifactPlugin``, ``TestMainLogPlugin``, ``TestResourceLogPlugin``,
  ``TestContainersetLogsPlugin``, the ``*Plugin`` cases of ``TestGlobalArtifactPassing`` and ``TestArtifactGC``:
  artifact driver plugins are sidecar images speaking gRPC inside a Kubernetes pod.
- ``TestStoppedWorkflow``: Argo itself skips it (flaky).
- ``TestResourceLog``: a ``resource`` template acts on Kubernetes objects through the API server; Argento refuses
  resource templates ("resource templates need a Kubernetes cluster").
- ``TestInsufficientRole``: a GC pod's Kubernetes ServiceAccount lacking an RBAC role (no pods, no RBAC locally).
- ``TestDeleteWorkflow``: the workflow deletes itself with ``kubectl`` and the test checks the
  ``workflows.argoproj.io/artifact-gc`` finalizer on the Kubernetes object; the GC that finalizer guards
  (deletion-time deletes) is pinned by the ``TestArtifactGC`` facts here.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from art_support import moto_server, s3  # noqa: F401  (the artifact suites' S3 server fixtures)
from tests.conformance.argo_facts._util import wf

from argento.secrets import SecretStore

ART = "test/e2e/artifacts_test.go"
HTTP = "test/e2e/http_artifacts_test.go"
BUCKETS = ("my-bucket", "my-bucket-2", "my-bucket-3")
MINIO_CRED = {"accesskey": "AKIDTESTING", "secretkey": "s3cr3t-Value-42"}


class Minio:
    """The e2e MinIO stand-in: moto with Argo's buckets, and the workflow's default repository pointing at it."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.client = server.client()

    @property
    def endpoint(self) -> str:
        return str(self.server.endpoint)

    def fix(self, text: str) -> str:
        """An Argo e2e manifest pointed at this server (Argo's in-cluster ``minio:9000``)."""
        return text.replace("minio:9000", self.endpoint)

    def keys(self, bucket: str) -> list[str]:
        return sorted(o["Key"] for o in self.client.list_objects_v2(Bucket=bucket).get("Contents", []))

    def exists(self, bucket: str, key: str) -> bool:
        return key in self.keys(bucket)

    def read(self, bucket: str, key: str) -> str:
        """An object's text, un-gzipped when it is gzip (as Argo's checkArtifactContent does)."""
        data = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
            if data[257:262] == b"ustar":  # a tar of one file: its content
                import io
                import tarfile

                with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                    member = next(m for m in tar.getmembers() if m.isfile())
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
        return data.decode()


@pytest.fixture
def minio(argo, s3) -> Minio:  # noqa: F811
    """Argo's e2e artifact setup on moto (module doc); every run of ``argo`` uses it as its default repository."""
    from art_support import make_driver

    for bucket in BUCKETS:
        s3.client().create_bucket(Bucket=bucket)
    SecretStore(argo.settings.home).create("argo", "my-minio-cred", MINIO_CRED)
    repo = {
        "archiveLogs": True,
        "s3": {
            "bucket": "my-bucket",
            "endpoint": s3.endpoint,
            "insecure": True,
            "accessKeySecret": {"name": "my-minio-cred", "key": "accesskey"},
            "secretKeySecret": {"name": "my-minio-cred", "key": "secretkey"},
        },
    }

    def use_minio(options: Any) -> None:
        options.artifacts = make_driver(argo.settings, repo)

    argo.configure.append(use_minio)
    return Minio(s3)


def delete_workflow(argo, workflow: dict[str, Any]) -> None:
    """What deleting a workflow does to its artifacts (GC ``OnWorkflowDeletion``)."""
    from art_support import make_driver

    driver = make_driver(argo.settings)
    asyncio.run(driver.on_workflow_deletion(workflow))


def outputs_of(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in (node.get("outputs") or {}).get("artifacts") or []}


# ------------------------------------------------------------------------------------------------ mounts
@pytest.mark.fact("artifacts", f"{ART}:TestInputOnMount")
def test_input_artifact_on_a_volume_mount(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          volumes: [{name: mnt, emptyDir: {}}]
          container:
            image: argoproj/argosay:v2
            args: [cat, /mnt/in-0]
            volumeMounts: [{name: mnt, mountPath: /mnt}]
          inputs:
            artifacts: [{name: in-0, path: /mnt/in-0, raw: {data: hi}}]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{ART}:TestOutputOnMount")
def test_output_artifact_on_a_volume_mount(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          volumes: [{name: mnt, emptyDir: {}}]
          container:
            image: argoproj/argosay:v2
            args: [echo, hi, /mnt/out-0]
            volumeMounts: [{name: mnt, mountPath: /mnt}]
          outputs:
            artifacts: [{name: out-0, path: /mnt/out-0}]
        """)
    )
    assert run.phase == "Succeeded", run.message
    art = outputs_of(run.node("facts"))["out-0"]
    assert minio.read("my-bucket", art["s3"]["key"]).strip() == "hi"


@pytest.mark.fact("artifacts", f"{ART}:TestOutputOnInput")
def test_output_artifact_at_an_input_artifact_path(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
        - name: main
          container:
            image: argoproj/argosay:v2
            args: [echo, hi, /file]
          inputs:
            artifacts: [{name: in-0, path: /file, raw: {data: hi}}]
          outputs:
            artifacts: [{name: out-0, path: /file}]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{ART}:TestArtifactPassing")
def test_artifact_passing(argo, minio) -> None:
    run = argo.run(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: artifact-passing-
        spec:
          entrypoint: artifact-example
          templates:
          - name: artifact-example
            steps:
            - - name: generate-artifact
                template: hello-world-to-file
            - - name: consume-artifact
                template: print-message-from-file
                arguments:
                  artifacts:
                  - name: message
                    from: "{{steps.generate-artifact.outputs.artifacts.hello-art}}"
          - name: hello-world-to-file
            container:
              image: argoproj/argosay:v2
              command: [sh, -c]
              args: ["sleep 1; echo hello world | tee /tmp/hello_world.txt"]
            outputs:
              artifacts:
              - name: hello-art
                path: /tmp/hello_world.txt
          - name: print-message-from-file
            inputs:
              artifacts:
              - name: message
                path: /tmp/message
            container:
              image: argoproj/argosay:v2
              command: [sh, -c]
              args: ["cat /tmp/message"]
        """
    )
    assert run.phase == "Succeeded", run.message
    assert run.node("consume-artifact")["phase"] == "Succeeded"


# ------------------------------------------------------------------------------------- global artifacts
GLOBAL_BASIC = """
entrypoint: main
templates:
  - name: main
    outputs: {}
    steps:
      - - name: create-global-artifact
          template: create-global-artifact
      - - name: add-0
          template: add-to-global-artifact
          arguments:
            artifacts: [{name: input, from: '{{workflow.outputs.artifacts.globalArtifact}}'}]
            parameters: [{name: value, value: '0'}]
      - - name: add-1
          template: add-to-global-artifact
          arguments:
            artifacts: [{name: input, from: '{{workflow.outputs.artifacts.globalArtifact}}'}]
            parameters: [{name: value, value: '1'}]
      - - name: save-artifact
          template: save-artifact
          arguments:
            artifacts: [{name: input, from: '{{workflow.outputs.artifacts.globalArtifact}}'}]
  - name: create-global-artifact
    container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["touch /tmp/artifact.txt"]}
    outputs:
      artifacts:
        - {globalName: globalArtifact, name: artifact, path: /tmp/artifact.txt, archive: {none: {}}}
  - name: add-to-global-artifact
    inputs:
      parameters: [{name: value}]
      artifacts: [{name: input, path: /tmp/artifact.txt}]
    outputs:
      artifacts:
        - {globalName: globalArtifact, name: artifact, path: /tmp/artifact.txt, archive: {none: {}}}
    container:
      image: argoproj/argosay:v2
      command: [sh, -c]
      args: ["echo -n {{inputs.parameters.value}} >> /tmp/artifact.txt"]
  - name: save-artifact
    container: {image: argoproj/argosay:v2}
    inputs:
      artifacts: [{name: input, path: /tmp/artifact.txt}]
    outputs:
      artifacts:
        - name: globalArtifact
          path: /tmp/artifact.txt
          archive: {none: {}}
          s3:
            key: globalArtifact
            bucket: my-bucket-3
            endpoint: minio:9000
            insecure: true
            accessKeySecret: {name: my-minio-cred, key: accesskey}
            secretKeySecret: {name: my-minio-cred, key: secretkey}
          artifactGC: {strategy: OnWorkflowDeletion}
"""

GLOBAL_COMPLEX = """
entrypoint: test-root
templates:
- name: test-root
  steps:
  - - name: create-global-artifacts
      template: create-global-artifacts
  - - name: nested-workflow-entrypoint
      template: main
      arguments:
        artifacts:
        - {from: '{{workflow.outputs.artifacts.testInput}}', name: testInput}
        - {from: '{{workflow.outputs.artifacts.testUpdate}}', name: testUpdate}
  - - name: upload-testupload-step
      template: upload-testupload
      arguments:
        artifacts: [{from: '{{workflow.outputs.artifacts.testUpload}}', name: testUpload}]
  - - name: upload-testupdate-step
      template: upload-testupdate
      arguments:
        artifacts: [{from: '{{workflow.outputs.artifacts.testUpdate}}', name: testUpdate}]
- name: main
  steps:
  - - name: cp
      template: cp
      arguments:
        artifacts: [{from: '{{workflow.outputs.artifacts.testInput}}', name: input}]
  - - name: generate-testupdate-update
      template: generate-testupdate-update
      arguments:
        artifacts: [{from: '{{workflow.outputs.artifacts.testUpdate}}', name: input-parameters}]
  - - name: output-testupload
      template: output-testupload
      arguments:
        artifacts: [{from: '{{steps.cp.outputs.artifacts.upload}}', name: testUpload}]
  - - name: output-testupdate
      template: output-testupdate
      arguments:
        artifacts:
        - {from: '{{steps.generate-testupdate-update.outputs.artifacts.updated-testupdate}}', name: testUpdate}
- name: create-global-artifacts
  container:
    image: argoproj/argosay:v2
    command: [sh, -c]
    args: ["echo -n 'test input' > /testInput.txt; echo -n 'test update' > /testUpdate.txt"]
  outputs:
    artifacts:
    - {globalName: testInput, name: testInput, path: /testInput.txt, archive: {none: {}}}
    - {globalName: testUpdate, name: testUpdate, path: /testUpdate.txt, archive: {none: {}}}
- name: cp
  container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["cp /input.txt /upload.txt"]}
  inputs:
    artifacts: [{name: input, path: /input.txt}]
  outputs:
    artifacts: [{name: upload, path: /upload.txt}]
- name: generate-testupdate-update
  container:
    image: argoproj/argosay:v2
    command: [sh, -c]
    args: ["echo -n 'Updated testUpdate' > /updated-testUpdate.txt"]
  outputs:
    artifacts: [{name: updated-testupdate, path: /updated-testUpdate.txt, archive: {none: {}}}]
- name: output-testupload
  container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["true"]}
  inputs:
    artifacts: [{name: testUpload, path: /testUpload.txt}]
  outputs:
    artifacts: [{globalName: testUpload, name: testUpload, path: /testUpload.txt}]
- name: output-testupdate
  container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["true"]}
  inputs:
    artifacts: [{name: testUpdate, path: /testUpdate.txt}]
  outputs:
    artifacts: [{globalName: testUpdate, name: testUpdate, path: /testUpdate.txt}]
- name: upload-testupload
  container:
    image: argoproj/argosay:v2
    command: [sh, -c]
    args: ["cat /upload/testInput.txt > /upload/testUpload.txt"]
  inputs:
    artifacts: [{name: testUpload, path: /upload/testInput.txt}]
  outputs:
    artifacts: [{globalName: uploadresult, name: uploadresult, path: /upload/testUpload.txt}]
- name: upload-testupdate
  container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["cat /upload/testUpdate.txt"]}
  inputs:
    artifacts: [{name: testUpdate, path: /upload/testUpdate.txt}]
  outputs:
    artifacts:
      - name: finalTestUpdate
        path: /upload/testUpdate.txt
        archive: {none: {}}
        s3:
          key: finalTestUpdate
          bucket: my-bucket-3
          endpoint: minio:9000
          insecure: true
          accessKeySecret: {name: my-minio-cred, key: accesskey}
          secretKeySecret: {name: my-minio-cred, key: secretkey}
        artifactGC: {strategy: OnWorkflowDeletion}
"""


@pytest.mark.fact("artifacts", f"{ART}:TestGlobalArtifactPassing")
@pytest.mark.parametrize(
    ("body", "key", "value"),
    [(GLOBAL_BASIC, "globalArtifact", "01"), (GLOBAL_COMPLEX, "finalTestUpdate", "Updated testUpdate")],
    ids=["Basic", "Complex"],
)
def test_global_artifact_passing(argo, minio, body: str, key: str, value: str) -> None:
    run = argo.run(minio.fix(wf(body)))
    assert run.phase == "Succeeded", run.message
    assert minio.read("my-bucket-3", key) == value


# ------------------------------------------------------------------------------------------- artifact GC
def s3_at(key: str, bucket: str = "my-bucket-2") -> str:
    return (
        f"{{key: {key}, bucket: {bucket}, endpoint: 'minio:9000', insecure: true,"
        " accessKeySecret: {name: my-minio-cred, key: accesskey},"
        " secretKeySecret: {name: my-minio-cred, key: secretkey}}"
    )


MULTI_STRATEGY = f"""
entrypoint: entrypoint
artifactGC: {{strategy: OnWorkflowCompletion}}
podGC: {{strategy: ""}}
templates:
  - name: entrypoint
    steps:
    - - {{name: call-first, template: first}}
    - - {{name: call-second, template: second}}
  - name: first
    container: {{image: argoproj/argosay:v2, command: [sh, -c], args: ['echo "hello world" > /tmp/message']}}
    outputs:
      artifacts:
        - name: first-on-completion-1
          path: /tmp/message
          s3: {s3_at("first-on-completion-1")}
          artifactGC:
            strategy: OnWorkflowCompletion
            serviceAccountName: default
            podMetadata: {{annotations: {{annotation-key-1: annotation-value-1}}}}
        - name: first-on-completion-2
          path: /tmp/message
          s3: {s3_at("first-on-completion-2", "my-bucket-3")}
        - name: first-no-deletion
          path: /tmp/message
          s3: {s3_at("first-no-deletion", "my-bucket-3")}
          artifactGC: {{strategy: Never}}
  - name: second
    archiveLocation:
      s3: {s3_at("default-to-be-overridden", "my-bucket-3")}
    container: {{image: argoproj/argosay:v2, command: [sh, -c], args: ['echo "hello world" > /tmp/message']}}
    outputs:
      artifacts:
        - name: second-on-deletion
          s3: {{key: second-on-deletion}}
          path: /tmp/message
          artifactGC: {{strategy: OnWorkflowDeletion}}
        - name: second-on-completion
          path: /tmp/message
          s3: {s3_at("second-on-completion")}
          artifactGC: {{strategy: OnWorkflowCompletion}}
"""

GC_TEMPLATE_OUTPUTS = f"""
    outputs:
      artifacts:
        - name: on-completion
          path: /tmp/message
          s3: {s3_at("on-completion")}
          artifactGC: {{strategy: OnWorkflowCompletion}}
        - name: on-deletion
          path: /tmp/message
          s3: {s3_at("on-deletion")}
          artifactGC: {{strategy: OnWorkflowDeletion}}
"""

GC_CONTAINER = """
    container:
      image: argoproj/argosay:v2
      command: [sh, -c]
      args: ['echo "hello world"; echo "hello world" > /tmp/message']
"""

ARTGC_TEMPLATE = wf(
    f"""
entrypoint: artgc-template-main
templates:
  - name: artgc-template-main
{GC_CONTAINER}{GC_TEMPLATE_OUTPUTS}
""",
    name="artgc-template",
    kind="WorkflowTemplate",
)

# The template's own spec.artifactGC applies when the whole workflow comes from it (artgc-template-2.yaml).
ARTGC_TEMPLATE_2 = wf(
    f"""
entrypoint: artgc-template-main
artifactGC: {{strategy: OnWorkflowDeletion}}
templates:
  - name: artgc-template-main
{GC_CONTAINER}
    outputs:
      artifacts:
        - name: on-completion
          path: /tmp/message
          s3: {s3_at("on-completion")}
          artifactGC: {{strategy: OnWorkflowCompletion}}
        - name: on-deletion
          path: /tmp/message
          s3: {s3_at("on-deletion")}
""",
    name="artgc-template-2",
    kind="WorkflowTemplate",
)

ARTGC_TEMPLATE_REF = wf(
    """
entrypoint: steps-direct
artifactGC: {strategy: OnWorkflowDeletion}
templates:
  - name: steps-direct
    steps:
    - - name: main
        templateRef: {name: artgc-template, template: artgc-template-main}
""",
    name="artgc-template-ref-template",
    kind="WorkflowTemplate",
)

ARTGC_TEMPLATE_NO_GC = wf(
    f"""
entrypoint: artgc-template-main
artifactGC: {{strategy: OnWorkflowDeletion}}
templates:
  - name: artgc-template-main
{GC_CONTAINER}
    outputs:
      artifacts:
        - name: on-completion
          path: /tmp/message
          s3: {s3_at("on-completion")}
          artifactGC: {{strategy: Never}}
        - name: on-deletion
          path: /tmp/message
          s3: {s3_at("on-deletion")}
          artifactGC: {{strategy: Never}}
""",
    name="artgc-template-no-gc",
    kind="WorkflowTemplate",
)

GC_TEMPLATES = "---\n".join([ARTGC_TEMPLATE, ARTGC_TEMPLATE_2, ARTGC_TEMPLATE_REF, ARTGC_TEMPLATE_NO_GC])


def step_to(template: str, *, gc: str = "") -> str:
    return f"""
entrypoint: entrypoint
{gc}
templates:
  - name: entrypoint
    steps:
    - - name: call-template
        templateRef: {{name: {template}, template: artgc-template-main}}
"""


NOT_WRITTEN = """
entrypoint: entrypoint
artifactGC: {strategy: OnWorkflowDeletion}
templates:
  - name: entrypoint
    steps:
    - - {name: call-artifact-written, template: artifact-written}
    - - {name: call-some-artifacts-not-written, template: some-artifacts-not-written}
  - name: artifact-written
    container: {image: argoproj/argosay:v2, command: [sh, -c], args: ['echo "something" > /tmp/present']}
    outputs:
      artifacts:
        - {name: present, path: /tmp/present}
  - name: some-artifacts-not-written
    container: {image: argoproj/argosay:v2, command: [sh, -c], args: ['echo "something" > /tmp/present']}
    outputs:
      artifacts:
        - {name: notpresent, path: /tmp/notpresent, OPTIONAL}
        - {name: present, path: /tmp/present}
"""

NOT_WRITTEN_FAILED = """
entrypoint: main
artifactGC: {strategy: OnWorkflowDeletion}
templates:
  - name: main
    container: {image: argoproj/argosay:v2, command: [sh, -c], args: ['exit 1']}
    outputs:
      artifacts:
        - {name: on-deletion, path: /tmp/message}
"""

DERIVED = [("my-bucket", "artifact-written", "present"), ("my-bucket", "some-artifacts-not-written", "present")]


@pytest.mark.fact("artifacts", f"{ART}:TestArtifactGC")
@pytest.mark.parametrize(
    ("body", "succeeds", "expected"),
    [
        pytest.param(
            MULTI_STRATEGY,
            True,
            [
                ("my-bucket-2", "first-on-completion-1", True, False),
                ("my-bucket-3", "first-on-completion-2", True, False),
                ("my-bucket-3", "first-no-deletion", False, False),
                ("my-bucket-3", "second-on-deletion", False, True),
                ("my-bucket-2", "second-on-completion", True, False),
            ],
            id="MultiStrategyMultiAnnotation",
        ),
        pytest.param(
            "workflowTemplateRef: {name: artgc-template, clusterScope: false}",
            True,
            [("my-bucket-2", "on-completion", True, False), ("my-bucket-2", "on-deletion", False, True)],
            id="FromTemplate",
        ),
        pytest.param(
            "workflowTemplateRef: {name: artgc-template-2}",
            True,
            [("my-bucket-2", "on-completion", True, False), ("my-bucket-2", "on-deletion", False, True)],
            id="FromTemplate2",
        ),
        pytest.param(
            step_to("artgc-template"),
            True,
            [("my-bucket-2", "on-completion", True, False), ("my-bucket-2", "on-deletion", False, True)],
            id="StepWorkflowTemplate",
        ),
        pytest.param(
            step_to("artgc-template-2"),
            True,
            [("my-bucket-2", "on-completion", True, False), ("my-bucket-2", "on-deletion", False, False)],
            id="StepWorkflowTemplate2",
        ),
        pytest.param(
            "workflowTemplateRef: {name: artgc-template-ref-template}",
            True,
            [("my-bucket-2", "on-completion", True, False), ("my-bucket-2", "on-deletion", False, True)],
            id="FromRefTemplate",
        ),
        pytest.param(
            step_to("artgc-template-no-gc", gc="artifactGC: {strategy: OnWorkflowDeletion}"),
            True,
            [("my-bucket-2", "on-completion", False, False), ("my-bucket-2", "on-deletion", False, False)],
            id="StepWorkflowTemplateNoGC",
        ),
        pytest.param(
            NOT_WRITTEN.replace("OPTIONAL", "optional: false"),
            False,
            [(*d, False, True) for d in DERIVED],
            id="NonOptionalArtifactNotWritten",
        ),
        pytest.param(
            NOT_WRITTEN.replace("OPTIONAL", "optional: true"),
            True,
            [(*d, False, True) for d in DERIVED],
            id="OptionalArtifactNotWritten",
        ),
        pytest.param(NOT_WRITTEN_FAILED, False, [], id="ArtifactNotWrittenFailed"),
    ],
)
def test_artifact_gc(argo, minio, body: str, succeeds: bool, expected: list[tuple[Any, ...]]) -> None:
    run = argo.run(minio.fix(wf(body, name="artgc")), templates=minio.fix(GC_TEMPLATES))
    assert (run.phase == "Succeeded") is succeeds, run.message

    def key_of(spec: tuple[Any, ...]) -> tuple[str, str]:
        bucket, where = spec[0], spec[1]
        if len(spec) == 5:  # (bucket, template, artifact, at completion, at deletion): derived from status
            template, name = spec[1], spec[2]
            node = next(n for n in run.nodes.values() if n.get("templateName") == template)
            return bucket, outputs_of(node)[name]["s3"]["key"]
        return bucket, where

    for spec in expected:
        bucket, key = key_of(spec)
        at_completion = spec[-2]
        assert minio.exists(bucket, key) is not at_completion, (bucket, key, minio.keys(bucket))
    delete_workflow(argo, run.workflow)
    for spec in expected:
        bucket, key = key_of(spec)
        gone = spec[-2] or spec[-1]
        assert minio.exists(bucket, key) is not gone, (bucket, key, minio.keys(bucket))
    if not expected and not succeeds:  # a failed step saved nothing, so there is nothing to collect
        assert minio.keys("my-bucket") == [] or all(k.endswith("main.log") for k in minio.keys("my-bucket"))


# ------------------------------------------------------------------------------------------ parameters
@pytest.mark.fact("artifacts", f"{ART}:TestExitHandlerWithParameterizedGlobalArtifacts")
def test_exit_handler_with_parameterized_global_artifacts(argo, minio, settings) -> None:
    run = argo.run(
        wf("""
        onExit: exit-handler
        entrypoint: main
        arguments:
          parameters:
          - name: params
            value: |
              [
                { "variable": "car"},
                { "variable": "bike"}
              ]
        templates:
          - name: main
            steps:
              - - name: step-1
                  template: output
                  arguments:
                    parameters: [{name: variable, value: "{{item.variable}}"}]
                  withParam: "{{workflow.parameters.params}}"
          - name: output
            inputs:
              parameters: [{name: variable}]
            script:
              image: argoproj/argosay:v2
              command: [sh, -c]
              args: ["echo Have {{inputs.parameters.variable}} > /result.txt; cat /result.txt"]
            outputs:
              artifacts:
                - name: result-{{inputs.parameters.variable}}
                  path: /result.txt
                  globalName: output-result-{{inputs.parameters.variable}}
          - name: printer
            inputs:
              artifacts:
                - {name: message-bike, path: /tmp/message-bike}
                - {name: message-car, path: /tmp/message-car}
            container: {image: argoproj/argosay:v2, command: [sh, -c], args: ["cat /tmp/message*"]}
          - name: exit-handler
            steps:
              - - name: printer
                  template: printer
                  arguments:
                    artifacts:
                    - {name: message-car, from: "{{workflow.outputs.artifacts.output-result-car}}"}
                    - {name: message-bike, from: "{{workflow.outputs.artifacts.output-result-bike}}"}
        """)
    )
    assert run.phase == "Succeeded", run.message
    printer = run.node("printer")
    assert printer["phase"] == "Succeeded"
    logs = outputs_of(printer)["main-logs"]
    text = minio.read("my-bucket", logs["s3"]["key"])
    assert "Have car" in text
    assert "Have bike" in text


DEFAULT_PARAMS = """
entrypoint: start
templates:
- name: start
  steps:
    - - name: generate-1
        template: generate
    - - name: generate-2
        when: "True == False"
        template: generate
  outputs:
    parameters:
      - name: nested-out-parameter
        valueFrom:
          default: "Default value"
          parameter: "{{steps.generate-2.outputs.parameters.out-parameter}}"
- name: generate
  container:
    image: argoproj/argosay:v2
    args: [echo, my-output-parameter, /tmp/my-output-parameter.txt]
  outputs:
    parameters:
    - name: out-parameter
      valueFrom: {path: /tmp/my-output-parameter.txt}
"""


@pytest.mark.fact("artifacts", f"{ART}:TestDefaultParameterOutputs")
def test_default_parameter_outputs(argo, minio) -> None:
    run = argo.run(wf(DEFAULT_PARAMS))
    assert run.phase == "Succeeded", run.message
    values = [
        p.get("value") for n in run.nodes.values() for p in (n.get("outputs") or {}).get("parameters") or []
    ]
    assert "Default value" in values


@pytest.mark.fact("artifacts", f"{ART}:TestSameInputOutputPathOptionalArtifact")
def test_same_input_output_path_optional_artifact(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
          - name: main
            inputs:
              artifacts: [{name: file, path: /tmp/file1.txt, optional: true}]
            container:
              image: argoproj/argosay:v2
              args: ["echo", "test", "/tmp/file1.txt"]
            outputs:
              artifacts: [{name: file, path: /tmp/file1.txt}]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{ART}:TestOutputResult")
def test_output_result_and_exit_code(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
          - name: main
            dag:
              tasks:
                - {name: a, template: produce}
                - name: b
                  template: consume
                  dependencies: [a]
                  arguments:
                    parameters: [{name: text, value: "{{tasks.a.outputs.result}}"}]
          - name: produce
            container: {image: argoproj/argosay:v2}
          - name: consume
            inputs:
              parameters: [{name: text}]
            container: {image: argoproj/argosay:v2}
        """)
    )
    assert run.phase == "Succeeded", run.message
    outputs = run.node("a")["outputs"]
    assert outputs.get("exitCode") is not None
    assert outputs.get("result") is not None


# ------------------------------------------------------------------------------------------------- logs
@pytest.mark.fact("artifacts", f"{ART}:TestMainLog")
def test_main_log_archived(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
          - name: main
            container:
              image: argoproj/argosay:v2
              args: [echo, ":) Hello Argo!"]
        """)
    )
    assert run.phase == "Succeeded", run.message
    logs = outputs_of(run.node("facts"))["main-logs"]
    assert ":) Hello Argo!" in minio.read("my-bucket", logs["s3"]["key"])


@pytest.mark.fact("artifacts", f"{ART}:TestMainLog")
def test_main_log_archived_when_the_deadline_kills_the_step(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
          - name: main
            activeDeadlineSeconds: 3
            container:
              image: argoproj/argosay:v2
              command: [sh, -c]
              args: ["echo 123; sleep 60"]
        """)
    )
    assert run.phase == "Failed", run.message
    logs = outputs_of(run.node("facts"))["main-logs"]
    assert "123" in minio.read("my-bucket", logs["s3"]["key"])


@pytest.mark.fact("artifacts", f"{ART}:TestContainersetLogs")
def test_container_set_logs(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: main
        templates:
          - name: main
            containerSet:
              containers:
                - {name: a, image: argoproj/argosay:v2}
                - {name: b, image: argoproj/argosay:v2}
        """)
    )
    assert run.phase == "Succeeded", run.message
    name = run.workflow["metadata"]["name"]
    node = run.workflow["status"]["nodes"][name]
    assert node["outputs"] == {
        "artifacts": [
            {"name": "a-logs", "s3": {"key": f"{name}/{name}/a.log"}},
            {"name": "b-logs", "s3": {"key": f"{name}/{name}/b.log"}},
        ]
    }
    assert "hello argo" in minio.read("my-bucket", f"{name}/{name}/a.log")


# -------------------------------------------------------------------------------------------------- git
@pytest.fixture
def git_repo(tmp_path) -> str:
    """A local git repository with a README.md and two commits (for a depth-1 clone), as a file:// URL."""
    repo = tmp_path / "go-git"
    repo.mkdir()
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    import os

    env = {**os.environ, **env}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "master")
    (repo / "README.md").write_text("one\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    (repo / "README.md").write_text("two\n")
    git("commit", "-q", "-am", "two")
    return f"file://{repo}"


@pytest.mark.fact("artifacts", f"{ART}:TestGitArtifactDepthClone")
def test_git_artifact_depth_clone(argo, minio, git_repo: str) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: git-depth
        templates:
        - name: git-depth
          inputs:
            artifacts:
            - name: git-repo
              path: /tmp/git
              git: {{repo: "{git_repo}", revision: master, depth: 1}}
          container:
            image: argoproj/argosay:v2
            command: [sh, -c]
            args: ["ls -l"]
            workingDir: /tmp/git
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{ART}:TestGitArtifactAtWorkingDir")
def test_git_artifact_at_working_dir(argo, minio, git_repo: str) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: probe
        templates:
        - name: probe
          inputs:
            artifacts:
            - name: source
              path: /tmp/git
              git: {{repo: "{git_repo}", revision: master, depth: 1}}
          script:
            image: argoproj/argosay:v2
            command: [sh]
            workingDir: /tmp/git
            source: |
              set -eu
              pwd
              test -f README.md
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{ART}:TestArtifactEphemeralVolume")
def test_raw_artifact_inside_a_volume_claim_mount(argo, minio) -> None:
    run = argo.run(
        wf("""
        entrypoint: artifact-volume-claim
        volumeClaimTemplates:
          - metadata: {name: vol}
            spec:
              accessModes: ["ReadWriteOnce"]
              resources: {requests: {storage: 1Mi}}
        templates:
        - name: artifact-volume-claim
          inputs:
            artifacts:
            - {name: artifact-volume-claim, path: /tmp/input/input.txt, raw: {data: abc}}
          container:
            image: argoproj/argosay:v2
            command: [sh, -c]
            args: ["ls -l; test \\"$(cat input/input.txt)\\" = abc"]
            workingDir: /tmp
            volumeMounts: [{name: vol, mountPath: /tmp}]
        """)
    )
    assert run.phase == "Succeeded", run.message


# ------------------------------------------------------------------------------------------------- HTTP
def unpack(data: bytes) -> str:
    """The one file inside a .tgz body."""
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = next(m for m in tar.getmembers() if m.isfile())
        return tar.extractfile(member).read().decode()  # type: ignore[union-attr]


TOKEN = "tok-3f9a"


class HttpBin:
    """The e2e ``httpbin`` stand-in: GET /get, GET /basic-auth/USER/PASS, PUT /put (bodies kept in ``puts``)."""

    def __init__(self) -> None:
        self.puts: dict[str, bytes] = {}
        bin_ = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/get":
                    self._send(200, {"url": self.path})
                elif self.path == "/bearer":
                    ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
                    self._send(200 if ok else 401, {"authenticated": ok, "token": TOKEN} if ok else {})
                elif self.path.startswith("/basic-auth/"):
                    user, password = self.path.split("/")[2:4]
                    want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                    if self.headers.get("Authorization") == want:
                        self._send(200, {"authenticated": True, "user": user})
                    else:
                        self._send(401, {"authenticated": False})
                else:
                    self._send(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                want = "Basic " + base64.b64encode(b"my-client:my-client-secret").decode()
                if self.path == "/token" and form.get("grant_type") == "client_credentials" and (
                    self.headers.get("Authorization") == want
                ):
                    self._send(200, {"access_token": TOKEN, "token_type": "bearer"})
                else:
                    self._send(401, {})

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                bin_.puts[self.path] = self.rfile.read(length)
                self._send(200, {"data": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> HttpBin:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def httpbin(argo, tmp_path) -> Iterator[HttpBin]:
    """Argo's e2e ``my-httpbin-cred``: basic auth, OAuth2 client credentials and a client certificate (a fresh
    self-signed pair; like Argo's e2e httpbin the server speaks plain HTTP, so the pair is only loaded)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=argento-test",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )
    with HttpBin() as server:
        SecretStore(argo.settings.home).create(
            "argo",
            "my-httpbin-cred",
            {
                "user": "admin",
                "pass": "password",
                "clientID": "my-client",
                "clientSecret": "my-client-secret",
                "tokenURL": f"{server.url}/token",
                "cert.pem": (tmp_path / "cert.pem").read_text(),
                "key.pem": (tmp_path / "key.pem").read_text(),
            },
        )
        yield server


@pytest.mark.fact("artifacts", f"{HTTP}:TestInputArtifactHttp")
def test_input_artifact_http(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - {{name: my-art, path: /my-artifact, http: {{url: "{httpbin.url}/get"}}}}
          container:
            image: argoproj/argosay:v2
            command: [cat, "/my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{HTTP}:TestOutputArtifactHttp")
def test_output_artifact_http(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          outputs:
            artifacts:
            - {{name: my-art, path: /my-artifact, http: {{url: "{httpbin.url}/put"}}}}
          container:
            image: argoproj/argosay:v2
            command: [sh, -c]
            args: ["echo testdata > /my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert unpack(httpbin.puts["/put"]) == "testdata\n"  # the default archive: a tar.gz of the file


@pytest.mark.fact("artifacts", f"{HTTP}:TestBasicAuthArtifactHttp")
def test_basic_auth_artifact_http(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - name: my-art
              path: /my-artifact
              http:
                url: "{httpbin.url}/basic-auth/admin/password"
                auth:
                  basicAuth:
                    usernameSecret: {{name: my-httpbin-cred, key: user}}
                    passwordSecret: {{name: my-httpbin-cred, key: pass}}
          container:
            image: argoproj/argosay:v2
            command: [cat, "/my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{HTTP}:TestArtifactoryArtifacts")
def test_artifactory_artifacts(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - name: my-art
              path: /my-artifact
              artifactory:
                url: "{httpbin.url}/basic-auth/admin/password"
                usernameSecret: {{name: my-httpbin-cred, key: user}}
                passwordSecret: {{name: my-httpbin-cred, key: pass}}
          outputs:
            artifacts:
            - name: my-art
              path: /my-artifact
              artifactory:
                url: "{httpbin.url}/put"
                usernameSecret: {{name: my-httpbin-cred, key: user}}
                passwordSecret: {{name: my-httpbin-cred, key: pass}}
          container:
            image: argoproj/argosay:v2
            command: [cat, "/my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message
    assert '"authenticated": true' in unpack(httpbin.puts["/put"])


@pytest.mark.fact("artifacts", f"{HTTP}:TestOAuthArtifactHttp")
def test_oauth_artifact_http(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - name: my-art
              path: /my-artifact
              http:
                url: "{httpbin.url}/bearer"
                auth:
                  oauth2:
                    clientIDSecret: {{name: my-httpbin-cred, key: clientID}}
                    clientSecretSecret: {{name: my-httpbin-cred, key: clientSecret}}
                    tokenURLSecret: {{name: my-httpbin-cred, key: tokenURL}}
          container:
            image: argoproj/argosay:v2
            command: [cat, "/my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message


@pytest.mark.fact("artifacts", f"{HTTP}:TestClientCertAuthArtifactHttp")
def test_client_cert_auth_artifact_http(argo, httpbin: HttpBin) -> None:
    run = argo.run(
        wf(f"""
        entrypoint: main
        templates:
        - name: main
          inputs:
            artifacts:
            - name: my-art
              path: /my-artifact
              http:
                url: "{httpbin.url}/get"
                auth:
                  clientCert:
                    clientCertSecret: {{name: my-httpbin-cred, key: cert.pem}}
                    clientKeySecret: {{name: my-httpbin-cred, key: key.pem}}
          container:
            image: argoproj/argosay:v2
            command: [cat, "/my-artifact"]
        """)
    )
    assert run.phase == "Succeeded", run.message

