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
