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


REUSE = """
import subprocess, sys, time
from argento.executors.watchdog import shared_watchdog
dog = shared_watchdog()
procs = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(5)]
for p in procs:
    dog.watch(p.pid)
for p in procs[:3]:  # their slots are freed, then reused by the next groups
    dog.forget(p.pid)
late = [subprocess.Popen(["sleep", "60"], start_new_session=True) for _ in range(2)]
for p in late:
    dog.watch(p.pid)
dog.watch(late[0].pid)  # twice: still one slot
print(*(p.pid for p in procs + late), flush=True)
time.sleep(60)
"""


def test_freed_slots_are_reused_and_only_registered_groups_die() -> None:
    engine = subprocess.Popen([sys.executable, "-c", REUSE], stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None
    pids = [int(x) for x in engine.stdout.readline().split()]
    forgotten, kept = pids[:3], pids[3:]
    try:
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        deadline = time.monotonic() + 5
        while any(running(p) for p in kept) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(running(p) for p in kept)
        assert all(running(p) for p in forgotten)
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
