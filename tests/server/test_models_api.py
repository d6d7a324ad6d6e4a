"""ModelService: the model store over REST."""

from __future__ import annotations

from typing import Any

from serverconf import serve

from argento.config import Settings
from argento.registry.store import ModelStore


def test_models_versions_aliases_and_history(settings: Settings, run: Any) -> None:
    store = ModelStore.from_settings(settings)
    store.save("iris", {"w": 1}, framework="pickle", version="v1", metadata={"acc": 0.9})
    store.save("iris", {"w": 2}, framework="pickle", version="v2", metadata={"acc": 0.95})
    store.tag("iris:v1", "production")

    async def go() -> None:
        async with serve(settings) as (client, _):
            items = (await client.get("/api/v1/models")).json()["items"]
            assert {(i["name"], i["version"]) for i in items} == {("iris", "v1"), ("iris", "v2")}
            assert "path" not in items[0]
            model = (await client.get("/api/v1/models/iris")).json()
            assert model["aliases"] == {"production": "v1"}
            assert [v["version"] for v in model["versions"]] == ["v2", "v1"]
            assert (await client.get("/api/v1/models/iris/production")).json()["metadata"] == {"acc": 0.9}
            r = await client.put("/api/v1/models/iris/aliases/production", json={"version": "v2"})
            assert r.status_code == 200 and r.json()["to"] == "v2"
            events = (await client.get("/api/v1/models/iris/history")).json()["events"]
            assert [(e["from"], e["to"]) for e in events] == [(None, "v1"), ("v1", "v2")]
            assert (await client.get("/api/v1/models/nope")).status_code == 404
            bad = await client.put("/api/v1/models/iris/aliases/x", json={})
            assert bad.status_code == 400 and "version" in bad.json()["message"]
            assert (await client.delete("/api/v1/models/iris/aliases/production")).status_code == 200
            assert (await client.get("/api/v1/models/iris")).json()["aliases"] == {}

    run(go())
