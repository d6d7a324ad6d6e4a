"""Fixtures shared by every suite: each test gets its own ARGENTO_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from argento.config import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "argo-corpus"


@pytest.fixture
def argento_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ARGENTO_HOME for one test."""
    home = tmp_path / "argento-home"
    home.mkdir()
    monkeypatch.setenv("ARGENTO_HOME", str(home))
    yield home


@pytest.fixture
def settings(argento_home: Path) -> Settings:
    """Settings pointing at the test's own home."""
    return Settings.from_env({"ARGENTO_HOME": str(argento_home)})
