"""WorkflowsAPI against the fake Argo Server: Argo's paths, bodies and stream shapes."""

from __future__ import annotations

import json
import time

import pytest
from fake_argo import FakeArgo

from argento.client import ArgoClient, SubmitOptions, apply_submit_options
from argento.client.workflows import is_finished, split_pairs
from argento.errors import Conflict, NotFound, SpecError

HELLO = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "msg", "value": "hi"}]},
        "templates": [{"name": "main", "container": {"image": "busybox", "args": ["echo"]}}],
    },
}


def _body(fake: FakeArgo, index: int = -1) -> dict:
    return json.loads(fake.requests[index].content)


def test_create_posts_argo_body_and_returns_generated_name(client: ArgoClient, fake: FakeArgo) -> None:
    wf = client.workflows.create(HELLO)
    assert wf["metadata"]["name"].startswith("hello-")
    req = fake.requests[-1]
    assert (req.method, req.url.path) == ("POST", "/api/v1/workflows/argo")
    assert _body(fake) == {"namespace": "argo", "workflow": HELLO}
    assert wf["status"]["phase"] == "Running"


def test_create_in_namespace_of_manifest(client: ArgoClient, fake: FakeArgo) -> None:
    client.workflows.create({**HELLO, "metadata": {"name": "x", "namespace": "team"}})
    assert fake.requests[-1].url.path == "/api/v1/workflows/team"


def test_list_with_selectors_and_chunks(client: ArgoClient, fake: FakeArgo) -> None:
    for i in range(5):
        client.workflows.create(
            {**HELLO, "metadata": {"name": f"w{i}", "labels": {"team": "a" if i < 3 else "b"}}}
        )
    assert {w["metadata"]["name"] for w in client.workflows.list(label_selector="team=b")} == {"w3", "w4"}
    assert len(client.workflows.list(chunk_size=2)) == 5
    pages = [r for r in fake.requests if r.url.params.get("listOptions.limit") == "2"]
    assert len(pages) == 3 and pages[-1].url.params["listOptions.continue"] == "4"
    fake.finish("argo", "w0", "Failed")
    failed = client.workflows.list(label_selector="workflows.argoproj.io/phase in (Failed,Error)")
    assert [w["metadata"]["name"] for w in failed] == ["w0"]


def test_get_latest_and_not_found(client: ArgoClient, fake: FakeArgo) -> None:
    with pytest.raises(NotFound):
        client.workflows.get("@latest")
    client.workflows.create({**HELLO, "metadata": {"name": "old"}})
    fake.workflows[("argo", "old")]["metadata"]["creationTimestamp"] = "2020-01-01T00:00:00Z"
    client.workflows.create({**HELLO, "metadata": {"name": "new"}})
    assert client.workflows.get("@latest")["metadata"]["name"] == "new"
    with pytest.raises(NotFound, match="nope"):
        client.workflows.get("nope")


def test_actions_use_put_with_name_and_namespace(client: ArgoClient, fake: FakeArgo) -> None:
    client.workflows.create({**HELLO, "metadata": {"name": "w"}})
    client.workflows.suspend("w")
    assert (fake.requests[-1].method, fake.requests[-1].url.path) == (
        "PUT",
        "/api/v1/workflows/argo/w/suspend",
    )
    assert _body(fake) == {"name": "w", "namespace": "argo"}
    client.workflows.resume("w", node_field_selector="inputs.parameters.x.value=1")
    assert _body(fake)["nodeFieldSelector"] == "inputs.parameters.x.value=1"
    with pytest.raises(Conflict):
        client.workflows.resume("w")
    with pytest.raises(Conflict):
        client.workflows.retry("w")
    client.workflows.stop("w", message="enough")
    assert _body(fake) == {"name": "w", "namespace": "argo", "message": "enough"}
    assert fake.workflows[("argo", "w")]["status"]["phase"] == "Failed"
    retried = client.workflows.retry("w", restart_successful=True, node_field_selector="id=w-1")
    assert _body(fake)["restartSuccessful"] is True and retried["status"]["phase"] == "Running"
    new = client.workflows.resubmit("w", memoized=True)
    assert _body(fake)["memoized"] is True and new["metadata"]["name"].startswith("w-")
    client.workflows.terminate(new["metadata"]["name"])
    client.workflows.delete("w")
    assert fake.requests[-1].method == "DELETE"
    with pytest.raises(NotFound):
        client.workflows.get("w")


def test_submit_from_template(client: ArgoClient, fake: FakeArgo) -> None:
    client.templates.create({"metadata": {"name": "tmpl"}, "spec": HELLO["spec"]})
    opts = SubmitOptions(parameters={"msg": "yo"}, labels={"a": "b"}, entrypoint="main")
    wf = client.workflows.submit_from("WorkflowTemplate", "tmpl", opts)
    body = _body(fake)
    assert fake.requests[-1].url.path == "/api/v1/workflows/argo/submit"
    assert body["resourceKind"] == "WorkflowTemplate" and body["resourceName"] == "tmpl"
    assert body["submitOptions"] == {"entryPoint": "main", "parameters": ["msg=yo"], "labels": "a=b"}
    assert wf["spec"]["workflowTemplateRef"] == {"name": "tmpl"}
    with pytest.raises(NotFound):
        client.workflows.submit_from("WorkflowTemplate", "missing")


