"""Cluster addresses: the service-alias table that maps the platform's in-cluster names to local services.

:mod:`argento.cluster.aliases` holds the table (pure: matching and rewriting). What each service is on this
machine now (the MLflow of ``argento up``, the artifact repository's endpoint, the server, Ray) is known only by
the layers that run those services: :mod:`argento.tracking.targets` (``resolve_address``, ``Targets``).
"""

from __future__ import annotations

from argento.cluster.aliases import SERVICES, Alias, AliasTable, UnmappedAddress

__all__ = ["SERVICES", "Alias", "AliasTable", "UnmappedAddress"]
