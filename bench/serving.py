"""Serving benchmarks, SPEC §5 P5–P8, each against its baseline measured in the same run.

    python bench/serving.py [--duration 10] [--only P5,P6,P7,P8,P5AB,LOG] [--bentoml-python /tmp/bentoml-venv/bin/python]
                            [--json out.json] [--profile]

* P5  no-op JSON API, 1 worker, c=16, nothing pinned: argento's async API and its seed-style sync one
      (``def echo_sync(self, input_data: dict)``) vs a plain Starlette app on uvicorn (same work).
* P6  sklearn iris 1 row, 1 worker, c=32: argento vs BentoML 1.4 serving the same pickled model.
* P7  batchable iris API vs the same API unbatched, c=64 (argento); p99 vs max_latency_ms.
* P8  process start → /readyz 200 (argento vs BentoML), median of 3.
* P5AB the seed-style sync iris API (inline when short), the same kept in threads, and ``async def``, served by
      one argento process, and bare Starlette, all started once, nothing pinned; wrk alternates between them
      in short slices for ``--duration`` × 4 seconds in all, and each slice's ratio to the Starlette slice of
      the same cycle is kept: the median ratio survives a machine whose load changes by the minute.
* LOG the access log's CPU per request, in process: one ``logging`` call per request (as before issue 18) vs
      the buffered log (``argento.serving.access_log``), both writing to a file (not in the default set).

The load generator is `wrk` (Debian package) in its own process, pinned to the other core when `taskset`
exists; every server runs pinned to core 0 with one worker (P5: nothing pinned). Traffic goes to 127.0.0.1 only and every run is
bounded by --duration. BentoML runs from its own virtualenv (`python -m venv /tmp/bentoml-venv &&
/tmp/bentoml-venv/bin/pip install 'bentoml>=1.4,<1.5' scikit-learn`); without it its rows are skipped.
--profile runs the argento servers of P5/P6/P7 under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import httpx
from benchlib import IRIS_ROW, WORK, Result, free_port, pinned, wrk
from benchlib import server_process as _server_process

HERE = Path(__file__).resolve().parent
APPS = HERE / "serving_apps"
__all__ = ["APPS", "IRIS_ROW", "Result", "argento_cmd", "free_port", "server", "server_process", "wrk"]


@contextmanager
def server(
    cmd: list[str],
    port: int,
    env: dict[str, str] | None = None,
    ready_path: str = "/readyz",
    cwd: Path = APPS,
) -> Iterator[str]:
    """Run ``cmd`` (pinned to core 0) until its ``ready_path`` answers 200; yield its URL."""
    with server_process(cmd, port, env, ready_path, cwd) as (url, _):
        yield url


@contextmanager
def server_process(
    cmd: list[str],
    port: int,
    env: dict[str, str] | None = None,
    ready_path: str = "/readyz",
    cwd: Path = APPS,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`server`, also yielding the process (``taskset`` execs the command: its PID is the server's)."""
    with _server_process(cmd, port, env, ready_path, cwd, core=0) as running:
        yield running


def argento_cmd(target: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "argento.cli.main",
        "serve",
        target,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--working-dir",
        str(APPS),
    ]


def run_case(
    bench: str,
    name: str,
    cmd: list[str],
    port: int,
    path: str,
    body: dict | list,
    conns: int,
    duration: float,
    env: dict[str, str] | None = None,
    ready_path: str = "/readyz",
    cwd: Path = APPS,
    pin: bool = True,
) -> Result:
    with _server_process(cmd, port, env, ready_path, cwd, core=0 if pin else None) as (url, _):
        with httpx.Client(base_url=url, timeout=10) as c:  # correctness, then warm-up
            r = c.post(path, json=body)
            if r.status_code != 200:
                raise RuntimeError(f"{name}: {r.status_code} {r.text}")
        wrk(url + path, body, conns, min(2.0, duration), core=1 if pin else None)
        result = wrk(url + path, body, conns, duration, core=1 if pin else None)
    result.bench, result.name = bench, name
    print(
        f"  {bench} {name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"errors {result.errors}",
        flush=True,
    )
    return result


