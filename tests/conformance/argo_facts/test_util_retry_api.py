"""Argo's retry and resubmit rules (workflow/util/util.go) seen end to end: a workflow runs on Argento's server
in-process (fake executor, ``_server.py``), is retried or resubmitted through the API, and the pods that ran
again are counted. The pure-function side of the same rules is in test_util_retry.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conformance.argo_facts._server import NS, argosay, container, serve, wait_for, workflow

from argento.executors.fake import FakeExecutor

SRC = "workflow/util/util_test.go"


def fact(test: str) -> pytest.MarkDecorator:
    return pytest.mark.fact("retry", f"{SRC}:{test}")


class Counting:
    """argosay that records the command line of every pod it starts."""

    def __init__(self) -> None:
        self.starts: list[str] = []

    async def __call__(self, pod: Any) -> Any:
        self.starts.append(" ".join(pod.args))
        return await argosay(pod)


def _ended(count: int, starts: list[str]) -> Any:
    return lambda w: w["status"].get("phase") in ("Succeeded", "Failed", "Error") and len(starts) >= count


def _names(wf: dict[str, Any]) -> set[str]:
    return {n["displayName"] for n in wf["status"]["nodes"].values()}


@fact("TestFormulateRetryWorkflow")
def test_a_succeeded_workflow_is_retried_only_with_restart_successful_and_a_selector(settings) -> None:
    pods = Counting()
    resource = workflow("done", [
        {"name": "main", "steps": [[{"name": "a", "template": "say"}], [{"name": "b", "template": "say"}]]},
        container("say", "echo", "hi"),
    ])

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(pods)) as c:
            assert (await c.post(NS, json={"workflow": resource})).status_code == 200
            assert (await wait_for(c, "done"))["status"]["phase"] == "Succeeded"
            r = await c.put(f"{NS}/done/retry", json={})
            assert r.status_code == 409 and "restartSuccessful and nodeFieldSelector" in r.text
            body = {"restartSuccessful": True, "nodeFieldSelector": "displayName=b"}
            assert (await c.put(f"{NS}/done/retry", json=body)).status_code == 200, r.text
            wf = await wait_for(c, "done", _ended(3, pods.starts))
            assert wf["status"]["phase"] == "Succeeded"
            assert len(pods.starts) == 3  # a is kept, b ran again

    asyncio.run(go())


@fact("TestFormulateRetryWorkflow")
def test_a_failed_task_whose_dependent_ran_is_not_run_again(settings) -> None:
    """continueOn failed: task ``soft`` failed but ``after`` ran on; only the hard failure runs again."""
    pods = Counting()
    resource = workflow("cont", [
        {"name": "main", "dag": {"tasks": [
            {"name": "soft", "template": "fail", "continueOn": {"failed": True}},
            {"name": "after", "template": "say", "dependencies": ["soft"]},
            {"name": "hard", "template": "fail2"},
        ]}},
        container("fail", "exit", "1"),
        container("fail2", "exit", "2"),
        container("say", "echo", "hi"),
    ])

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(pods)) as c:
            r = await c.post(NS, json={"workflow": resource})
            assert r.status_code == 200, r.text
            assert (await wait_for(c, "cont"))["status"]["phase"] == "Failed"
            assert sorted(pods.starts) == ["echo hi", "exit 1", "exit 2"]
            assert (await c.put(f"{NS}/cont/retry", json={})).status_code == 200
            wf = await wait_for(c, "cont", _ended(4, pods.starts))
            assert pods.starts[3:] == ["exit 2"]
            assert wf["status"]["phase"] == "Failed"
            soft = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "soft")
            assert soft["phase"] == "Failed"

    asyncio.run(go())


@fact("TestFormulateRetryWorkflowWithParamOverride")
def test_retry_with_new_parameters_expands_a_loop_from_the_new_values(settings) -> None:
    pods = Counting()
    resource = workflow(
        "loop",
        [
            {"name": "main", "dag": {"tasks": [{
                "name": "launch", "template": "say", "withParam": "{{workflow.parameters.items}}",
                "arguments": {"parameters": [{"name": "cmd", "value": "{{item}}"}]},
            }]}},
            {"name": "say", "inputs": {"parameters": [{"name": "cmd"}]},
             "container": {"image": "argoproj/argosay:v2", "args": ["{{inputs.parameters.cmd}}"]}},
        ],
        arguments={"parameters": [{"name": "items", "value": '["echo pass", "exit 1"]'}]},
    )

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(pods)) as c:
            assert (await c.post(NS, json={"workflow": resource})).status_code == 200
            assert (await wait_for(c, "loop"))["status"]["phase"] == "Failed"
            body = {"parameters": ['items=["echo fixed"]']}
            assert (await c.put(f"{NS}/loop/retry", json=body)).status_code == 200
            wf = await wait_for(c, "loop", _ended(3, pods.starts))
            assert wf["status"]["phase"] == "Succeeded"
            assert pods.starts[2:] == ["echo fixed"]
            assert _names(wf) == {"loop", "launch", "launch(0:echo fixed)"}  # no stale item of the old value

    asyncio.run(go())


@fact("TestResubmitWorkflowWithOnExit")
def test_a_memoized_resubmit_runs_the_exit_handler_again(settings) -> None:
    pods = Counting()
    resource = workflow(
        "memo",
        [
            {"name": "main", "steps": [[{"name": "ok", "template": "say"}], [{"name": "bad", "template": "fail"}]]},
            container("say", "echo", "hi"),
            container("fail", "exit", "1"),
            container("bye", "echo", "bye"),
        ],
        onExit="bye",
    )

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(pods)) as c:
            assert (await c.post(NS, json={"workflow": resource})).status_code == 200
            assert (await wait_for(c, "memo"))["status"]["phase"] == "Failed"
            assert pods.starts == ["echo hi", "exit 1", "echo bye"]
            r = await c.put(f"{NS}/memo/resubmit", json={"memoized": True})
            assert r.status_code == 200, r.text
            new = r.json()["metadata"]["name"]
            assert new.startswith("memo-")
            await wait_for(c, new, _ended(5, pods.starts))
            assert pods.starts[3:] == ["exit 1", "echo bye"]  # ok is memoized; the exit handler runs again

    asyncio.run(go())


@fact("TestFormulateResubmitWorkflow")
def test_resubmit_takes_the_original_generate_name(settings) -> None:
    resource = workflow("gen-", [container("say", "echo", "hi")])

    async def go() -> None:
        async with serve(settings) as c:
            r = await c.post(NS, json={"workflow": resource})
            name = r.json()["metadata"]["name"]
            await wait_for(c, name)
            r = await c.put(f"{NS}/{name}/resubmit", json={})
            assert r.status_code == 200, r.text
            new = r.json()["metadata"]
            assert new["generateName"] == "gen-" and new["name"].startswith("gen-") and new["name"] != name
            assert new["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == name

    asyncio.run(go())
