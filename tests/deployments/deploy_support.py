"""Support for the deployment tests: a tiny service, a control plane on its own thread, a load generator.

Replicas are real ``argento serve`` processes on 127.0.0.1; the load generator sends only to 127.0.0.1 and
is bounded in time and in count.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SERVICE = """
import os
import time

from prometheus_client import Counter

import argento.serving as s

BIG = Counter("tiny_big_inputs", "Requests with x > 1 (a business metric in the default registry).")
LABEL = os.environ.get("LABEL", "v1")
FAIL_RATE = float(os.environ.get("FAIL_RATE", "0"))


@s.service(name="tiny", traffic={"timeout": 30})
class Tiny:
    def __init__(self):
        if os.environ.get("BROKEN"):
            raise RuntimeError("a broken build")
        self.n = 0

    @s.api
    def predict(self, x: float = 1.0, ctx=None) -> dict:
        self.n += 1
        if FAIL_RATE and (self.n * 7919) % 1000 < FAIL_RATE * 1000:
            raise RuntimeError("boom")
        if ctx is not None and x > 1:
            ctx.response.headers["x-argento-metric-conversions"] = "1"
            BIG.inc()
        return {"label": LABEL, "y": x * 2, "pid": os.getpid()}

    @s.api
    def count(self, n: int = 3, delay: float = 0.0):
        for i in range(n):
            time.sleep(delay)
            yield f"{i}\\n"

    @s.api
    def slow(self, seconds: float = 0.05) -> dict:
        time.sleep(seconds)
        return {"label": LABEL}
"""


def write_service(folder: Path) -> Path:
    """Write the tiny service module (``tinysvc:Tiny``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tinysvc.py").write_text(textwrap.dedent(SERVICE))
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PlaneThread:
    """A :class:`DeploymentPlane` plus the standalone deployment server, on an event loop in a thread."""

    def __init__(self, settings: Any, **options: Any) -> None:
        import uvicorn

        from argento.deployments.plane import DeploymentPlane
        from argento.server.routes.deployments import standalone_app

        options.setdefault("reuse_env", True)
        self.plane = DeploymentPlane(settings, **options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = standalone_app(settings, self.plane)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            loop="asyncio",
            http="httptools",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server._serve())

    def __enter__(self) -> PlaneThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("deployment server did not start")
            time.sleep(0.01)
        return self

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        """Run a plane coroutine on the plane's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self, *, stop_replicas: bool = True) -> None:
        self.plane_close_replicas = stop_replicas
        if stop_replicas:
            with contextlib.suppress(Exception):
                self.call(self.plane.close(stop_replicas=True), timeout=30)
        self.server.should_exit = True
        self.thread.join(30)

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class LoadResult:
    """What a load run saw."""

    ok: int = 0
    failed: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    variants: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.ok + self.failed


class Load:
    """A steady load generator on its own thread: ``concurrency`` workers POSTing until stopped.

    Bounded: at most ``max_requests`` requests and ``max_seconds`` seconds, only to ``url`` (127.0.0.1).
    """

    def __init__(
        self,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        concurrency: int = 4,
        max_requests: int = 50_000,
        max_seconds: float = 60.0,
        headers: dict[str, str] | None = None,
        pace: float = 0.0,
    ) -> None:
        assert url.startswith("http://127.0.0.1:"), "load goes to 127.0.0.1 only"
        self.url = url
        self.body = body or {"x": 1.0}
        self.concurrency = concurrency
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.headers = headers or {}
        self.pace = pace
        self.result = LoadResult()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _worker(self, client: httpx.AsyncClient, deadline: float) -> None:
        r = self.result
        while not self._stop.is_set() and time.monotonic() < deadline and r.total < self.max_requests:
            try:
                resp = await client.post(self.url, json=self.body, headers=self.headers)
                if resp.status_code == 200:
                    r.ok += 1
                    r.labels[resp.json().get("label", "?")] += 1
                    r.variants[resp.headers.get("x-argento-variant", "?")] += 1
                else:
                    r.failed += 1
                    r.errors.append(f"{resp.status_code} {resp.text[:200]}")
            except httpx.HTTPError as exc:
                r.failed += 1
                r.errors.append(f"{type(exc).__name__}: {exc}")
            if self.pace:
                await asyncio.sleep(self.pace)

    async def _main(self) -> None:
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            deadline = time.monotonic() + self.max_seconds
            await asyncio.gather(*(self._worker(client, deadline) for _ in range(self.concurrency)))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def wait_for(self, n: int, timeout: float = 30) -> None:
        """Block until at least ``n`` requests were answered."""
        deadline = time.monotonic() + timeout
        while self.result.total < n and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


@contextlib.contextmanager
def plane(settings: Any, **options: Any) -> Iterator[PlaneThread]:
    """A running control plane whose replicas are stopped at the end."""
    with PlaneThread(settings, **options) as p:
        yield p
