"""A deployment backend is declared once (argento.deployments.backends.register_backend); the control plane offers
every declared backend that can run here."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from argento.config import Settings
from argento.deployments import backends
from argento.deployments.backends import BackendInfo, available_backends, register_backend
from argento.deployments.plane import DeploymentPlane


@pytest.fixture
def fake_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "BACKENDS", dict(backends.BACKENDS))
    (tmp_path / "probe_backend_module.py").write_text(
        textwrap.dedent("""
            class FakeBackend:
                name = "fake"

                def __init__(self, settings, *, reuse_env=False):
                    self.settings, self.reuse_env = settings, reuse_env

                async def start(self, spec):
                    raise NotImplementedError

                def adopt(self, record):
                    return None
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    register_backend(BackendInfo("fake", "probe_backend_module:FakeBackend"))
    register_backend(BackendInfo("absent", "probe_backend_module:FakeBackend", requires="no_such_module_here"))


def test_the_plane_offers_every_declared_backend_that_can_run(fake_backend: None, settings: Settings) -> None:
    plane = DeploymentPlane(settings, reuse_env=True)
    assert "local" in plane.backends and "absent" not in plane.backends
    fake = plane.backends["fake"]
    assert type(fake).__name__ == "FakeBackend" and fake.reuse_env is True  # type: ignore[attr-defined]


def test_the_built_in_backends(settings: Settings) -> None:
    assert set(backends.BACKENDS) == {"local", "ray"}
    assert "local" in available_backends(settings)