def test_apply_submit_options_like_argo() -> None:
    opts = SubmitOptions(
        generate_name="x-",
        entrypoint="other",
        parameters={"msg": "bye", "extra": "1"},
        labels={"l": "v"},
        service_account="sa",
    )
    wf = apply_submit_options(HELLO, opts)
    assert wf["metadata"] == {"generateName": "x-", "labels": {"l": "v"}}
    assert wf["spec"]["entrypoint"] == "other" and wf["spec"]["serviceAccountName"] == "sa"
    assert wf["spec"]["arguments"]["parameters"] == [
        {"name": "msg", "value": "bye"},
        {"name": "extra", "value": "1"},
    ]
    assert HELLO["spec"]["arguments"]["parameters"][0]["value"] == "hi"  # the input is not modified
    assert split_pairs(["a=1,b=2", "c=x=y"]) == {"a": "1", "b": "2", "c": "x=y"}
    with pytest.raises(SpecError):
        split_pairs(["novalue"])


def test_logs_stream_with_pod_filter_grep_and_tail(client: ArgoClient, fake: FakeArgo) -> None:
    client.workflows.create({**HELLO, "metadata": {"name": "w"}})
    fake.logs[("argo", "w")] = [("w-a-1", "one"), ("w-b-2", "two"), ("w-a-1", "three")]
    assert [(e.pod_name, e.content) for e in client.workflows.logs("w")] == [
        ("w-a-1", "one"),
        ("w-b-2", "two"),
        ("w-a-1", "three"),
    ]
    assert [e.content for e in client.workflows.logs("w", pod_name="w-a-1")] == ["one", "three"]
    assert [e.content for e in client.workflows.logs("w", grep="t")] == ["two", "three"]
    assert [e.content for e in client.workflows.logs("w", tail_lines=1)] == ["three"]
    params = fake.requests[-1].url.params
    assert params["logOptions.container"] == "main" and params["logOptions.tailLines"] == "1"


def test_watch_and_wait(client: ArgoClient, fake: FakeArgo) -> None:
    wf = client.workflows.create(HELLO)
    name = wf["metadata"]["name"]
    events = list(client.workflows.watch(name))
    assert [e.type for e in events] == ["ADDED", "MODIFIED"]
    assert fake.requests[-1].url.path == "/api/v1/workflow-events/argo"
    assert fake.requests[-1].url.params["listOptions.fieldSelector"] == f"metadata.name={name}"
    fake.outcomes["bad"] = "Failed"
    client.workflows.create({**HELLO, "metadata": {"name": "bad"}})
    seen: list[str] = []
    final = client.workflows.wait("bad", on_update=lambda w: seen.append(w["status"]["phase"]))
    assert final["status"]["phase"] == "Failed" and is_finished(final)
    assert seen[0] == "Running" and seen[-1] == "Failed"


def test_wait_returns_at_once_for_finished_workflow(client: ArgoClient, fake: FakeArgo) -> None:
    client.workflows.create({**HELLO, "metadata": {"name": "done"}})
    fake.finish("argo", "done")
    start = time.monotonic()
    assert client.workflows.wait("done")["status"]["phase"] == "Succeeded"
    assert time.monotonic() - start < 1
    assert not any(r.url.path.startswith("/api/v1/workflow-events") for r in fake.requests)


def test_lint_endpoint(client: ArgoClient) -> None:
    assert client.workflows.lint(HELLO)["spec"]
    with pytest.raises(SpecError, match="templates"):
        client.workflows.lint({"metadata": {"name": "x"}, "spec": {}})


def test_wait_polls_when_the_server_has_no_watch_route(fake: FakeArgo) -> None:
    import httpx

    gets = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal gets
        if request.url.path.startswith("/api/v1/workflow-events/"):
            return httpx.Response(404, json={"code": 5, "message": "Not Found"})
        if request.method == "GET" and request.url.path == "/api/v1/workflows/argo/w":
            gets += 1
            if gets == 2:
                fake.finish("argo", "w")
        return fake.handle(request)

    fake.add_workflow({"metadata": {"name": "w"}, "spec": {}}, "argo")
    with ArgoClient("http://fake", transport=httpx.MockTransport(handler)) as client:
        assert client.workflows.wait("w")["status"]["phase"] == "Succeeded"
    assert gets == 2


def test_wait_timeout(client: ArgoClient, fake: FakeArgo) -> None:
    client.workflows.create({**HELLO, "metadata": {"name": "stuck"}})
    client.workflows.suspend("stuck")  # the fake never finishes a suspended workflow
    with pytest.raises(TimeoutError, match="stuck"):
        client.workflows.wait("stuck", timeout=0.3)
