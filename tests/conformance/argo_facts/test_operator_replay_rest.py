"""More of Argo's controller unit tests replayed (workflow/controller/operator_test.go), and the optional input
artifacts of test/e2e/functional_test.go, on the fake executor (``_replay``) or the in-process API
(``_server``), as the other ``test_operator_replay*`` modules do.

Left out: TestCheckTemplateTimeouts (``pendingTimeout`` — the deadline of a pod still Pending; a local pod is
never Pending once started).
"""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest
from art_support import moto_server, s3  # noqa: F401  (the artifact suites' S3 server fixtures)

from argento.executors.base import StepResult
from argento.executors.fake import FakeExecutor

from ._replay import Concurrency, replay

SRC = "workflow/controller/operator_test.go"


def fact(test: str, category: str = "operator") -> pytest.MarkDecorator:
    return pytest.mark.fact(category, f"{SRC}:{test}")


@pytest.fixture
def http_server() -> Iterator[str]:
    """A 127.0.0.1 server: ``/date`` answers a small JSON body, any other path 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/date":
                body = b'{"date": "01-01-1970"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


# -- durations ---------------------------------------------------------------------------------------------------
DAG_POD = """
metadata: {{name: {name}{labels}}}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {{name: pod, template: pod}}
  - name: pod
    container: {{image: my-image, command: [sh, -c, 'exit 0']}}
"""


@fact("TestResourcesDuration", "progress")
def test_resources_duration_of_the_workflow_and_every_node(argo) -> None:
    run, _ = replay(argo, DAG_POD.format(name="res-dur", labels=""),
                    script=lambda pod: StepResult(exit_code=0, started_at=100.0, finished_at=110.0))
    assert run.phase == "Succeeded"
    # a container without resources counts 100m CPU and 100Mi memory (util/resource/duration.go:DurationForPod)
    assert run.status["resourcesDuration"] == {"cpu": 1, "memory": 10}
    for node in run.status["nodes"].values():
        assert node["resourcesDuration"] == {"cpu": 1, "memory": 10}, node


@pytest.mark.fact("progress", "util/resource/duration.go:DurationForPod")
def test_resources_duration_counts_requests_limits_and_every_container(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: res-dur-req}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: a, template: big}
              - {name: b, template: big}
          - name: big
            container:
              image: my-image
              command: [sh, -c, 'exit 0']
              resources: {limits: {cpu: '4', memory: 1Gi, nvidia.com/gpu: '1'}, requests: {cpu: '2'}}
            sidecars:
            - {name: side, image: my-image}
        """, script=lambda pod: StepResult(exit_code=0, started_at=100.0, finished_at=110.0))
    assert run.phase == "Succeeded"
    # main: requests over limits (2 CPU, 1Gi, 1 GPU); the sidecar: the defaults (100m, 100Mi)
    one = {"cpu": 20 + 1, "memory": 102 + 10, "nvidia.com/gpu": 10}
    assert run.node("a")["resourcesDuration"] == one
    assert run.nodes["res-dur-req"]["resourcesDuration"] == {k: 2 * v for k, v in one.items()}
    assert run.status["resourcesDuration"] == {k: 2 * v for k, v in one.items()}


# -- retries: backoff.maxDuration --------------------------------------------------------------------------------
@fact("TestPropagateMaxDurationProcess", "retry")
def test_backoff_max_duration_is_the_deadline_of_later_attempts(argo) -> None:
    run, fake = replay(argo, """
        metadata: {name: retry-backoff}
        spec:
          entrypoint: main
          templates:
          - name: main
            retryStrategy: {limit: 2, backoff: {duration: '0', factor: 1, maxDuration: '20'}}
            container: {image: alpine, command: [sh, -c, 'exit 1']}
        """)
    assert run.phase == "Failed"
    assert len(fake.started) == 3
    # the first attempt runs unbounded; each later one may not outlive the Retry node's start + maxDuration
    assert fake.started[0].timeout is None
    for pod in fake.started[1:]:
        assert pod.timeout is not None and 0 < pod.timeout <= 20


