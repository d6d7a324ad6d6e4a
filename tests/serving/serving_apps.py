"""Services the serving tests run (importable as ``serving_apps:<Class>`` from this folder)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from pydantic import BaseModel

import argento
from argento.io import JSON, Multipart, Text


class Point(BaseModel):
    x: float
    y: float


@argento.service(traffic={"timeout": 1.0, "max_body_size": 64 * 1024})
class Echo:
    """Echo and friends: the error contract, in one service."""

    def __init__(self) -> None:
        self.hits = 0

    @argento.api(input=JSON(), output=JSON())
    async def echo(self, data: object) -> object:
        return data

    @argento.api(input=JSON(), output=JSON())
    def echo_sync(self, data: object) -> object:
        return data

    @argento.api
    def add(self, a: int, b: int = 1) -> int:
        return a + b

    @argento.api
    def norm(self, p: Point) -> float:
        return (p.x**2 + p.y**2) ** 0.5

    @argento.api(input=Text(), output=Text())
    def shout(self, text: str) -> str:
        return text.upper()

    @argento.api
    def boom(self, secret: str) -> str:
        raise RuntimeError(f"leaked {secret}")

    @argento.api
    def hang(self, seconds: float) -> float:
        time.sleep(seconds)
        return seconds

    @argento.api
    async def ahang(self, seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    @argento.api(input=JSON(), output=JSON(), batchable=True, max_batch_size=4, max_latency_ms=10_000)
    def slow_batch(self, seconds: list[float]) -> list[float]:
        time.sleep(max(seconds))
        return seconds

    @argento.api
    def with_ctx(self, name: str, ctx: argento.Context) -> dict:
        ctx.response.headers["x-hello"] = name
        ctx.response.status_code = 201
        return {"rid": ctx.request_id, "agent": ctx.request.headers.get("user-agent", "")}

    @argento.api
    def count(self, n: int) -> Iterator[str]:
        for i in range(n):
            yield f"{i}\n"

    @argento.api
    async def events(self, n: int) -> AsyncIterator[dict]:
        for i in range(n):
            yield {"i": i}

    @argento.api(input=Multipart(note=Text(), meta=JSON()), output=JSON())
    def form(self, note: str, meta: dict) -> dict:
        return {"note": note, "meta": meta}


@argento.service(traffic={"timeout": 0.5, "max_concurrency": 2})
class Limited:
    """Two slots; the hang API holds them."""

    @argento.api
    def work(self, ms: float) -> float:
        time.sleep(ms / 1000)
        return ms


@argento.service(traffic={"timeout": 5, "max_concurrency": 1, "max_queue": 4})
class Queued:
    """One slot and a queue of four."""

    @argento.api
    async def work(self, ms: float) -> float:
        await asyncio.sleep(ms / 1000)
        return ms


@argento.service
class Hooks:
    """Lifecycle hooks and a dependency."""

    marker: Path | None = None
    echo = argento.depends(Echo)

    def __init__(self) -> None:
        self.started = False

    @argento.on_startup
    async def warm(self) -> None:
        await asyncio.sleep(0.01)
        self.started = True

    @argento.on_shutdown
    def bye(self) -> None:
        if Hooks.marker is not None:
            Hooks.marker.write_text("bye")

    @argento.api
    async def status(self) -> dict:
        return {"started": self.started, "echo": await self.echo.echo("via dependency")}


@argento.service
class SlowStart:
    """Takes a while to load (readiness must wait)."""

    def __init__(self) -> None:
        time.sleep(1.5)

    @argento.api
    def ping(self) -> str:
        return "pong"


@argento.service
class Broken:
    """Fails in __init__ (the server must exit with a one-line error)."""

    def __init__(self) -> None:
        raise RuntimeError("model file missing")

    @argento.api
    def ping(self) -> str:
        return "pong"


@argento.service(traffic={"timeout": 5})
class CostlyBatch:
    """A model whose call costs 5 ms + 0.1 ms per row: batching pays."""

    @argento.api(batchable=True, max_batch_size=32, max_latency_ms=200)
    def predict(self, rows: list[float]) -> list[float]:
        time.sleep(0.005 + 0.0001 * len(rows))
        return [r * 2 for r in rows]


def _array_apis() -> type:
    from argento.io import NumpyNdarray, PandasDataFrame

    @argento.service(traffic={"timeout": 2})
    class Arrays:
        """Strict array inputs (dtype and shape)."""

        @argento.api(
            input=NumpyNdarray(dtype="float32", shape=(-1, 4), enforce_dtype=True, enforce_shape=True),
            output=NumpyNdarray(),
        )
        def strict(self, a: object) -> object:
            return a

        @argento.api(input=PandasDataFrame(columns=["a", "b"]), output=PandasDataFrame())
        def frame(self, df: object) -> object:
            return df

    return Arrays


try:
    Arrays = _array_apis()
except ImportError:  # numpy/pandas missing: the tests that need them skip
    Arrays = None  # type: ignore[assignment,misc]


@argento.service(traffic={"timeout": 2, "max_concurrency": 4})
class Capacity:
    """Four slots of 20 ms each: capacity ~200 requests/s."""

    @argento.api
    def work(self, ms: float) -> float:
        time.sleep(ms / 1000)
        return ms

    @argento.api
    def fail_big(self, n: int) -> int:
        ballast = bytearray(n)  # held by the traceback frame: must not be retained by the runtime
        raise RuntimeError(f"failed with {len(ballast)} bytes")  # a bug (500), not a rejected input

    @argento.api
    def churn(self, n: int) -> int:
        return len(bytearray(n))


@argento.service(traffic={"timeout": 1.0})
class Gate:
    """Sync APIs for the inline/thread decision: each answers with the thread that ran it."""

    @argento.api(input=JSON(), output=JSON())
    def seed_style(self, input_data: dict) -> dict:
        """The seed's style: a sync predict on a JSON descriptor; sleeps ``delay`` seconds when asked."""
        if input_data.get("delay"):
            time.sleep(input_data["delay"])
        return {"thread": threading.current_thread().name}

    @argento.api
    def slow(self, ms: float) -> dict:
        time.sleep(ms / 1000)
        return {"thread": threading.current_thread().name}

    @argento.api(run_inline=False)
    def never(self) -> dict:
        return {"thread": threading.current_thread().name}

    @argento.api(run_inline=True)
    def always(self) -> dict:
        return {"thread": threading.current_thread().name}

    @argento.api
    def nested(self, x: int) -> dict:
        """Sync code that runs its own event loop (fine in a thread, impossible on the serving loop's)."""

        async def double() -> int:
            return 2 * x

        return {"value": asyncio.run(double()), "thread": threading.current_thread().name}
