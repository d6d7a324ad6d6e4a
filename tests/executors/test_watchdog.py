"""The watchdog: steps registered with it die when their engine dies, even by SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from argento.procs import running

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



def test_a_registered_group_dies_with_its_engine() -> None:
    engine = subprocess.Popen([sys.executable, "-c", ENGINE], stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None
    kept, forgotten = (int(x) for x in engine.stdout.readline().split())
    try:
        assert running(kept) and running(forgotten)
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        deadline = time.monotonic() + 5
        while running(kept) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not running(kept)
        assert running(forgotten)  # no longer registered: left alone
    finally:
        for pid in (kept, forgotten):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
