"""The peer shoot-out (issue 18; SPEC §5 P2, P5, P6): Argento against the tools people would use instead.

    python bench/peers.py --setup                 # create the peers' virtualenvs (once; needs PyPI)
    python bench/peers.py [--quick] [--only serving,workflows,<case>,…] [--rounds 3] [--duration 10]
                          [--json out.json] [--chart docs/img/peers.png]

**Serving**: scikit-learn's iris SVC, one row per request, one worker, 8 keep-alive connections from ``wrk``
(one thread; C, so the client costs far less than any server here). Cases: Argento (the seed's sync
``def predict(self, input_data: dict)`` on a JSON descriptor, with its default access log, and without it;
kept in worker threads with ``run_inline=False``, as every sync call ran before issue 18; the same API
``async def``), bare Starlette on uvicorn (``async`` route, predict inline: the floor), FastAPI (sync
endpoint, pydantic body), BentoML 1.4, LitServe, MLServer (scikit-learn runtime, V2 protocol) and Ray Serve
(one replica). Each runs twice per round: **pinned** (server on core 0, wrk on core 1) and **unpinned** (as
people run it).
**Workflows**: 40 sequential ``sh -c true`` steps — a fresh Python doing the 40 spawns (the floor),
``argento run`` of the 40-step chain (whole CLI wall) and Argento's engine in process, Prefect 3 (first run
in a fresh home, and warm), Dagster (``execute_in_process``) and Metaflow (``run``, local datastore); every case
is a fresh process timed from outside.

Rounds are interleaved (every case once per round, in a rotated order) so that the load of this shared machine
hits all cases alike; the table gives medians with min–max and each case's ratio to its reference, taken
round by round. Every peer runs from its own virtualenv under ``/tmp/argento-peers/<peer>`` (``--setup``),
never the project's; Argento runs from the project's. When run as root with ``unshare``, the whole bench runs
inside a private network namespace (loopback only: Ray binds its services to every interface otherwise);
without it Ray Serve is skipped. The chart (``--chart``) is drawn by matplotlib from the ``plot`` virtualenv.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from benchlib import (
    IRIS_ROW,
    WORK,
    Result,
    can_pin,
    free_port,
    load_average,
    server_process,
    spread,
    tree_cpu_seconds,
    wrk,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
APPS = HERE / "peer_apps"
PEERS = Path(os.environ.get("ARGENTO_PEERS_DIR", "/tmp/argento-peers"))
INSIDE = "ARGENTO_PEERS_NETNS"
CONNECTIONS = 8
STEPS = 40


def _sklearn() -> str:
    try:
        import sklearn

        return f"scikit-learn=={sklearn.__version__}"  # the project's: the same model code everywhere
    except ImportError:
        return "scikit-learn"


#: Each peer's virtualenv and what goes in it.
VENVS: dict[str, list[str]] = {
    "starlette": ["starlette", "uvicorn[standard]", _sklearn()],
    "fastapi": ["fastapi", "uvicorn[standard]", _sklearn()],
    "bentoml": ["bentoml>=1.4,<1.5", _sklearn()],
    "litserve": ["litserve", _sklearn()],
    # uvloop 0.22 changed get_event_loop() in a way MLServer 1.7's inference workers do not survive.
    "mlserver": ["mlserver", "mlserver-sklearn", "uvloop<0.22"],
    "ray": ["ray[serve]", _sklearn()],
    "prefect": ["prefect>=3,<4"],
    "dagster": ["dagster"],
    "metaflow": ["metaflow"],
    "plot": ["matplotlib"],
}


def venv_python(name: str) -> Path:
    return PEERS / name / "bin" / "python"


def ready(name: str) -> bool:
    return (PEERS / name / ".ready").exists()


def setup(names: list[str]) -> None:
    """Create the missing virtualenvs (``python -m venv`` + ``pip install``), one at a time."""
    PEERS.mkdir(parents=True, exist_ok=True)
    for name in names:
        if ready(name):
            print(f"  {name}: ready", flush=True)
            continue
        target = PEERS / name
        shutil.rmtree(target, ignore_errors=True)
        print(f"  {name}: installing {' '.join(VENVS[name])} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
        subprocess.run([str(venv_python(name)), "-m", "ensurepip"], check=True, stdout=subprocess.DEVNULL)
        log = PEERS / f"{name}.log"
        with open(log, "wb") as out:
            rc = subprocess.call(
                [str(venv_python(name)), "-m", "pip", "install", "-q", *VENVS[name]],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if rc:
            print(f"  {name}: pip failed (see {log})", flush=True)
            continue
        (target / ".ready").write_text(" ".join(VENVS[name]) + "\n")


# ---- serving ----------------------------------------------------------------------------------------------


@dataclass
class ServeCase:
    name: str
    venv: str | None  # None: the project's virtualenv (Argento)
    command: Callable[[str, int], list[str]]  # (python, port) -> argv
    path: str = "/predict"
    body: object = field(default_factory=lambda: {"features": IRIS_ROW})
    ready_path: str = "/readyz"
    env: dict[str, str] = field(default_factory=dict)
    netns: bool = False  # only inside a private network namespace


def _argento(target: str, *extra: str) -> Callable[[str, int], list[str]]:
    return lambda py, port: [
        py,
        "-m",
        "argento.cli.main",
        "serve",
        target,
        "--port",
        str(port),
        "--working-dir",
        str(APPS),
        *extra,
    ]


def _uvicorn(target: str) -> Callable[[str, int], list[str]]:
    return lambda py, port: [
        py,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _mlserver(py: str, port: int) -> list[str]:
    """A model repository for MLServer's scikit-learn runtime (a joblib file written by its own scikit-learn)."""
    root = WORK / f"mlserver-{port}"
    (root / "iris").mkdir(parents=True, exist_ok=True)
    subprocess.run([py, str(APPS / "iris_model.py"), str(root / "iris" / "model.joblib")], check=True)
    (root / "settings.json").write_text(
        json.dumps(
            {"host": "127.0.0.1", "http_port": port, "grpc_port": free_port(), "metrics_port": free_port()}
        )
    )
    (root / "iris" / "model-settings.json").write_text(
        json.dumps(
            {
                "name": "iris",
                "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib"},
            }
        )
    )
    return [str(Path(py).parent / "mlserver"), "start", str(root)]


