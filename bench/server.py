"""Load benchmark of ``argento server`` (issue 5 item 9): hello-world workflows through the REST API.

Starts a real server (``--executor fake`` isolates the API and the store; ``local`` runs real processes),
submits N workflows from C concurrent clients, polls ``GET`` of a workflow and ``/healthz`` (the bare HTTP
baseline) while that runs, waits until every workflow has finished, and prints a table.

    python bench/server.py                      # 500 workflows, fake and local executors, SQLite
    python bench/server.py -n 200 --executor local --database postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def hello(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "hello-world-", "labels": {"bench": "1"}},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "container": {"image": "busybox", "command": ["echo"], "args": [f"hello world {i}"]},
                }
            ],
        },
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, executor: str, database: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="argento-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ARGENTO_HOME": str(self.home)}
        if database:
            env["ARGENTO_DATABASE_URL"] = database
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "argento.cli.main",
                "server",
                "--port",
                str(self.port),
                "--executor",
                executor,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.home / "server.log").open("wb"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise SystemExit("server did not start: " + (self.home / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def run(url: str, n: int, concurrency: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        submit: list[float] = []
        gets: list[float] = []
        health: list[float] = []
        names: list[str] = []
        queue = list(range(n))
        done_submitting = asyncio.Event()

        async def submitter() -> None:
            while queue:
                i = queue.pop()
                t0 = time.perf_counter()
                r = await client.post("/api/v1/workflows/argo", json={"workflow": hello(i)})
                submit.append(time.perf_counter() - t0)
                r.raise_for_status()
                names.append(r.json()["metadata"]["name"])

        async def poller() -> None:
            while not done_submitting.is_set():
                if names:
                    t0 = time.perf_counter()
                    (await client.get(f"/api/v1/workflows/argo/{names[-1]}")).raise_for_status()
                    gets.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await client.get("/healthz")
                health.append(time.perf_counter() - t0)
                await asyncio.sleep(0.005)

        t_start = time.perf_counter()
        poll = asyncio.create_task(poller())
        await asyncio.gather(*(submitter() for _ in range(concurrency)))
        t_submitted = time.perf_counter()
        while True:  # until every workflow has finished
            r = await client.get(
                "/api/v1/workflows/argo",
                params={
                    "listOptions.labelSelector": "bench=1,workflows.argoproj.io/completed=true",
                    "fields": "items.metadata.name",
                },
            )
            finished = len(r.json().get("items") or [])
            if finished >= n:
                break
            await asyncio.sleep(0.05)
        t_done = time.perf_counter()
        done_submitting.set()
        await poll
        failed = (
            await client.get(
                "/api/v1/workflows/argo",
                params={
                    "listOptions.labelSelector": "bench=1,workflows.argoproj.io/phase!=Succeeded",
                    "fields": "items.metadata.name",
                },
            )
        ).json().get("items") or []
    return {
        "submit_per_s": n / (t_submitted - t_start),
        "completed_per_s": n / (t_done - t_start),
        "submit_p50": pct(submit, 0.50),
        "submit_p99": pct(submit, 0.99),
        "get_p50": pct(gets, 0.50),
        "get_p99": pct(gets, 0.99),
        "get_n": len(gets),
        "health_p99": pct(health, 0.99),
        "failed": len(failed),
        "mean_submit": statistics.fmean(submit) * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500, help="workflows to submit")
    ap.add_argument("-c", "--concurrency", type=int, default=16, help="concurrent clients")
    ap.add_argument(
        "--executor", action="append", choices=["fake", "local"], help="repeatable (default: both)"
    )
    ap.add_argument("--database", default="", help="ARGENTO_DATABASE_URL (default: SQLite in a temp home)")
    args = ap.parse_args()
    rows = []
    for executor in args.executor or ["fake", "local"]:
        server = Server(executor, args.database)
        try:
            rows.append((executor, asyncio.run(run(server.url, args.n, args.concurrency))))
        finally:
            server.stop()
    db = "postgresql" if args.database.startswith("postgres") else "sqlite"
    print(
        f"\n{args.n} hello-world workflows, {args.concurrency} concurrent clients, {db}, {os.cpu_count()} cores"
    )
    print(
        f"{'executor':<9}{'submit/s':>10}{'done/s':>9}{'submit p50':>12}{'submit p99':>12}"
        f"{'GET p50':>10}{'GET p99':>10}{'healthz p99':>13}{'failed':>8}"
    )
    for executor, r in rows:
        print(
            f"{executor:<9}{r['submit_per_s']:>10.1f}{r['completed_per_s']:>9.1f}{r['submit_p50']:>10.1f}ms"
            f"{r['submit_p99']:>10.1f}ms{r['get_p50']:>8.1f}ms{r['get_p99']:>8.1f}ms{r['health_p99']:>11.1f}ms"
            f"{r['failed']:>8}"
        )


if __name__ == "__main__":
    main()