# -- global outputs ----------------------------------------------------------------------------------------------
@fact("TestAddGlobalArtifactToScope", "outputs")
def test_global_artifacts_are_added_then_updated_by_name(argo) -> None:
    run, _ = replay(argo, """
        metadata: {name: global-arts}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: plain, template: plain}
            - - {name: first, template: first}
            - - {name: second, template: second}
          - name: plain
            container: {image: alpine, command: [sh, -c, 'exit 0']}
            outputs: {artifacts: [{name: test-art, path: /tmp/a.txt}]}
          - name: first
            container: {image: alpine, command: [sh, -c, 'exit 0']}
            outputs: {artifacts: [{name: test-art, path: /tmp/a.txt, globalName: global-art}]}
          - name: second
            container: {image: alpine, command: [sh, -c, 'exit 0']}
            outputs:
              artifacts:
              - {name: test-art, path: /tmp/a.txt, globalName: global-art}
              - {name: other, path: /tmp/a.txt, globalName: global-art2}
        """, files=lambda pod: {"/tmp/a.txt": pod.template})
    assert run.phase == "Succeeded", run.message
    arts = run.status["outputs"]["artifacts"]
    # an artifact without globalName is not global; a second one of the same globalName replaces the first
    assert [a["name"] for a in arts] == ["global-art", "global-art2"]
    second = run.node("second")["outputs"]["artifacts"]
    assert {k: v for k, v in arts[0].items() if k != "name"} == {
        k: v for k, v in second[0].items() if k != "name"}


# -- artifacts whose location is a parameter ---------------------------------------------------------------------
class _Cat:
    """A pod that reads /tmp/foo.txt (its input artifact), as ``cat`` would."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, pod) -> StepResult:
        from argento.executors.fake import fake_host_path

        self.read.append(fake_host_path(pod, "/tmp/foo.txt").read_text())
        return StepResult(exit_code=0)


@fact("TestParamSubstitutionWithArtifact", "artifacts")
def test_input_artifact_url_from_an_input_parameter(argo, http_server) -> None:
    # test/e2e/functional/param-sub-with-artifacts.yaml, served from 127.0.0.1
    cat = _Cat()
    run, fake = replay(argo, f"""
        metadata: {{name: param-sub-with-artifacts}}
        spec:
          entrypoint: foo
          arguments: {{parameters: [{{name: artifact-url, value: '{http_server}/date'}}]}}
          templates:
          - name: foo
            inputs:
              parameters: [{{name: artifact-url}}]
              artifacts:
              - {{name: foo-artifact, path: /tmp/foo.txt, mode: 0644, http: {{url: '{{{{inputs.parameters.artifact-url}}}}'}}}}
            container: {{image: alpine:3.23, command: [cat], args: [/tmp/foo.txt]}}
        """, script=cat)
    assert run.phase == "Succeeded", run.message
    assert len(fake.started) == 1
    assert cat.read == ['{"date": "01-01-1970"}']


@fact("TestGlobalParamSubstitutionWithArtifact", "artifacts")
def test_workflow_artifact_url_from_a_workflow_parameter(argo, http_server) -> None:
    # test/e2e/functional/global-param-sub-with-artifacts.yaml, served from 127.0.0.1
    cat = _Cat()
    run, fake = replay(argo, f"""
        metadata: {{name: global-param-sub-with-artifacts}}
        spec:
          entrypoint: foo
          arguments:
            parameters: [{{name: artifact-url, value: '{http_server}/date'}}]
            artifacts: [{{name: foo-artifact, http: {{url: '{{{{workflow.parameters.artifact-url}}}}'}}}}]
          templates:
          - name: foo
            inputs:
              artifacts: [{{name: foo-artifact, path: /tmp/foo.txt, mode: 0644}}]
            container: {{image: alpine:3.23, command: [cat], args: [/tmp/foo.txt]}}
        """, script=cat)
    assert run.phase == "Succeeded", run.message
    assert len(fake.started) == 1
    assert cat.read == ['{"date": "01-01-1970"}']


@pytest.mark.fact("artifacts", "test/e2e/functional_test.go:TestOptionalInputArtifacts")
def test_optional_input_artifacts_that_are_missing(argo, http_server, s3) -> None:  # noqa: F811
    # test/e2e/testdata/input-artifacts.yaml: the HTTP source answers 404 (127.0.0.1, not github.com); the S3
    # bucket (moto standing in for MinIO) has no such key
    from argento.secrets import SecretStore

    s3.client().create_bucket(Bucket="my-bucket")
    SecretStore(argo.settings.home).create("argo", "my-minio-cred", {"accesskey": "AKIDTESTING",
                                                                     "secretkey": "s3cr3t-Value-42"})
    run, fake = replay(argo, f"""
        metadata: {{name: input-artifacts}}
        spec:
          entrypoint: main
          templates:
          - name: main
            container: {{image: argoproj/argosay:v2}}
            inputs:
              artifacts:
              - {{name: my-http-artifact, path: /my-http-artifact, optional: true, http: {{url: '{http_server}/not-found'}}}}
              - name: my-s3-artifact
                path: /my-s3-artifact
                optional: true
                s3:
                  bucket: my-bucket
                  key: my-key
                  endpoint: {s3.endpoint}
                  insecure: true
                  accessKeySecret: {{name: my-minio-cred, key: accesskey}}
                  secretKeySecret: {{name: my-minio-cred, key: secretkey}}
        """)
    assert run.phase == "Succeeded", run.message
    assert len(fake.started) == 1


# -- estimated duration ------------------------------------------------------------------------------------------
@fact("TestEstimatedDuration", "progress")
def test_estimated_duration_of_the_workflow_and_each_node(argo) -> None:
    from argento.server.estimation import Estimator

    baseline = {
        "metadata": {"name": "my-baseline-wf"},
        "status": {
            "phase": "Succeeded",
            "startedAt": "1970-01-01T00:00:00Z",
            "finishedAt": "1970-01-01T00:01:00Z",
            "nodes": {"my-baseline-wf": {"name": "my-baseline-wf", "startedAt": "1970-01-01T00:00:00Z",
                                         "finishedAt": "1970-01-01T00:01:00Z"}},
        },
    }

    class Every:
        """Argo's test estimator (estimation/dummy_estimator.go): one second for the workflow and every node."""

        def workflow(self) -> int:
            return 1

        def node(self, name: str) -> int:
            return 1

    def with_(estimator):
        def hook(options) -> None:
            options.estimator = estimator
        return hook

    body = DAG_POD.format(name="my-wf", labels=", labels: {workflows.argoproj.io/workflow-template: my-wftmpl}")
    argo.configure.append(with_(Every()))
    run, _ = replay(argo, body)
    argo.configure.clear()
    assert run.phase == "Succeeded"
    assert run.status["estimatedDuration"] == 1
    assert run.nodes["my-wf"]["estimatedDuration"] == 1
    assert run.node("pod")["estimatedDuration"] == 1

    # Argento's estimator (estimation/estimator.go): the baseline's durations, node by node (the workflow's name
    # replaced by the baseline's); a node the baseline lacks has no estimate
    argo.configure.append(with_(Estimator("my-wf", baseline)))
    run, _ = replay(argo, body)
    argo.configure.clear()
    assert run.status["estimatedDuration"] == 60
    assert run.nodes["my-wf"]["estimatedDuration"] == 60
    assert "estimatedDuration" not in run.node("pod")


