"""The ``argo-workflows`` PyPI client (openapi-generator, Argo's swagger), unmodified, against a live server.

Its models check every response field's type against the swagger (return-type checking on, the default):
a ``"finishedAt": null`` of a running workflow, which the swagger does not allow, fails here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

argo_workflows = pytest.importorskip("argo_workflows")

from argo_workflows.api import workflow_service_api  # noqa: E402
from argo_workflows.model.container import Container  # noqa: E402
from argo_workflows.model.io_argoproj_workflow_v1alpha1_dag_task import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1DAGTask,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_dag_template import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1DAGTemplate,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_template import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1Template,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1Workflow,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_spec import (  # noqa: E402
    IoArgoprojWorkflowV1alpha1WorkflowSpec,
)
from argo_workflows.model.object_meta import ObjectMeta  # noqa: E402

pytestmark = [
    pytest.mark.timeout(60),
    # The generated client's own noise (urllib3's deprecated getheader(s)).
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

NS = "argo"
FINISHED = ("Succeeded", "Failed", "Error")


@pytest.fixture
def api(argento_url: str) -> Iterator[workflow_service_api.WorkflowServiceApi]:
    config = argo_workflows.Configuration(host=argento_url)
    config.verify_ssl = False
    with argo_workflows.ApiClient(config) as client:
        yield workflow_service_api.WorkflowServiceApi(client)


def _phase(wf: Any) -> str | None:
    status = wf.get("status")
    return status.get("phase") if status is not None else None


def _nulls(value: Any, path: str = "") -> list[str]:
    """Paths of the null values in a JSON document."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


def _typed_workflow(run: str) -> IoArgoprojWorkflowV1alpha1Workflow:
    """Two sequential steps: a short nap (so reads see it Running), then an echo."""
    return IoArgoprojWorkflowV1alpha1Workflow(
        metadata=ObjectMeta(generate_name="argo-client-", labels={"suite": "compat-argo", "run": run}),
        spec=IoArgoprojWorkflowV1alpha1WorkflowSpec(
            entrypoint="main",
            templates=[
                IoArgoprojWorkflowV1alpha1Template(
                    name="main",
                    dag=IoArgoprojWorkflowV1alpha1DAGTemplate(
                        tasks=[
                            IoArgoprojWorkflowV1alpha1DAGTask(name="nap", template="nap"),
                            IoArgoprojWorkflowV1alpha1DAGTask(
                                name="say", template="say", dependencies=["nap"]
                            ),
                        ]
                    ),
                ),
                IoArgoprojWorkflowV1alpha1Template(
                    name="nap", container=Container(image="alpine:3.19", command=["sh", "-c", "sleep 0.5"])
                ),
                IoArgoprojWorkflowV1alpha1Template(
                    name="say", container=Container(image="alpine:3.19", command=["echo", "hello argo"])
                ),
            ],
        ),
    )


def test_create_get_list_delete(
    api: workflow_service_api.WorkflowServiceApi, http: httpx.Client, wait_until: Callable[..., Any]
) -> None:
    run = uuid.uuid4().hex[:6]
    created = api.create_workflow(
        namespace=NS, body=IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=_typed_workflow(run))
    )
    name = created.metadata.name
    assert name.startswith("argo-client-") and created.metadata.uid
    assert created.metadata.namespace == NS and created.metadata.labels["run"] == run
    assert _phase(created) == "Running"  # typed while running: no null timestamps in the body

    raw = http.get(f"/api/v1/workflows/{NS}/{name}").json()
    assert raw["status"]["phase"] == "Running" and _nulls(raw) == []  # the swagger has no nullable field
    running = api.get_workflow(namespace=NS, name=name)
    assert _phase(running) in ("Running", "Succeeded")

    done = wait_until(lambda: api.get_workflow(namespace=NS, name=name), lambda wf: _phase(wf) in FINISHED)
    assert _phase(done) == "Succeeded", done.status
    assert done.status.started_at <= done.status.finished_at  # parsed as datetimes
    by_name = {n.display_name: n for n in done.status.nodes.values()}
    assert by_name["say"].outputs.exit_code == "0"
    assert by_name["say"].phase == "Succeeded" and by_name["nap"].phase == "Succeeded"

    listed = api.list_workflows(namespace=NS, list_options_label_selector=f"run={run}")
    assert [w.metadata.name for w in listed["items"]] == [name]
    everything = api.list_workflows(namespace=NS)
    assert name in {w.metadata.name for w in everything["items"]}

    assert api.delete_workflow(namespace=NS, name=name) == {}
    with pytest.raises(argo_workflows.ApiException) as missing:
        api.get_workflow(namespace=NS, name=name)
    assert missing.value.status == 404
    assert "not found" in missing.value.body
    assert api.list_workflows(namespace=NS, list_options_label_selector=f"run={run}")["items"] == []


def test_create_from_a_manifest_dict_and_errors(
    api: workflow_service_api.WorkflowServiceApi, wait_until: Callable[..., Any]
) -> None:
    """Argo's documented SDK usage: a plain manifest with ``_check_type=False`` on the request."""
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "argo-manifest-", "labels": {"suite": "compat-argo"}},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "msg", "value": "from a dict"}]},
            "templates": [
                {
                    "name": "main",
                    "inputs": {"parameters": [{"name": "msg"}]},
                    "script": {
                        "image": "python:3.11",
                        "command": ["python"],
                        "source": "print('{{inputs.parameters.msg}}'.upper())",
                    },
                }
            ],
        },
    }
    created = api.create_workflow(
        namespace=NS,
        body=IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=manifest, _check_type=False),
    )
    name = created.metadata.name
    done = wait_until(lambda: api.get_workflow(namespace=NS, name=name), lambda wf: _phase(wf) in FINISHED)
    assert _phase(done) == "Succeeded" and done.status.get("outputs") is None
    assert done.status.nodes[name].outputs.result == "FROM A DICT"

    bad = {**manifest, "spec": {**manifest["spec"], "entrypoint": "nope"}}
    with pytest.raises(argo_workflows.ApiException) as invalid:
        api.create_workflow(
            namespace=NS,
            body=IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=bad, _check_type=False),
        )
    assert invalid.value.status == 400 and "nope" in invalid.value.body

    with pytest.raises(argo_workflows.ApiException) as gone:
        api.delete_workflow(namespace=NS, name="no-such-workflow")
    assert gone.value.status == 404
    api.delete_workflow(namespace=NS, name=name)


def test_list_with_a_fields_mask(api: workflow_service_api.WorkflowServiceApi) -> None:
    run = uuid.uuid4().hex[:6]
    created = api.create_workflow(
        namespace=NS, body=IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=_typed_workflow(run))
    )
    try:
        listed = api.list_workflows(
            namespace=NS, list_options_label_selector=f"run={run}", fields="items.metadata.name"
        )
        assert [w.metadata.name for w in listed["items"]] == [created.metadata.name]
    finally:
        api.delete_workflow(namespace=NS, name=created.metadata.name)
