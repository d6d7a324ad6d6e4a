"""Stop and terminate through the API (``test/e2e/signals_test.go``), malformed resources
(``malformed_resources_test.go``) and estimated durations (``estimated_duration_test.go``): Argento's server
in-process on the fake executor (``_server.py``), whose ``sleep`` steps run until they are killed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from tests.conformance.argo_facts._server import NS, api_fact, container, running_pod, wait_for, workflow

SIGNALS = "test/e2e/signals_test.go"
MALFORMED = "test/e2e/malformed_resources_test.go"
ESTIMATED = "test/e2e/estimated_duration_test.go"
WFT = "/api/v1/workflow-templates/argo"
CWFT = "/api/v1/cluster-workflow-templates"


def by_display(wf: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = [n for n in wf["status"]["nodes"].values() if n["displayName"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


STOP_TERMINATE = workflow(
    "stop-terminate-",
    [
        {"name": "main", "dag": {"tasks": [{"name": "A", "template": "echo", "onExit": "exit-template"}]}},
        container("echo", "999", command=["sleep"]),
        container("exit"),
        container("exit-template", "echo", "done"),
    ],
    onExit="exit",
)


async def _shutdown(c: httpx.AsyncClient, resource: dict[str, Any], action: str) -> dict[str, Any]:
    r = await c.post(NS, json={"workflow": resource})
    assert r.status_code == 200, r.text
    name = r.json()["metadata"]["name"]
    await wait_for(c, name, running_pod)
    assert (await c.put(f"{NS}/{name}/{action}")).status_code == 200
    return await wait_for(c, name)


@pytest.mark.fact("suspend", f"{SIGNALS}:TestStopBehavior (exit handlers run)")
def test_stop_runs_exit_handlers(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        wf = await _shutdown(c, STOP_TERMINATE, "stop")
        assert wf["status"]["phase"] in ("Failed", "Error")
        assert by_display(wf, "A")["phase"] in ("Failed", "Error")
        assert by_display(wf, "A.onExit")["phase"] == "Succeeded"
        assert by_display(wf, wf["metadata"]["name"] + ".onExit")["phase"] == "Succeeded"

    api_fact(settings, body)


@pytest.mark.fact("suspend", f"{SIGNALS}:TestTerminateBehavior (no exit handler runs)")
def test_terminate_skips_exit_handlers(settings) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        wf = await _shutdown(c, STOP_TERMINATE, "terminate")
        assert wf["status"]["phase"] in ("Failed", "Error")
        assert by_display(wf, "A")["phase"] in ("Failed", "Error")
        assert by_display(wf, "A.onExit") is None
        assert by_display(wf, wf["metadata"]["name"] + ".onExit") is None

    api_fact(settings, body)


@pytest.mark.fact("suspend", f"{SIGNALS}:TestDoNotCreatePodsUnderStopBehavior")
def test_stop_starts_no_later_step(settings) -> None:
    resource = workflow(
        "stop-terminate-",
        [
            {"name": "main", "steps": [[{"name": "A", "template": "sleep"}], [{"name": "B", "template": "pass"}]]},
            container("sleep", "999", command=["sleep"]),
            container("pass"),
        ],
    )

    async def body(c: httpx.AsyncClient) -> None:
        wf = await _shutdown(c, resource, "stop")
        assert wf["status"]["phase"] == "Failed"
        assert by_display(wf, "A")["phase"] == "Failed"
        assert by_display(wf, "B") is None

    api_fact(settings, body)


@pytest.mark.fact("daemons", f"{SIGNALS}:TestStopBehaviorWithDaemon (a stopped daemon ends Succeeded)")
def test_stop_with_daemon(settings) -> None:
    daemon = container("sleep", "999", command=["sleep"])
    daemon["daemon"] = True
    resource = workflow(
        "stop-terminate-daemon-",
        [
            {"name": "main", "steps": [[{"name": "Daemon", "template": "sleep"}], [{"name": "B", "template": "pass"}]]},
            daemon,
            container("pass", "999", command=["sleep"]),
        ],
    )

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        name = r.json()["metadata"]["name"]
        await wait_for(c, name, lambda w: (by_display(w, "B") or {}).get("phase") == "Running")
        assert (await c.put(f"{NS}/{name}/stop")).status_code == 200
        wf = await wait_for(c, name)
        assert wf["status"]["phase"] in ("Failed", "Error")
        assert by_display(wf, "Daemon")["phase"] == "Succeeded"

    api_fact(settings, body)


# ------------------------------------------------------------------------------------ malformed resources
MALFORMED_SPEC = {"arguments": {"parameters": {"someParam": "Hello, world!"}}}


def _resource(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"workflows.argoproj.io/test": "true"}}, "spec": spec}


WELLFORMED_SPEC = {"entrypoint": "main", "templates": [container("main")]}


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param(NS, "workflow", id="Workflow",
                     marks=pytest.mark.fact("server-api", f"{MALFORMED}:TestMalformedWorkflow")),
        pytest.param(WFT, "template", id="WorkflowTemplate",
                     marks=pytest.mark.fact("server-api", f"{MALFORMED}:TestMalformedWorkflowTemplate")),
        pytest.param(CWFT, "template", id="ClusterWorkflowTemplate",
                     marks=pytest.mark.fact("server-api", f"{MALFORMED}:TestMalformedClusterWorkflowTemplate")),
    ],
)
def test_malformed_resource_is_refused(settings, path: str, key: str) -> None:
    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(path, json={key: _resource("malformed", MALFORMED_SPEC)})
        assert r.status_code == 400, r.text
        # kubectl's wording is ".spec.arguments.parameters: expected list"
        assert "spec.arguments.parameters" in r.json()["message"]
        assert "expected a list" in r.json()["message"]
        if path != NS:  # a wellformed one beside it works
            r = await c.post(path, json={key: _resource("wellformed", WELLFORMED_SPEC)})
            assert r.status_code == 200, r.text
            ref = {"name": "wellformed", **({"clusterScope": True} if path == CWFT else {})}
            r = await c.post(NS, json={"workflow": _resource("wellformed", {"workflowTemplateRef": ref})})
            assert r.status_code == 200, r.text
            assert (await wait_for(c, "wellformed"))["status"]["phase"] == "Succeeded"

    api_fact(settings, body)


@pytest.mark.parametrize(
    "cluster",
    [
        pytest.param(False, id="WorkflowTemplateRef",
                     marks=pytest.mark.fact("server-api", f"{MALFORMED}:TestMalformedWorkflowTemplateRef")),
        pytest.param(True, id="ClusterWorkflowTemplateRef",
                     marks=pytest.mark.fact("server-api", f"{MALFORMED}:TestMalformedClusterWorkflowTemplateRef")),
    ],
)
def test_reference_to_refused_template(settings, cluster: bool) -> None:
    """Applied with kubectl, Argo's controller errors the workflow ('"malformed" not found', the fact
    ``test_missing_workflow_template``); through Argo Server, ``ValidateWorkflow`` gets the template first and
    refuses the workflow with the same NotFound."""

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(CWFT if cluster else WFT, json={"template": _resource("malformed", MALFORMED_SPEC)})
        assert r.status_code == 400
        ref = {"name": "malformed", **({"clusterScope": True} if cluster else {})}
        r = await c.post(NS, json={"workflow": _resource("wellformed", {"workflowTemplateRef": ref})})
        assert r.status_code == 400, r.text
        plural = "clusterworkflowtemplates" if cluster else "workflowtemplates"
        assert f'{plural}.argoproj.io "malformed" not found' in r.json()["message"]
        assert "linted" not in r.json()["message"]  # lint's advice about files means nothing to the server

    api_fact(settings, body)


# -------------------------------------------------------------------------------------- estimated duration
@pytest.mark.fact("progress", f"{ESTIMATED}:TestWorkflowTemplate")
def test_estimated_duration_from_an_earlier_run(settings) -> None:
    basic = {
        "metadata": {"name": "basic"},
        "spec": {
            "workflowMetadata": {"labels": {"workflows.argoproj.io/test": "true"}},
            "entrypoint": "main",
            "templates": [container("main", "sleep", "1")],  # estimates are whole seconds: 0 is omitted
        },
    }

    async def body(c: httpx.AsyncClient) -> None:
        assert (await c.post(WFT, json={"template": basic})).status_code == 200
        names: list[str] = []
        for _ in range(2):
            r = await c.post(f"{NS}/submit", json={"resourceKind": "WorkflowTemplate", "resourceName": "basic"})
            assert r.status_code == 200, r.text
            names.append(r.json()["metadata"]["name"])
            if len(names) == 1:  # the baseline; the second run is estimated as it starts
                assert (await wait_for(c, names[-1]))["status"]["phase"] == "Succeeded"
        first = (await c.get(f"{NS}/{names[0]}")).json()
        assert "estimatedDuration" not in first["status"]  # no earlier run to go by
        wf = await wait_for(c, names[-1], lambda w: bool(w["status"].get("nodes")))
        # The estimate is the baseline's duration from its whole-second timestamps: `sleep 1` spans 1 s, or 2
        # when its start and end straddle a second boundary on a loaded machine.
        expected = _whole_seconds(first["status"])
        assert expected >= 1
        assert wf["status"]["estimatedDuration"] == expected
        assert wf["status"]["nodes"][names[-1]]["estimatedDuration"] == _whole_seconds(
            first["status"]["nodes"][names[0]]
        )

    api_fact(settings, body)


def _whole_seconds(status: dict[str, Any]) -> int:
    started = datetime.fromisoformat(status["startedAt"].replace("Z", "+00:00"))
    return int((datetime.fromisoformat(status["finishedAt"].replace("Z", "+00:00")) - started).total_seconds())


@pytest.mark.fact("exit-handlers", "workflow/controller/operator.go:operate (phase marked once onExit is fulfilled)")
def test_the_workflow_stays_running_while_its_exit_handler_runs(settings) -> None:
    """Argo marks the workflow's phase only once the exit handler is fulfilled: while it runs, the workflow is
    Running — even when its main part already failed ({{workflow.status}} is known to the handler)."""
    resource = workflow(
        "exit-running-",
        [container("main", "exit 1", command=["sh", "-c"]), container("exit", "1", command=["sleep"])],
        onExit="exit",
    )

    async def body(c: httpx.AsyncClient) -> None:
        r = await c.post(NS, json={"workflow": resource})
        name = r.json()["metadata"]["name"]
        onexit = name + ".onExit"
        wf = await wait_for(c, name, lambda w: (by_display(w, onexit) or {}).get("phase") == "Running")
        assert wf["status"]["phase"] == "Running"
        assert wf["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Running"
        wf = await wait_for(c, name)
        assert wf["status"]["phase"] == "Failed" and by_display(wf, onexit)["phase"] == "Succeeded"

    api_fact(settings, body)
