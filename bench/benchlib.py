"""Pieces shared by the serving benchmarks (bench/serving.py, bench/overload.py, bench/peers.py).

A server runs as its own process, optionally pinned to a core with ``taskset``, until a readiness path answers
200; ``wrk`` (Debian package) is the load generator, in its own process, optionally pinned to the other core,
posting one JSON body over keep-alive connections. Everything binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

WORK = Path(tempfile.gettempdir()) / "argento-bench"
IRIS_ROW = [5.1, 3.5, 1.4, 0.2]


@dataclass
class Result:
    bench: str
    name: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    requests: int = 0
    note: str = ""
    ratio: float | None = None
    #: CPU seconds the server's processes used per request during the run, in microseconds (0: not measured).
    cpu_us: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_pin() -> bool:
    return bool(shutil.which("taskset")) and (os.cpu_count() or 1) > 1


def pinned(cmd: list[str], core: int | None) -> list[str]:
    """``cmd`` run on ``core`` only (``None``: wherever the scheduler likes)."""
    return ["taskset", "-c", str(core), *cmd] if core is not None and can_pin() else cmd


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0, path: str = "/readyz"
) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise TimeoutError(f"{url} not ready after {timeout}s")


@contextmanager
def server_process(
    cmd: list[str],
    port: int,
    env: dict[str, str] | None = None,
    ready_path: str = "/readyz",
    cwd: Path | None = None,
    core: int | None = 0,
    timeout: float = 60.0,
    log_name: str | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``cmd`` (on ``core``) in its own session until ``ready_path`` answers 200; yield its URL and process.

    ``taskset`` execs the command, so the process is the server's; its whole process group is stopped at the end
    (SIGTERM, then SIGKILL), which also reaches the worker processes some servers spawn.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    log = open(WORK / (log_name or f"server-{port}.log"), "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        pinned(cmd, core),
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, timeout=timeout, path=ready_path)
        yield url, proc
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM the process group of ``proc`` (started with ``start_new_session``), SIGKILL it after ``grace``."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
    with suppress(ProcessLookupError):  # workers that outlived their parent are still in the group
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wrk(url: str, body: object, connections: int, duration: float, core: int | None = 1) -> Result:
    """Run wrk (one thread, on ``core``) POSTing ``body`` as JSON; parse req/s, p50, p99 and errors."""
    WORK.mkdir(parents=True, exist_ok=True)
    script = WORK / f"post-{os.getpid()}.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    cmd = pinned(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "-s", str(script), url], core
    )
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rps is None or total is None:
        raise RuntimeError(f"wrk failed: {out}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Result(
        "",
        "",
        rps=float(rps.group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        errors=errors,
        requests=int(total.group(1)),
    )


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (a server and the workers it spawned),
    including what their already-reaped children used."""
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:  # the fields after "(command)": state ppid pgrp … utime(11) stime(12) cutime(13) cstime(14)
                stats[int(entry)] = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
    children: dict[int, list[int]] = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        fields = stats.get(current)
        if fields is not None:
            total += sum(int(f) for f in fields[11:15])
        todo.extend(children.get(current, ()))
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return os.getloadavg()[0]


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max) of ``values`` (NaN-free)."""
    return statistics.median(values), min(values), max(values)
