"""Helpers and fixtures for executor tests: a PodSpec factory and executors in each isolation mode.

Not a conftest.py: other suites import helpers ``from conftest``, and two conftest modules would collide.
Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from argento.config import Settings
from argento.executors import PodSpec
from argento.executors.local import LocalExecutor
from argento.executors.sandbox import detect

_counter = itertools.count()


def _namespace_available() -> bool:
    try:
        spawner = detect("namespace")
    except OSError:
        return False
    spawner.close()
    return True


NAMESPACES = _namespace_available()
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="mount namespaces are not available here")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def make_pod(tmp_path: Path) -> Callable[..., PodSpec]:
    """``make_pod(image, command, args, **fields)`` with a fresh workdir and log path."""

    def make(
        image: str = "busybox", command: list[str] | None = None, args: list[str] | None = None, **kw: Any
    ) -> PodSpec:
        n = next(_counter)
        name = kw.pop("name", f"step{n}")
        workdir = tmp_path / "work" / f"{name}-{n}"
        workdir.mkdir(parents=True)
        fields: dict[str, Any] = dict(
            node_id=f"wf-{n}",
            workflow="wf",
            template=name,
            image=image,
            command=command or [],
            args=args or [],
            env={},
            working_dir=None,
            script_source=None,
            requests={},
            limits={},
            mounts={},
            log_path=tmp_path / "logs" / f"{name}-{n}.log",
            workdir=workdir,
        )
        fields.update(kw)
        return PodSpec(**fields)

    return make


@pytest.fixture(params=["namespace", "userns", "rewrite", "durable"])
def isolation(request: pytest.FixtureRequest) -> str:
    """Each isolation mode; as root, ``userns`` still runs the unprivileged code path (the zygote).

    ``durable`` is the automatic isolation with durable steps (`argento server`'s: spawned, logged and
    recorded by the supervisor, see `argento.executors.supervisor`)."""
    if request.param not in ("rewrite", "durable") and not NAMESPACES:
        pytest.skip("mount namespaces are not available here")
    return request.param


@pytest.fixture
def executor(settings: Settings, isolation: str) -> Iterator[LocalExecutor]:
    """A local executor in each isolation mode (namespace when available, the rewrite fallback, durable)."""
    if isolation == "durable":
        ex = LocalExecutor(settings, kill_grace=2.0, durable=True)
    else:
        ex = LocalExecutor(settings, isolation=isolation, kill_grace=2.0)
    yield ex
    run(ex.close())


@pytest.fixture
def local(settings: Settings) -> LocalExecutor:
    """A local executor with automatic isolation."""
    return LocalExecutor(settings, kill_grace=2.0)


async def run_pod(executor: LocalExecutor, pod: PodSpec):
    handle = await executor.start(pod)
    result = await handle.wait()
    return handle, result