V2_BODY = {"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": IRIS_ROW}]}

SERVING: list[ServeCase] = [
    ServeCase("argento sync", None, _argento("argento_iris:IrisSync")),
    ServeCase("argento sync (no access log)", None, _argento("argento_iris:IrisSync", "--no-access-log")),
    ServeCase("argento sync (threads)", None, _argento("argento_iris:IrisSyncThreads")),
    ServeCase("argento async", None, _argento("argento_iris:IrisAsync")),
    ServeCase("starlette", "starlette", _uvicorn("starlette_iris:app")),
    ServeCase("fastapi sync", "fastapi", _uvicorn("fastapi_iris:app")),
    ServeCase(
        "bentoml",
        "bentoml",
        lambda py, port: [
            py,
            "-m",
            "bentoml",
            "serve",
            "bento_iris:IrisBento",
            "--working-dir",
            str(APPS),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={"BENTOML_DO_NOT_TRACK": "True"},
    ),
    ServeCase(
        "litserve",
        "litserve",
        lambda py, port: [py, str(APPS / "litserve_iris.py"), str(port)],
        ready_path="/health",
    ),
    ServeCase(
        "mlserver",
        "mlserver",
        _mlserver,
        path="/v2/models/iris/infer",
        body=V2_BODY,
        ready_path="/v2/models/iris/ready",
    ),
    ServeCase(
        "ray serve",
        "ray",
        lambda py, port: [py, str(APPS / "ray_iris.py"), str(port)],
        ready_path="/-/healthz",
        env={"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_AUTO_CONNECT": "0"},
        netns=True,
    ),
]
#: Each serving case's ratio is to this case of the same round and mode.
SERVING_REFERENCE = "starlette"


def serve_once(case: ServeCase, pinned: bool, duration: float, warmup: float) -> Result:
    py = str(venv_python(case.venv)) if case.venv else sys.executable
    port = free_port()
    server_core, load_core = (0, 1) if pinned else (None, None)
    mode = "pinned" if pinned else "unpinned"
    log_name = f"peer-{''.join(ch if ch.isalnum() else '-' for ch in case.name)}-{mode}.log"
    env = {
        "ARGENTO_HOME": str(WORK / "argento-home"),
        "BENTOML_HOME": str(WORK / "bentoml-home"),
        "PYTHONPATH": str(APPS),
        **case.env,
    }
    cwd = (
        WORK / "peers-cwd"
    )  # what servers leave in their working directory (MLServer's .metrics) stays there
    cwd.mkdir(parents=True, exist_ok=True)
    with server_process(
        case.command(py, port),
        port,
        env,
        case.ready_path,
        cwd=cwd,
        core=server_core,
        timeout=240,
        log_name=log_name,
    ) as (url, proc):
        deadline = time.monotonic() + 60  # some servers answer health before the model route is up
        while True:
            try:
                r = httpx.post(url + case.path, json=case.body, timeout=30)
                if r.status_code == 200:
                    break
                problem = f"{r.status_code} {r.text[:200]}"
            except httpx.TransportError as exc:
                problem = repr(exc)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{case.name}: {problem}")
            time.sleep(0.2)
        wrk(url + case.path, case.body, CONNECTIONS, warmup, load_core)
        cpu = tree_cpu_seconds(proc.pid)
        result = wrk(url + case.path, case.body, CONNECTIONS, duration, load_core)
        if result.requests:
            result.cpu_us = (tree_cpu_seconds(proc.pid) - cpu) / result.requests * 1e6
    reap()
    result.bench, result.name = mode, case.name
    return result


# ---- workflows --------------------------------------------------------------------------------------------


@dataclass
class FlowCase:
    name: str
    venv: str | None
    command: Callable[[str, Path], list[str]]  # (python, scratch dir of this run) -> argv
    fresh_home: bool = True  # a new scratch dir per run (else one kept across rounds: a warm home)
    inproc: bool = False  # the command prints its own in-process seconds (reported instead of the wall)


FLOOR = "import subprocess\nfor _ in range(40):\n    subprocess.run(['sh', '-c', 'true'], check=True)\n"
ENGINE = f"""
import sys, time, tempfile
sys.path.insert(0, {str(HERE)!r})
from engine import _run, _settings, chain
seconds, result = _run(chain({STEPS}), _settings(tempfile.mkdtemp(prefix="argento-peers-engine-")))
assert result["status"]["phase"] == "Succeeded", result["status"]["phase"]
print(seconds)
"""


def _chain_file() -> Path:
    import yaml

    sys.path.insert(0, str(HERE))
    from engine import chain

    path = WORK / f"chain{STEPS}.yaml"
    path.write_text(yaml.safe_dump(chain(STEPS)))
    return path


def _metaflow(py: str, scratch: Path) -> list[str]:
    steps = ["start", *[f"s{i}" for i in range(1, STEPS - 1)], "end"]
    body = ["import subprocess", "from metaflow import FlowSpec, step", "", "", "class Chain(FlowSpec):"]
    for i, name in enumerate(steps):
        body += [
            "    @step",
            f"    def {name}(self):",
            "        subprocess.run(['sh', '-c', 'true'], check=True)",
        ]
        if name != "end":
            body.append(f"        self.next(self.{steps[i + 1]})")
        body.append("")
    body += ["", "if __name__ == '__main__':", "    Chain()", ""]
    flow = scratch / "chain_flow.py"
    flow.write_text("\n".join(body))
    return [py, str(flow), "--quiet", "--no-pylint", "run"]


def workflow_cases() -> list[FlowCase]:
    chain_file = _chain_file()
    argento = str(Path(sys.executable).parent / "argento")
    return [
        FlowCase("python floor (40 spawns)", None, lambda py, d: [py, "-c", FLOOR]),
        # A warm ARGENTO_HOME, as after the first command a user types (the first one also creates the store).
        FlowCase(
            "argento run (CLI)", None, lambda py, d: [argento, "run", str(chain_file)], fresh_home=False
        ),
        FlowCase("argento engine (in process)", None, lambda py, d: [py, "-c", ENGINE], inproc=True),
        FlowCase("prefect 3 (first)", "prefect", lambda py, d: [py, str(APPS / "prefect_chain.py")]),
        FlowCase(
            "prefect 3 (warm)",
            "prefect",
            lambda py, d: [py, str(APPS / "prefect_chain.py")],
            fresh_home=False,
        ),
        FlowCase("dagster", "dagster", lambda py, d: [py, str(APPS / "dagster_chain.py")]),
        FlowCase("metaflow", "metaflow", _metaflow),
    ]


#: Workflow ratios are to this case of the same round.
WORKFLOW_REFERENCE = "python floor (40 spawns)"


def flow_once(case: FlowCase, scratch_root: Path) -> float:
    py = str(venv_python(case.venv)) if case.venv else sys.executable
    if case.fresh_home:
        scratch = Path(tempfile.mkdtemp(prefix="run-", dir=scratch_root))
    else:
        scratch = scratch_root / f"warm-{''.join(ch for ch in case.name if ch.isalnum())}"
        if not scratch.exists():  # the first (unmeasured) run creates the warm home
            scratch.mkdir()
            subprocess.run(
                case.command(py, scratch), cwd=scratch, env=_flow_env(scratch), capture_output=True
            )
    cmd = case.command(py, scratch)
    started = time.perf_counter()
    out = subprocess.run(
        cmd, cwd=scratch, env=_flow_env(scratch), capture_output=True, text=True, timeout=600
    )
    wall = time.perf_counter() - started
    if out.returncode:
        raise RuntimeError(f"{case.name}: exit {out.returncode}: {(out.stderr or out.stdout)[-800:]}")
    return float(out.stdout.split()[-1]) if case.inproc else wall


def _flow_env(scratch: Path) -> dict[str, str]:
    """Every tool keeps its state under the run's scratch directory, never in the user's home."""
    return {
        **os.environ,
        "HOME": str(scratch),
        "ARGENTO_HOME": str(scratch / "argento"),
        "PREFECT_HOME": str(scratch / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",  # its default 20 s is too short under load
        "DO_NOT_TRACK": "1",
        "DAGSTER_HOME": str(scratch),
        "METAFLOW_DEFAULT_DATASTORE": "local",
        "METAFLOW_DATASTORE_SYSROOT_LOCAL": str(scratch),
        "METAFLOW_USER": "bench",
        "USER": "bench",
    }


# ---- the network namespace, processes ------------------------------------------------------------------------


def in_netns() -> bool:
    return os.environ.get(INSIDE) == "1"


def reexec_in_netns(argv: list[str]) -> int | None:
    """Run this script again inside a private network namespace; None when that is not possible here."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return None
    home = tempfile.mkdtemp(prefix="argento-peers-home-")
    env = {**os.environ, INSIDE: "1", "HOME": home, "RAY_USAGE_STATS_ENABLED": "0"}
    try:
        return subprocess.call(["unshare", "-n", sys.executable, __file__, *argv], env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def reap(grace: float = 15.0) -> None:
    """Inside the namespace every other process was started by this bench: wait for stragglers of the last
    server (Ray's raylet and workers outlive their driver for a while), then kill them by pid."""
    if not in_netns():
        return
    sys.path.insert(0, str(REPO / "tests" / "ray"))
    from netns import leftovers

    deadline = time.monotonic() + grace
    while (left := leftovers()) and time.monotonic() < deadline:
        time.sleep(0.3)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# ---- report -------------------------------------------------------------------------------------------------


def serving_table(results: list[Result], rounds: int) -> tuple[str, list[dict[str, object]]]:
    rows: list[dict[str, object]] = []
    lines = [
        "| server | mode | req/s median (min–max) | p50 ms | p99 ms | errors | server CPU µs/req "
        "| × bare Starlette |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = list(dict.fromkeys(r.name for r in results))
    for mode in ("pinned", "unpinned"):
        for name in names:
            mine = [r for r in results if r.name == name and r.bench == mode]
            if not mine:
                continue
            ratios = []
            for i in range(rounds):  # ratio within each round (interleaved), then the median
                ref = [
                    r
                    for r in results
                    if r.name == SERVING_REFERENCE and r.bench == mode and r.note == f"r{i}"
                ]
                own = [r for r in mine if r.note == f"r{i}"]
                if ref and own and ref[0].rps:
                    ratios.append(own[0].rps / ref[0].rps)
            med, low, high = spread([r.rps for r in mine])
            p50 = statistics.median(r.p50_ms for r in mine)
            p99 = statistics.median(r.p99_ms for r in mine)
            ratio = statistics.median(ratios) if ratios else None
            cpu = statistics.median(r.cpu_us for r in mine)
            rows.append(
                {
                    "name": name,
                    "mode": mode,
                    "rps": med,
                    "rps_min": low,
                    "rps_max": high,
                    "p50_ms": p50,
                    "p99_ms": p99,
                    "errors": sum(r.errors for r in mine),
                    "ratio": ratio,
                    "runs": len(mine),
                    "cpu_us": cpu,
                    "rps_all": [r.rps for r in mine],
                }
            )
            lines.append(
                f"| {name} | {mode} | {med:,.0f} ({low:,.0f}–{high:,.0f}) | {p50:.2f} | {p99:.2f} | "
                f"{sum(r.errors for r in mine)} | {cpu:.0f} | {f'{ratio:.2f}×' if ratio else '–'} |"
            )
    return "\n".join(lines), rows


def workflow_table(times: dict[str, list[float]]) -> tuple[str, list[dict[str, object]]]:
    rows: list[dict[str, object]] = []
    lines = [
        "| workflow (40 × `sh -c true`) | seconds median (min–max) | × python floor |",
        "|---|---:|---:|",
    ]
    floor = times.get(WORKFLOW_REFERENCE)
    for name, values in times.items():
        if not values:
            continue
        med, low, high = spread(values)
        ratios = [v / f for v, f in zip(values, floor or [], strict=False)] if floor else []
        ratio = statistics.median(ratios) if ratios else None
        rows.append({"name": name, "seconds": med, "min": low, "max": high, "ratio": ratio, "all": values})
        lines.append(f"| {name} | {med:.3f} ({low:.3f}–{high:.3f}) | {f'{ratio:.1f}×' if ratio else '–'} |")
    return "\n".join(lines), rows


def chart(data: Path, out: Path) -> None:
    if not ready("plot"):
        print(
            f"note: no chart: the plot virtualenv is missing (python bench/peers.py --setup) — {out} unchanged"
        )
        return
    subprocess.run([str(venv_python("plot")), str(HERE / "peers_chart.py"), str(data), str(out)], check=True)
    print(f"chart: {out}")


# ---- main ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup", action="store_true", help="create the peers' virtualenvs, then exit")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s (for a smoke run)")
    parser.add_argument(
        "--only",
        default="serving,workflows",
        help="comma-separated: serving, workflows, pinned, unpinned, or case names",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per serving run")
    parser.add_argument("--json", type=Path, default=WORK / "peers.json")
    parser.add_argument("--chart", type=Path, default=None, help="write the chart (PNG) here")
    parser.add_argument(
        "--no-netns", action="store_true", help="do not enter a network namespace (skips Ray)"
    )
    args = parser.parse_args()
    if args.setup:
        setup(list(VENVS))
        return 0
    if not in_netns() and not args.no_netns:
        rc = reexec_in_netns(sys.argv[1:])
        if rc is not None:
            return rc
        print("note: no private network namespace here (needs root, unshare, ip): Ray Serve is skipped")
    if in_netns():
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    if not shutil.which("wrk"):
        sys.exit("bench/peers.py needs wrk: apt-get install -y wrk")
    WORK.mkdir(parents=True, exist_ok=True)
    rounds, duration, warmup = (2, 3.0, 1.0) if args.quick else (args.rounds, args.duration, 2.0)
    only = {o.strip().lower() for o in args.only.split(",") if o.strip()}
    modes = [
        m
        for m in (True, False)
        if not ({"pinned", "unpinned"} & only) or ("pinned" if m else "unpinned") in only
    ]
    if not can_pin():
        modes = [False]

    def chosen(name: str, group: str) -> bool:
        return group in only or name.lower() in only

    serve_cases = [
        c
        for c in SERVING
        if chosen(c.name, "serving") and (c.venv is None or ready(c.venv)) and (not c.netns or in_netns())
    ]
    skipped = [c.name for c in SERVING if chosen(c.name, "serving") and c not in serve_cases]
    flow_cases = [
        c for c in workflow_cases() if chosen(c.name, "workflows") and (c.venv is None or ready(c.venv))
    ]
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    loads = [load_average()]
    print(
        f"machine: {os.cpu_count()} cores, {platform_line()}; {started_at}; load average {loads[0]:.2f}",
        flush=True,
    )
    if skipped:
        print(f"skipped (no virtualenv, or needs the network namespace): {', '.join(skipped)}")
    results: list[Result] = []
    times: dict[str, list[float]] = {c.name: [] for c in flow_cases}
    scratch_root = Path(tempfile.mkdtemp(prefix="argento-peers-flows-"))
    failures: list[str] = []
    try:
        for i in range(rounds):
            shift = i % max(1, len(serve_cases))
            for case in serve_cases[shift:] + serve_cases[:shift]:
                for pinned in modes:
                    try:
                        r = serve_once(case, pinned, duration, warmup)
                    except Exception as exc:  # one broken peer must not end the shoot-out
                        failures.append(f"{case.name}: {exc}")
                        print(f"  round {i + 1} {case.name}: FAILED {exc}", flush=True)
                        reap()
                        continue
                    r.note = f"r{i}"
                    results.append(r)
                    print(
                        f"  round {i + 1} {r.bench:8} {case.name:28} {r.rps:8,.0f} req/s  p50 {r.p50_ms:6.2f} ms  "
                        f"p99 {r.p99_ms:7.2f} ms  CPU {r.cpu_us:5.0f} µs/req  errors {r.errors}  "
                        f"(load {load_average():.1f})",
                        flush=True,
                    )
            shift = i % max(1, len(flow_cases))
            for flow_case in flow_cases[shift:] + flow_cases[:shift]:
                try:
                    seconds = flow_once(flow_case, scratch_root)
                except Exception as exc:
                    failures.append(f"{flow_case.name}: {exc}")
                    print(f"  round {i + 1} {flow_case.name}: FAILED {exc}", flush=True)
                    continue
                times[flow_case.name].append(seconds)
                print(
                    f"  round {i + 1} {flow_case.name:30} {seconds:8.3f} s  (load {load_average():.1f})",
                    flush=True,
                )
            loads.append(load_average())
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
        reap()
    serving_md, serving_rows = serving_table(results, rounds) if results else ("", [])
    flows_md, flow_rows = workflow_table(times) if any(times.values()) else ("", [])
    print()
    if serving_md:
        print(
            f"Serving: iris SVC, 1 row, 1 worker, {CONNECTIONS} connections, {rounds} rounds × {duration:g} s\n"
        )
        print(serving_md + "\n")
    if flows_md:
        print(f"Workflows: {rounds} rounds\n")
        print(flows_md + "\n")
    print(f"load average: {', '.join(f'{x:.1f}' for x in loads)} (start, after each round)")
    for failure in failures:
        print(f"failed: {failure}")
    data = {
        "started": started_at,
        "machine": platform_line(),
        "cores": os.cpu_count(),
        "load": loads,
        "rounds": rounds,
        "duration": duration,
        "connections": CONNECTIONS,
        "serving": serving_rows,
        "workflows": flow_rows,
        "raw": [asdict(r) for r in results],
        "failures": failures,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=1))
    print(f"results: {args.json}")
    if args.chart:
        chart(args.json, args.chart)
    return 1 if failures else 0


def platform_line() -> str:
    import platform

    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    return f"{platform.machine()} Linux {platform.release()}{mem}, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