def prepare_model() -> Path:
    from sklearn import datasets, svm

    WORK.mkdir(parents=True, exist_ok=True)
    iris = datasets.load_iris()
    clf = svm.SVC(gamma="scale").fit(iris.data, iris.target)
    path = WORK / "iris.pkl"
    path.write_bytes(pickle.dumps(clf))
    return path


def p5(duration: float) -> list[Result]:
    """Nothing pinned (as people run it): the seed-style sync API and the async one against bare Starlette."""
    body = {"a": 1, "b": [1, 2, 3], "c": "text"}
    base = run_case(
        "P5",
        "starlette+uvicorn",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "plain_app:app",
            "--port",
            str(port := free_port()),
            "--log-level",
            "warning",
        ],
        port,
        "/echo",
        body,
        16,
        duration,
        pin=False,
    )
    out = [base]
    for name, path in (("argento (async)", "/echo"), ("argento (sync, seed style)", "/echo_sync")):
        ours = run_case(
            "P5",
            name,
            argento_cmd("argento_apps:Noop", port := free_port()),
            port,
            path,
            body,
            16,
            duration,
            pin=False,
        )
        ours.ratio = ours.rps / base.rps
        out.append(ours)
    return out


def p6(duration: float, bento_python: str | None) -> list[Result]:
    body = {"features": IRIS_ROW}
    results = []
    base = None
    if bento_python:
        port = free_port()
        cmd = [bento_python, "-m", "bentoml", "serve", "bento_service:IrisBento", "--port", str(port)]
        base = run_case("P6", "bentoml 1.4", cmd, port, "/predict", body, 32, duration)
        results.append(base)
    ours = run_case(
        "P6",
        "argento",
        argento_cmd("argento_apps:Iris", port := free_port()),
        port,
        "/predict",
        body,
        32,
        duration,
    )
    if base:
        ours.ratio = ours.rps / base.rps
    results.append(ours)
    return results


def p7(duration: float) -> list[Result]:
    body = {"features": [IRIS_ROW]}
    port = free_port()
    cmd = argento_cmd("argento_apps:Iris", port)
    with server(cmd, port) as url:
        out = []
        for name, path in (
            ("unbatched", "/predict_rows"),
            ("batched (max 64 rows, 50 ms)", "/predict_batched"),
        ):
            wrk(url + path, body, 64, min(2.0, duration))
            r = wrk(url + path, body, 64, duration)
            r.bench, r.name = "P7", name
            out.append(r)
            print(
                f"  P7 {name}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, errors {r.errors}",
                flush=True,
            )
        metrics = httpx.get(url + "/metrics").text
    count = _metric(
        metrics, "argento_service_adaptive_batch_size_count", 'endpoint="predict_batched"', 'unit="rows"'
    )
    rows = _metric(
        metrics, "argento_service_adaptive_batch_size_sum", 'endpoint="predict_batched"', 'unit="rows"'
    )
    out[1].ratio = out[1].rps / out[0].rps
    out[1].note = f"mean batch {rows / count:.1f} rows" if count else ""
    return out


def _metric(text: str, name: str, *labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name) and all(label in line for label in labels):
            return float(line.split()[-1])
    return 0.0


