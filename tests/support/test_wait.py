from __future__ import annotations

import asyncio
import itertools

import pytest
from wait import NotYet, eventually, eventually_async


def test_returns_the_first_value_that_satisfies() -> None:
    counter = itertools.count()
    assert eventually(lambda: next(counter), until=lambda n: n >= 3, interval=0) == 3


def test_failure_names_what_and_shows_the_last_value() -> None:
    with pytest.raises(NotYet, match=r"not within 0.05s: phase is Succeeded; last value: 'Running'"):
        eventually(
            lambda: "Running", until=lambda p: p == "Succeeded", timeout=0.05, what="phase is Succeeded"
        )


def test_ignored_errors_are_not_yet_and_reported() -> None:
    attempts = iter([ConnectionError("refused"), ConnectionError("refused"), "up"])

    def probe() -> str:
        value = next(attempts)
        if isinstance(value, Exception):
            raise value
        return value

    assert eventually(probe, ignore=(ConnectionError,), interval=0) == "up"
    with pytest.raises(NotYet, match="last error: ConnectionError: refused"):
        eventually(
            lambda: (_ for _ in ()).throw(ConnectionError("refused")), ignore=(ConnectionError,), timeout=0.05
        )
    with pytest.raises(ValueError):  # an error not listed is a failure at once
        eventually(lambda: int("x"), timeout=5)


def test_async_probe_may_be_a_coroutine() -> None:
    counter = itertools.count()

    async def probe() -> int:
        return next(counter)

    async def main() -> int:
        return await eventually_async(probe, until=lambda n: n == 2, interval=0)

    assert asyncio.run(main()) == 2
