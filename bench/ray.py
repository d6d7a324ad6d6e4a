"""Ray benchmarks (issue 9): the P3 fan-out on the ``ray`` executor next to ``local``, in the same run.

    python bench/ray.py            # re-executes itself in a private network namespace (needs root)

Rows (then a serving comparison: a 2-replica deployment on the ``local`` and ``ray`` (Ray Serve) backends,
time to ready and requests through the gateway):
- Ray start-up: ``ray.init`` of a local 2-CPU cluster (paid once per engine process, or never with
  ``ARGENTO_RAY_ADDRESS``).
- P3 on ``local``: 1,000-item ``withSequence`` fan-out of ``true`` (the engine benchmark's workflow).
- P3 on ``ray``, cold (the first run starts Ray's worker processes) and warm, with no cpu request (one CPU
  per step: two at a time on two cores) and with ``cpu: 250m`` (eight at a time).
- The floor: 1,000 bare Ray tasks that each ``subprocess.run(["true"])`` — what Ray itself costs per step.

Why a namespace: Ray binds the machine's non-loopback interface even when asked for 127.0.0.1; in a fresh
network namespace loopback is all there is (see tests/ray/netns.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# This file is called ray.py: drop its folder from the path so that `import ray` is Ray.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from argento.config import Settings  # noqa: E402 (after the path fix above)
from argento.engine import RunOptions, WorkflowRunner  # noqa: E402

N = 1000
ROWS: list[tuple[str, str, str]] = []


def row(what: str, value: str, note: str = "") -> None:
    ROWS.append((what, value, note))
    print(f"{what:58} {value:>12}  {note}", flush=True)


def fanout(n: int, cpu: str | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"image": "alpine", "command": ["true"]}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"fanout-{n}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "t", "template": "true", "withSequence": {"count": str(n)}}]]},
                {"name": "true", "container": container},
            ],
        },
    }


def run_workflow(wf: dict[str, Any], executor: str) -> float:
    async def go() -> float:
        with tempfile.TemporaryDirectory() as home:
            settings = Settings.from_env({"ARGENTO_HOME": home})
            runner = WorkflowRunner(wf, RunOptions(settings=settings, executor_name=executor))
            start = time.perf_counter()
            try:
                result = await runner.run()
            finally:
                await runner.executor.close()
            took = time.perf_counter() - start
            assert result["status"]["phase"] == "Succeeded", result["status"].get("message")
            return took

    return asyncio.run(go())


def bare_ray_tasks(n: int) -> float:
    import ray

    @ray.remote(num_cpus=1)
    def true() -> int:
        return subprocess.run(["true"]).returncode

    ray.get([true.remote() for _ in range(4)])
    start = time.perf_counter()
    ray.get([true.remote() for _ in range(n)])
    return time.perf_counter() - start


SERVICE = """
import argento.serving as s


@s.service(name="echo")
class Echo:
    @s.api
    def predict(self, x: float = 1.0) -> dict:
        return {"y": x * 2}
