from __future__ import annotations

import stat
from pathlib import Path

import pytest

from argento.store.sql import create_engine


def test_an_in_memory_database_creates_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    create_engine("sqlite://").dispose()
    create_engine("sqlite:///:memory:").dispose()
    assert list(tmp_path.iterdir()) == []  # before: a file named "sqlite:" in the working directory


def test_a_database_file_is_private(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "argento.db"
    create_engine(f"sqlite:///{db}").dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
