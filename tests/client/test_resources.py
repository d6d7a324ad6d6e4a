"""Templates, cluster templates, cron workflows, the archive, info and the async client."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fake_argo import FakeArgo

from argento.client import ArgoClient, AsyncHttpClient
from argento.errors import AlreadyExists, NotFound, SpecError

SPEC = {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "busybox"}}]}


def test_workflow_templates_crud(client: ArgoClient, fake: FakeArgo) -> None:
    tmpl = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "t"},
        "spec": SPEC,
    }
    created = client.templates.create(tmpl)
    assert created["metadata"]["namespace"] == "argo"
    assert json.loads(fake.requests[-1].content) == {"namespace": "argo", "template": tmpl}
    with pytest.raises(AlreadyExists):
        client.templates.create(tmpl)
    assert [t["metadata"]["name"] for t in client.templates.list()] == ["t"]
    client.templates.update({**tmpl, "spec": {**SPEC, "entrypoint": "main"}})
    assert (
        fake.requests[-1].method == "PUT"
        and fake.requests[-1].url.path == "/api/v1/workflow-templates/argo/t"
    )
    assert client.templates.get("t")["spec"]["entrypoint"] == "main"
    assert client.templates.lint(tmpl)["metadata"]["name"] == "t"
    with pytest.raises(SpecError):
        client.templates.lint({"metadata": {"name": "bad"}, "spec": {}})
    client.templates.delete("t")
    with pytest.raises(NotFound):
        client.templates.get("t")


def test_cluster_templates_crud(client: ArgoClient, fake: FakeArgo) -> None:
    client.cluster_templates.create({"metadata": {"name": "c"}, "spec": SPEC})
    assert fake.requests[-1].url.path == "/api/v1/cluster-workflow-templates"
    assert [t["metadata"]["name"] for t in client.cluster_templates.list()] == ["c"]
    assert client.cluster_templates.get("c")["metadata"]["name"] == "c"
    client.cluster_templates.lint({"metadata": {"name": "c"}, "spec": SPEC})
    assert fake.requests[-1].url.path == "/api/v1/cluster-workflow-templates/lint"
    client.cluster_templates.delete("c")
    assert client.cluster_templates.list() == []


def test_cron_workflows(client: ArgoClient, fake: FakeArgo) -> None:
    cron = {"metadata": {"name": "nightly"}, "spec": {"schedule": "0 1 * * *", "workflowSpec": SPEC}}
    client.cron.create(cron)
    assert json.loads(fake.requests[-1].content)["cronWorkflow"] == cron
    assert client.cron.suspend("nightly")["spec"]["suspend"] is True
    assert json.loads(fake.requests[-1].content) == {"namespace": "argo", "name": "nightly"}
    assert client.cron.get("nightly")["spec"]["suspend"] is True
    assert client.cron.resume("nightly")["spec"]["suspend"] is False
    assert [c["metadata"]["name"] for c in client.cron.list()] == ["nightly"]
    client.cron.delete("nightly")
    with pytest.raises(NotFound):
        client.cron.get("nightly")


def test_archive(client: ArgoClient, fake: FakeArgo) -> None:
    wf = client.workflows.create({"metadata": {"name": "a"}, "spec": SPEC})
    fake.finish("argo", "a")
    uid = wf["metadata"]["uid"]
    items = client.archive.list()
    assert [w["metadata"]["uid"] for w in items] == [uid]
    assert fake.requests[-1].url.params["namespace"] == "argo"
    assert client.archive.get(uid)["metadata"]["name"] == "a"
    assert client.archive.find("a")["metadata"]["uid"] == uid
    with pytest.raises(NotFound):
        client.archive.find("zzz")
    client.archive.delete(uid)
    assert client.archive.list() == []


def test_info_and_version(client: ArgoClient) -> None:
    assert "managedNamespace" in client.info()
    assert client.version()["version"].startswith("v3")


def test_async_client_streams() -> None:
    fake = FakeArgo()
    fake.add_workflow({"metadata": {"name": "w"}, "spec": SPEC}, "argo")
    fake.logs[("argo", "w")] = [("w-main-1", "hello")]

    async def handler(request: httpx.Request) -> httpx.Response:
        return fake.handle(request)

    async def main() -> tuple[list, dict]:
        async with AsyncHttpClient("http://fake", transport=httpx.MockTransport(handler)) as http:
            lines = [x async for x in http.stream("/api/v1/workflows/argo/w/log")]
            with pytest.raises(NotFound):
                await http.request("GET", "/api/v1/workflows/argo/missing")
            return lines, await http.request("GET", "/api/v1/workflows/argo/w")

    lines, wf = asyncio.run(main())
    assert lines == [{"podName": "w-main-1", "content": "hello"}]
    assert wf["metadata"]["name"] == "w"


def test_client_from_settings(fake: FakeArgo, tmp_path: object) -> None:
    from argento.config import Settings

    settings = Settings.from_env(
        {
            "ARGENTO_HOME": "/tmp/x",
            "ARGENTO_SERVER": "http://srv:1/",
            "ARGENTO_TOKEN": "t",
            "ARGENTO_NAMESPACE": "ml",
        }
    )
    fake.token = "t"
    with ArgoClient.from_settings(settings, transport=fake.transport) as client:
        assert client.server == "http://srv:1" and client.namespace == "ml"
        client.workflows.list()
    assert fake.requests[-1].url.path == "/api/v1/workflows/ml"
