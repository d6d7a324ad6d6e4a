"""Resource names are validated as Kubernetes does (issue 14 item 2): hostile names are refused with 400 naming
the field and Kubernetes' message, and nothing is created on disk, inside ARGENTO_HOME or outside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from serverconf import hello, serve

from argento.config import Settings

HOSTILE = ["../../x", "..", "/tmp/y", "a\x00b", "<script>", "%2e%2e", "ｗｆ", "Upper", "x" * 254, "a_b"]


def _files(root: Path) -> set[str]:
    return {str(Path(d, f).relative_to(root)) for d, _, fs in os.walk(root) for f in fs}


def test_hostile_names_are_refused_everywhere_a_name_enters(
    settings: Settings, run: Any, tmp_path: Path
) -> None:
    template = {
        "metadata": {"name": "t"},
        "spec": {"entrypoint": "main", "templates": hello()["spec"]["templates"]},
    }
    cron = {"metadata": {"name": "c"}, "spec": {"schedules": ["* * * * *"], "workflowSpec": hello()["spec"]}}
    binding = {
        "metadata": {"name": "b"},
        "spec": {"event": {"selector": "true"}, "submit": {"workflowTemplateRef": {"name": "t"}}},
    }
    targets = [
        ("/api/v1/workflows/argo", "workflow", hello("x")),
        ("/api/v1/workflows/argo/lint", "workflow", hello("x")),
        ("/api/v1/workflow-templates/argo", "template", template),
        ("/api/v1/cluster-workflow-templates", "template", template),
        ("/api/v1/cron-workflows/argo", "cronWorkflow", cron),
        ("/api/v1/workflow-event-bindings/argo", "workflowEventBinding", binding),
    ]

    async def go() -> None:
        async with serve(settings) as (client, _):
            before = _files(settings.home)
            for url, key, resource in targets:
                for name in HOSTILE:
                    body = {key: {**resource, "metadata": {"name": name}}}
                    r = await client.post(url, json=body)
                    assert r.status_code == 400, (url, name, r.status_code, r.text)
                    message = r.json()["message"]
                    assert message.startswith(f"{key}.metadata.name: Invalid value: "), message
                    assert "RFC 1123 subdomain" in message or "no more than 253" in message, message
                body = {key: {**resource, "metadata": {"generateName": "../"}}}
                r = await client.post(url, json=body)
                assert r.status_code == 400 and "metadata.generateName: Invalid value" in r.json()["message"]
            # A namespace in the URL is a DNS-1123 label (Kubernetes' ValidateNamespaceName).
            for ns in ("a.b", "%2e%2e", "UP", "a_b"):  # (httpx itself resolves a literal ".." in a URL)
                r = await client.post(f"/api/v1/workflows/{ns}", json={"workflow": hello("ok")})
                assert r.status_code == 400, (ns, r.text)
                assert "workflow.metadata.namespace: Invalid value" in r.json()["message"]
            # Log requests cannot read outside the workflow's folder.
            assert (
                await client.post("/api/v1/workflows/argo", json={"workflow": hello("good")})
            ).status_code == 200
            for query in ({"podName": "../../secrets"}, {"logOptions.container": "../../../x"}):
                r = await client.get("/api/v1/workflows/argo/good/log", params=query)
                assert r.status_code == 400, (query, r.text)
            assert (await client.get("/api/v1/workflows/argo")).json()["items"][0]["metadata"][
                "name"
            ] == "good"
            created = _files(settings.home) - before
            assert all(not f.startswith("runs/") or f.startswith("runs/good/") for f in created), created
            # Deployments, models and bentos: names in URLs and bodies are validated too.
            r = await client.post("/api/v1/deployments", json={"name": "../x", "bento": "b:v1"})
            assert r.status_code == 400 and "name: Invalid value" in r.json()["message"]
            for url in ("/api/v1/models/..%2F..", "/api/v1/bentos?name=..", "/api/v1/models?name=../x"):
                r = await client.get(url)
                assert r.status_code in (400, 404), (url, r.status_code)
        assert not (tmp_path.parent / "x").exists() and not Path("/tmp/y").exists()

    run(go())


def test_unknown_model_history_is_404_and_alias_calls_leave_no_lock(settings: Settings, run: Any) -> None:
    """Issue 14 item 8: the history of a model never saved was `200 {"events": []}`; a 404 alias call left
    ``models/<name>/.lock`` behind."""

    async def go() -> None:
        async with serve(settings) as (client, _):
            r = await client.get("/api/v1/models/nope/history")
            assert r.status_code == 404 and r.json()["code"] == 5
            r = await client.put("/api/v1/models/nope/aliases/prod", json={"version": "v1"})
            assert r.status_code == 404
            r = await client.delete("/api/v1/models/nope/aliases/prod")
            assert r.status_code == 404
        assert not (settings.home / "models" / "nope").exists()

    run(go())


def test_generate_name_collisions_are_retried(settings: Settings, run: Any, monkeypatch: Any) -> None:
    """Issue 14 item 8: a generated name that collides is retried with a new suffix (Kubernetes >= 1.31,
    ``createWithGenerateNameRetry``, 8 attempts) instead of answering 409; a given name still conflicts."""
    from argento.server import validate

    suffixes = iter(["aaaaa", "aaaaa", "aaaaa", "bbbbb", *["ccccc"] * 9, *["ddddd"] * 20])
    monkeypatch.setattr(validate, "random_suffix", lambda: next(suffixes))

    async def go() -> None:
        async with serve(settings) as (client, _):
            body = {"workflow": hello(generate="gen-")}
            first = await client.post("/api/v1/workflows/argo", json=body)
            assert first.status_code == 200 and first.json()["metadata"]["name"] == "gen-aaaaa"
            second = await client.post("/api/v1/workflows/argo", json=body)
            assert second.status_code == 200, second.text
            assert second.json()["metadata"]["name"] == "gen-bbbbb"  # two collisions, then a free name
            third = await client.post("/api/v1/workflows/argo", json=body)
            assert third.json()["metadata"]["name"] == "gen-ccccc"
            fourth = await client.post("/api/v1/workflows/argo", json=body)  # 8 collisions: give up, 409
            assert fourth.status_code == 409 and fourth.json()["code"] == 6
            again = await client.post("/api/v1/workflows/argo", json={"workflow": hello("gen-aaaaa")})
            assert again.status_code == 409
            # A long generateName keeps 58 characters (SimpleNameGenerator), so the name fits in 63.
            long = await client.post("/api/v1/workflows/argo", json={"workflow": hello(generate="g" * 70)})
            assert long.status_code == 200 and long.json()["metadata"]["name"] == "g" * 58 + "ddddd"

    run(go())


def test_generate_name_collisions_are_retried_for_templates_and_crons(
    settings: Settings, run: Any, monkeypatch: Any
) -> None:
    """The same Kubernetes rule holds for every kind the API creates, not only workflows: a colliding generated
    name of a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow is retried; a chosen one conflicts."""
    from argento.server import validate

    suffixes = iter(["aaaaa", "aaaaa", "bbbbb"] * 3)
    monkeypatch.setattr(validate, "random_suffix", lambda: next(suffixes))
    spec = {"entrypoint": "main", "templates": hello()["spec"]["templates"]}
    cron_spec = {"schedules": ["* * * * *"], "workflowSpec": hello()["spec"]}
    cases = [
        ("/api/v1/workflow-templates/argo", "template", spec),
        ("/api/v1/cluster-workflow-templates", "template", spec),
        ("/api/v1/cron-workflows/argo", "cronWorkflow", cron_spec),
    ]

    async def go() -> None:
        async with serve(settings) as (client, _):
            for url, key, body_spec in cases:
                body = {key: {"metadata": {"generateName": "gen-"}, "spec": body_spec}}
                first = await client.post(url, json=body)
                assert first.status_code == 200 and first.json()["metadata"]["name"] == "gen-aaaaa", first.text
                second = await client.post(url, json=body)
                assert second.status_code == 200, (url, second.text)
                assert second.json()["metadata"]["name"] == "gen-bbbbb"
                chosen = await client.post(url, json={key: {"metadata": {"name": "gen-aaaaa"}, "spec": body_spec}})
                assert chosen.status_code == 409, (url, chosen.text)

    run(go())
