"""Deployment backends: where replicas run, each declared once (:func:`register_backend`).

``local`` (processes on this machine) is the default; ``ray`` (Ray Serve) is available when Ray is installed.
To add one (Kubernetes, say): one module with a :class:`~argento.deployments.backends.base.Backend` class taking
``(settings, *, reuse_env=False)``, and one ``register_backend(BackendInfo(...))`` line below
(docs/ARCHITECTURE.md, "Extension points"). The control plane builds every available backend from these.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from argento.config import Settings
from argento.deployments.backends.base import Backend, ReplicaHandle, ReplicaSpec


@dataclass(frozen=True)
class BackendInfo:
    """One backend: ``spec.backend`` names it; ``target`` is its class, ``module:Class`` (imported on use)."""

    name: str
    target: str
    #: a module that must be importable for the backend to be offered here (``ray``), else it is left out
    requires: str | None = None

    def available(self) -> bool:
        return self.requires is None or importlib.util.find_spec(self.requires) is not None

    def create(self, settings: Settings, *, reuse_env: bool = False) -> Backend:
        module, _, attr = self.target.partition(":")
        backend: Backend = getattr(importlib.import_module(module), attr)(settings, reuse_env=reuse_env)
        return backend


#: backend name -> its declaration.
BACKENDS: dict[str, BackendInfo] = {}


def register_backend(info: BackendInfo) -> BackendInfo:
    """Declare a backend (again: replaces the declaration of that name)."""
    BACKENDS[info.name] = info
    return info


def available_backends(settings: Settings, *, reuse_env: bool = False) -> dict[str, Backend]:
    """An instance of every declared backend that can run here."""
    return {
        name: info.create(settings, reuse_env=reuse_env)
        for name, info in BACKENDS.items()
        if info.available()
    }


register_backend(BackendInfo("local", f"{__name__}.local:LocalBackend"))
register_backend(BackendInfo("ray", f"{__name__}.ray:RayServeBackend", requires="ray"))

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendInfo",
    "ReplicaHandle",
    "ReplicaSpec",
    "available_backends",
    "register_backend",
]
