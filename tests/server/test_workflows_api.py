"""WorkflowService over the in-process app, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from serverconf import hello, serve, wait_phase

from argento.config import Settings

NS = "/api/v1/workflows/argo"


def test_create_is_running_at_once_then_succeeds(db_settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(db_settings) as (client, _):
            r = await client.post(NS, json={"workflow": hello()})
            assert r.status_code == 200, r.text
            wf = r.json()
            name = wf["metadata"]["name"]
            assert name.startswith("hello-") and len(name) == len("hello-") + 5
            assert wf["status"]["phase"] == "Running"
            assert wf["metadata"]["uid"] and wf["metadata"]["resourceVersion"]
            assert r.headers["grpc-metadata-argo-version"].startswith("v3")
            first = (await client.get(f"{NS}/{name}")).json()
            assert first["status"]["phase"] == "Running"
            done = await wait_phase(client, name)
            assert done["status"]["phase"] == "Succeeded"
            assert done["status"]["progress"] == "1/1"
            assert done["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
            root = done["status"]["nodes"][name]
            assert root["type"] == "Pod" and root["outputs"]["exitCode"] == "0"

    run(go())


def test_list_selectors_fields_and_paging(db_settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(db_settings) as (client, _):
            for i in range(3):
                body = {"workflow": hello(f"w{i}", labels={"team": "a" if i < 2 else "b"})}
                assert (await client.post(NS, json=body)).status_code == 200
            for i in range(3):
                await wait_phase(client, f"w{i}")
            r = await client.get(NS, params={"listOptions.labelSelector": "team=a"})
            assert sorted(i["metadata"]["name"] for i in r.json()["items"]) == ["w0", "w1"]
            r = await client.get(
                NS,
                params={
                    "listOptions.fieldSelector": "metadata.name=w2",
                    "fields": "items.metadata.name,items.status.phase",
                },
            )
            # Masked-away structs stay as {} (Argo re-marshals through its Go types; clients need them).
            assert r.json() == {
                "metadata": {},
                "items": [{"metadata": {"name": "w2"}, "spec": {}, "status": {"phase": "Succeeded"}}],
            }
            r = await client.get(NS, params={"fields": "-items.status.nodes"})
            assert all("nodes" not in i["status"] for i in r.json()["items"])
            r = await client.get(
                NS, params={"listOptions.labelSelector": "workflows.argoproj.io/phase in (Succeeded)"}
            )
            assert len(r.json()["items"]) == 3
            page = (await client.get(NS, params={"listOptions.limit": "2"})).json()
            assert len(page["items"]) == 2 and page["metadata"]["continue"]
            rest = (
                await client.get(
                    NS,
                    params={"listOptions.limit": "2", "listOptions.continue": page["metadata"]["continue"]},
                )
            ).json()
            assert len(rest["items"]) == 1 and "continue" not in rest["metadata"]
            bad = await client.get(NS, params={"listOptions.labelSelector": "a in b"})
            assert bad.status_code == 400 and "labelSelector" in bad.json()["message"]
            assert bad.json()["code"] == 3

    run(go())


def test_errors_have_argo_shape(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            r = await client.get(f"{NS}/missing")
            assert r.status_code == 404
            assert r.json() == {"code": 5, "message": 'workflows.argoproj.io "missing" not found'}
            r = await client.post(NS, content=b"{not json", headers={"content-type": "application/json"})
            assert r.status_code == 400 and "not valid JSON" in r.json()["message"]
            r = await client.post(
                NS, json={"workflow": {"metadata": {"name": "x"}, "spec": {"entrypoint": 3}}}
            )
            assert r.status_code == 400 and "workflow.spec.entrypoint" in r.json()["message"]
            r = await client.post(NS, json={"workflow": hello("dup")})
            assert r.status_code == 200
            r = await client.post(NS, json={"workflow": hello("dup")})
            assert r.status_code == 409 and r.json()["code"] == 6
            r = await client.post(
                NS, json={"workflow": {**hello("x"), "spec": {"entrypoint": "nope", "templates": []}}}
            )
            assert r.status_code == 400, r.text
            r = await client.delete("/api/v1/info")
            assert r.status_code == 405 and r.json()["code"] == 12
            r = await client.get("/api/v1/nothing-here")
            assert r.status_code == 404 and r.json()["code"] == 5

    run(go())


def test_dry_run_lint_delete(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            r = await client.post(NS, json={"workflow": hello("dry"), "serverDryRun": True})
            assert r.status_code == 200 and r.json()["metadata"]["name"] == "dry"
            assert (await client.get(f"{NS}/dry")).status_code == 404
            r = await client.post(f"{NS}/lint", json={"workflow": hello("lint")})
            assert r.status_code == 200 and r.json()["metadata"]["name"] == "lint"
            bad = hello("lint2")
            bad["spec"]["templates"][0]["container"]["args"] = ["{{inputs.parameters.nope}}"]
            r = await client.post(f"{NS}/lint", json={"workflow": bad})
            assert r.status_code == 400 and "workflow.spec.templates" in r.json()["message"]
            await client.post(NS, json={"workflow": hello("gone")})
            await wait_phase(client, "gone")
            assert (await client.delete(f"{NS}/gone")).json() == {}
            assert (await client.get(f"{NS}/gone")).status_code == 404
            uid_list = (await client.get("/api/v1/archived-workflows")).json()["items"]
            assert [w["metadata"]["name"] for w in uid_list] == ["gone"]

    run(go())


def test_submit_from_template_and_template_crud(db_settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(db_settings) as (client, _):
            tmpl = hello("greet")
            tmpl["kind"] = "WorkflowTemplate"
            tmpl["spec"]["arguments"] = {"parameters": [{"name": "msg", "value": "x"}]}
            tmpl["spec"]["templates"][0]["container"]["args"] = ["echo {{workflow.parameters.msg}}"]
            r = await client.post("/api/v1/workflow-templates/argo", json={"template": tmpl})
            assert r.status_code == 200, r.text
            got = (await client.get("/api/v1/workflow-templates/argo/greet")).json()
            assert got["metadata"]["resourceVersion"]
            r = await client.post(
                f"{NS}/submit",
                json={
                    "resourceKind": "WorkflowTemplate",
                    "resourceName": "greet",
                    "submitOptions": {"parameters": ["msg=hey"], "labels": "x=y"},
                },
            )
            assert r.status_code == 200, r.text
            wf = r.json()
            assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-template"] == "greet"
            assert wf["metadata"]["labels"]["x"] == "y"
            done = await wait_phase(client, wf["metadata"]["name"])
            assert done["status"]["phase"] == "Succeeded"
            node = done["status"]["nodes"][wf["metadata"]["name"]]
            assert node["outputs"]["exitCode"] == "0"
            # update with a stale resourceVersion → 409; with the current one → ok
            got["spec"]["entrypoint"] = "main"
            stale = {**got, "metadata": {**got["metadata"], "resourceVersion": "999999"}}
            r = await client.put("/api/v1/workflow-templates/argo/greet", json={"template": stale})
            assert r.status_code == 409
            r = await client.put("/api/v1/workflow-templates/argo/greet", json={"template": got})
            assert r.status_code == 200, r.text
            names = [
                t["metadata"]["name"]
                for t in (await client.get("/api/v1/workflow-templates/argo")).json()["items"]
            ]
            assert names == ["greet"]
            r = await client.post(
                f"{NS}/submit", json={"resourceKind": "WorkflowTemplate", "resourceName": "nope"}
            )
            assert r.status_code == 404
            assert (await client.delete("/api/v1/workflow-templates/argo/greet")).status_code == 200
            ctmpl = {**tmpl, "kind": "ClusterWorkflowTemplate", "metadata": {"name": "cgreet"}}
            r = await client.post("/api/v1/cluster-workflow-templates", json={"template": ctmpl})
            assert r.status_code == 200, r.text
            r = await client.post(
                NS,
                json={
                    "workflow": {
                        "metadata": {"generateName": "c-"},
                        "spec": {"workflowTemplateRef": {"name": "cgreet", "clusterScope": True}},
                    }
                },
            )
            assert r.status_code == 200, r.text
            assert (await wait_phase(client, r.json()["metadata"]["name"]))["status"]["phase"] == "Succeeded"

    run(go())


def test_stop_terminate_suspend_resume(settings: Settings, run: Any) -> None:
    async def go() -> None:
        from argento.executors.base import StepResult
        from argento.executors.fake import FakeExecutor

        gate = asyncio.Event()

        async def slow(pod: Any) -> StepResult:
            await gate.wait()
            return StepResult(exit_code=0)

        async with serve(settings, executor=FakeExecutor(slow)) as (client, _):
            await client.post(NS, json={"workflow": hello("t", steps=3)})
            r = await client.put(f"{NS}/t/terminate", json={})
            assert r.status_code == 200 and r.json()["spec"]["shutdown"] == "Terminate"
            wf = await wait_phase(client, "t")
            assert wf["status"]["phase"] == "Failed"
            assert (await client.put(f"{NS}/t/stop", json={})).status_code == 409

            await client.post(NS, json={"workflow": hello("s", steps=2)})
            assert (await client.put(f"{NS}/s/suspend")).json()["spec"]["suspend"] is True
            gate.set()
            await asyncio.sleep(0.2)
            wf = (await client.get(f"{NS}/s")).json()
            assert wf["status"]["phase"] == "Running"
            pending = [
                n for n in wf["status"]["nodes"].values() if n["type"] == "Pod" and n["phase"] == "Pending"
            ]
            assert len(pending) == 1  # the second step waits for resume
            assert "suspend" not in (await client.put(f"{NS}/s/resume", json={})).json()["spec"]
            assert (await wait_phase(client, "s"))["status"]["phase"] == "Succeeded"

    run(go())


def test_retry_and_resubmit(settings: Settings, run: Any) -> None:
    calls: list[str] = []

    async def go() -> None:
        from argento.executors.base import StepResult
        from argento.executors.fake import FakeExecutor

        fail = {"on": True}

        def script(pod: Any) -> StepResult:
            calls.append(pod.node_id)
            if fail["on"] and len(calls) == 2:
                return StepResult(exit_code=1, message="Error (exit code 1)")
            return StepResult(exit_code=0)

        async with serve(settings, executor=FakeExecutor(script)) as (client, _):
            await client.post(NS, json={"workflow": hello("r", steps=3)})
            wf = await wait_phase(client, "r")
            assert wf["status"]["phase"] == "Failed" and len(calls) == 2
            assert (await client.put(f"{NS}/r/resubmit", json={"memoized": True})).status_code == 200
            r = await client.put(f"{NS}/r/retry", json={})
            assert r.status_code == 200, r.text
            assert r.json()["status"]["phase"] == "Running"
            wf = await wait_phase(client, "r")
            assert wf["status"]["phase"] == "Succeeded", wf["status"]
            assert calls.count(calls[0]) == 1  # the first step was not run again
            assert (await client.put(f"{NS}/r/retry", json={})).status_code == 409

    run(go())


def test_resubmit_memoized_keeps_succeeded_steps(settings: Settings, run: Any) -> None:
    async def go() -> None:
        from argento.executors.base import StepResult
        from argento.executors.fake import FakeExecutor

        seen: list[str] = []

        def script(pod: Any) -> StepResult:
            seen.append(pod.workflow)
            return StepResult(exit_code=1 if pod.workflow == "m" and len(seen) == 2 else 0)

        async with serve(settings, executor=FakeExecutor(script)) as (client, _):
            await client.post(NS, json={"workflow": hello("m", steps=3)})
            assert (await wait_phase(client, "m"))["status"]["phase"] == "Failed"
            r = await client.put(f"{NS}/m/resubmit", json={"memoized": True})
            assert r.status_code == 200, r.text
            new = r.json()["metadata"]["name"]
            assert new.startswith("m-")
            assert r.json()["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "m"
            assert (await wait_phase(client, new))["status"]["phase"] == "Succeeded"
            assert seen.count(new) == 2  # step 0 was carried over, steps 1 and 2 ran

    run(go())


def test_a_handler_bug_is_logged_and_answered_500_in_argo_shape(
    settings: Settings, run: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from argento.server.routes import info

    def broken() -> dict[str, str]:
        raise RuntimeError("a bug with a secret detail")

    monkeypatch.setattr(info, "version_info", broken)

    async def go() -> None:
        async with serve(settings) as (client, _):
            r = await client.get("/api/v1/version")
            assert r.status_code == 500 and r.json() == {"code": 13, "message": "internal error"}

    with caplog.at_level(logging.ERROR):
        run(go())
    (record,) = [r for r in caplog.records if "internal error in GET /api/v1/version" in r.getMessage()]
    assert record.exc_info is not None and "a secret detail" in str(record.exc_info[1])


def test_set_finishes_suspend_nodes_with_a_phase_or_outputs(settings: Settings, run: Any) -> None:
    """Argo's ``set`` (``argo node set``): a suspend node ends Failed with the message, or Succeeded with the
    supplied output parameters; nodes that are not suspended are left alone."""
    workflow = {
        "metadata": {"name": "gate"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "approve", "template": "wait"}],
                        [{"name": "deny", "template": "wait"}],
                    ],
                },
                {
                    "name": "wait",
                    "suspend": {},
                    "outputs": {"parameters": [{"name": "ok", "valueFrom": {"supplied": {}}}]},
                },
            ],
        },
    }

    async def go() -> None:
        async with serve(settings) as (client, _):
            await client.post(NS, json={"workflow": workflow})

            async def suspended(display: str) -> bool:
                nodes = (await client.get(f"{NS}/gate")).json()["status"].get("nodes") or {}
                return any(n["displayName"] == display and n["phase"] == "Running" for n in nodes.values())

            for _ in range(100):
                if await suspended("approve"):
                    break
                await asyncio.sleep(0.05)
            r = await client.put(
                f"{NS}/gate/set",
                json={"nodeFieldSelector": "displayName=approve", "outputParameters": '{"ok": "yes"}'},
            )
            assert r.status_code == 200
            for _ in range(100):
                if await suspended("deny"):
                    break
                await asyncio.sleep(0.05)
            r = await client.put(
                f"{NS}/gate/set",
                json={"nodeFieldSelector": "displayName=deny", "phase": "Failed", "message": "no"},
            )
            assert r.status_code == 200
            wf = await wait_phase(client, "gate")
            nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
            assert nodes["approve"]["phase"] == "Succeeded"
            assert nodes["approve"]["outputs"]["parameters"][0]["value"] == "yes"
            assert (nodes["deny"]["phase"], nodes["deny"]["message"]) == ("Failed", "no")
            assert wf["status"]["phase"] == "Failed"

    run(go())


ARCHIVE = "/api/v1/archived-workflows"


def test_archive_by_name_retry_of_live_and_label_values(settings: Settings, run: Any) -> None:
    # server/workflowarchive/archived_workflow_server.go: a request naming the workflow (name + namespace)
    # picks it over the path's uid; RetryArchivedWorkflow refuses one still live (AlreadyExists);
    # ListArchivedWorkflowLabelValues wants exactly one exists requirement.
    async def go() -> None:
        async with serve(settings) as (client, _):
            await client.post(NS, json={"workflow": hello("arch", cmd="exit 1", labels={"team": "a"})})
            done = await wait_phase(client, "arch")
            uid = done["metadata"]["uid"]
            r = await client.put(f"{ARCHIVE}/{uid}/retry", json={"namespace": "argo"})
            assert r.status_code == 409
            assert "Workflow already exists on cluster, use argo retry arch instead" in r.json()["message"]
            r = await client.put(f"{ARCHIVE}/-/resubmit", json={"name": "arch"})
            assert r.status_code == 400 and "namespace" in r.json()["message"]
            r = await client.put(f"{ARCHIVE}/-/resubmit", json={"name": "arch", "namespace": "argo"})
            assert r.status_code == 200, r.text
            assert r.json()["metadata"]["name"].startswith("arch-")
            r = await client.put(f"{ARCHIVE}/-/resubmit", json={"name": "nope", "namespace": "argo"})
            assert r.status_code == 404
            values = "/api/v1/archived-workflows-label-values"
            r = await client.get(values, params={"listOptions.labelSelector": "team"})
            assert r.status_code == 200 and r.json()["items"] == ["a"]
            for selector, message in (
                ("", "only allow 1 labelRequirement, found 0"),
                ("team,x", "only allow 1 labelRequirement, found 2"),
                ("team=a", "operation = is not supported"),
            ):
                r = await client.get(values, params={"listOptions.labelSelector": selector})
                assert r.status_code == 400 and message in r.json()["message"], selector
            r = await client.delete(f"{ARCHIVE}/-", params={"name": "arch", "namespace": "argo"})
            assert r.status_code == 200
            assert (await client.get(f"{ARCHIVE}/{uid}")).status_code == 404

    run(go())