# -- suspend and resume ------------------------------------------------------------------------------------------
@fact("TestSuspendResume", "suspend")
def test_a_suspended_workflow_starts_no_pod_until_resumed(settings) -> None:
    from ._server import NS, serve, wait_for

    pods = Concurrency(width=2, total=10)
    fake = FakeExecutor(pods)
    items = ["this", "workflow", "should", "take", "at", "least", "60", "seconds", "to", "complete"]
    resource = {
        "metadata": {"name": "steps-parallelism-limit"},
        "spec": {
            "entrypoint": "steps-parallelism-limit",
            "suspend": True,
            "templates": [
                {"name": "steps-parallelism-limit", "parallelism": 2,
                 "steps": [[{"name": "sleep", "template": "sleep", "withItems": items}]]},
                {"name": "sleep", "container": {"image": "alpine:3.23", "command": ["sh", "-c", "sleep 10"]}},
            ],
        },
    }

    async def body() -> None:
        async with serve(settings, executor=fake) as c:
            r = await c.post(NS, json={"workflow": resource})
            assert r.status_code == 200, r.text
            name = r.json()["metadata"]["name"]
            wf = await wait_for(c, name, lambda w: (w.get("status") or {}).get("phase") == "Running")
            assert wf["spec"]["suspend"] is True
            assert fake.started == [], wf  # the suspended workflow's pods wait for the resume
            r = await c.put(f"{NS}/{name}/resume", json={})
            assert r.status_code == 200, r.text
            assert "suspend" not in r.json()["spec"]
            wf = await wait_for(c, name)
            assert wf["status"]["phase"] == "Succeeded"
            assert len(fake.started) == 10
            assert pods.most == 2  # parallelism: two pods at once once resumed

    asyncio.run(body())


# -- global variables in the spec ---------------------------------------------------------------------------------
_WFT = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: workflow-template-submittable
  labels: {{mutexName: myMutex}}
  annotations: {{schedulerName: myScheduler}}
spec:
  {spec}
  templates:
  - name: whalesay-template
    container: {{image: docker/whalesay, command: [cowsay], args: [hello]}}
