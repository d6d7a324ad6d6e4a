"""Server test helpers: an in-process app (httpx's ASGI transport) or a real server process on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from wait import eventually_async

from argento.config import Settings
from argento.executors.base import PodSpec, StepResult
from argento.executors.fake import FakeExecutor
from argento.server import context_of, create_app, starlette_app
from argento.server.context import Context


def echo_script(pod: PodSpec) -> StepResult:
    """The fake executor's step: ``echo X`` prints X; ``exit N`` fails with N."""
    words = [*pod.command, *pod.args]
    text = " ".join(words[2:]) if words[:2] == ["sh", "-c"] else " ".join(words)
    if pod.script_source is not None:
        text = pod.script_source
    if text.startswith("exit "):
        code = int(text.split()[1])
        return StepResult(exit_code=code, message=f"Error (exit code {code})")
    out = text[5:] if text.startswith("echo ") else text
    return StepResult(exit_code=0, result=out)


def hello(
    name: str = "",
    *,
    generate: str = "hello-",
    steps: int = 1,
    cmd: str = "echo hi",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A workflow of ``steps`` sequential container steps running ``cmd``."""
    meta: dict[str, Any] = {"name": name} if name else {"generateName": generate}
    if labels:
        meta["labels"] = labels
    if steps == 1:
        templates = [
            {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c"], "args": [cmd]}}
        ]
    else:
        templates = [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "step"}] for i in range(steps)]},
            {"name": "step", "container": {"image": "alpine", "command": ["sh", "-c"], "args": [cmd]}},
        ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": {"entrypoint": "main", "templates": templates},
    }


@contextlib.asynccontextmanager
async def serve(settings: Settings, **kwargs: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Context]]:
    """The app in-process, lifespan included."""
    kwargs.setdefault("executor", FakeExecutor(echo_script))
    kwargs.setdefault("executor_name", "fake")
    app = create_app(settings, **kwargs)
    inner = starlette_app(app)
    async with inner.router.lifespan_context(inner):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client, context_of(app)


async def wait_phase(
    client: httpx.AsyncClient,
    name: str,
    phases: tuple[str, ...] = ("Succeeded", "Failed", "Error"),
    ns: str = "argo",
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Poll until the workflow reaches one of ``phases``."""

    async def fetch() -> tuple[int, dict[str, Any]]:
        r = await client.get(f"/api/v1/workflows/{ns}/{name}")
        return r.status_code, r.json()

    def reached(answer: tuple[int, dict[str, Any]]) -> bool:
        status, wf = answer
        return status == 200 and (wf.get("status") or {}).get("phase") in phases

    what = f"workflow {name} in {phases}"
    return (await eventually_async(fetch, until=reached, timeout=timeout, what=what))[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``argento server`` as a real subprocess on a free port."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("ARGENTO_")}  # no stray settings
        self.env = {**inherited, "ARGENTO_HOME": str(home), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / f"server-{self.port}.log"

    def start(self, timeout: float = 20.0) -> ServerProcess:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "argento.cli.main", "server", "--port", str(self.port), *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not start: {self.log.read_text()[-3000:]}")

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
