"""``eventually``: the one way tests wait for something (instead of a fixed ``time.sleep`` and a hope).

    job = eventually(lambda: api.get(name), until=lambda wf: wf["phase"] == "Succeeded", what="workflow done")
    eventually(lambda: path.exists(), timeout=5)             # a predicate alone: its value must become truthy
    await eventually_async(lambda: runner.state.phase == "Running")

``eventually`` calls ``probe`` every ``interval`` seconds until ``until(value)`` holds (default: the value is
truthy) and returns that value; after ``timeout`` seconds the test fails with ``what`` and the LAST value seen
(or the last exception the probe raised), so a failure says what the system looked like, not just "timed out".
Exceptions listed in ``ignore`` (say ``httpx.TransportError`` while a server starts) count as "not yet".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING: Any = object()


class NotYet(AssertionError):
    """The condition did not hold within the timeout."""


def _describe(
    what: str, probe: Callable[..., Any], timeout: float, last: Any, error: BaseException | None
) -> str:
    name = what or getattr(probe, "__qualname__", repr(probe))
    seen = "no value (the probe never returned)" if last is _MISSING else f"last value: {last!r}"
    if error is not None:
        seen += f"; last error: {type(error).__name__}: {error}"
    text = f"not within {timeout:g}s: {name}; {seen}"
    return text if len(text) <= 4000 else text[:4000] + " …"


def eventually(
    probe: Callable[[], T],
    *,
    until: Callable[[T], object] = bool,
    timeout: float = 20.0,
    interval: float = 0.02,
    what: str = "",
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll ``probe()`` until ``until(value)`` is true; return that value or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = _MISSING
    error: BaseException | None = None
    while True:
        try:
            last = probe()
        except ignore as exc:
            error = exc
        else:
            if until(last):
                return last
        if time.monotonic() >= deadline:
            raise NotYet(_describe(what, probe, timeout, last, error))
        time.sleep(interval)


async def eventually_async(
    probe: Callable[[], T | Awaitable[T]],
    *,
    until: Callable[[T], object] = bool,
    timeout: float = 20.0,
    interval: float = 0.02,
    what: str = "",
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """:func:`eventually` on an event loop: ``probe`` may be a coroutine function; waiting yields to the loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = _MISSING
    error: BaseException | None = None
    while True:
        try:
            value = probe()
            last = await value if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future) else value
        except ignore as exc:
            error = exc
        else:
            if until(last):
                return last
        if loop.time() >= deadline:
            raise NotYet(_describe(what, probe, timeout, last, error))
        await asyncio.sleep(interval)
