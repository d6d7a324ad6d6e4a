"""``GET /api/v1/workflows/{ns}/{name}/nodes``: a workflow's nodes a page at a time (Argento extension)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from serverconf import serve, wait_phase

from argento.config import Settings
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor
from argento.server.nodepage import MAX_LIMIT, encode_token

NS = "/api/v1/workflows/argo"


def fanout(name: str, n: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "t", "template": "one", "withSequence": {"count": str(n)}}]],
                },
                {"name": "one", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }


async def all_pages(client: httpx.AsyncClient, name: str, **params: str) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    query = dict(params)
    while True:
        r = await client.get(f"{NS}/{name}/nodes", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append(body["items"])
        token = body["metadata"].get("continue")
        if not token:
            return pages
        query["continue"] = token


def test_pages_cover_every_node_once_in_id_order(db_settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(db_settings) as (client, _):
            assert (await client.post(NS, json={"workflow": fanout("wide", 47)})).status_code == 200
            whole = (await wait_phase(client, "wide"))["status"]["nodes"]
            assert len(whole) == 47 + 2  # the Steps node, its StepGroup, 47 pods
            pages = await all_pages(client, "wide", limit="10")
            assert [len(p) for p in pages] == [10, 10, 10, 10, 9]
            ids = [n["id"] for p in pages for n in p]
            assert ids == sorted(whole)  # each node exactly once, ascending by ID
            assert {n["id"]: n for p in pages for n in p} == whole  # the same nodes as the full GET
            # The full GET stays Argo's: the whole status, nodes included.
            assert len((await client.get(f"{NS}/wide")).json()["status"]["nodes"]) == 49
            # Exactly a page's worth: no continue token on the last page.
            pages = await all_pages(client, "wide", limit="49")
            assert len(pages) == 1 and len(pages[0]) == 49
            # fields keeps only the fields asked for.
            slim = await all_pages(client, "wide", fields="id,phase")
            assert all(set(n) == {"id", "phase"} for p in slim for n in p)
            assert sum(len(p) for p in slim) == 49

    run(go())


def test_a_running_workflow_is_paged_from_the_engine(db_settings: Settings, run: Any) -> None:
    gate = asyncio.Event()

    async def held(pod: PodSpec) -> StepResult:
        await gate.wait()
        return StepResult(exit_code=0)

    async def go() -> None:
        async with serve(db_settings, executor=FakeExecutor(held)) as (client, c):
            assert (await client.post(NS, json={"workflow": fanout("held", 25)})).status_code == 200

            async def started() -> int:
                return len((await client.get(f"{NS}/held")).json()["status"].get("nodes") or {})

            for _ in range(200):
                if await started() == 27:
                    break
                await asyncio.sleep(0.01)
            assert c.manager.live("argo", "held") is not None
            pages = await all_pages(client, "held", limit="4")
            nodes = [n for p in pages for n in p]
            assert len(nodes) == 27 and len({n["id"] for n in nodes}) == 27
            assert [n["id"] for n in nodes] == sorted(n["id"] for n in nodes)
            assert {n["phase"] for n in nodes if n["type"] == "Pod"} == {"Running"}
            gate.set()
            await wait_phase(client, "held")
            done = [n for p in await all_pages(client, "held", limit="4") for n in p]
            assert {n["phase"] for n in done} == {"Succeeded"}

    run(go())


def test_bad_limit_and_continue_are_400_naming_them(db_settings: Settings, run: Any) -> None:
    async def go() -> None:
        async with serve(db_settings) as (client, _):
            for name in ("one", "two"):
                assert (await client.post(NS, json={"workflow": fanout(name, 3)})).status_code == 200
                await wait_phase(client, name)
            for limit, says in (
                ("0", f"limit must be between 1 and {MAX_LIMIT}, got 0"),
                (str(MAX_LIMIT + 1), f"limit must be between 1 and {MAX_LIMIT}"),
                ("-3", "limit must be between 1"),
                ("ten", "limit must be an integer, got 'ten'"),
            ):
                r = await client.get(f"{NS}/one/nodes", params={"limit": limit})
                assert r.status_code == 400, (limit, r.text)
                assert says in r.json()["message"]
            for token in ("not-a-token!", "e30", encode_token("uid", "")):
                r = await client.get(f"{NS}/one/nodes", params={"continue": token})
                assert r.status_code == 400, (token, r.text)
                assert "continue is not a token this server issued" in r.json()["message"]
            first = (await client.get(f"{NS}/one/nodes", params={"limit": "1"})).json()
            token = first["metadata"]["continue"]
            r = await client.get(f"{NS}/two/nodes", params={"continue": token})
            assert r.status_code == 400 and "continue was issued for another workflow" in r.json()["message"]
            r = await client.get(f"{NS}/nope/nodes")
            assert r.status_code == 404 and "nope" in r.json()["message"]

    run(go())
