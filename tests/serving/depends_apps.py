"""Services of the composition tests (test_depends.py): a front service and the services it depends on."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

import argento
from argento.io import JSON, NumpyNdarray


@argento.service
class Back:
    """The dependency: type-hinted, descriptor, async and streaming APIs, and its own process id."""

    @argento.api
    def pid(self) -> int:
        return os.getpid()

    @argento.api
    def scale(self, values: list[float], factor: float = 2.0) -> list[float]:
        return [v * factor for v in values]

    @argento.api(
        input=NumpyNdarray(dtype="float64", shape=(-1, 2), enforce_shape=True), output=NumpyNdarray()
    )
    def totals(self, rows: np.ndarray) -> np.ndarray:
        return rows.sum(axis=1)

    @argento.api
    async def hello(self, name: str) -> str:
        return f"hello {name}"

    @argento.api
    def count(self, n: int) -> Iterator[dict]:
        for i in range(n):
            yield {"i": i}


@argento.service
class Middle:
    """A dependency that has a dependency of its own."""

    back = argento.depends(Back)

    @argento.api
    def pids(self) -> dict:
        return {"middle": os.getpid(), "back": self.back.pid()}


@argento.service
class Front:
    """Uses ``Back`` directly and through ``Middle``; every API answers from the dependencies."""

    back = argento.depends(Back)
    middle = argento.depends(Middle)

    def __init__(self) -> None:
        self.factor_at_init = self.back.scale([1.0])[0]  # a dependency is usable in __init__

    @argento.api
    def pids(self) -> dict:
        return {
            "front": os.getpid(),
            "back": self.back.pid(),
            **{f"middle_{k}": v for k, v in self.middle.pids().items()},
        }

    @argento.api
    def where(self) -> str:
        return getattr(self.back, "url", "in-process")

    @argento.api
    def scaled(self, values: list) -> list:
        # `values` is passed through unchecked: the dependency validates it (400 when it is not numbers).
        return [*self.back.scale(values, factor=3.0), self.factor_at_init]

    @argento.api(input=JSON(), output=JSON())
    def totals(self, rows: list) -> list:
        return [float(x) for x in self.back.totals(np.asarray(rows, dtype="float64"))]

    @argento.api
    async def greet(self, name: str) -> str:
        return await self.back.hello(name=name)

    @argento.api
    def counted(self, n: int) -> list:
        return list(self.back.count(n))


@argento.service
class Solo:
    """One dependency only (the lifecycle tests start several of these)."""

    back = argento.depends(Back)

    @argento.api
    def pids(self) -> dict:
        return {"front": os.getpid(), "back": self.back.pid(), "url": getattr(self.back, "url", "")}


@argento.service
class BrokenBack:
    """A dependency that cannot start."""

    def __init__(self) -> None:
        raise RuntimeError("backend model missing")

    @argento.api
    def ping(self) -> str:
        return "pong"


@argento.service
class BrokenFront:
    """Depends on a service that cannot start."""

    back = argento.depends(BrokenBack)

    @argento.api
    def ping(self) -> str:
        return self.back.ping()


@argento.service
class FlakyBack:
    """A dependency that fails to start while the file named by ``FLAKY_BACK_FLAG`` exists (a crash loop)."""

    def __init__(self) -> None:
        flag = os.environ.get("FLAKY_BACK_FLAG")
        if flag and os.path.exists(flag):
            raise RuntimeError("flaky backend is down")

    @argento.api
    def pid(self) -> int:
        return os.getpid()


@argento.service
class FlakyFront:
    back = argento.depends(FlakyBack)

    @argento.api
    def pids(self) -> dict:
        return {"front": os.getpid(), "back": self.back.pid()}
