"""Third-party Argo clients against a live ``argento server``.

One real server subprocess per session: 127.0.0.1 on a free port, a temporary ARGENTO_HOME (SQLite), the
local executor. Clients reach it over loopback only (proxy variables are ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def argento_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a live ``argento server`` (stopped at the end of the session)."""
    home = tmp_path_factory.mktemp("compat-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}
    env["ARGENTO_HOME"] = str(home)
    log_path = home / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "argento.cli.main",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--executor",
                "local",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"argento server exited with {proc.returncode}:\n{log_path.read_text()}")
                try:
                    if client.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"argento server did not answer within {START_TIMEOUT}s:\n{log_path.read_text()}"
                    )
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def http(argento_url: str) -> Iterator[httpx.Client]:
    """A plain HTTP client of the live server (for checks the Argo clients do not make)."""
    with httpx.Client(base_url=argento_url, trust_env=False, timeout=10.0) as client:
        yield client


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], *, timeout: float = 20.0) -> Any:
    """Call ``fetch`` until ``done(result)``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not done after {timeout}s: {result}")
        time.sleep(0.1)


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """``wait_until(fetch, done)``: poll with a deadline."""
    return poll