def _model_load_seconds() -> float:
    """Importing sklearn and unpickling the model in a fresh interpreter (the 'model load' of P8)."""
    code = (
        "import pickle, sys, time; t = time.perf_counter(); import sklearn.svm; "
        "pickle.load(open(sys.argv[1], 'rb')); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        pinned([sys.executable, "-c", code, os.environ["BENCH_MODEL"]], 0),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def p8(bento_python: str | None, repeats: int = 3) -> list[Result]:
    out = []
    cases = [
        ("argento (no-op service)", lambda port: argento_cmd("argento_apps:Noop", port)),
        ("argento (iris)", lambda port: argento_cmd("argento_apps:Iris", port)),
    ]
    if bento_python:
        cases.append(
            (
                "bentoml 1.4 (iris)",
                lambda port: [
                    bento_python,
                    "-m",
                    "bentoml",
                    "serve",
                    "bento_service:IrisBento",
                    "--port",
                    str(port),
                ],
            )
        )
    load = statistics.median(_model_load_seconds() for _ in range(repeats))
    for name, make in cases:
        times = []
        for _ in range(repeats):
            port = free_port()
            started = time.perf_counter()
            with server(make(port), port) as _url:
                times.append(time.perf_counter() - started)
        r = Result("P8", name, note="start→/readyz s: " + ", ".join(f"{t:.2f}" for t in times))
        r.p50_ms = statistics.median(times) * 1000
        if "iris" in name:
            r.note += f"; minus model load ({load:.2f} s): {statistics.median(times) - load:.2f} s"
        out.append(r)
        print(f"  P8 {name}: {r.p50_ms:.0f} ms ({r.note})", flush=True)
    if bento_python:
        out[1].ratio = out[2].p50_ms / out[1].p50_ms
    return out


def p5_ab(duration: float, slice_seconds: float = 2.0) -> list[Result]:
    """See P5AB in the module docstring."""
    peer_apps = HERE / "peer_apps"
    body = {"features": IRIS_ROW}
    names = {
        "/predict": "argento sync (inline when short)",
        "/predict_threads": "argento sync (threads)",
        "/predict_async": "argento async",
    }
    rps: dict[str, list[float]] = {name: [] for name in (*names.values(), "starlette")}
    ratios: dict[str, list[float]] = {name: [] for name in names.values()}
    a_port, s_port = free_port(), free_port()
    ours = [
        sys.executable,
        "-m",
        "argento.cli.main",
        "serve",
        "argento_iris:IrisAll",
        "--port",
        str(a_port),
        "--working-dir",
        str(peer_apps),
        "--log-level",
        "warning",
    ]
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "starlette_iris:app",
        "--port",
        str(s_port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = {"PYTHONPATH": str(peer_apps)}
    with (
        _server_process(ours, a_port, env, cwd=WORK, core=None) as (a_url, _),
        _server_process(bare, s_port, env, cwd=WORK, core=None) as (s_url, _),
    ):
        for path in names:
            for _ in range(50):  # past the inline gate's probes
                httpx.post(a_url + path, json=body)
        cycles = max(1, int(duration * 4 / slice_seconds / 4))
        for _ in range(cycles):
            base = wrk(s_url + "/predict", body, 8, slice_seconds, core=None).rps
            rps["starlette"].append(base)
            for path, name in names.items():
                got = wrk(a_url + path, body, 8, slice_seconds, core=None).rps
                rps[name].append(got)
                ratios[name].append(got / base)
    out = [Result("P5AB", "starlette", rps=statistics.median(rps["starlette"]), note=f"{cycles} cycles")]
    for name in names.values():
        r = Result("P5AB", name, rps=statistics.median(rps[name]), ratio=statistics.median(ratios[name]))
        r.note = f"per-cycle ratio min–max {min(ratios[name]):.2f}–{max(ratios[name]):.2f}"
        out.append(r)
    for r in out:
        print(
            f"  P5AB {r.name}: {r.rps:,.0f} req/s (median) {f'{r.ratio:.2f}×' if r.ratio else ''} {r.note}",
            flush=True,
        )
    return out


def access_log_cost(lines: int = 50_000) -> list[Result]:
    """CPU microseconds per access-log line: a logging call per request vs the buffered log, to a file."""
    import asyncio
    import logging

    from argento.serving.access_log import ACCESS_FORMAT, MESSAGE, AccessLog, AccessLogHandler, logger

    WORK.mkdir(parents=True, exist_ok=True)
    client = ("127.0.0.1", 50000)
    out = []
    for name, handler_cls in (
        ("logging call per request", logging.StreamHandler),
        ("buffered (argento.serving.access_log)", AccessLogHandler),
    ):
        with open(WORK / "access.log", "w") as stream:
            handler = handler_cls(stream)
            handler.setFormatter(logging.Formatter(ACCESS_FORMAT))
            logger.handlers[:], logger.propagate = [handler], False
            logger.setLevel(logging.INFO)

            async def run(buffered: bool) -> float:
                access = AccessLog()
                started = time.process_time()
                for i in range(lines):
                    if buffered:
                        access.add(client, "POST", "/predict", 200, 0.4242, f"abcdef01{i:06x}")
                    else:
                        logger.info(MESSAGE, client[0], "POST", "/predict", 200, 0.4242, f"abcdef01{i:06x}")
                access.close()
                return time.process_time() - started

            seconds = asyncio.run(run(handler_cls is AccessLogHandler))
        r = Result("LOG", name, note=f"{seconds / lines * 1e6:.2f} µs CPU per line ({lines:,} lines)")
        r.p50_ms = seconds / lines * 1000
        out.append(r)
        print(f"  LOG {name}: {r.note}", flush=True)
    out[1].ratio = out[0].p50_ms / out[1].p50_ms
    return out


def profile(duration: float) -> None:
    """Run the argento P5/P6/P7 servers under cProfile under load and print the top of the profile."""
    import pstats

    for target, path, body, conns in (
        ("argento_apps:Noop", "/echo", {"a": 1}, 16),
        ("argento_apps:Iris", "/predict", {"features": IRIS_ROW}, 32),
        ("argento_apps:Iris", "/predict_batched", {"features": [IRIS_ROW]}, 64),
    ):
        port = free_port()
        prof = WORK / f"{target.split(':')[1]}{path.replace('/', '-')}.prof"
        # The same server as argento_cmd's, under cProfile (its argv minus the interpreter).
        cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *argento_cmd(target, port)[1:]]
        with server(cmd, port) as url:
            wrk(url + path, body, conns, duration)
        print(f"\n== cProfile of {target} {path}, c={conns} (top 25 by own time) ==")
        pstats.Stats(str(prof)).sort_stats("tottime").print_stats(25)


def table(results: list[Result]) -> str:
    lines = [
        "| bench | server | req/s | p50 ms | p99 ms | errors | ratio vs baseline | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        baseline = r.name in ("starlette+uvicorn", "bentoml 1.4", "unbatched", "bentoml 1.4 (iris)")
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "baseline" if baseline else ""
        rps = f"{r.rps:,.0f}" if r.rps else "–"
        p99 = f"{r.p99_ms:.2f}" if r.p99_ms else "–"
        lines.append(
            f"| {r.bench} | {r.name} | {rps} | {r.p50_ms:.2f} | {p99} | {r.errors} | {ratio} | {r.note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per measured run (plus 2 s warm-up)"
    )
    parser.add_argument("--only", default="P5,P6,P7,P8")
    parser.add_argument("--bentoml-python", default="/tmp/bentoml-venv/bin/python")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/serving.py needs wrk: apt-get install -y wrk")
    bento = args.bentoml_python if Path(args.bentoml_python).exists() else None
    if bento is None:
        print(f"note: BentoML not found at {args.bentoml_python}; its baselines are skipped")
    model = prepare_model()
    os.environ["BENCH_MODEL"] = str(model)
    only = set(args.only.upper().split(","))
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start", flush=True)
    results: list[Result] = []
    if "P5" in only:
        results += p5(args.duration)
    if "P6" in only:
        results += p6(args.duration, bento)
    if "P7" in only:
        results += p7(args.duration)
    if "P8" in only:
        results += p8(bento)
    if "P5AB" in only:
        results += p5_ab(args.duration)
    if "LOG" in only:
        results += access_log_cost()
    print()
    print(table(results))
    print(f"\nload average {os.getloadavg()[0]:.2f} at end")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    if args.profile:
        profile(min(args.duration, 5.0))


if __name__ == "__main__":
    main()
