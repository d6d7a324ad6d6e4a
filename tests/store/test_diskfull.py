"""Disk full (SPEC §6 R5): the SQLite store gives up its disk reserve to record state, then takes it back.

On a real (small) file system filled to the last byte: a write that finds the disk full raises `DiskFull`;
once the reserve is given up, the retried write — an end state — is recorded; with the reserve spent there
is nothing more to give; once space returns the reserve is made again by the next write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from diskfull_support import fill, small_disk

from argento.errors import DiskFull
from argento.store import SqlStore
from argento.store import reserve as reserve_module
from argento.store.reserve import Reserve, is_disk_full


def _workflow() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": "full",
            "namespace": "argo",
            "uid": "uid-full",
            "creationTimestamp": "2024-01-01T00:00:00Z",
        },
        "spec": {"entrypoint": "main"},
        "status": {"phase": "Running"},
    }


def _node(i: int, phase: str = "Running") -> dict[str, Any]:
    return {"id": f"full-{i}", "name": f"full.s{i}", "type": "Pod", "phase": phase, "message": "x" * 50_000}


def _until_full(store: SqlStore) -> DiskFull:
    for i in range(10_000):
        try:
            store.workflows.save_node("uid-full", _node(i))
        except DiskFull as exc:
            return exc
    raise AssertionError("the disk never filled up")


def test_the_reserve_is_given_up_to_record_state_and_taken_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reserve_module, "_CHECK_EVERY", 0.0)
    with small_disk(tmp_path / "disk", 16) as disk:
        store = SqlStore(f"sqlite:///{disk / 'argento.db'}")
        try:
            reserve = store.keep_reserve(16 << 20)
            assert reserve is not None and reserve.held
            assert reserve.size == 2 << 20  # at most an eighth of this 16 MiB file system
            assert (disk / "argento.db.reserve").stat().st_blocks * 512 >= reserve.size  # real blocks
            store.workflows.create(_workflow())
            fill(disk / "filler")

            full = _until_full(store)
            assert "disk full" in str(full) and reserve.held  # kept until someone retries
            assert store.release_reserve()
            assert not reserve.held and not (disk / "argento.db.reserve").exists()
            store.workflows.save_node("uid-full", _node(0, "Error"))  # the retried end state fits now
            assert store.workflows.get_nodes("uid-full")["full-0"]["phase"] == "Error"

            fill(disk / "filler-2")
            _until_full(store)
            assert not store.release_reserve()  # nothing left to give

            (disk / "filler").unlink()
            (disk / "filler-2").unlink()
            store.workflows.save_node("uid-full", _node(1, "Succeeded"))  # space is back …
            assert reserve.held and (disk / "argento.db.reserve").exists()  # … and so is the reserve
        finally:
            store.close()


def test_no_reserve_without_a_sqlite_file_or_room_for_it(tmp_path: Path) -> None:
    assert SqlStore("sqlite://").keep_reserve(1 << 20) is None
    with small_disk(tmp_path / "disk", 4) as disk:
        fill(disk / "filler")
        reserve = Reserve(disk / "r", 1 << 20)
        assert not reserve.restore(force=True) and not (disk / "r").exists()  # never the last free bytes


def test_disk_full_is_recognised_in_every_form() -> None:
    import errno
    import sqlite3

    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    err = sqlite3.OperationalError("database or disk is full")
    assert is_disk_full(err)
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    assert DiskFull("x").http_status == 507
