"""The local dev loop (issue 20): ``rerun --from`` and ``run --cache`` on a 20-step pipeline.

    python bench/devloop.py

The pipeline: a chain s01 → … → s15 of steps that sleep 2 s each, every step passing its output to the
next; then s16 (after s15), s17 and s18 (after s16), s19 (after s17), and s20 (after s15, beside s16).

1. ``argento run`` of the whole pipeline (the baseline, ≈ 30 s of sleeps), then
   ``argento rerun @latest --from s16``: s16–s19 run, everything else is reused. Goal: < 5 % of the full run.
   Both are timed as a user runs them: a fresh ``argento`` process each, wall clock. The rerun is also timed
   in process (engine only, no interpreter start-up).
2. ``argento run --cache`` twice, then once more after s12 changed: exactly s12 and its descendants run
   (printed, and checked against the graph).

Real processes, real sleeps, a temporary ARGENTO_HOME. Prints a table; exits 1 if a goal is missed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SLEEP = 2
STEPS = 20
CHAIN = 15
# s16..s20: dependencies
TAIL = {"s16": ["s15"], "s17": ["s16"], "s18": ["s16"], "s19": ["s17"], "s20": ["s15"]}
CHANGED = "s12"
REPEAT = 5


def pipeline(changed: str = "") -> str:
    tasks = []
    for i in range(1, STEPS + 1):
        name = f"s{i:02d}"
        deps = [f"s{i - 1:02d}"] if 1 < i <= CHAIN else TAIL.get(name, [])
        value = "start" if not deps else "{{tasks." + deps[0] + ".outputs.result}}"
        sleep = SLEEP if i <= CHAIN else 0
        mark = "-v2" if name == changed else ""
        task = {
            "name": name,
            "template": "step",
            "arguments": {
                "parameters": [
                    {"name": "in", "value": value},
                    {"name": "sleep", "value": str(sleep)},
                    {"name": "tag", "value": f"{name}{mark}"},
                ]
            },
        }
        if deps:
            task["depends"] = " && ".join(deps)
        tasks.append(task)
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "devloop-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {
                    "name": "step",
                    "inputs": {"parameters": [{"name": "in"}, {"name": "sleep"}, {"name": "tag"}]},
                    "script": {
                        "image": "alpine",
                        "command": ["sh"],
                        "source": "sleep {{inputs.parameters.sleep}}; echo {{inputs.parameters.in}}.{{inputs.parameters.tag}}",
                    },
                },
            ],
        },
    }
    return json.dumps(wf, indent=1)


CPU: dict[str, float] = {}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def argento(env: dict[str, str], *args: str) -> tuple[float, dict[str, Any]]:
    """Run ``argento ARGS -o json`` in a fresh process: (wall seconds, the workflow); its CPU time in CPU."""
    t0, c0 = time.perf_counter(), _cpu()
    proc = subprocess.run(
        [sys.executable, "-m", "argento", *args, "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    CPU[" ".join(args)] = _cpu() - c0  # the argento process and its steps
    if proc.returncode != 0:
        raise SystemExit(f"argento {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def ran(wf: dict[str, Any]) -> list[str]:
    """Display names of the Pod nodes that ran (not reused, not a cache hit)."""
    return sorted(
        n["displayName"]
        for n in wf["status"]["nodes"].values()
        if n["type"] == "Pod" and not (n.get("memoizationStatus") or {}).get("hit")
    )


def descendants(step: str) -> list[str]:
    deps = {
        f"s{i:02d}": ([f"s{i - 1:02d}"] if 1 < i <= CHAIN else TAIL.get(f"s{i:02d}", []))
        for i in range(1, STEPS + 1)
    }
    out = {step}
    changed = True
    while changed:
        changed = False
        for name, ds in deps.items():
            if name not in out and any(d in out for d in ds):
                out.add(name)
                changed = True
    return sorted(out)


def rerun_in_process(home: Path, name: str) -> float:
    """The rerun through the engine in this process (no interpreter start-up), timed."""
    import asyncio

    from argento.cli.rerun import _templates
    from argento.cli.run import RunInfo, build_options
    from argento.config import Settings
    from argento.engine import WorkflowRunner
    from argento.engine.rerun import Reuse, rerun_workflow

    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    original = json.loads((settings.runs_dir / name / "workflow.json").read_text())
    info = RunInfo.load(settings.runs_dir / name)
    t0 = time.perf_counter()
    new, plan = rerun_workflow(original, from_=["s16"])
    options = build_options(settings, _templates(info), info)
    options.reuse = Reuse(plan)

    async def go() -> dict[str, Any]:
        runner = WorkflowRunner(new, options)
        try:
            return await runner.run()
        finally:
            if runner._executor is not None:
                await runner._executor.close()

    result = asyncio.run(go())
    elapsed = time.perf_counter() - t0
    assert result["status"]["phase"] == "Succeeded", result["status"]
    return elapsed


def main() -> int:
    rows: list[tuple[str, str, str, str]] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="argento-bench-devloop-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        wf_file = root / "pipeline.json"
        wf_file.write_text(pipeline())
        env = {**os.environ, "ARGENTO_HOME": str(home), "ARGENTO_SERVER": ""}
        env.pop("ARGENTO_CACHE", None)

        full, first = argento(env, "run", str(wf_file))
        assert ran(first) == [f"s{i:02d}" for i in range(1, STEPS + 1)]
        full_cpu = CPU[f"run {wf_file}"]
        times, cpus = [], []
        for _ in range(REPEAT):  # the machine is shared: best of REPEAT (the median is printed too)
            rerun_t, second = argento(env, "rerun", first["metadata"]["name"], "--from", "s16")
            times.append(rerun_t)
            cpus.append(CPU[f"rerun {first['metadata']['name']} --from s16"])
            reran = ran(second)
            ok &= reran == ["s16", "s17", "s18", "s19"]
        print(f"rerun --from s16 ran: {', '.join(reran)}")
        rerun_t, median = min(times), sorted(times)[len(times) // 2]
        inproc = min(rerun_in_process(home, first["metadata"]["name"]) for _ in range(REPEAT))
        share = rerun_t / full
        ok &= share < 0.05
        rows.append(("full run (baseline), CLI", f"{full:.2f} s", f"CPU {full_cpu:.2f} s", "—"))
        rows.append(
            (
                f"rerun --from s16, CLI (best of {REPEAT})",
                f"{rerun_t:.2f} s",
                f"{share * 100:.1f} % of full",
                "< 5 % " + ("✔" if share < 0.05 else "✘"),
            )
        )
        rows.append(
            (
                f"rerun --from s16, CLI (median of {REPEAT})",
                f"{median:.2f} s",
                f"{median / full * 100:.1f} % of full",
                "",
            )
        )
        # What the rerun costs the machine (process + its steps), whatever the load: a floor for its wall time.
        rows.append(
            (
                "rerun --from s16, CLI CPU time (best)",
                f"{min(cpus):.2f} s",
                f"{min(cpus) / full * 100:.1f} % of full",
                "",
            )
        )
        rows.append(
            (
                f"rerun --from s16, in process (best of {REPEAT})",
                f"{inproc:.2f} s",
                f"{inproc / full * 100:.1f} % of full",
                "",
            )
        )

        cache_home = root / "cache-home"
        cache_home.mkdir()
        cenv = {**env, "ARGENTO_HOME": str(cache_home)}
        t_cold, cold = argento(cenv, "run", str(wf_file), "--cache")
        t_warm, warm = argento(cenv, "run", str(wf_file), "--cache")
        changed_file = root / "pipeline-changed.json"
        changed_file.write_text(pipeline(CHANGED))
        t_changed, after = argento(cenv, "run", str(changed_file), "--cache")
        expected = descendants(CHANGED)
        print(f"--cache, 1st run ran: {len(ran(cold))} steps; 2nd run ran: {ran(warm) or 'nothing'}")
        print(f"--cache after {CHANGED} changed ran: {', '.join(ran(after))}")
        print(f"   expected ({CHANGED} and its descendants): {', '.join(expected)}")
        ok &= ran(warm) == [] and ran(after) == expected
        rows.append(("run --cache, cold (every step runs)", f"{t_cold:.2f} s", "—", ""))
        rows.append(
            (
                "run --cache, unchanged (all hits)",
                f"{t_warm:.2f} s",
                f"{t_warm / t_cold * 100:.1f} % of cold",
                "0 steps ran " + ("✔" if not ran(warm) else "✘"),
            )
        )
        rows.append(
            (
                f"run --cache, {CHANGED} changed",
                f"{t_changed:.2f} s",
                f"{len(ran(after))} of {STEPS} ran",
                f"exactly {CHANGED} + descendants " + ("✔" if ran(after) == expected else "✘"),
            )
        )

    width = max(len(r[0]) for r in rows)
    print()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'case'.ljust(width)}  {'time':>9}  {'vs baseline':<18}  goal")
    for case, t, rel, goal in rows:
        print(f"{case.ljust(width)}  {t:>9}  {rel:<18}  {goal}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
