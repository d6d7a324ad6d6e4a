"""Wall time of the ``argento`` command (issue 18 goal 1; SPEC §5 P2), against a fresh Python's floor.

    python bench/cli.py [--rounds 7] [--only run,server] [--src DIR] [--before DIR]

``--src`` runs another checkout's ``src`` with this one's virtualenv; ``--before DIR`` adds every argento case
run from a second tree (e.g. ``git archive main | tar -x -C /tmp/base`` → ``--before /tmp/base/src``), in the
same rounds, so a before/after shares the machine's load.

Every case is a fresh process timed from outside, as a user meets it. The reference is the floor SPEC §5 P2
names: a fresh ``python -c`` making the same 40 ``sh -c true`` spawns. Cases:

* ``argento run`` of the 40-step chain and of a 1-step workflow, **warm** (the manifest was checked by an
  earlier run: ``argento.cli.checked`` skips YAML, the models and lint) and **cold** (``<home>/checked``
  emptied before each run: parse + validate + lint in the process);
* ``argento submit`` / ``get`` / ``list`` against an ``argento server`` (fake executor, SQLite) started here.

Rounds are interleaved (each case once per round, in a rotated order) so the load of a shared machine hits
every case alike; the table gives the median, min–max, and the median of each case's ratio to the floor
taken within its round, and the CPU time (user + system) of the process and its children, which moves far
less with the load than the wall time. Python writes no bytecode when ``PYTHONDONTWRITEBYTECODE`` is set, and every import
then compiles its source: this bench unsets it (and compiles ``src`` once) so it measures what an installed
package costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml
from benchlib import free_port, load_average

from engine import chain

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STEPS = 40
FLOOR = f"import subprocess\nfor _ in range({STEPS}): subprocess.run(['sh', '-c', 'true'], check=True)"
REFERENCE = f"python floor ({STEPS} spawns)"
HELLO = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "busybox", "command": ["echo", "hi"]}}],
    },
}


def _argento() -> str:
    found = Path(sys.executable).with_name("argento")
    return str(found) if found.exists() else shutil.which("argento") or "argento"


def _timed(
    cmd: list[str], env: dict[str, str], before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children)."""
    if before is not None:
        before()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return took, (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)


class Server:
    """``argento server --executor fake`` in its own home (SQLite)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="argento-bench-cli-server-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [_argento(), "server", "--port", str(self.port), "--executor", "fake"],
            env={**env, "ARGENTO_HOME": str(self.home)},
            stdout=subprocess.DEVNULL,
            stderr=(self.home / "server.log").open("wb"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("server did not start: " + (self.home / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.home, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", default="run,server", help="run, server (comma-separated)")
    ap.add_argument("--src", type=Path, default=REPO / "src", help="the argento source tree to measure")
    ap.add_argument("--before", type=Path, default=None, help="a second source tree, measured alongside")
    args = ap.parse_args()
    only = set(args.only.split(","))

    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    work = Path(tempfile.mkdtemp(prefix="argento-bench-cli-"))
    files = {}
    for n in (STEPS, 1):
        files[n] = work / f"chain{n}.yaml"
        files[n].write_text(yaml.safe_dump(chain(n)))
    hello = work / "hello.yaml"
    hello.write_text(yaml.safe_dump(HELLO))
    argento = _argento()

    cases: dict[str, Callable[[], tuple[float, float]]] = {
        REFERENCE: lambda: _timed([sys.executable, "-c", FLOOR], base_env),
        "python startup (-c pass)": lambda: _timed([sys.executable, "-c", "pass"], base_env),
    }
    servers: list[Server] = []
    trees = [("", args.src)] + ([(" [before]", args.before)] if args.before else [])
    try:
        for tag, src in trees:
            env = {**base_env, "PYTHONPATH": str(src.resolve())}
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], env=env, check=True)
            home = work / f"home-{tag.strip(' []') or 'after'}"
            if "run" in only:
                for n in (STEPS, 1):  # a home per case: a cold case forgets its own checked manifest only
                    run_env = {**env, "ARGENTO_HOME": str(home / f"run{n}")}

                    def forget(home: Path = home / f"run{n}") -> None:
                        shutil.rmtree(home / "checked", ignore_errors=True)

                    cmd = [argento, "run", "-o", "name", str(files[n])]
                    _timed(cmd, run_env)  # warm the home: image table, shims, checked manifest
                    label = f"{n} steps" if n > 1 else "1 step"
                    cases[f"argento run, {label}, warm{tag}"] = lambda c=cmd, e=run_env: _timed(c, e)
                    cases[f"argento run, {label}, cold{tag}"] = lambda c=cmd, e=run_env, f=forget: _timed(
                        c, e, f
                    )
            if "server" in only:
                server = Server(env)
                servers.append(server)
                client_env = {**env, "ARGENTO_SERVER": server.url, "ARGENTO_HOME": str(home / "client")}
                out = subprocess.run(
                    [argento, "submit", str(hello), "-o", "name"],
                    env=client_env,
                    capture_output=True,
                    text=True,
                )
                name = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else ""
                if not name:
                    raise SystemExit(f"submit failed: {out.stderr}")
                for verb, cmd in (
                    ("submit", [argento, "submit", str(hello)]),
                    ("get", [argento, "get", name]),
                    ("list", [argento, "list"]),
                ):
                    cases[f"argento {verb}{tag}"] = lambda c=cmd, e=client_env: _timed(c, e)

        times: dict[str, list[float]] = {label: [] for label in cases}
        cpus: dict[str, list[float]] = {label: [] for label in cases}
        ratios: dict[str, list[float]] = {label: [] for label in cases}
        loads = []
        labels = list(cases)
        for r in range(args.rounds):
            loads.append(load_average())
            order = labels[r % len(labels) :] + labels[: r % len(labels)]
            got = {label: cases[label]() for label in order}
            for label, (took, cpu) in got.items():
                times[label].append(took)
                cpus[label].append(cpu)
                ratios[label].append(took / got[REFERENCE][0])
            print(f"round {r + 1}/{args.rounds}: load {loads[-1]:.1f}", file=sys.stderr, flush=True)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nargento CLI wall time, {args.rounds} interleaved rounds, {os.cpu_count()} cores, "
        f"load average {min(loads):.1f}–{max(loads):.1f}\n"
    )
    print("| case | wall s, median (min–max) | × python floor (median of rounds) | CPU s, median |")
    print("|---|---:|---:|---:|")
    for label in cases:
        values = times[label]
        print(
            f"| {label} | {statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f}) "
            f"| {statistics.median(ratios[label]):.2f}× | {statistics.median(cpus[label]):.3f} |"
        )


if __name__ == "__main__":
    main()