"""


def serving(backend: str, requests: int = 2000, concurrency: int = 16) -> tuple[float, float, float]:
    """A 2-replica deployment on ``backend`` behind the gateway: (seconds to ready, req/s, p99 ms)."""
    import threading

    import httpx
    import uvicorn

    from argento.deployments.plane import DeploymentPlane
    from argento.server.routes.deployments import standalone_app

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "echosvc.py").write_text(SERVICE)
        settings = Settings.from_env({"ARGENTO_HOME": f"{tmp}/home"})
        plane = DeploymentPlane(settings, reuse_env=True)
        loop = asyncio.new_event_loop()
        server = uvicorn.Server(uvicorn.Config(standalone_app(settings, plane), host="127.0.0.1", port=0,
                                               log_level="warning", lifespan="on", access_log=False))
        thread = threading.Thread(target=lambda: loop.run_until_complete(server.serve()), daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]

        def call(coro: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(300)

        body = {"name": "echo", "backend": backend, "replicas": 2,
                "variants": [{"name": "main", "service": "echosvc:Echo", "working_dir": tmp}]}
        start = time.perf_counter()
        call(plane.create(body))
        call(plane.wait("echo", timeout=240))
        ready = time.perf_counter() - start
        url = f"http://127.0.0.1:{port}/deployments/echo/predict"

        async def load() -> tuple[float, list[float]]:
            latencies: list[float] = []
            async with httpx.AsyncClient(timeout=30) as client:
                async def worker(n: int) -> None:
                    for _ in range(n):
                        t = time.perf_counter()
                        r = await client.post(url, json={"x": 2})
                        r.raise_for_status()
                        latencies.append(time.perf_counter() - t)

                t0 = time.perf_counter()
                await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))
                return time.perf_counter() - t0, latencies

        took, latencies = asyncio.run(load())
        call(plane.delete("echo", wait=True, timeout=120))
        call(plane.close(stop_replicas=True))
        server.should_exit = True
        thread.join(30)
    latencies.sort()
    return ready, len(latencies) / took, 1000 * latencies[int(0.99 * (len(latencies) - 1))]


def main(argv: list[str]) -> int:
    from argento.executors.ray_cluster import CLUSTER

    which = set(argv) or {"p3", "serve"}
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    if "p3" in which:
        local = run_workflow(fanout(N), "local")
        row(f"P3 {N}-step fan-out, local executor", f"{local:.2f} s", "goal ≤ 5 s")
    start = time.perf_counter()
    CLUSTER.connect("", init_options={"_temp_dir": temp, "num_cpus": 2})
    row("Ray start-up (ray.init, local 2-CPU cluster)", f"{time.perf_counter() - start:.2f} s", "once per process")
    try:
        if "p3" in which:
            p3_on_ray(local)
        if "serve" in which:
            for backend in ("local", "ray"):
                ready, rps, p99 = serving(backend)
                row(f"2-replica deployment, {backend} backend: create → ready", f"{ready:.2f} s")
                row(f"  through the gateway, c=16 ({backend})", f"{rps:.0f} req/s", f"p99 {p99:.1f} ms")
    finally:
        CLUSTER.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    print("\n| what | time | note |\n|---|---|---|")
    for what, value, note in ROWS:
        print(f"| {what} | {value} | {note} |")
    return 0


def p3_on_ray(local: float) -> None:
    """The fan-out on the ray executor: cold, warm, with small cpu requests, and Ray's own floor."""
    cold = run_workflow(fanout(N), "ray")
    row(f"P3 {N}-step fan-out, ray executor, cold workers", f"{cold:.2f} s", "1 CPU per step: 2 at a time")
    warm = run_workflow(fanout(N), "ray")
    row(f"P3 {N}-step fan-out, ray executor, warm", f"{warm:.2f} s",
        f"{warm / local:.1f}x local, {1000 * warm / N:.1f} ms/step")
    small = run_workflow(fanout(N, "250m"), "ray")
    row(f"P3 {N}-step fan-out, ray, cpu: 250m (8 at a time)", f"{small:.2f} s", "more workers, same 2 cores")
    floor = bare_ray_tasks(N)
    row(f"floor: {N} bare Ray tasks running `true`", f"{floor:.2f} s", f"{1000 * floor / N:.1f} ms/task")


def _in_namespace() -> int:
    """Re-execute inside a fresh network namespace with only loopback (root only)."""
    home = tempfile.mkdtemp(prefix="argento-ray-home-")  # Ray writes its auth token there
    env = {**os.environ, "ARGENTO_RAY_NETNS": "1", "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_AUTO_CONNECT": "0",
           "HOME": home}
    script = 'ip link set lo up && exec "$0" "$@"'
    try:
        return subprocess.call(["unshare", "-n", "sh", "-c", script, sys.executable, __file__, *sys.argv[1:]],
                               env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get("ARGENTO_RAY_NETNS") != "1":
        sys.exit(_in_namespace())
    sys.exit(main(sys.argv[1:]))
