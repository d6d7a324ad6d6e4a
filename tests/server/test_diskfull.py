"""Disk full (SPEC §6 R5), on a real server whose home is a small file system that its steps fill up.

The workflows that ran into the full disk end Failed and that end is recorded (the store gives up its disk
reserve for it), so a restarted server does not run them again (which would fill the disk again); the
failure is logged once per kind, not once per write or request.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from diskfull_support import small_disk
from serverconf import ServerProcess

from argento.errors import Unavailable
from argento.store import SqlStore

WORKFLOWS = 4


def _own(home: Path, name: str) -> Path:
    return home / "runs" / name


def filler(name: str, home: Path) -> dict[str, Any]:
    """Step ``fill`` notes that it ran and, once every workflow runs (the gate), writes until the disk is full
    (and fails); ``after`` never runs."""
    # A step sees of the home only its workflow's run folder (`executors.homeview`): its files live there.
    own = _own(home, name)
    gate = f"n=0; while [ ! -e {own}/gate ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done"
    return {
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "fill", "template": "fill"}],
                        [{"name": "after", "template": "after"}],
                    ],
                },
                {
                    "name": "fill",
                    "container": {
                        "image": "alpine",
                        "command": ["sh", "-c"],
                        "args": [f"echo ran >> {own}/ran; {gate}; cat /dev/zero > {own}/fill"],
                    },
                },
                {"name": "after", "container": {"image": "alpine", "command": ["true"]}},
            ],
        },
    }


def _recorded(home: Path, names: list[str]) -> dict[str, str]:
    """The phases the database holds (what a restarted server goes by), read beside the running server."""
    store = SqlStore(f"sqlite:///{home / 'argento.db'}")
    try:
        return {n: str(store.workflows.get("argo", n).get("status", {}).get("phase")) for n in names}
    except Unavailable:  # the disk is full: reading may need to write the WAL index; try again
        return {}
    finally:
        store.close()


def _phase(srv: ServerProcess, name: str) -> str:
    r = httpx.get(f"{srv.url}/api/v1/workflows/argo/{name}", timeout=10)
    assert r.status_code == 200, r.text
    return str((r.json().get("status") or {}).get("phase") or "")


def test_end_states_are_recorded_on_a_full_disk_and_not_run_again(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 48) as home:
        names = [f"fill-{i}" for i in range(WORKFLOWS)]
        started: list[ServerProcess] = []

        def start() -> ServerProcess:
            srv = ServerProcess(home, "--log-level", "info")
            srv.log = tmp_path / f"server-{len(started)}.log"  # not on the full disk: the test reads it
            started.append(srv)
            return srv.start()

        try:
            srv = start()
            assert (home / "argento.db.reserve").exists()
            for name in names:
                r = httpx.post(
                    f"{srv.url}/api/v1/workflows/argo", json={"workflow": filler(name, home)}, timeout=10
                )
                assert r.status_code == 200, r.text
            deadline = time.monotonic() + 60
            while not all((_own(home, n) / "ran").exists() for n in names):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            for name in names:
                (_own(home, name) / "gate").touch()
            deadline = time.monotonic() + 90
            while (recorded := _recorded(home, names)) != dict.fromkeys(names, "Failed"):  # in the database
                assert time.monotonic() < deadline, recorded
                time.sleep(0.2)
            wf = httpx.get(f"{srv.url}/api/v1/workflows/argo/{names[0]}", timeout=10).json()
            fill_node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "fill")
            assert fill_node["phase"] == "Failed" and fill_node["message"].endswith("Error (exit code 1)")
            srv.stop()

            for name in names:  # space returns
                (_own(home, name) / "fill").unlink(missing_ok=True)
            again = start()
            for name in names:  # recorded: finished, not resumed (and so not filling the disk again)
                assert _phase(again, name) == "Failed"
                assert (_own(home, name) / "ran").read_text() == "ran\n"
            assert not list(home.glob("runs/*/fill"))
            again.stop()
            assert "re-adopted" not in again.log.read_text()
            log = "".join(s.log.read_text() for s in started)
            assert log.count("Traceback") <= 1, log[-3000:]
        finally:
            for srv in started:
                srv.stop()
