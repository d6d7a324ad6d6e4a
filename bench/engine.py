"""Engine benchmarks (SPEC §5 P1–P4), each printed next to a baseline measured in the same run.

    python bench/engine.py            # all (P3 with 10,000 items, P4 with 100,000 nodes)
    python bench/engine.py p1 p3      # some
    python bench/engine.py p3q p4q    # quick sizes: 1,000 items, 10,000 nodes

P1  40 sequential `sh -c true` container steps with the local executor vs a bare `subprocess.run` loop; with
    ``p1d`` also with durable steps (`argento server`'s: spawned and recorded by the supervisor, SPEC §6 R1).
P2  the same chain vs a Prefect 3 local flow doing the same subprocess calls (Prefect runs in its own
    virtualenv under /tmp/argento-bench-prefect, created on first use; skipped if it cannot be installed).
P3  a 10,000-item `withSequence` fan-out of `true` with the local executor (``p3q``: 1,000).
P4  a 100,000-task DAG on the in-memory fake executor (``p4q``: 10,000): wall time, peak RSS, the time to
    serialize the status, and, with the finished workflow in a SQLite store, the server's answer to one page
    of ``GET …/{name}/nodes?limit=500`` and to the full Argo ``GET …/{name}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from argento.config import Settings
from argento.engine import RunOptions, WorkflowRunner

ROWS: list[tuple[str, str, str, str, str]] = []


def row(bench: str, what: str, value: str, baseline: str, verdict: str) -> None:
    ROWS.append((bench, what, value, baseline, verdict))
    print(f"{bench:4} {what:44} {value:>14} {baseline:>22} {verdict}", flush=True)


def _settings(tmp: str) -> Settings:
    return Settings.from_env({"ARGENTO_HOME": tmp})


def _run(
    wf: dict[str, Any], settings: Settings, executor: str = "local", fake: Any = None
) -> tuple[float, dict[str, Any]]:
    async def go() -> tuple[float, dict[str, Any]]:
        runner = WorkflowRunner(wf, RunOptions(settings=settings, executor_name=executor, executor=fake))
        start = time.perf_counter()
        try:
            result = await runner.run()
        finally:
            if runner._executor is not None:
                await runner._executor.close()
        return time.perf_counter() - start, result

    return asyncio.run(go())


def chain(n: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"chain-{n}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": f"s{i}", "template": "true"}] for i in range(n)]},
                {"name": "true", "container": {"image": "alpine", "command": ["sh", "-c", "true"]}},
            ],
        },
    }


def bare_loop(n: int, argv: list[str] | None = None, cpu: list[float] | None = None) -> float:
    """Wall seconds of ``n`` spawns; ``cpu`` gets this process's CPU seconds for them (children excluded)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(n):
        subprocess.run(argv or ["sh", "-c", "true"], check=True)
    if cpu is not None:
        cpu.append(time.process_time() - cpu_start)
    return time.perf_counter() - start


def step_argv(settings: Settings) -> list[str]:
    """The command the chain's step really runs: the image table maps ``alpine``'s ``sh`` (busybox ash) to
    bash where the host's ``sh`` is dash, which starts slower than dash."""
    from argento.executors.local import LocalExecutor

    return LocalExecutor(settings, reap_orphans=False).images.resolve("alpine").argv(["sh", "-c", "true"], [])


def p1(rounds: int = 3) -> float:
    """The chain and the two bare loops in interleaved rounds (medians): the machine's load hits all alike."""
    import statistics

    n = 40
    took_s, base_s, same_s, cpu_s, base_cpu = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        _run(chain(3), settings)  # warm up (image table, shims)
        argv = step_argv(settings)
        for _ in range(rounds):
            cpu_start = time.process_time()
            took, result = _run(chain(n), settings)
            cpu_s.append(time.process_time() - cpu_start)
            assert result["status"]["phase"] == "Succeeded", result["status"].get("message")
            took_s.append(took)
            base_s.append(bare_loop(n, cpu=base_cpu))
            same_s.append(bare_loop(n, argv))
    took, base, same, cpu, bcpu = (statistics.median(x) for x in (took_s, base_s, same_s, cpu_s, base_cpu))
    overhead_ms = (took - base) / n * 1000
    row(
        "P1",
        f"{n} sequential steps (local)",
        f"{took:.3f} s",
        f"bare loop {base:.3f} s",
        "ok" if took <= 0.5 else "MISS ≤0.5 s",
    )
    row(
        "P1",
        "engine overhead per step",
        f"{overhead_ms:.2f} ms",
        "goal ≤ 1 ms",
        "ok" if overhead_ms <= 1 else "MISS",
    )
    row(
        "P1",
        f"… over a bare loop of {' '.join(argv)}",
        f"{(took - same) / n * 1000:.2f} ms",
        f"that loop {same:.3f} s",
        "",
    )
    row(  # CPU moves far less than wall time with the load of a shared machine
        "P1",
        "engine CPU per step (steps' own excluded)",
        f"{cpu / n * 1000:.2f} ms",
        f"bare loop {bcpu / n * 1000:.2f} ms",
        "",
    )
    return took


