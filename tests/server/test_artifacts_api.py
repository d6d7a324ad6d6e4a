"""Workflows submitted to the server pass artifacts through the default repository, as `argento run` does."""

from __future__ import annotations

from typing import Any

from serverconf import serve, wait_phase

from argento.config import Settings

NS = "/api/v1/workflows/argo"

PASSING: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "art-pass"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "steps": [
                    [{"name": "make", "template": "make"}],
                    [
                        {
                            "name": "use",
                            "template": "use",
                            "arguments": {"artifacts": [{"name": "in", "from": "{{steps.make.outputs.artifacts.out}}"}]},
                        }
                    ],
                ],
            },
            {
                "name": "make",
                "container": {"image": "alpine", "command": ["sh", "-c", "echo hello-artifact > /tmp/out.txt"]},
                "outputs": {"artifacts": [{"name": "out", "path": "/tmp/out.txt"}]},
            },
            {
                "name": "use",
                "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in.txt"}]},
                "script": {"image": "alpine", "command": ["sh"], "source": "cat /tmp/in.txt"},
            },
        ],
    },
}


def test_artifacts_pass_between_steps_on_the_server(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings, executor=None, executor_name="local") as (client, _):
            r = await client.post(NS, json={"workflow": PASSING})
            assert r.status_code == 200, r.text
            done = await wait_phase(client, "art-pass")
            assert done["status"]["phase"] == "Succeeded", done["status"].get("message")
            nodes = {n["displayName"]: n for n in done["status"]["nodes"].values()}
            assert nodes["make"]["outputs"]["artifacts"][0]["name"] == "out"
            assert nodes["use"]["outputs"]["result"] == "hello-artifact"

    run(go())


def test_artifact_files_download_outputs_and_inputs(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings, executor=None, executor_name="local") as (client, _):
            assert (await client.post(NS, json={"workflow": PASSING})).status_code == 200
            done = await wait_phase(client, "art-pass")
            nodes = {n["displayName"]: n for n in done["status"]["nodes"].values()}
            make, use = nodes["make"]["id"], nodes["use"]["id"]
            r = await client.get(f"/artifact-files/argo/workflows/art-pass/{make}/outputs/out")
            assert r.status_code == 200 and r.text == "hello-artifact\n"
            r = await client.get(f"/artifacts/argo/art-pass/{make}/out")
            assert r.status_code == 200 and r.text == "hello-artifact\n"
            r = await client.get(f"/artifact-files/argo/workflow/art-pass/{make}/outputs/nope")
            assert r.status_code == 404 and "nope" in r.json()["message"]
            r = await client.get(f"/artifact-files/argo/workflow/art-pass/{use}/sideways/in")
            assert r.status_code == 400

    run(go())
