"""Crash recovery (SPEC §6 R1): what a restarted server does before it re-adopts unfinished workflows.

Every node transition was committed before the engine acted on it, so the stored nodes are the truth: a
node that is fulfilled is never run again. A Pod node that was Pending or Running when the server died is
*adopted* (`argento.executors.supervisor`): the local executor's steps outlive the server — a supervisor
process keeps them running and records how each ended — so the restarted engine waits for a step still
running, takes the recorded result of one that ended meanwhile, starts one that never started, and fails
with Argo's ``pod deleted`` one whose end was lost. Nothing is silently run twice.

Executors whose steps cannot outlive the server (``ray``; the fake) re-run such a node instead; before that,
the step processes the dead server left behind are killed (`kill_orphans`), so a re-run step never overlaps
its orphaned first run. They are found by the ``ARGO_WORKFLOW_UID`` every step's environment carries (SPEC
§2.4).
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any


def orphan_pids(workflow_uid: str, proc: Path = Path("/proc")) -> list[int]:
    """PIDs of live processes whose environment names ``workflow_uid`` (Linux; empty elsewhere)."""
    if not workflow_uid or not proc.is_dir():
        return []
    needle = f"ARGO_WORKFLOW_UID={workflow_uid}".encode()
    me = os.getpid()
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_orphans(workflow_uid: str) -> int:
    """SIGKILL the process groups of a workflow's orphaned steps; returns how many processes were found."""
    pids = orphan_pids(workflow_uid)
    groups: set[int] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(pid))
    own = os.getpgrp()
    for pgid in groups:
        if pgid == own:
            continue
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


def restorable(workflow: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Split a stored workflow into (resource without status, its nodes, the rest of its status)."""
    status = dict(workflow.get("status") or {})
    nodes = status.pop("nodes", None) or {}
    resource = {k: v for k, v in workflow.items() if k != "status"}
    return resource, nodes, status
