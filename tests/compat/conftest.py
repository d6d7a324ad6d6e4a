"""Third-party Argo clients against a live ``argento server``.

One real server subprocess per session: 127.0.0.1 on a free port, a temporary ARGENTO_HOME (SQLite), the
local executor. Clients reach it over loopback only (proxy variables are ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from serverconf import ServerProcess
from wait import eventually


@pytest.fixture(scope="session")
def argento_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a live ``argento server`` (stopped at the end of the session)."""
    with ServerProcess(tmp_path_factory.mktemp("compat-home"), "--executor", "local") as proc:
        yield proc.url


@pytest.fixture
def http(argento_url: str) -> Iterator[httpx.Client]:
    """A plain HTTP client of the live server (for checks the Argo clients do not make)."""
    with httpx.Client(base_url=argento_url, trust_env=False, timeout=10.0) as client:
        yield client


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """``wait_until(fetch, done)``: poll ``fetch`` until ``done(result)`` (tests/support/wait.py)."""

    def wait_until(fetch: Callable[[], Any], done: Callable[[Any], bool], *, timeout: float = 20.0) -> Any:
        return eventually(fetch, until=done, timeout=timeout, interval=0.1)

    return wait_until
