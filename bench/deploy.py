"""Deployment gateway benchmark (SPEC §5 P9): added latency p50 vs a direct call, and canary split accuracy.

    .venv/bin/python bench/deploy.py [--requests 3000] [--split 10000]

A deployment server (the REST API + gateway, as ``argento server`` mounts them) runs in its own process on
uvloop; one replica of a no-op JSON service runs as an ``argento serve`` process. The same keep-alive client
then alternates single requests between the replica directly, the gateway's own port and the server's
``/deployments/<name>/…`` path, so the three latency series share the machine's state. The split run sends
10,000 requests to a 90/10 deployment and counts the ``x-argento-variant`` answers. The last part keeps a
steady load on a 2-replica deployment through a rolling update, a rollback and a ``kill -9`` of a replica
and counts failed requests (SPEC §6 R6).
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
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

SERVICE = """
import argento.serving as s

@s.service(name="noop")
class Noop:
    @s.api
    def predict(self, x: float = 0.0) -> dict:
        return {"y": x}
"""

SERVER = """
import sys, uvicorn
from argento.config import Settings
from argento.deployments.plane import DeploymentPlane
from argento.server.routes.deployments import standalone_app
settings = Settings.from_env()
app = standalone_app(settings, DeploymentPlane(settings, reuse_env=True), stop_replicas=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", loop="uvloop", http="httptools",
            access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def disruptions(base: str, target: dict[str, str]) -> list[tuple[str, int, int]]:
    """Steady load (c=8) on a 2-replica deployment through a rolling update, a rollback and a kill -9."""
    async with httpx.AsyncClient(timeout=30) as api:
        body = {"name": "roll", "replicas": 2, "variants": [{"name": "main", **target, "env": {"V": "1"}}]}
        (await api.post(f"{base}/api/v1/deployments", json=body)).raise_for_status()
        await api.get(f"{base}/api/v1/deployments/roll/wait", params={"timeout": 60}, timeout=70)
        results: list[tuple[str, int, int]] = []
        stop = asyncio.Event()
        tally = {"ok": 0, "failed": 0}

        async def load() -> None:
            async with httpx.AsyncClient(timeout=30) as client:
                while not stop.is_set():
                    try:
                        r = await client.post(f"{base}/deployments/roll/predict", json={"x": 1})
                        tally["ok" if r.status_code == 200 else "failed"] += 1
                    except httpx.HTTPError:
                        tally["failed"] += 1

        async def phase(name: str, action: Any) -> None:
            tally.update(ok=0, failed=0)
            await asyncio.sleep(0.5)
            await action()
            await asyncio.sleep(1.0)
            results.append((name, tally["ok"], tally["failed"]))

        async def update() -> None:
            body["variants"][0]["env"] = {"V": "2"}
            await api.put(f"{base}/api/v1/deployments/roll", json=body)
            await api.get(f"{base}/api/v1/deployments/roll/wait", params={"timeout": 60}, timeout=70)

        async def rollback() -> None:
            await api.post(f"{base}/api/v1/deployments/roll/rollback", json={})
            await api.get(f"{base}/api/v1/deployments/roll/wait", params={"timeout": 60}, timeout=70)

        async def kill() -> None:
            view = (await api.get(f"{base}/api/v1/deployments/roll")).json()
            os.kill(view["status"]["replicas"][0]["pid"], signal.SIGKILL)
            await asyncio.sleep(0.5)
            await api.get(f"{base}/api/v1/deployments/roll/wait", params={"timeout": 60}, timeout=70)

        workers = [asyncio.create_task(load()) for _ in range(8)]
        for name, action in (("rolling update", update), ("rollback", rollback), ("kill -9 a replica", kill)):
            await phase(name, action)
        stop.set()
        await asyncio.gather(*workers)
        return results


async def split_run(url: str, n: int, concurrency: int = 16) -> Counter[str]:
    counts: Counter[str] = Counter()
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal sent
            while sent < n:
                sent += 1
                r = await client.post(url, json={"x": 1})
                counts[r.headers.get("x-argento-variant", f"error {r.status_code}")] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="sequential requests per latency series")
    parser.add_argument("--split", type=int, default=10_000, help="requests of the canary split run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="argento-bench-deploy-"))
    (work / "svc").mkdir()
    (work / "svc" / "noop.py").write_text(textwrap.dedent(SERVICE))
    env = {**os.environ, "ARGENTO_HOME": str(work / "home")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        gw_port = free_port()
        target = {"service": "noop:Noop", "working_dir": str(work / "svc")}
        httpx.post(
            f"{base}/api/v1/deployments",
            json={"name": "noop", "replicas": 1, "gateway_port": gw_port, **target},
        ).raise_for_status()
        view = httpx.get(f"{base}/api/v1/deployments/noop/wait", params={"timeout": 60}, timeout=70).json()
        direct = view["status"]["replicas"][0]["url"]
        series = {
            "direct": f"{direct}/predict",
            "gateway port": f"http://127.0.0.1:{gw_port}/predict",
            "server /deployments": f"{base}/deployments/noop/predict",
        }
        lat: dict[str, list[float]] = {k: [] for k in series}
        with httpx.Client() as client:
            for url in series.values():  # warm up pools and code paths
                for _ in range(200):
                    client.post(url, json={"x": 1})
            for _ in range(args.requests):
                for name, url in series.items():
                    t = time.perf_counter()
                    client.post(url, json={"x": 1})
                    lat[name].append(time.perf_counter() - t)
        body = {
            "name": "split",
            "replicas": 1,
            "variants": [
                {"name": "main", "weight": 90, **target},
                {"name": "canary", "weight": 10, **target},
            ],
        }
        httpx.post(f"{base}/api/v1/deployments", json=body).raise_for_status()
        httpx.get(f"{base}/api/v1/deployments/split/wait", params={"timeout": 60}, timeout=70)
        started = time.perf_counter()
        counts = asyncio.run(split_run(f"{base}/deployments/split/predict", args.split))
        split_seconds = time.perf_counter() - started
        reliability = asyncio.run(disruptions(base, target))
    finally:
        server.terminate()
        server.wait(30)
    p50_direct = statistics.median(lat["direct"])
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'added p50 ms':>14}")
    for name, values in lat.items():
        p50 = statistics.median(values)
        print(
            f"{name:<22}{p50 * 1000:>9.3f}{percentile(values, 0.99) * 1000:>9.3f}{(p50 - p50_direct) * 1000:>14.3f}"
        )
    total = sum(counts.values())
    share = 100 * counts["canary"] / total
    print(
        f"\ncanary split: {counts['canary']}/{total} = {share:.2f} % (weight 10 %, goal 10 ± 1 %), "
        f"main {counts['main']}, other {total - counts['canary'] - counts['main']}; "
        f"{total / split_seconds:.0f} req/s at c=16"
    )
    print(f"\n{'under load (c=8, 2 replicas)':<30}{'ok':>8}{'failed':>8}")
    for name, ok, failed in reliability:
        print(f"{name:<30}{ok:>8}{failed:>8}")


if __name__ == "__main__":
    main()
