"""Argo's debug pause under the server: a step with ``ARGO_DEBUG_PAUSE_BEFORE/AFTER=true`` waits (Running,
with a message) until ``resume`` with a node field selector, or its marker file (emissary.go's
``file.WaitForCreate`` of ``/var/run/argo/ctr/main/before|after``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from serverconf import hello, serve, wait_phase
from wait import eventually_async

from argento.config import Settings

NS = "/api/v1/workflows/argo"


def _paused(var: str, name: str) -> dict[str, Any]:
    wf = hello(name, steps=2)
    wf["spec"]["templates"][1]["container"]["env"] = [{"name": var, "value": "true"}]
    return wf


async def _paused_node(client: httpx.AsyncClient, name: str, when: str, step: str = "") -> dict[str, Any]:
    async def nodes() -> list[dict[str, Any]]:
        wf = (await client.get(f"{NS}/{name}")).json()
        return list((wf.get("status") or {}).get("nodes", {}).values())

    def paused(node: dict[str, Any]) -> bool:
        return f"paused {when} the step" in node.get("message", "") and node["displayName"].startswith(step)

    found = await eventually_async(
        nodes, until=lambda ns: any(map(paused, ns)), timeout=10, what=f"paused {when}"
    )
    return next(n for n in found if paused(n))


def test_resume_releases_a_step_paused_before(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            await client.post(NS, json={"workflow": _paused("ARGO_DEBUG_PAUSE_BEFORE", "pb")})
            node = await _paused_node(client, "pb", "before")
            assert node["displayName"] == "s0" and node["phase"] == "Running"
            # a selector that matches no paused node leaves it paused, and says so (util.go:updateSuspendedNode)
            r = await client.put(f"{NS}/pb/resume", json={"nodeFieldSelector": "displayName=s1"})
            assert r.status_code == 409
            assert "no suspend nodes matching nodeFieldSelector: displayName=s1" in r.json()["message"]
            assert (await _paused_node(client, "pb", "before"))["id"] == node["id"]
            r = await client.put(f"{NS}/pb/resume", json={"nodeFieldSelector": f"id={node['id']}"})
            assert r.status_code == 200, r.text
            await _paused_node(client, "pb", "before", "s1")  # s1 pauses in its turn
            await client.put(f"{NS}/pb/resume", json={})
            done = await wait_phase(client, "pb")
            assert done["status"]["phase"] == "Succeeded"

    run(go())


def test_the_marker_file_releases_a_step_paused_after(settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(settings) as (client, _):
            await client.post(NS, json={"workflow": _paused("ARGO_DEBUG_PAUSE_AFTER", "pa")})
            for _ in range(2):
                node = await _paused_node(client, "pa", "after")
                Path(node["message"].rsplit("create ", 1)[1]).touch()

                async def message(nid: str = node["id"]) -> str:
                    return str(
                        (await client.get(f"{NS}/pa")).json()["status"]["nodes"][nid].get("message", "")
                    )

                await eventually_async(
                    message, until=lambda m: "paused" not in m, timeout=10, what="released"
                )
            assert (await wait_phase(client, "pa"))["status"]["phase"] == "Succeeded"

    run(go())
