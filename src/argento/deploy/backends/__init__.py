"""Deployment backends: where replicas run. ``local`` (processes on this machine) is the default;
``ray`` (Ray Serve) and ``kubernetes`` plug in behind :class:`~argento.deploy.backends.base.Backend`."""

from __future__ import annotations

from argento.deploy.backends.base import Backend, ReplicaHandle, ReplicaSpec

__all__ = ["Backend", "ReplicaHandle", "ReplicaSpec"]
