"""Crash safety (kill -9 mid-save leaves nothing visible) and concurrent writers in several processes."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from argento.errors import NotFound
from argento.registry.store import ModelStore

pytestmark = pytest.mark.timeout(120)


def _python(code: str, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ARGENTO_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"writer exited early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError("writer never reached the point to kill")
        time.sleep(0.01)


SLOW_SAVE = """
    import sys, time
    import argento

    class Slow:
        # Pickled by value (defined in __main__); hangs halfway through writing the artifact.
        def __init__(self):
            self.payload = b"x" * 1_000_000
        def __reduce__(self):
            open(sys.argv[1], "w").close()
            time.sleep(60)
            return (bytes, ())

    argento.models.save("iris", {"before": b"y" * 500_000, "slow": Slow()}, version="v1")
"""


def test_kill_9_mid_save_leaves_nothing_visible(
    store: ModelStore, argento_home: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "writing"
    proc = _python(SLOW_SAVE, argento_home, str(marker))
    _wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert store.list() == []
    with pytest.raises(NotFound):
        store.get("iris:v1")
    leftovers = list((store.root / ".staging").iterdir())
    assert leftovers, "the killed writer's staging folder is expected (and invisible)"
    # the next writer reclaims the garbage, and the version is free to be saved
    assert store.save("iris", 1, version="v1").load() == 1
    assert not any(p.exists() for p in leftovers)


RANDOM_KILL = """
    import argento
    i = 0
    while True:
        m = argento.models.save("busy", {"i": i, "blob": bytes(200_000)}, labels={"i": str(i)})
        argento.models.tag(m.tag, "production")
        i += 1
"""


@pytest.mark.parametrize("delay", [0.35, 0.55, 0.8])
def test_kill_9_at_a_random_moment_keeps_the_store_consistent(
    store: ModelStore, argento_home: Path, delay: float
) -> None:
    proc = _python(RANDOM_KILL, argento_home)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    models = store.list("busy")
    for m in models:  # every visible version is complete
        assert m.load()["i"] == int(m.labels["i"])
    versions = {m.version for m in models}
    for alias, version in store.aliases("busy").items():
        assert version in versions, alias
    if models:
        store.save("busy", {"i": -1, "blob": b""}, labels={"i": "-1"})
        assert store.get("busy").load()["i"] == -1


WORKER = """
    import json, sys, time
    from pathlib import Path
    import argento
    from argento.errors import AlreadyExists

    worker, start = int(sys.argv[1]), Path(sys.argv[2])
    while not start.exists():
        time.sleep(0.001)
    saved = []
    for i in range(6):
        m = argento.models.save("shared", {"worker": worker, "i": i})
        argento.models.tag(m.tag, "production")
        argento.models.set_labels(m.tag, {"worker": str(worker)})
        saved.append(m.version)
    try:
        argento.models.save("shared", worker, version="fixed")
        won = True
    except AlreadyExists:
        won = False
    print(json.dumps({"saved": saved, "won": won}))
"""


def test_concurrent_writers(store: ModelStore, argento_home: Path, tmp_path: Path) -> None:
    start = tmp_path / "go"
    procs = [_python(WORKER, argento_home, str(w), str(start)) for w in range(4)]
    time.sleep(0.3)
    start.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        results.append(json.loads(out))

    saved = [v for r in results for v in r["saved"]]
    assert len(saved) == len(set(saved)) == 24
    assert sum(r["won"] for r in results) == 1
    models = store.list("shared")
    assert {m.version for m in models} == {*saved, "fixed"}
    for m in models:
        if m.version != "fixed":
            assert m.labels == {"worker": str(m.load()["worker"])}

    history = store.history("shared", "production")
    assert len(history) == 24
    for before, after in itertools.pairwise(history):  # a chain: nothing lost or interleaved
        assert after.from_version == before.to_version
    assert store.aliases("shared") == {"production": history[-1].to_version}
    log = (store.root / "shared" / "history.jsonl").read_text()
    assert log.endswith("\n") and len(log.splitlines()) == 24
