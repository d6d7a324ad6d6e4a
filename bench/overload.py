"""R3 (SPEC §6): a service at twice its capacity for minutes — the excess is refused fast, the admitted stay
within the timeout, and the server's memory stays flat.

    python bench/overload.py [--minutes 5] [--rate 400]

The service (`argento_apps:Capacity`: four concurrency slots, 20 ms of work each, so ~200 requests/s) runs as
`argento serve`, pinned to core 0. This process is the load generator: an open loop (requests are sent on a
schedule, not when earlier ones return) over keep-alive connections to 127.0.0.1, pinned to core 1 when
`taskset` exists. Every minute it prints the window's statuses, latencies and the server's RSS; at the end a
table with the goals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx

from serving import APPS, argento_cmd, free_port, server_process

GOALS = "excess refused fast (429/503, p99 < 250 ms); admitted p99 ≤ traffic.timeout (2 s); RSS growth ≤ 10 %"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else float("nan")


class Pool:
    """Keep-alive HTTP/1.1 connections on asyncio streams: cheap enough to offer hundreds of requests/s."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes) -> int:
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        while self.idle:  # the server closes connections idle past its keep-alive timeout: skip those
            reader, writer = self.idle.pop()
            writer.write(request)
            line = await reader.readline()
            if line:
                return await self._finish(reader, writer, line)
            writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(request)
        return await self._finish(reader, writer, await reader.readline())

    async def _finish(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes) -> int:
        status = int(line.split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        self.idle.append((reader, writer))
        return status


async def drive(port: int, pid: int, rate: float, minutes: float) -> dict[str, object]:
    pool = Pool(port)
    body = json.dumps({"ms": 20}).encode()
    window: list[tuple[int, float]] = []
    everything: list[tuple[int, float]] = []

    async def one() -> None:
        started = time.perf_counter()
        try:
            status = await pool.post("/work", body)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            status = -1
        window.append((status, time.perf_counter() - started))

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    rss = [rss_kib(pid)]
    start = loop.time()
    sent, minute = 0, 1
    while (now := loop.time()) - start < minutes * 60:
        while sent < int((now - start) * rate):
            task = asyncio.create_task(one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if now - start >= minute * 60:
            rss.append(rss_kib(pid))
            report(f"minute {minute}", window, rss[-1])
            everything += window
            window.clear()
            minute += 1
        await asyncio.sleep(0.002)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    rss.append(rss_kib(pid))
    everything += window
    return {"results": everything, "rss": rss, "seconds": loop.time() - start}


def report(label: str, results: list[tuple[int, float]], rss: int) -> None:
    admitted = [t for s, t in results if s == 200]
    refused = [t for s, t in results if s in (429, 503)]
    other = len(results) - len(admitted) - len(refused)
    print(f"  {label}: {len(results)} requests, {len(admitted)} admitted (p99 {pct(admitted, 0.99):.0f} ms), "
          f"{len(refused)} refused (p99 {pct(refused, 0.99):.1f} ms), {other} other; RSS {rss / 1024:.1f} MiB",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=400.0, help="offered requests/s (capacity is ~200)")
    args = parser.parse_args()
    if os.cpu_count() and os.cpu_count() > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    port = free_port()
    print(f"R3: {args.rate:g} requests/s offered to a ~200 requests/s service for {args.minutes:g} min; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    with server_process(argento_cmd("argento_apps:Capacity", port), port, cwd=APPS) as (url, proc):
        for _ in range(20):  # warm up
            httpx.post(url + "/work", json={"ms": 1})
        out = asyncio.run(drive(port, proc.pid, args.rate, args.minutes))
    results: list[tuple[int, float]] = out["results"]  # type: ignore[assignment]
    rss: list[int] = out["rss"]  # type: ignore[assignment]
    admitted = [t for s, t in results if s == 200]
    refused = [t for s, t in results if s in (429, 503)]
    statuses = sorted({s for s, _ in results})
    growth = (rss[-1] - rss[1]) / rss[1] * 100 if len(rss) > 2 else (rss[-1] - rss[0]) / rss[0] * 100
    print("\n| offered | requests | admitted | admitted p50/p99 ms | refused | refused p50/p99 ms | statuses "
          "| RSS MiB (after 1 min → end) | growth |")
    print("|---:|---:|---:|---|---:|---|---|---|---:|")
    print(f"| {len(results) / out['seconds']:.0f}/s | {len(results):,} | {len(admitted):,} "  # type: ignore[operator]
          f"({len(admitted) / out['seconds']:.0f}/s) | {pct(admitted, 0.5):.0f} / {pct(admitted, 0.99):.0f} "  # type: ignore[operator]
          f"| {len(refused):,} | {pct(refused, 0.5):.1f} / {pct(refused, 0.99):.1f} | {statuses} "
          f"| {rss[min(1, len(rss) - 1)] / 1024:.1f} → {rss[-1] / 1024:.1f} | {growth:+.1f} % |")
    ok = (set(statuses) <= {200, 429, 503} and pct(refused, 0.99) < 250 and pct(admitted, 0.99) <= 2000
          and growth <= 10)
    print(f"\ngoals: {GOALS} → {'met' if ok else 'NOT met'}; load average {os.getloadavg()[0]:.2f} at end")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
