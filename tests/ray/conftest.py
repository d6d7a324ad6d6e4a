"""Fixtures of the Ray tests: one Ray cluster per session, started inside a private network namespace.

Outside that namespace (a plain ``pytest`` run) every test here is skipped with a pointer to
``tests/ray/netns.py``, which ``make test`` runs after the main suite.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ray_support import TestCluster, inside_netns

from argento.config import Settings
from argento.executors import PodSpec

HERE = Path(__file__).resolve().parent
_counter = iter(range(1_000_000))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.ray)
            if not inside_netns():
                item.add_marker(pytest.mark.skip(
                    reason="Ray runs only inside a private network namespace: python tests/ray/netns.py "
                           "(make test runs it)"
                ))


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[TestCluster]:
    """The session's Ray cluster: a 2-CPU head labelled ``pool=head`` (more nodes via ``add_node``)."""
    pytest.importorskip("ray", reason="needs pip install 'argento[ray]'")
    cluster = TestCluster.start()
    yield cluster
    cluster.stop()
    deadline = time.monotonic() + 20
    while (left := cluster.processes()) and time.monotonic() < deadline:
        time.sleep(0.25)
    shutil.rmtree(cluster.temp_dir, ignore_errors=True)
    assert not left, "Ray processes outlived the session:\n" + "\n".join(left)


@pytest.fixture(scope="session")
def big_node(ray_cluster: TestCluster) -> str:
    """A second node with 1 CPU, the custom resource ``big`` and the label ``pool=big``; its node id."""
    return ray_cluster.add_node("big", num_cpus=1, resources={"big": 1}, labels={"pool": "big"})


@pytest.fixture
def ray_settings(tmp_path: Path, ray_cluster: TestCluster) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return Settings.from_env({"ARGENTO_HOME": str(home)})


@pytest.fixture
def make_pod(tmp_path: Path) -> Callable[..., PodSpec]:
    """``make_pod(image, command, args, **fields)`` with a fresh workdir and log path."""

    def make(image: str = "busybox", command: list[str] | None = None, args: list[str] | None = None,
             **kw: Any) -> PodSpec:
        n = next(_counter)
        name = kw.pop("name", f"step{n}")
        workdir = tmp_path / "work" / f"{name}-{n}"
        fields: dict[str, Any] = dict(
            node_id=f"wf-{n}", workflow="wf", template=name, image=image, command=command or [],
            args=args or [], env={}, working_dir=None, script_source=None, requests={}, limits={},
            mounts={}, log_path=workdir / "main.log", workdir=workdir,
        )
        fields.update(kw)
        return PodSpec(**fields)

    return make
