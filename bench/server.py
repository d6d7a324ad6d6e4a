"""Load benchmark of ``argento server`` (issue 5 item 9): hello-world workflows through the REST API.

Starts a real server (``--executor fake`` isolates the API and the store; ``local`` runs real processes),
submits N workflows from C concurrent clients, polls ``GET`` of a workflow and ``/healthz`` (the bare HTTP
baseline) while that runs, waits until every workflow has finished, and prints a table.

    python bench/server.py                      # 500 workflows, fake and local executors, SQLite
    python bench/server.py -n 200 --executor local --database postgresql://postgres@127.0.0.1:5432/postgres
    python bench/server.py --executor fake --database sqlite --database postgresql://postgres@127.0.0.1/test \
        --rounds 3                              # issue 18 goal 4: SQLite and PostgreSQL, alternated

Besides the rates and latencies, each row gives the **server's CPU time per workflow** (user + system of the
server process and its children, from /proc): on a shared machine the rates move with the load, the CPU per
workflow far less. One server process runs the API, the store and the engine on one core, so 150
workflows/s needs ≤ 6.7 ms of server CPU per workflow. With ``--rounds`` every configuration runs once per
round (interleaved) and the table gives medians. ``--src DIR`` runs another checkout's ``src``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import load_average, tree_cpu_seconds


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
    def __init__(self, executor: str, database: str, src: Path | None = None) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="argento-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ARGENTO_HOME": str(self.home)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
        if src is not None:
            env["PYTHONPATH"] = str(src.resolve())
        self.dropped_database: tuple[str, str] | None = None
        if database and database != "sqlite":
            if database.startswith("postgres"):
                database = self._fresh_postgres(database)
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

    def _fresh_postgres(self, url: str) -> str:
        """A new, empty database next to the one ``url`` names (dropped at `stop`), as SQLite gets a fresh
        home: the bench's completion poll lists the finished workflows, and a database kept from earlier runs
        made every poll list those too."""
        import psycopg

        base, _, _ = url.rpartition("/")
        name = f"argento_bench_{os.getpid()}_{self.port}"
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.dropped_database = (base + "/postgres", name)
        return f"{base}/{name}"

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.dropped_database is not None:
            import psycopg

            admin_url, name = self.dropped_database
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(url: str, n: int, concurrency: int, pid: int = 0) -> dict[str, float]:
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

        cpu_start = tree_cpu_seconds(pid) if pid else 0.0
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
        cpu = tree_cpu_seconds(pid) - cpu_start if pid else float("nan")
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
        "cpu_ms_per_wf": cpu / n * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500, help="workflows to submit")
    ap.add_argument("-c", "--concurrency", type=int, default=16, help="concurrent clients")
    ap.add_argument(
        "--executor", action="append", choices=["fake", "local"], help="repeatable (default: both)"
    )
    ap.add_argument(
        "--database",
        action="append",
        help="'sqlite' (a temp home's) or a PostgreSQL URL (each run creates and drops a fresh database on "
        "that server); repeatable (default: sqlite)",
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="run every configuration this many times, interleaved"
    )
    ap.add_argument(
        "--src", type=Path, default=None, help="the argento source tree to run (default: installed)"
    )
    ap.add_argument(
        "--before",
        type=Path,
        default=None,
        help="a second source tree, run in the same rounds ([before] rows)",
    )
    args = ap.parse_args()
    trees = [("", args.src)] + ([(" [before]", args.before)] if args.before else [])
    configs = [
        (e + tag, d, src)
        for tag, src in trees
        for e in (args.executor or ["fake", "local"])
        for d in (args.database or ["sqlite"])
    ]
    results: dict[tuple[str, str], list[dict[str, float]]] = {(e, d): [] for e, d, _ in configs}
    loads = []
    for r in range(args.rounds):
        for executor, database, src in configs[r % len(configs) :] + configs[: r % len(configs)]:
            loads.append(load_average())
            server = Server(executor.split(" ")[0], database, src)
            try:
                got = asyncio.run(run(server.url, args.n, args.concurrency, server.proc.pid))
            finally:
                server.stop()
            results[(executor, database)].append(got)
            print(
                f"round {r + 1}: {executor} {_db(database)} {got['completed_per_s']:.1f}/s", file=sys.stderr
            )
    print(
        f"\n{args.n} hello-world workflows, {args.concurrency} concurrent clients, {os.cpu_count()} cores, "
        f"{args.rounds} round(s) (medians), load average {min(loads):.1f}–{max(loads):.1f}\n"
    )
    print(
        "| executor | store | submit/s | done/s | submit p50 | submit p99 | GET p50 | GET p99 | `/healthz` p99 "
        "| server CPU / workflow | failed |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (executor, database), runs in results.items():

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(x[key] for x in runs)

        print(
            f"| {executor} | {_db(database)} | {med('submit_per_s'):.1f} | {med('completed_per_s'):.1f} "
            f"| {med('submit_p50'):.0f} ms | {med('submit_p99'):.0f} ms | {med('get_p50'):.0f} ms "
            f"| {med('get_p99'):.0f} ms | {med('health_p99'):.0f} ms | {med('cpu_ms_per_wf'):.2f} ms "
            f"| {max(x['failed'] for x in runs):.0f} |"
        )


def _db(database: str) -> str:
    return "PostgreSQL" if database.startswith("postgres") else "SQLite"


if __name__ == "__main__":
    main()
