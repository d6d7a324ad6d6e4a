"""The watchdog: steps registered with it die when their engine dies, even by SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ENGINE = """
import subprocess, sys, time
from argento.executors.watchdog import shared_watchdog
kept = subprocess.Popen(["sleep", "60"], start_new_session=True)
forgotten = subprocess.Popen(["sleep", "60"], start_new_session=True)
shared_watchdog().watch(kept.pid)
shared_watchdog().watch(forgotten.pid)
shared_watchdog().forget(forgotten.pid)
print(kept.pid, forgotten.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Running (a zombie or a vanished process is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_a_registered_group_dies_with_its_engine() -> None:
    engine = subprocess.Popen([sys.executable, "-c", ENGINE], stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None
    kept, forgotten = (int(x) for x in engine.stdout.readline().split())
    try:
        assert alive(kept) and alive(forgotten)
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        deadline = time.monotonic() + 5
        while alive(kept) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(kept)
        assert alive(forgotten)  # no longer registered: left alone
    finally:
        for pid in (kept, forgotten):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
