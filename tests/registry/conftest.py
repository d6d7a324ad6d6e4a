"""Fixtures of the model store suites: a store in the test's own ARGENTO_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from argento.registry.store import ModelStore, default_store


@pytest.fixture
def store(argento_home: Path) -> ModelStore:
    """The default store of the test's ARGENTO_HOME (what ``argento.models`` and the CLI use)."""
    return default_store()
