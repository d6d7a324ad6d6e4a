"""Executor micro-benchmark: per-step cost of the local executor vs a bare ``subprocess.run``.

    python bench/executor_micro.py [N]

Runs N sequential ``sh -c true`` steps for each variant (same process, same run) and a 1,000-step concurrent
fan-out, then prints a table. "overhead" is the mean per-step time minus the bare ``subprocess.run`` mean.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from argento.config import Settings
from argento.executors import FakeExecutor, PodSpec
from argento.executors.local import LocalExecutor


def pod(root: Path, i: int, **kw: object) -> PodSpec:
    wd = root / "steps" / str(i)
    wd.mkdir(parents=True, exist_ok=True)
    return PodSpec(
        node_id=f"n{i}", workflow="bench", template="t", image=str(kw.pop("image", "busybox")),
        command=["sh", "-c"], args=["true"], env={"ARGO_NODE_ID": f"n{i}"}, working_dir=None,
        script_source=None, requests={}, limits={}, mounts={}, log_path=root / "logs" / f"{i}.log",
        workdir=wd, **kw,  # type: ignore[arg-type]
    )


def bare_once() -> float:
    t = time.perf_counter()
    subprocess.run(["sh", "-c", "true"], check=True)
    return time.perf_counter() - t


async def step_once(executor, p: PodSpec) -> float:
    t = time.perf_counter()
    h = await executor.start(p)
    r = await h.wait()
    dt = time.perf_counter() - t
    assert r.exit_code == 0, r
    return dt


async def fanout(executor, root: Path, n: int) -> float:
    pods = [pod(root, 100000 + i) for i in range(n)]
    t = time.perf_counter()
    handles = await asyncio.gather(*(executor.start(p) for p in pods))
    results = await asyncio.gather(*(h.wait() for h in handles))
    assert all(r.exit_code == 0 for r in results)
    return time.perf_counter() - t


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="argento-bench-", dir=os.environ.get("BENCH_DIR")) as d:
        root = Path(d)
        settings = Settings(home=root / "home")
        ns = LocalExecutor(settings, isolation="namespace")
        rw = LocalExecutor(settings, isolation="rewrite")
        fake = FakeExecutor(record=False)
        try:  # what an unprivileged user gets (fork + user namespace); exercised as root too
            us = LocalExecutor(settings, isolation="userns")
            userns = [(f"local [{us.isolation}] /tmp only", us, {})]
        except OSError:
            userns = []
        variants = [
            ("bare subprocess.run", None, {}),
            (f"local [{ns.isolation}] /tmp only", ns, {}),
            (f"local [{ns.isolation}] + private root", ns, {"output_paths": ["/mnt/out/x"]}),
            *userns,
            (f"local [{rw.isolation}]", rw, {}),
            ("fake", fake, {}),
        ]
        times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        # Interleaved, so that background noise hits every variant alike; the first 5 rounds warm up.
        for i in range(n + 5):
            for k, (name, ex, kw) in enumerate(variants):
                dt = bare_once() if ex is None else await step_once(ex, pod(root / str(k), i, **kw))
                if i >= 5:
                    times[name].append(dt)
        base_mean = statistics.mean(times["bare subprocess.run"])
        base_p50 = statistics.median(times["bare subprocess.run"])
        print(f"{n} sequential `sh -c true` steps per variant (interleaved), {os.cpu_count()} cpus")
        print(f"{'variant':36} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'+mean ms':>9} {'+p50 ms':>8}")
        for name, xs in times.items():
            xs_sorted = sorted(xs)
            mean, p50 = statistics.mean(xs), statistics.median(xs)
            print(f"{name:36} {mean * 1e3:8.3f} {p50 * 1e3:8.3f} {xs_sorted[int(len(xs) * 0.95) - 1] * 1e3:8.3f} "
                  f"{(mean - base_mean) * 1e3:9.3f} {(p50 - base_p50) * 1e3:8.3f}")
        seq40 = sum(times[variants[1][0]][:40])
        print(f"\n40 sequential steps (local, {ns.isolation}): {seq40:.3f} s   [P1 goal <= 0.5 s incl. engine]")
        for ex in (ns, rw):
            secs = await fanout(ex, root / f"fan-{ex.isolation}", 1000)
            print(f"1,000-step concurrent fan-out ({ex.isolation}): {secs:.3f} s   [P3 goal <= 5 s incl. engine]")
        await ns.close()
        await rw.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