"""
_WFT_1 = _WFT.format(spec="entrypoint: whalesay-template")
_WFT_2 = _WFT.format(spec="""entrypoint: whalesay-template
  workflowMetadata:
    labels: {mutexName: wfMetadataTemplateMutex}
    annotations: {schedulerName: wfMetadataTemplateScheduler}""")
_WFT_3 = _WFT.format(spec="""entrypoint: whalesay-template
  arguments: {parameters: [{name: mutex, value: wfMetadataTemplateMutex}]}
  workflowMetadata:
    labelsFrom: {mutexName: {expression: workflow.parameters.mutex}}
    annotations: {schedulerName: wfMetadataTemplateScheduler}""")
_WFT_4 = _WFT.format(spec="""workflowMetadata:
    labels: {mutexName: wfMetadataTemplateMutex}
    annotations: {schedulerName: wfMetadataTemplateScheduler}""")

_SUBMITTED = """
metadata:
  name: wf
  {meta}
spec:
  {ref}
  synchronization: {{mutexes: [{{name: '{{{{workflow.labels.mutexName}}}}'}}]}}
  schedulerName: '{{{{workflow.annotations.schedulerName}}}}'
  {extra}
"""
_REF = "workflowTemplateRef: {name: workflow-template-submittable}"
_MINE = "labels: {mutexName: myMutex}\n  annotations: {schedulerName: myScheduler}"
_ONE_TEMPLATE = """entrypoint: myTemplate
  templates:
  - name: myTemplate
    steps:
    - - {name: whalesay, templateRef: {name: workflow-template-submittable, template: whalesay-template}}"""


@fact("TestSubstituteGlobalVariablesLabelsAnnotations", "variables")
@pytest.mark.parametrize(("submitted", "templates", "mutex", "scheduler"), [
    # nothing gives the value: the reference stays as written
    (_SUBMITTED.format(meta="", ref=_REF, extra=""), _WFT_1,
     "{{workflow.labels.mutexName}}", "{{workflow.annotations.schedulerName}}"),
    # the Workflow's own labels and annotations
    (_SUBMITTED.format(meta=_MINE, ref=_REF, extra=""), _WFT_1, "myMutex", "myScheduler"),
    # the WorkflowTemplate's workflowMetadata wins over the Workflow's labels
    (_SUBMITTED.format(meta=_MINE, ref=_REF, extra=""), _WFT_2, "wfMetadataTemplateMutex",
     "wfMetadataTemplateScheduler"),
    # the Workflow's workflowMetadata wins over the WorkflowTemplate's
    (_SUBMITTED.format(meta=_MINE, ref=_REF, extra="""workflowMetadata:
    labels: {mutexName: wfMetadataMutex}
    annotations: {schedulerName: wfMetadataScheduler}"""), _WFT_2, "wfMetadataMutex", "wfMetadataScheduler"),
    # labelsFrom of the WorkflowTemplate, from its own parameters
    (_SUBMITTED.format(meta="labels: {mutexName: myOverrideMutex}\n  annotations: {schedulerName: myScheduler}",
                       ref=_REF, extra="workflowMetadata: {annotations: {schedulerName: wfMetadataScheduler}}"),
     _WFT_3, "wfMetadataTemplateMutex", "wfMetadataScheduler"),
    # one template referenced: the WorkflowTemplate's workflowMetadata does not apply
    (_SUBMITTED.format(meta=_MINE, ref=_ONE_TEMPLATE, extra=""), _WFT_4, "myMutex", "myScheduler"),
    # labelsFrom an expression over an annotation the same workflowMetadata sets
    (_SUBMITTED.format(meta=_MINE, ref=_REF, extra="""workflowMetadata:
    labelsFrom: {mutexName: {expression: '{{= sprig.quote(sprig.trim( workflow.annotations.schedulerName )) }}'}}
    annotations: {schedulerName: wfMetadataScheduler}"""), _WFT_2, "wfMetadataScheduler", "wfMetadataScheduler"),
], ids=["unresolved", "labels", "template-metadata", "workflow-metadata", "labels-from", "one-template",
        "labels-from-expression"])
def test_spec_gets_labels_and_annotations(argo, monkeypatch, submitted, templates, mutex, scheduler) -> None:
    from argento.engine.sync import LockManager

    seen: list[dict] = []
    acquire = LockManager.acquire_workflow

    async def spy(self, run):
        seen.append(run.spec)  # the spec the workflow executes by (Argo's execWf.Spec)
        return await acquire(self, run)

    monkeypatch.setattr(LockManager, "acquire_workflow", spy)
    run, _ = replay(argo, submitted, templates=templates)
    assert run.phase == "Succeeded", run.message
    assert [m["name"] for m in seen[0]["synchronization"]["mutexes"]] == [mutex]
    assert seen[0]["schedulerName"] == scheduler
