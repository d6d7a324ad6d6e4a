"""EventService → WorkflowEventBindings, and /metrics (Argo's controller metrics and custom metrics)."""

from __future__ import annotations

import re
from typing import Any

from serverconf import hello, serve, wait_phase
from wait import eventually_async

from argento.config import Settings


def _template(name: str) -> dict[str, Any]:
    wf = hello(name)
    wf["kind"] = "WorkflowTemplate"
    wf["spec"]["arguments"] = {"parameters": [{"name": "msg"}]}
    wf["spec"]["templates"][0]["container"]["args"] = ["echo {{workflow.parameters.msg}}"]
    return wf


def test_event_binding_submits_template_with_event_values(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            assert (
                await client.post("/api/v1/workflow-templates/argo", json={"template": _template("echo")})
            ).status_code == 200
            binding = {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "WorkflowEventBinding",
                "metadata": {"name": "on-msg"},
                "spec": {
                    "event": {
                        "selector": 'payload.message != "" && metadata["x-kind"] == ["demo"] && discriminator == "d1"'
                    },
                    "submit": {
                        "workflowTemplateRef": {"name": "echo"},
                        "arguments": {
                            "parameters": [{"name": "msg", "valueFrom": {"event": "payload.message"}}]
                        },
                    },
                },
            }
            r = await client.post(
                "/api/v1/workflow-event-bindings/argo", json={"workflowEventBinding": binding}
            )
            assert r.status_code == 200, r.text
            listed = (await client.get("/api/v1/workflow-event-bindings/argo")).json()["items"]
            assert [b["metadata"]["name"] for b in listed] == ["on-msg"]
            # not matching: wrong discriminator, wrong header
            assert (
                await client.post("/api/v1/events/argo/d2", json={"message": "x"}, headers={"x-kind": "demo"})
            ).json() == {}
            assert (await client.post("/api/v1/events/argo/d1", json={"message": "x"})).json() == {}
            assert (await client.get("/api/v1/workflows/argo")).json()["items"] == []
            r = await client.post(
                "/api/v1/events/argo/d1", json={"message": "hello"}, headers={"x-kind": "demo"}
            )
            assert r.status_code == 200 and r.json() == {}
            items = (await client.get("/api/v1/workflows/argo")).json()["items"]
            assert len(items) == 1
            wf = await wait_phase(client, items[0]["metadata"]["name"])
            assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-event-binding"] == "on-msg"
            assert wf["spec"]["arguments"]["parameters"] == [{"name": "msg", "value": "hello"}]
            assert wf["status"]["phase"] == "Succeeded"
            # a payload the selector cannot evaluate is ignored, not an error
            r = await client.post("/api/v1/events/argo/d1", json=[1, 2], headers={"x-kind": "demo"})
            assert r.status_code == 200

    run(go())


def _sample(text: str, metric: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            got = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
            if all(got.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def test_controller_and_custom_metrics(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            wf = hello("m1")
            wf["spec"]["metrics"] = {
                "prometheus": [
                    {
                        "name": "result_counter",
                        "help": "Count of step execution by result status",
                        "labels": [{"key": "status", "value": "{{workflow.status}}"}],
                        "counter": {"value": "1"},
                    },
                    {
                        "name": "duration_gauge",
                        "help": "Duration gauge",
                        "labels": [{"key": "name", "value": "m1"}],
                        "gauge": {"realtime": True, "value": "{{workflow.duration}}"},
                    },
                    {
                        "name": "never",
                        "help": "not emitted",
                        "when": "{{workflow.status}} == Failed",
                        "counter": {"value": "1"},
                    },
                ]
            }
            wf["spec"]["templates"][0]["metrics"] = {
                "prometheus": [
                    {
                        "name": "step_hist",
                        "help": "Step duration",
                        "histogram": {"value": "{{duration}}", "buckets": [1, 5]},
                        "labels": [{"key": "status", "value": "{{status}}"}],
                    },
                ]
            }
            assert (await client.post("/api/v1/workflows/argo", json={"workflow": wf})).status_code == 200
            await client.post("/api/v1/workflows/argo", json={"workflow": hello("m2", cmd="exit 1")})
            await wait_phase(client, "m1")
            await wait_phase(client, "m2")

            def counted(r: Any) -> bool:  # the gauges follow the finished workflows
                text = r.text
                phases = (_sample(text, "argo_workflows_gauge", phase=p) for p in ("Succeeded", "Failed"))
                return all(v == 1 for v in phases)

            r = await eventually_async(lambda: client.get("/metrics"), until=counted, timeout=10)
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
            text = r.text
            assert _sample(text, "argo_workflows_gauge", phase="Succeeded") == 1
            assert _sample(text, "argo_workflows_gauge", phase="Failed") == 1
            assert _sample(text, "argo_workflows_total_count", phase="Running") == 2
            assert _sample(text, "argo_workflows_total_count", phase="Failed") == 1
            assert _sample(text, "argo_workflows_pods_gauge", phase="Running") == 0
            assert _sample(text, "argo_workflows_workers_busy_count", worker_type="workflow") == 0
            assert _sample(text, "argo_workflows_queue_adds_count", queue_name="workflow_queue") == 2
            assert "# TYPE argo_workflows_operation_duration_seconds histogram" in text
            assert _sample(text, "argo_workflows_result_counter", status="Succeeded") == 1
            assert _sample(text, "argo_workflows_duration_gauge", name="m1") is not None
            assert _sample(text, "argo_workflows_step_hist_count", status="Succeeded") == 1
            assert "argo_workflows_never" not in text

    run(go())
