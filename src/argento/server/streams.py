"""Streaming responses as Argo Server writes them: ``{"result": …}`` JSON lines, or Server-Sent Events
(``data: {"result": …}``) when the client sends ``Accept: text/event-stream``.

An error raised before the first item is answered as a normal error response; after that the stream carries
Argo's in-band error (``{"error": {"code", "message"}}``) and ends.

In ``client`` auth mode a stream re-checks its token every :data:`RECHECK` seconds (the middleware leaves
``request.state.credential``): a token revoked while a log is followed ends that stream with an in-band
``Unauthenticated`` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from argento.errors import ArgentoError, Unauthenticated
from argento.server.wire import dumps

#: An SSE comment is sent after this many idle seconds so proxies keep the connection open.
HEARTBEAT = 15.0
#: How often an open stream re-checks its token (the auth cache lasts as long).
RECHECK = 5.0


def wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def stream(request: Request, items: AsyncIterator[Any], *, fields: str | None = None) -> Response:
    """Answer with ``items`` as a stream; ``fields`` masks each ``result``."""
    from argento.server.wire import apply_fields

    sse = wants_sse(request)
    still_valid: Callable[[], bool] | None = getattr(request.state, "credential", None)
    iterator = items.__aiter__()
    # Pull the first item now: an error before anything is streamed gets a real status code.
    first: list[Any] = []
    task = asyncio.ensure_future(iterator.__anext__())
    done, _ = await asyncio.wait({task}, timeout=0.05)
    if done:
        with contextlib.suppress(StopAsyncIteration):
            first.append(task.result())
        task = None  # type: ignore[assignment]

    def frame(result: Any) -> bytes:
        body = dumps({"result": apply_fields({"result": result}, fields)["result"] if fields else result})
        return b"data: " + body + b"\n\n" if sse else body + b"\n"

    async def body() -> AsyncIterator[bytes]:
        pending = task
        checked = time.monotonic()
        idle = 0.0
        try:
            for item in first:
                yield frame(item)
            if not first and pending is None:
                return
            while True:
                if still_valid is not None and time.monotonic() - checked >= RECHECK:
                    if not still_valid():
                        raise Unauthenticated("token not valid any more (revoked or expired)")
                    checked = time.monotonic()
                if pending is None:
                    pending = asyncio.ensure_future(iterator.__anext__())
                wait = HEARTBEAT - idle if still_valid is None else min(RECHECK, HEARTBEAT - idle)
                done, _ = await asyncio.wait({pending}, timeout=wait)
                if not done:
                    idle += wait
                    if idle >= HEARTBEAT:
                        idle = 0.0
                        if sse:
                            yield b": heartbeat\n\n"
                    continue
                idle = 0.0
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                yield frame(item)
        except ArgentoError as exc:
            error = dumps({"error": exc.to_dict()})
            yield b"event: error\ndata: " + error + b"\n\n" if sse else error + b"\n"
        finally:
            if pending is not None:
                pending.cancel()
            with contextlib.suppress(Exception):
                await iterator.aclose()  # type: ignore[attr-defined]

    media = "text/event-stream" if sse else "application/json"
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type=media, headers=headers)
