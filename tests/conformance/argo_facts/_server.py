"""The API half of the fact harness: Argento's server in-process (httpx's ASGI transport, lifespan included) on
the fake executor, so an API fact costs milliseconds.

The fake's steps read like argosay: ``echo X`` prints X, ``exit N`` fails with N, ``sleep N`` takes N seconds
(a long one is still running when the test acts on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from argento.config import Settings
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor

NS = "/api/v1/workflows/argo"


async def argosay(pod: PodSpec) -> StepResult:
    """A fake step that acts out its command line (module doc)."""
    words = [*pod.command, *pod.args]
    if words[:1] == ["/argosay"]:
        words = words[1:]
    text = " ".join(words[2:]) if words[:2] in (["sh", "-c"], ["bash", "-c"]) else " ".join(words)
    if pod.script_source is not None:
        text = pod.script_source
    if text.startswith("sleep"):
        await asyncio.sleep(float(text.split()[1].rstrip("s")))  # unless the step is killed first
    if text.startswith("exit "):
        code = int(text.split()[1])
        return StepResult(exit_code=code, message=f"Error (exit code {code})")
    return StepResult(exit_code=0, result=text[5:] if text.startswith("echo ") else "")


@contextlib.asynccontextmanager
async def serve(settings: Settings, **kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Argento's app in-process on the fake executor (``argosay``)."""
    from argento.server import create_app, starlette_app

    kwargs.setdefault("executor", FakeExecutor(argosay))
    kwargs.setdefault("executor_name", "fake")
    app = create_app(settings, **kwargs)
    inner = starlette_app(app)
    async with inner.router.lifespan_context(inner):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client


def api_fact(settings: Settings, body: Callable[[httpx.AsyncClient], Awaitable[None]]) -> None:
    """Run ``body`` against a fresh in-process server."""

    async def go() -> None:
        async with serve(settings) as client:
            await body(client)

    asyncio.run(go())


async def wait_for(
    client: httpx.AsyncClient,
    name: str,
    until: Callable[[dict[str, Any]], bool] | None = None,
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Poll the workflow until ``until`` holds (default: it is completed)."""

    def done(wf: dict[str, Any]) -> bool:
        return (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error")

    check = until or done
    deadline = time.monotonic() + timeout
    while True:
        r = await client.get(f"{NS}/{name}")
        if r.status_code == 200 and check(r.json()):
            return dict(r.json())
        if time.monotonic() > deadline:
            raise AssertionError(f"workflow {name}: condition not reached: {r.status_code} {r.text[:2000]}")
        await asyncio.sleep(0.02)


def running_pod(wf: dict[str, Any]) -> bool:
    """Argo's ``ToHaveRunningPod``."""
    nodes = (wf.get("status") or {}).get("nodes") or {}
    return any(n.get("type") == "Pod" and n.get("phase") == "Running" for n in nodes.values())


def workflow(name: str, templates: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    """A Workflow resource (``name`` ending in ``-`` is a generateName)."""
    meta = {"generateName": name} if name.endswith("-") else {"name": name}
    return {"metadata": meta, "spec": {"entrypoint": templates[0]["name"], "templates": templates, **spec}}


def container(name: str, *args: str, command: list[str] | None = None) -> dict[str, Any]:
    """A container template on the argosay image."""
    c: dict[str, Any] = {"image": "argoproj/argosay:v2", "args": list(args)}
    if command:
        c["command"] = command
    return {"name": name, "container": c}
