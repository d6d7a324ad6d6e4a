"""Argo Server's REST API as its e2e suite (``test/e2e/argo_server_test.go``) pins it: status codes, shapes,
list options (label and field selectors, ``nameFilter``, ``fields``) and the actions (suspend, resume,
terminate, resubmit, retry) — through Argento's server in-process on the fake executor (``_server.py``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.conformance.argo_facts._server import NS, api_fact, container, running_pod, wait_for, workflow

CAT = "server-api"
SRC = "test/e2e/argo_server_test.go"
ARCHIVE = "/api/v1/archived-workflows"
ARCHIVING = "workflows.argoproj.io/workflow-archiving-status"


def fact(test: str) -> pytest.MarkDecorator:
    return pytest.mark.fact(CAT, f"{SRC}:{test}")


def run_workflow(name: str = "run-workflow") -> dict[str, Any]:
    return workflow(name, [container("run-workflow", "echo", "hi")])


def uids(body: dict[str, Any]) -> list[str]:
    return sorted(i["metadata"]["uid"] for i in body.get("items") or [])


# --------------------------------------------------------------------------------- create, lint, dry run
@fact("TestLintWorkflow")
def test_lint_valid_workflow_is_200(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(f"{NS}/lint", json={"workflow": run_workflow("test")})
        assert r.status_code == 200, r.text

    api_fact(settings, body)


@fact("TestHintWhenWorkflowExists")
def test_create_existing_name_is_409_already_exists(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        assert (await c.post(NS, json={"workflow": run_workflow("hint")})).status_code == 200
        r = await c.post(NS, json={"workflow": run_workflow("hint")})
        assert r.status_code == 409
        assert "already exists" in r.text

    api_fact(settings, body)


@fact("TestCreateWorkflowDryRun")
def test_create_dry_run_has_no_uid(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"createOptions": {"dryRun": ["All"]}, "workflow": run_workflow("test")})
        assert r.status_code == 200, r.text
        assert "uid" not in r.json()["metadata"]
        assert (await c.get(f"{NS}/test")).status_code == 404

    api_fact(settings, body)


@fact("TestWorkflowService/Create")
def test_create_generates_name_and_uid(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": run_workflow("test-")})
        assert r.status_code == 200, r.text
        meta = r.json()["metadata"]
        assert meta["name"].startswith("test-") and len(meta["name"]) > len("test-")
        assert meta["uid"]

    api_fact(settings, body)


# ---------------------------------------------------------------------------------------- list and get
async def _sleeping(c: httpx.AsyncClient, label: str = "subject-1") -> tuple[str, str]:
    wf = workflow("test-", [container("run-workflow", "sleep", "10s")])
    wf["metadata"]["labels"] = {"workflows.argoproj.io/test": label}
    r = await c.post(NS, json={"workflow": wf})
    assert r.status_code == 200, r.text
    name, uid = r.json()["metadata"]["name"], r.json()["metadata"]["uid"]
    await wait_for(c, name, running_pod)
    return name, uid


@fact("TestWorkflowService/List")
def test_list_by_label_has_nodes(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await _sleeping(c)
        await _sleeping(c, "other")
        r = await c.get(NS, params={"listOptions.labelSelector": "workflows.argoproj.io/test=subject-1"})
        assert r.status_code == 200
        assert len(r.json()["items"]) == 1
        assert r.json()["items"][0]["status"]["nodes"]

    api_fact(settings, body)


@fact("TestWorkflowService/ListWithFields")
def test_list_with_excluding_fields(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await _sleeping(c)
        r = await c.get(
            NS,
            params={
                "listOptions.labelSelector": "workflows.argoproj.io/test=subject-1",
                "fields": "-items.status.nodes,items.status.finishedAt,items.status.startedAt",
            },
        )
        j = r.json()
        assert j["metadata"] is not None
        assert len(j["items"]) == 1
        status = j["items"][0]["status"]
        assert "phase" in status and "nodes" not in status

    api_fact(settings, body)


@fact("TestWorkflowService/Get")
def test_get_has_nodes_and_missing_is_404(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        r = await c.get(f"{NS}/{name}")
        assert r.status_code == 200 and r.json()["status"]["nodes"]
        assert (await c.get(f"{NS}/not-found")).status_code == 404

    api_fact(settings, body)


@fact("TestWorkflowService/GetByUid")
def test_get_with_uid(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, uid = await _sleeping(c)
        r = await c.get(f"{NS}/{name}", params={"uid": uid})
        assert r.status_code == 200 and r.json()["status"]["nodes"]

    api_fact(settings, body)


@fact("TestWorkflowService/GetWithFields")
def test_get_with_fields(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        status = (await c.get(f"{NS}/{name}", params={"fields": "status.phase"})).json()["status"]
        assert "phase" in status and "nodes" not in status

    api_fact(settings, body)


# --------------------------------------------------------------------------------------------- actions
@fact("TestWorkflowService/Suspend+Resume")
def test_suspend_sets_spec_suspend_and_resume_removes_it(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        assert (await c.put(f"{NS}/{name}/suspend")).status_code == 200
        assert (await c.get(f"{NS}/{name}")).json()["spec"]["suspend"] is True
        assert (await c.put(f"{NS}/{name}/resume")).status_code == 200
        assert "suspend" not in (await c.get(f"{NS}/{name}")).json()["spec"]

    api_fact(settings, body)


@fact("TestWorkflowService/Terminate")
def test_terminate_message(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        assert (await c.put(f"{NS}/{name}/terminate")).status_code == 200
        wf = await wait_for(c, name)
        assert wf["status"]["message"] == "Stopped with strategy 'Terminate'"

    api_fact(settings, body)


@fact("TestWorkflowService/Resubmit")
def test_resubmit_memoized_returns_new_workflow(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        await c.put(f"{NS}/{name}/terminate")
        await wait_for(c, name)
        r = await c.put(f"{NS}/{name}/resubmit", json={"memoized": True})
        assert r.status_code == 200, r.text
        assert r.json()["metadata"]["name"] and r.json()["metadata"]["name"] != name

    api_fact(settings, body)


@fact("TestWorkflowService/Delete")
def test_delete_then_missing_is_404(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        assert (await c.delete(f"{NS}/{name}")).status_code == 200
        assert (await c.delete(f"{NS}/not-found")).status_code == 404

    api_fact(settings, body)


@fact("TestRetryStoppedButIncompleteWorkflow")
def test_retry_of_stopped_workflow(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        name, _ = await _sleeping(c)
        assert (await c.put(f"{NS}/{name}/stop")).status_code == 200
        assert (await wait_for(c, name))["status"]["phase"] == "Failed"
        r = await c.put(f"{NS}/{name}/retry")
        assert r.status_code == 200, r.text
        assert r.json()["metadata"]["name"] == name

    api_fact(settings, body)


# ---------------------------------------------------------------------------------------- name filters
async def _alice_and_bob(c: httpx.AsyncClient) -> dict[str, str]:
    out = {}
    for name in ("test-alice-x1", "test-bob-x2"):
        wf = run_workflow(name)
        wf["metadata"]["labels"] = {"workflows.argoproj.io/test": "subject-1"}
        r = await c.post(NS, json={"workflow": wf})
        out[name.split("-")[1]] = r.json()["metadata"]["uid"]
        await wait_for(c, name)
    return out


NAME_FILTERS = [
    ("ListNameContainsAlice", "metadata.name=alice", "Contains", ["alice"]),
    ("ListNameContainsNoMatch", "metadata.name=void", "Contains", []),
    ("ListNamePrefixBob", "metadata.name=test-bob", "Prefix", ["bob"]),
    ("ListNamePrefixBobNoMatch", "metadata.name=bob", "Prefix", []),
    ("ListNameExactAlice", "metadata.name=test-alice-x1", "Exact", ["alice"]),
    ("ListNameExactAliceNoMatch", "metadata.name=test-alice", "Exact", []),
    ("ListNameDefaultExactBob", "metadata.name=test-bob-x2", "", ["bob"]),
    ("ListNameDoubleEqualsBob", "metadata.name==test-bob-x2", "", ["bob"]),
    ("ListNameContainsTest", "metadata.name=test", "Contains", ["alice", "bob"]),
    ("ListNameNotEqualsAlice", "metadata.name!=test-alice-x1", "NotEquals", ["bob"]),
    ("ListNameNotEqualsNoMatch", "metadata.name!=nomatch", "NotEquals", ["alice", "bob"]),
    ("ListNameNotEqualsPrecedence", "metadata.name!=test-alice-x1", "Contains", ["bob"]),
]


@pytest.mark.parametrize(
    ("selector", "name_filter", "want"),
    [
        pytest.param(s, f, w, id=t, marks=pytest.mark.fact(CAT, f"{SRC}:TestWorkflowServiceListArchived/{t}"))
        for t, s, f, w in NAME_FILTERS
    ],
)
def test_list_name_filter(settings, selector: str, name_filter: str, want: list[str]) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        uid = await _alice_and_bob(c)
        params = {"listOptions.fieldSelector": selector}
        if name_filter:
            params["nameFilter"] = name_filter
        for path in (NS, ARCHIVE):
            r = await c.get(path, params=params)
            assert r.status_code == 200, r.text
            assert uids(r.json()) == sorted(uid[w] for w in want), path
            if not want:  # Argo writes null (a nil Go slice); Argento [] (docs/conformance.md: deliberately)
                assert not r.json().get("items"), path

    api_fact(settings, body)


# ------------------------------------------------------------------------------------ archived workflows
async def _archived_trio(c: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    out = {}
    for prefix, foo, args in (("archie-", "1", ["echo", "hello \\u0001F44D"]), ("jughead-", "3", ["exit", "1"]),
                              ("betty-", "2", ["echo"])):
        wf = workflow(prefix, [container("run", *args)])
        wf["metadata"]["labels"] = {"foo": foo, "workflows.argoproj.io/test": "true"}
        r = await c.post(NS, json={"workflow": wf})
        out[prefix.rstrip("-")] = await wait_for(c, r.json()["metadata"]["name"])
    return out


@fact("TestArchivedWorkflowService/ListWithoutListOptions (empty; Argo's null is [] here, deliberately)")
def test_archive_list_empty(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.get(ARCHIVE)
        assert r.status_code == 200 and not r.json().get("items")

    api_fact(settings, body)


LABEL_SELECTORS = [
    ("ListDoesNotExist", "!foo", 0),
    ("ListEquals", "foo=1", 1),
    ("ListDoubleEquals", "foo==1", 1),
    ("ListIn", "foo in (1)", 1),
    ("ListNotEquals", "foo!=1", 2),
    ("ListNotIn", "foo notin (1)", 2),
    ("ListExists", "foo", 3),
    ("ListGreaterThan0", "foo>0", 3),
    ("ListGreaterThan1", "foo>1", 2),
    ("ListLessThan1", "foo<1", 0),
    ("ListLessThan2", "foo<2", 1),
]


@pytest.mark.parametrize(
    ("selector", "want"),
    [
        pytest.param(s, n, id=t, marks=pytest.mark.fact(CAT, f"{SRC}:TestArchivedWorkflowService/{t}"))
        for t, s, n in LABEL_SELECTORS
    ],
)
def test_archive_label_selectors(settings, selector: str, want: int) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await _archived_trio(c)
        for path in (ARCHIVE, NS):
            r = await c.get(
                path,
                params={
                    "listOptions.fieldSelector": "metadata.namespace=argo",
                    "listOptions.labelSelector": "workflows.argoproj.io/test," + selector,
                },
            )
            assert r.status_code == 200, r.text
            assert len(r.json().get("items") or []) == want, path

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/ListWithLimitAndOffset (continue is the next offset)")
def test_archive_limit_and_continue(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await _archived_trio(c)
        r = await c.get(ARCHIVE, params={"listOptions.labelSelector": "workflows.argoproj.io/test",
                                         "listOptions.limit": 1})
        assert len(r.json()["items"]) == 1
        assert r.json()["metadata"]["continue"] == "1"
        r = await c.get(ARCHIVE, params={"listOptions.labelSelector": "workflows.argoproj.io/test",
                                         "listOptions.limit": 1, "listOptions.continue": "1"})
        assert len(r.json()["items"]) == 1 and r.json()["metadata"]["continue"] == "2"

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/ListWithMinStartedAtGood+Bad (spec.startedAt> and <)")
def test_archive_started_at_field_selectors(settings) -> None:
    from datetime import UTC, datetime, timedelta

    def at(hours: int) -> str:
        return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")

    async def body(c: httpx.AsyncClient) -> None:
        await _archived_trio(c)
        good = f"metadata.namespace=argo,spec.startedAt>{at(-1)},spec.startedAt<{at(1)}"
        r = await c.get(ARCHIVE, params={"listOptions.labelSelector": "workflows.argoproj.io/test",
                                         "listOptions.fieldSelector": good, "listOptions.limit": 2})
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == 2
        bad = f"metadata.namespace=argo,spec.startedAt>{at(1)}"
        r = await c.get(ARCHIVE, params={"listOptions.labelSelector": "workflows.argoproj.io/test",
                                         "listOptions.fieldSelector": bad, "listOptions.limit": 2})
        assert r.status_code == 200 and not r.json().get("items")

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/Get (archiving-status labels, unicode escape kept)")
def test_archive_get(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        archie = (await _archived_trio(c))["archie"]
        assert (await c.get(f"{ARCHIVE}/not-found")).status_code == 404
        j = (await c.get(f"{ARCHIVE}/{archie['metadata']['uid']}")).json()
        assert j["metadata"]["name"] == archie["metadata"]["name"]
        assert j["spec"]["templates"][0]["container"]["args"][1] == "hello \\u0001F44D"
        assert j["metadata"]["labels"][ARCHIVING] == "Persisted"
        live = (await c.get(f"{NS}/{archie['metadata']['name']}")).json()
        assert live["metadata"]["labels"][ARCHIVING] == "Archived"

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/DeleteForRetry+Retry")
def test_archive_retry_then_409(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        failed = (await _archived_trio(c))["jughead"]
        assert failed["status"]["phase"] == "Failed"
        assert (await c.delete(f"{NS}/{failed['metadata']['name']}")).status_code == 200
        path = f"{ARCHIVE}/{failed['metadata']['uid']}/retry"
        r = await c.put(path, json={"namespace": "argo"})
        assert r.status_code == 200, r.text
        assert r.json()["metadata"]["name"] == failed["metadata"]["name"]
        assert (await c.put(path, json={"namespace": "argo"})).status_code == 409

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/Resubmit+Delete")
def test_archive_resubmit_and_delete(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        uid = (await _archived_trio(c))["archie"]["metadata"]["uid"]
        r = await c.put(f"{ARCHIVE}/{uid}/resubmit", json={"namespace": "argo", "memoized": False})
        assert r.status_code == 200 and r.json()["metadata"]["name"]
        assert (await c.delete(f"{ARCHIVE}/{uid}")).status_code == 200
        assert (await c.delete(f"{ARCHIVE}/{uid}")).status_code == 404

    api_fact(settings, body)


@fact("TestArchivedWorkflowService/ListLabelKeys+ListLabelValues")
def test_archive_label_keys_and_values(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await _archived_trio(c)
        keys = (await c.get("/api/v1/archived-workflows-label-keys")).json()["items"]
        assert len(keys) > 0
        r = await c.get(
            "/api/v1/archived-workflows-label-values",
            params={"listOptions.labelSelector": "workflows.argoproj.io/test"},
        )
        assert len(r.json()["items"]) == 1

    api_fact(settings, body)


# --------------------------------------------------------------------------------------- cron workflows
CRON = "/api/v1/cron-workflows/argo"


def cron(name: str, label: str, schedule: str = "* * * * *") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"workflows.argoproj.io/test": label}},
        "spec": {
            "schedules": [schedule],
            "workflowSpec": {"entrypoint": "whalesay", "templates": [container("whalesay")]},
        },
    }


@fact("TestCronWorkflowService (Create, Suspend, Resume, List, Get, Update, Delete)")
def test_cron_workflow_service(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        assert (await c.post(CRON, json={"cronWorkflow": cron("test", "subject-2")})).status_code == 200
        r = await c.put(f"{CRON}/test/suspend")
        assert r.status_code == 200 and r.json()["spec"]["suspend"] is True
        r = await c.put(f"{CRON}/test/resume")
        assert r.status_code == 200 and "suspend" not in r.json()["spec"]
        assert (await c.post(CRON, json={"cronWorkflow": cron("test-cron-wf-basic", "true")})).status_code == 200
        r = await c.get(CRON, params={"listOptions.labelSelector": "workflows.argoproj.io/test=subject-2"})
        assert len(r.json()["items"]) == 1
        assert (await c.get(f"{CRON}/not-found")).status_code == 404
        version = (await c.get(f"{CRON}/test")).json()["metadata"]["resourceVersion"]
        assert version
        update = cron("test", "true", "1 * * * *")
        update["metadata"]["resourceVersion"] = version
        r = await c.put(f"{CRON}/test", json={"cronWorkflow": update})
        assert r.status_code == 200, r.text
        assert r.json()["spec"]["schedules"][0] == "1 * * * *"
        assert (await c.delete(f"{CRON}/test")).status_code == 200

    api_fact(settings, body)


# ----------------------------------------------------------------------------------- workflow templates
WFT = "/api/v1/workflow-templates/argo"


def template(name: str, label: str) -> dict[str, Any]:
    run = container("run-workflow")
    run["container"]["name"] = ""
    run["container"]["imagePullPolicy"] = "IfNotPresent"
    return {
        "metadata": {"name": name, "labels": {"workflows.argoproj.io/test": label}},
        "spec": {"templates": [run], "entrypoint": "run-workflow"},
    }


@fact("TestWorkflowTemplateService (Lint, Create, List, Get, Update, Delete)")
def test_workflow_template_service(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        assert (await c.post(f"{WFT}/lint", json={"template": template("test", "true")})).status_code == 200
        assert (await c.post(WFT, json={"template": template("test", "subject-3")})).status_code == 200
        assert (await c.post(WFT, json={"template": template("other", "true")})).status_code == 200
        r = await c.get(WFT, params={"listOptions.labelSelector": "workflows.argoproj.io/test=subject-3"})
        assert len(r.json()["items"]) == 1
        assert (await c.get(f"{WFT}/not-found")).status_code == 404
        version = (await c.get(f"{WFT}/test")).json()["metadata"]["resourceVersion"]
        update = template("test", "true")
        update["metadata"]["resourceVersion"] = version
        r = await c.put(f"{WFT}/test", json={"template": update})
        assert r.status_code == 200, r.text
        assert r.json()["spec"]["templates"][0]["container"]["image"] == "argoproj/argosay:v2"
        assert (await c.delete(f"{WFT}/test")).status_code == 200

    api_fact(settings, body)


@pytest.mark.parametrize(
    ("kind", "create"),
    [
        pytest.param("WorkflowTemplate", WFT, id="WorkflowTemplate",
                     marks=pytest.mark.fact(CAT, f"{SRC}:TestSubmitWorkflowFromResource/SubmitWFT")),
        pytest.param("cronworkflow", CRON, id="cronworkflow",
                     marks=pytest.mark.fact(CAT, f"{SRC}:TestSubmitWorkflowFromResource (kind 'cronworkflow')")),
        pytest.param("ClusterWorkflowTemplate", "/api/v1/cluster-workflow-templates", id="ClusterWorkflowTemplate",
                     marks=pytest.mark.fact(CAT, f"{SRC}:TestSubmitWorkflowFromResource/SubmitCWFT")),
    ],
)
def test_submit_from_resource(settings, kind: str, create: str) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        if create == CRON:
            r = await c.post(CRON, json={"cronWorkflow": cron("test", "subject-5")})
        else:
            r = await c.post(create, json={"template": template("test", "subject-4")})
        assert r.status_code == 200, r.text
        r = await c.post(
            f"{NS}/submit",
            json={"resourceKind": kind, "resourceName": "test",
                  "submitOptions": {"labels": "workflows.argoproj.io/test=true"}},
        )
        assert r.status_code == 200, r.text
        assert r.json()["metadata"]["labels"]["workflows.argoproj.io/test"] == "true"

    api_fact(settings, body)


# ------------------------------------------------------------------------------------ info and version
@fact("TestVersion")
def test_version(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.get("/api/v1/version")
        assert r.status_code == 200 and r.json()["version"]
        assert r.headers["grpc-metadata-argo-version"]

    api_fact(settings, body)


# ----------------------------------------------------------------------- parameters of resubmit and retry
OPERATOR = "workflow/controller/operator_test.go"


def failing_with_message(name: str) -> dict[str, Any]:
    resource = workflow(name, [container("main", "exit", "1")])
    resource["spec"]["arguments"] = {"parameters": [{"name": "message", "value": "default"}]}
    return resource


@pytest.mark.fact(CAT, f"{OPERATOR}:TestResubmitParamsOverride (util.FormulateResubmitWorkflow)")
def test_resubmit_overrides_parameters(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await c.post(NS, json={"workflow": failing_with_message("my-wf")})
        assert (await wait_for(c, "my-wf"))["status"]["phase"] == "Failed"
        r = await c.put(f"{NS}/my-wf/resubmit", json={"memoized": True, "parameters": ["message=modified"]})
        assert r.status_code == 200, r.text
        assert r.json()["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "modified"}]

    api_fact(settings, body)


@pytest.mark.fact(CAT, f"{OPERATOR}:TestRetryParamsOverride (util.FormulateRetryWorkflow)")
def test_retry_overrides_parameters(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        await c.post(NS, json={"workflow": failing_with_message("my-wf")})
        assert (await wait_for(c, "my-wf"))["status"]["phase"] == "Failed"
        r = await c.put(f"{NS}/my-wf/retry", json={"parameters": ["message=modified"]})
        assert r.status_code == 200, r.text
        assert r.json()["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "modified"}]

    api_fact(settings, body)


@pytest.mark.fact(CAT, "workflow/util/util.go:FormulateRetryWorkflow (getNodeIDsToReset, resetPath)")
def test_retry_restart_successful_reruns_everything_under_a_matched_node(settings) -> None:
    """With ``restartSuccessful``, a node the selector matches is deleted with every descendant (``resetPath``
    → ``getChildren``), whatever its type: matching a Steps node runs its succeeded pods again; the nodes
    outside it are kept."""
    import asyncio

    from tests.conformance.argo_facts._server import argosay, serve

    from argento.executors.fake import FakeExecutor

    starts: list[str] = []

    async def counting(pod: Any) -> Any:
        starts.append(pod.template)
        return await argosay(pod)

    def _step(name: str, template: str) -> dict[str, str]:
        return {"name": name, "template": template}

    ok = {"name": "ok", "container": {"image": "argoproj/argosay:v2", "args": ["echo", "hi"]}}
    resource = workflow(
        "restart",
        [
            {"name": "main", "steps": [[_step("outer1", "ok")], [_step("outer2", "inner")]]},
            {"name": "inner", "steps": [[_step("inner1", "ok2")], [_step("inner2", "fail")]]},
            ok,
            {**ok, "name": "ok2"},
            container("fail", "exit", "1"),
        ],
    )

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(counting)) as c:
            assert (await c.post(NS, json={"workflow": resource})).status_code == 200
            assert (await wait_for(c, "restart"))["status"]["phase"] == "Failed"
            assert starts == ["ok", "ok2", "fail"]
            body = {"restartSuccessful": True, "nodeFieldSelector": "templateName=inner"}
            r = await c.put(f"{NS}/restart/retry", json=body)
            assert r.status_code == 200, r.text
            await wait_for(c, "restart", lambda w: w["status"].get("phase") == "Failed" and len(starts) == 5)
            assert starts[3:] == ["ok2", "fail"]  # the matched Steps node's pods ran again, outer1 did not

    asyncio.run(go())


@pytest.mark.fact(CAT, "workflow/util/util.go:updateSuspendedNode")
def test_resume_or_stop_by_a_selector_that_reaches_no_suspend_node_is_refused(settings) -> None:
    """Resume (and stop, and set) by ``nodeFieldSelector`` act on active suspend nodes only; when the selector
    reaches none, Argo answers "currently, set only targets suspend nodes: no suspend nodes matching
    nodeFieldSelector: …" and changes nothing (here a 409: a request, not the server, is at fault)."""
    resource = workflow(
        "sel",
        [
            {"name": "main", "steps": [[{"name": "wait", "template": "approve"}]]},
            {"name": "approve", "suspend": {}},
        ],
    )

    def suspended(w: dict[str, Any]) -> bool:
        nodes = w["status"].get("nodes") or {}
        return any(n["type"] == "Suspend" and n["phase"] == "Running" for n in nodes.values())

    async def body(c: httpx.AsyncClient) -> None:
        assert (await c.post(NS, json={"workflow": resource})).status_code == 200
        await wait_for(c, "sel", suspended)
        for action, extra in (("resume", {}), ("stop", {"message": "no"})):
            r = await c.put(f"{NS}/sel/{action}", json={"nodeFieldSelector": "displayName=nothing", **extra})
            assert r.status_code == 409, r.text
            assert r.json()["message"] == (
                "currently, set only targets suspend nodes: no suspend nodes matching nodeFieldSelector: "
                "displayName=nothing"
            )
        assert suspended(await wait_for(c, "sel", suspended))  # nothing changed
        r = await c.put(f"{NS}/sel/resume", json={"nodeFieldSelector": "displayName=wait"})
        assert r.status_code == 200, r.text
        assert (await wait_for(c, "sel"))["status"]["phase"] == "Succeeded"

    api_fact(settings, body)