def p1_durable() -> None:
    """P1 with durable steps, next to the plain path and the bare loop measured in the same run."""
    from argento.executors.local import LocalExecutor

    n = 40
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        _run(chain(3), settings, fake=LocalExecutor(settings))  # warm up both paths
        _run(chain(3), settings, fake=LocalExecutor(settings, durable=True))
        plain = min(_run(chain(n), settings, fake=LocalExecutor(settings))[0] for _ in range(3))
        durable = min(
            _run(chain(n), settings, fake=LocalExecutor(settings, durable=True))[0] for _ in range(3)
        )
    base = min(bare_loop(n) for _ in range(3))
    over_plain = (plain - base) / n * 1000
    over_durable = (durable - base) / n * 1000
    row("P1", "overhead per step: argento run", f"{over_plain:.2f} ms", f"bare loop {base:.3f} s", "")
    row(
        "P1",
        "overhead per step: durable (server)",
        f"{over_durable:.2f} ms",
        f"run path {plain:.3f} s",
        "ok" if over_durable <= over_plain + 0.5 else "SLOWER",
    )


PREFECT_FLOW = """
import subprocess, time
from prefect import flow, task

@task
def step():
    subprocess.run(["sh", "-c", "true"], check=True)

@flow
def chain(n: int = 40):
    for _ in range(n):
        step()

if __name__ == "__main__":
    chain(3)
    start = time.perf_counter()
    chain(40)
    print(time.perf_counter() - start)
"""


def p2(argento_s: float | None) -> None:
    venv = Path("/tmp/argento-bench-prefect")
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "prefect>=3,<4"], capture_output=True, text=True
        )
        if install.returncode != 0:
            row("P2", "Prefect 3 local flow", "n/a", "", f"SKIPPED: pip: {install.stderr.strip()[-80:]}")
            return
    script = venv / "flow.py"
    script.write_text(PREFECT_FLOW)
    env = {
        **os.environ,
        "PREFECT_HOME": str(venv / "home"),
        "PREFECT_LOGGING_LEVEL": "ERROR",
        "PREFECT_API_URL": "",
    }
    out = subprocess.run([str(py), str(script)], capture_output=True, text=True, env=env, timeout=600)
    if out.returncode != 0:
        row("P2", "Prefect 3 local flow", "n/a", "", f"SKIPPED: {out.stderr.strip()[-120:]}")
        return
    prefect_s = float(out.stdout.strip().splitlines()[-1])
    ours = argento_s if argento_s is not None else p1()
    ratio = prefect_s / ours
    row(
        "P2",
        "40 steps: Prefect / argento",
        f"{ratio:.1f}x",
        f"prefect {prefect_s:.3f} s",
        "ok" if ratio >= 10 else "MISS ≥10x",
    )


def fanout(n: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"fanout-{n}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [[{"name": "t", "template": "true", "withSequence": {"count": str(n)}}]],
                },
                {"name": "true", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }


