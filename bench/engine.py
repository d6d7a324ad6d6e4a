"""Engine benchmarks (SPEC §5 P1–P4), each printed next to a baseline measured in the same run.

    python bench/engine.py            # all
    python bench/engine.py p1 p3      # some

P1  40 sequential `sh -c true` container steps with the local executor vs a bare `subprocess.run` loop.
P2  the same chain vs a Prefect 3 local flow doing the same subprocess calls (Prefect runs in its own
    virtualenv under /tmp/argento-bench-prefect, created on first use; skipped if it cannot be installed).
P3  a 1,000-item `withItems` fan-out of `true` with the local executor.
P4  a 10,000-task DAG on the in-memory fake executor: wall time, peak RSS, and the time to serialize the
    status (what a GET of the workflow costs).
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


def _run(wf: dict[str, Any], settings: Settings, executor: str = "local", fake: Any = None) -> tuple[float, dict[str, Any]]:
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


def bare_loop(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(["sh", "-c", "true"], check=True)
    return time.perf_counter() - start


def p1() -> float:
    n = 40
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        _run(chain(3), settings)  # warm up (image table, shims, sandbox probe)
        took, result = _run(chain(n), settings)
    assert result["status"]["phase"] == "Succeeded", result["status"].get("message")
    base = min(bare_loop(n) for _ in range(3))
    overhead_ms = (took - base) / n * 1000
    row("P1", f"{n} sequential steps (local)", f"{took:.3f} s", f"bare loop {base:.3f} s", "ok" if took <= 0.5 else "MISS ≤0.5 s")
    row("P1", "engine overhead per step", f"{overhead_ms:.2f} ms", "goal ≤ 3 ms", "ok" if overhead_ms <= 3 else "MISS")
    return took


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
        install = subprocess.run([str(py), "-m", "pip", "install", "-q", "prefect>=3,<4"], capture_output=True, text=True)
        if install.returncode != 0:
            row("P2", "Prefect 3 local flow", "n/a", "", f"SKIPPED: pip: {install.stderr.strip()[-80:]}")
            return
    script = venv / "flow.py"
    script.write_text(PREFECT_FLOW)
    env = {**os.environ, "PREFECT_HOME": str(venv / "home"), "PREFECT_LOGGING_LEVEL": "ERROR", "PREFECT_API_URL": ""}
    out = subprocess.run([str(py), str(script)], capture_output=True, text=True, env=env, timeout=600)
    if out.returncode != 0:
        row("P2", "Prefect 3 local flow", "n/a", "", f"SKIPPED: {out.stderr.strip()[-120:]}")
        return
    prefect_s = float(out.stdout.strip().splitlines()[-1])
    ours = argento_s if argento_s is not None else p1()
    ratio = prefect_s / ours
    row("P2", "40 steps: Prefect / argento", f"{ratio:.1f}x", f"prefect {prefect_s:.3f} s", "ok" if ratio >= 10 else "MISS ≥10x")


def fanout(n: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"fanout-{n}"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "t", "template": "true", "withSequence": {"count": str(n)}}]]},
                {"name": "true", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }


def p3() -> None:
    n = 1000
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        took, result = _run(fanout(n), settings)
    assert result["status"]["phase"] == "Succeeded", result["status"].get("message")
    base = bare_loop(200) * n / 200
    row("P3", f"{n}-item withItems fan-out (local)", f"{took:.2f} s", f"bare loop ~{base:.2f} s", "ok" if took <= 5 else "MISS ≤5 s")


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


def p4() -> None:
    from argento.executors.fake import FakeExecutor

    n = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(tmp)
        took, result = _run(big_dag(n), settings, executor="fake", fake=FakeExecutor())
        start = time.perf_counter()
        body = json.dumps(result)
        get_s = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert result["status"]["phase"] == "Succeeded"
    assert len(result["status"]["nodes"]) == n + 1
    row("P4", f"{n}-task DAG (fake executor)", f"{took:.2f} s", "goal ≤ 5 s; Argo: minutes", "ok" if took <= 5 else "MISS")
    row("P4", "peak RSS of the process", f"{rss_mb:.0f} MB", "goal ≤ 500 MB", "ok" if rss_mb <= 500 else "MISS")
    row("P4", f"status to JSON ({len(body) / 1e6:.1f} MB)", f"{get_s:.3f} s", "goal ≤ 0.5 s", "ok" if get_s <= 0.5 else "MISS")


def main(argv: list[str]) -> None:
    which = {a.lower() for a in argv} or {"p1", "p2", "p3", "p4"}
    print(f"{'id':4} {'what':44} {'argento':>14} {'baseline (same run)':>22} verdict")
    took = p1() if "p1" in which else None
    if "p2" in which:
        p2(took)
    if "p3" in which:
        p3()
    if "p4" in which:
        p4()


if __name__ == "__main__":
    main(sys.argv[1:])
