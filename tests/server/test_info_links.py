"""Issue 17 item 13 (a): the UI links a model's MLflow run through the MLflow link of ``/api/v1/info``;
the server gave no link at all, so the model page's MLflow column stayed empty while MLflow ran."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from serverconf import serve

from argento.config import Settings


def _links(settings: Settings) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        async with serve(settings) as (client, _):
            r = await client.get("/api/v1/info")
            assert r.status_code == 200
            return r.json()["links"]  # type: ignore[no-any-return]

    return asyncio.run(go())


def test_the_mlflow_tracking_server_is_a_link_of_the_info(settings: Settings) -> None:
    tracked = dataclasses.replace(settings, mlflow_tracking_uri="http://127.0.0.1:5999/")
    assert _links(tracked) == [{"name": "MLflow", "scope": "mlflow", "url": "http://127.0.0.1:5999"}]


def test_no_link_without_a_web_tracking_server(settings: Settings) -> None:
    assert _links(settings) == []  # no MLFLOW_TRACKING_URI and no server started by `argento up`
    assert _links(dataclasses.replace(settings, mlflow_tracking_uri="sqlite:///mlflow.db")) == []