def p3(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        took, result = _run(fanout(n), settings)
    assert result["status"]["phase"] == "Succeeded", result["status"].get("message")
    base = bare_loop(200) * n / 200
    goal = 10.0 if n > 1000 else 5.0
    row(
        "P3",
        f"{n}-item withSequence fan-out (local)",
        f"{took:.2f} s",
        f"bare loop ~{base:.2f} s",
        "ok" if took <= goal else f"MISS ≤{goal:g} s",
    )


def big_dag(n: int) -> dict[str, Any]:
    # Layers of 100 tasks; each task depends on two tasks of the layer before (a wide, deep DAG).
    tasks = []
    width = 100
    for i in range(n):
        task: dict[str, Any] = {"name": f"t{i}", "template": "noop"}
        if i >= width:
            layer = i // width
            base = (layer - 1) * width
            task["dependencies"] = [f"t{base + (i % width)}", f"t{base + (i + 1) % width}"]
        tasks.append(task)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "big-dag"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {"name": "noop", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }


def p4(n: int = 100_000) -> None:
    from argento.executors.fake import FakeExecutor

    big = n > 10_000
    time_goal, rss_goal = (20.0, 1536) if big else (5.0, 500)
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        took, result = _run(big_dag(n), settings, executor="fake", fake=FakeExecutor(record=False))
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        body = json.dumps(result)
        get_s = time.perf_counter() - start
        assert result["status"]["phase"] == "Succeeded"
        assert len(result["status"]["nodes"]) == n + 1
        page_s, page_items, full_s, full_mb = _served(settings, result)
    row(
        "P4",
        f"{n}-task DAG (fake executor)",
        f"{took:.2f} s",
        f"goal ≤ {time_goal:g} s; Argo: minutes",
        "ok" if took <= time_goal else "MISS",
    )
    row(
        "P4",
        "peak RSS of the process (run)",
        f"{rss_mb:.0f} MB",
        f"goal ≤ {rss_goal} MB",
        "ok" if rss_mb <= rss_goal else "MISS",
    )
    row("P4", f"status to JSON ({len(body) / 1e6:.1f} MB)", f"{get_s:.3f} s", "", "")
    row(
        "P4",
        f"GET …/nodes?limit=500 ({page_items} nodes)",
        f"{page_s:.3f} s",
        "goal ≤ 0.2 s",
        "ok" if page_s <= 0.2 else "MISS",
    )
    row("P4", f"full Argo GET ({full_mb:.1f} MB body)", f"{full_s:.2f} s", "", "")


def _served(settings: Settings, result: dict[str, Any]) -> tuple[float, int, float, float]:
    """The finished workflow in the server's SQLite store; one node page and the full GET through the app
    (median of 5 page requests, one full GET)."""
    import statistics
    import uuid

    import httpx

    from argento.server import create_app, starlette_app
    from argento.store import open_store

    wf = json.loads(json.dumps(result))
    wf["metadata"].update(
        namespace="argo", uid=str(uuid.uuid4()), creationTimestamp=wf["status"]["startedAt"]
    )
    open_store(settings).workflows.create(wf)
    name = wf["metadata"]["name"]

    async def go() -> tuple[float, int, float, float]:
        app = create_app(settings, executor_name="fake")
        inner = starlette_app(app)
        async with inner.router.lifespan_context(inner):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=300) as c:
                times, items, token = [], 0, ""
                for _ in range(5):
                    t = time.perf_counter()
                    r = await c.get(
                        f"/api/v1/workflows/argo/{name}/nodes",
                        params={"limit": "500", **({"continue": token} if token else {})},
                    )
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, r.text
                    items = len(r.json()["items"])
                    token = r.json()["metadata"]["continue"]
                t = time.perf_counter()
                r = await c.get(f"/api/v1/workflows/argo/{name}")
                full = time.perf_counter() - t
                assert len(r.json()["status"]["nodes"]) == len(wf["status"]["nodes"])
                return statistics.median(times), items, full, len(r.content) / 1e6

    return asyncio.run(go())


def main(argv: list[str]) -> None:
    which = {a.lower() for a in argv} or {"p1", "p2", "p3", "p4"}
    print(f"{'id':4} {'what':44} {'argento':>14} {'baseline (same run)':>22} verdict")
    took = p1() if "p1" in which else None
    if "p1d" in which:
        p1_durable()
    if "p2" in which:
        p2(took)
    if "p3q" in which:
        p3(1000)
    if "p3" in which:
        p3()
    if "p4q" in which:
        p4(10_000)
    if "p4" in which:
        p4()


if __name__ == "__main__":
    main(sys.argv[1:])
