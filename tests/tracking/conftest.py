"""A real MLflow tracking server on 127.0.0.1 for the whole session (started once, stopped by PID)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from argento.config import Settings


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The managed lean server of a session-wide ARGENTO_HOME (`argento.tracking.start`)."""
    pytest.importorskip("mlflow")
    from argento import tracking

    home = tmp_path_factory.mktemp("mlflow-home")
    settings = Settings.from_env({"ARGENTO_HOME": str(home)})
    server = tracking.start(settings, port=0, timeout=120)
    import mlflow

    mlflow.set_tracking_uri(server.url)
    mlflow.set_registry_uri(server.url)
    yield server
    assert tracking.stop(settings)
    assert not server.alive()
    assert not (home / "mlflow" / "server.json").exists()


@pytest.fixture
def tracked_home(argento_home: Path, mlflow_server: object, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ARGENTO_HOME whose steps and imports use the session's MLflow server (MLFLOW_TRACKING_URI)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)  # type: ignore[attr-defined]
    return argento_home


@pytest.fixture(autouse=True)
def _no_stray_mlflow_db() -> Iterator[None]:
    """No MLflow call of ours may fall back to a ./mlflow.db in the working directory."""
    yield
    assert not os.path.exists("mlflow.db"), "an MLflow call used the default local store"
