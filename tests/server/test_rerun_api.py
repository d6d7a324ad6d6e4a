"""``PUT /api/v1/workflows/{ns}/{name}/rerun`` (an Argento extension) over the in-process app."""

from __future__ import annotations

import json
from typing import Any

from serverconf import echo_script, hello, serve, wait_phase

from argento.config import Settings
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

NS = "/api/v1/workflows/argo"


def test_rerun_runs_the_named_steps_and_reuses_the_rest(settings: Settings, run: Any) -> None:
    ran: list[tuple[str, str]] = []

    def script(pod: PodSpec) -> StepResult:
        ran.append((pod.workflow, pod.node_id))
        return echo_script(pod)

    async def go() -> None:
        async with serve(settings, executor=FakeExecutor(script)) as (client, _):
            await client.post(NS, json={"workflow": hello("r", steps=4)})
            original = await wait_phase(client, "r")
            assert original["status"]["phase"] == "Succeeded" and len(ran) == 4
            r = await client.put(f"{NS}/r/rerun", json={"from": ["s2"]})
            assert r.status_code == 200, r.text
            new = r.json()
            name = new["metadata"]["name"]
            assert name.startswith("r-") and new["status"]["phase"] == "Running"
            assert new["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "r"
            assert json.loads(new["metadata"]["annotations"]["workflows.argento.io/rerun-from"]) == ["s2"]
            done = await wait_phase(client, name)
            assert done["status"]["phase"] == "Succeeded", done["status"]
            nodes = {n["displayName"]: n for n in done["status"]["nodes"].values()}
            assert sorted(nodes[d]["displayName"] for d in nodes if (name, nodes[d]["id"]) in ran) == [
                "s2",
                "s3",
            ]
            for kept in ("s0", "s1"):
                memo = nodes[kept]["memoizationStatus"]
                assert memo["hit"] is True and memo["cacheName"] == "argento-rerun"
                assert memo["key"].startswith("r/r-")
            assert done["status"]["progress"] == "4/4"
            # the plan is kept beside the run (a restarted server goes on reusing)
            assert (settings.runs_dir / name / "rerun-plan.json").is_file()

    run(go())


def test_rerun_errors_name_the_field(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            await client.post(NS, json={"workflow": hello("e", steps=2)})
            await wait_phase(client, "e")
            r = await client.put(f"{NS}/e/rerun", json={})
            assert r.status_code == 400 and r.json()["message"].startswith("from:"), r.text
            r = await client.put(f"{NS}/e/rerun", json={"from": "s0"})
            assert r.status_code == 400 and "from must be" in r.json()["message"]
            r = await client.put(f"{NS}/e/rerun", json={"from": ["nope"]})
            assert r.status_code == 404 and 'node "nope" not found' in r.json()["message"]
            r = await client.put(f"{NS}/e/rerun", json={"from": ["s0"], "parameters": ["x"]})
            assert r.status_code == 400 and r.json()["message"].startswith("parameters[0]:"), r.text
            r = await client.put(f"{NS}/missing/rerun", json={"from": ["s0"]})
            assert r.status_code == 404
            spec = (await client.get("/openapi.json")).json()
            op = spec["paths"][NS.replace("argo", "{namespace}") + "/{name}/rerun"]["put"]
            assert op["operationId"] == "WorkflowService_RerunWorkflow"
            assert "from" in op["requestBody"]["content"]["application/json"]["schema"]["properties"]

    run(go())


def test_a_running_workflow_cannot_be_rerun(settings: Settings, run: Any) -> None:
    async def go() -> None:
        from argento.executors.fake import FakeExecutor

        async with serve(settings, executor=FakeExecutor(echo_script, delay=30)) as (client, _):
            await client.post(NS, json={"workflow": hello("slow", steps=2)})
            r = await client.put(f"{NS}/slow/rerun", json={"from": ["s0"]})
            assert r.status_code == 409, r.text
            await client.put(f"{NS}/slow/terminate", json={})

    run(go())
