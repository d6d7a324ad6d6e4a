"""Start-up time and memory of `argento up` (Argento server + MLflow) and the run time of `argento quickstart`.

    python bench/up.py [--runs 3] [--quickstart]

Each run uses a fresh ARGENTO_HOME and free ports. "cold" is the first start on a machine (MLflow creates and
migrates its SQLite database); "warm" starts a new home from the cached empty database (~/.cache/argento).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def up_once(cache: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-up-", dir=os.path.expanduser("~")) as home:
        env = {**os.environ, "ARGENTO_HOME": home}
        if cache is not None:
            env["XDG_CACHE_HOME"] = cache
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "argento", "up", "-d", "--port", str(_port()), "--mlflow-port", "0", "-o", "json"],
            capture_output=True, text=True, env=env, check=True,
        )
        wall = time.monotonic() - t0
        data = json.loads(proc.stdout)
        subprocess.run([sys.executable, "-m", "argento", "down"], capture_output=True, env=env, check=True)
    return {"wall": wall, **{k: v for k, v in data.items() if k != "notes"}}


def quickstart_once() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-qs-", dir=os.path.expanduser("~")) as home:
        env = {**os.environ, "ARGENTO_HOME": home, "ARGENTO_SERVER": f"http://127.0.0.1:{_port()}"}
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-m", "argento", "quickstart", "--down", "-o", "json"],
                       capture_output=True, env=env, check=True)
        return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quickstart", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty_cache:
        cold = up_once(empty_cache)
    warm = [up_once(None) for _ in range(args.runs)]
    mib = 2**20
    print("| what | wall s | server ready s | MLflow ready s | server RSS MiB | MLflow RSS MiB |")
    print("|---|---|---|---|---|---|")
    for label, rows in (("argento up, cold (first start)", [cold]), (f"argento up, warm (median of {args.runs})", warm)):
        def med(f: object, rows: list = rows) -> float:
            return statistics.median(f(r) for r in rows)  # type: ignore[operator]

        print(
            f"| {label} | {med(lambda r: r['wall']):.1f} | {med(lambda r: r['server']['seconds']):.1f} | "
            f"{med(lambda r: r['mlflow']['seconds']):.1f} | {med(lambda r: r['server']['rss_bytes']) / mib:.0f} | "
            f"{med(lambda r: r['mlflow']['rss_bytes']) / mib:.0f} |"
        )
    if args.quickstart:
        print(f"| argento quickstart (up + train → evaluate → deploy ×2 + predictions + down) | {quickstart_once():.0f} | | | | |")


if __name__ == "__main__":
    main()
