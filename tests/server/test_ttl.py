"""A completed workflow's ``ttlStrategy`` holds across a server restart: its deadline is counted from its
``finishedAt`` (gccontroller/gc_controller.go ``expiresIn``) and a starting server schedules the TTL of every
completed workflow in its store, deleting at once those that ran out while it was down."""

from __future__ import annotations

import asyncio
import time

from tests.conformance.argo_facts._server import NS, container, serve, wait_for, workflow

from argento.config import Settings


def test_a_ttl_set_before_a_restart_still_deletes_the_workflow(settings: Settings) -> None:
    resource = workflow("ttl-", [container("main")], ttlStrategy={"secondsAfterCompletion": 3})

    async def first() -> str:
        async with serve(settings) as c:
            r = await c.post(NS, json={"workflow": resource})
            assert r.status_code == 200, r.text
            name = str(r.json()["metadata"]["name"])
            assert (await wait_for(c, name))["status"]["phase"] == "Succeeded"
            return name

    async def second(name: str) -> None:
        async with serve(settings) as c:  # the same store, a new server (and event loop)
            deadline = time.monotonic() + 30
            while (r := await c.get(f"{NS}/{name}")).status_code != 404:
                assert r.status_code == 200, r.text
                assert time.monotonic() < deadline, "the restarted server did not delete the expired workflow"
                await asyncio.sleep(0.05)

    name = asyncio.run(first())  # the first server's loop ends with it: its own TTL timer goes too
    asyncio.run(second(name))


def test_a_workflow_without_ttl_survives_the_restart(settings: Settings) -> None:
    async def first() -> str:
        async with serve(settings) as c:
            r = await c.post(NS, json={"workflow": workflow("kept-", [container("main")])})
            name = str(r.json()["metadata"]["name"])
            await wait_for(c, name)
            return name

    async def second(name: str) -> None:
        async with serve(settings) as c:
            assert (await c.get(f"{NS}/{name}")).status_code == 200

    asyncio.run(second(asyncio.run(first())))
