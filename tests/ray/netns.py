"""Run the Ray tests inside a private network namespace: ``python tests/ray/netns.py [pytest args]``.

Why: Ray binds its services to the machine's non-loopback interface even when asked for 127.0.0.1. Inside a
fresh network namespace (``unshare -n``, then ``ip link set lo up``) loopback is the only interface, so Ray
uses 127.0.0.1 and nothing it opens is reachable from outside. ``make test`` (and so CI) runs this after the
main suite; a plain ``pytest`` run skips ``tests/ray`` with a pointer here.

The runner needs root (as CI and the development machines have). It gives Ray a private ``HOME`` (Ray writes
its auth token there), turns usage stats off, and marks the environment (``ARGENTO_RAY_NETNS=1``) so the tests
know they may start Ray. When pytest ends, every process still alive in the namespace was started by the
tests and leaked: the runner lists them, kills them by pid and fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSIDE = "ARGENTO_RAY_NETNS"
LEFTOVER_GRACE = 20.0


def _netns(pid: int | str = "self") -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def leftovers() -> dict[int, str]:
    """Processes in this network namespace other than this one: pid -> command line."""
    mine, me = _netns(), os.getpid()
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            if _netns(entry) != mine:
                continue
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or a kernel thread
            continue
        if cmd.strip():
            out[int(entry)] = cmd.strip()[:160]
    return out


def _outside(argv: list[str]) -> int:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        print("tests/ray: skipped: a private network namespace needs root, unshare(1) and ip(8)")
        return 0
    home = tempfile.mkdtemp(prefix="argento-ray-home-")
    # No Ray call may quietly start a cluster of its own (Ray's auto-init): tests start exactly one.
    env = {**os.environ, INSIDE: "1", "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_AUTO_CONNECT": "0", "HOME": home}
    try:
        return subprocess.call(["unshare", "-n", sys.executable, __file__, *argv], env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _inside(argv: list[str]) -> int:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    paths = [] if any(a.startswith("tests/ray") for a in argv) else ["tests/ray"]
    rc = subprocess.call([sys.executable, "-m", "pytest", *paths, "-p", "no:cacheprovider", *argv], cwd=REPO)
    deadline = time.monotonic() + LEFTOVER_GRACE
    left = leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = leftovers()
    if not left:
        return rc
    print(f"tests/ray: {len(left)} process(es) outlived the tests:", file=sys.stderr)
    for pid, cmd in sorted(left.items()):
        print(f"  {pid} {cmd}", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return rc or 1


def main(argv: list[str]) -> int:
    return _inside(argv) if os.environ.get(INSIDE) == "1" else _outside(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
