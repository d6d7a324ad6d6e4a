"""Helpers of the serving tests: run a service in a thread (in-process uvicorn) or as `argento serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent


@dataclass
class Running:
    url: str
    app: Any = None
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 10), **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(cls: type, **app_kwargs: Any) -> Iterator[Running]:
    """Serve ``cls`` with uvicorn (uvloop, httptools) in a daemon thread on an ephemeral port."""
    import uvicorn

    from argento.serving.app import ServiceApp

    app_kwargs.setdefault("access_log", False)
    app_kwargs.setdefault("background_init", False)
    app = ServiceApp(cls, **app_kwargs)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, loop="uvloop", http="httptools", lifespan="on", log_level="warning",
                            access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the in-thread server did not start")
        time.sleep(0.01)
    try:
        yield Running(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serve_process(
    target: str,
    *args: str,
    cwd: Path = HERE,
    env: dict[str, str] | None = None,
    ready: bool = True,
    log_dir: Path | None = None,
) -> Iterator[Running]:
    """Run ``argento serve target`` in a subprocess; wait for /readyz unless ``ready`` is False."""
    port = free_port()
    log = (log_dir or Path("/tmp")) / f"argento-serve-{port}.log"
    cmd = [sys.executable, "-m", "argento.cli.main", "serve", target, "--port", str(port),
           "--working-dir", str(cwd), *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                start_new_session=True)
    running = Running(url=f"http://127.0.0.1:{port}", proc=proc, log=log)
    try:
        if ready:
            wait_ready(running)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(running: Running, timeout: float = 20.0) -> float:
    """Poll /readyz until 200; returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if running.proc is not None and running.proc.poll() is not None:
            raise RuntimeError(f"server exited: {running.log.read_text() if running.log else ''}")
        try:
            if httpx.get(running.url + "/readyz", timeout=1).status_code == 200:
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"not ready after {timeout}s: {running.log.read_text() if running.log else ''}")


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RawPool:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams, cheap enough to offer hundreds of requests/s
    from the test process (an open-loop load generator must not be the bottleneck)."""

    def __init__(self, url: str, max_connections: int = 256) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.idle: list[tuple[Any, Any]] = []
        self.max_connections = max_connections
        self.opened = 0

    async def post(self, path: str, body: bytes) -> int:
        import asyncio

        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        while True:
            reused = bool(self.idle)
            if reused:
                reader, writer = self.idle.pop()
            else:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                self.opened += 1
            try:
                writer.write(request)
                first = await reader.readline()
            except ConnectionResetError:
                if not reused:
                    raise
                first = b""
            if first or not reused:
                break
            # A kept-alive connection the server closed while idle (its keep-alive timeout): the request never
            # reached it; send it again on another connection, as HTTP clients do.
            writer.close()
        status = int(first.split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
