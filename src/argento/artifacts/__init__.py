"""Artifacts (SPEC §2.5): repositories (local folder, S3), archives, input sources, and the engine driver.

driver = build_driver(settings, configmaps=inputs.configmaps)     # RunOptions(artifacts=driver, …)
repo = LocalRepository(settings.home / "artifacts")              # any Repository: put/get/open/list/…
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argento import lazy
from argento.artifacts.base import (
    ArtifactError,
    ArtifactNotFound,
    DiskFull,
    ObjectInfo,
    Repository,
    RepositoryUnavailable,
    RepositoryUnreachable,
)
from argento.artifacts.config import RepositoryConfig, default_repository
from argento.artifacts.driver import ArtifactDriver
from argento.artifacts.local import LocalRepository
from argento.artifacts.memory import MemoryRepository
from argento.config import Settings

#: imported on first use: ``argento run`` of a workflow without S3 artifacts never loads the S3 client
_LAZY = {"RetryPolicy": "argento.artifacts.s3", "S3Repository": "argento.artifacts.s3"}


__all__ = [
    "ArtifactDriver",
    "ArtifactError",
    "ArtifactNotFound",
    "DiskFull",
    "LocalRepository",
    "MemoryRepository",
    "ObjectInfo",
    "Repository",
    "RepositoryConfig",
    "RepositoryUnavailable",
    "RepositoryUnreachable",
    "RetryPolicy",
    "S3Repository",
    "build_driver",
    "default_repository",
]


def build_driver(
    settings: Settings, *, configmaps: Mapping[str, Mapping[str, str]] | None = None, secrets: Any = None
) -> ArtifactDriver:
    """The driver ``argento run`` (and the server) hand the engine, with the local secret store."""
    if secrets is None:
        from argento.secrets import SecretResolver, SecretStore

        secrets = SecretResolver(SecretStore(settings.home))
    return ArtifactDriver(settings, secrets=secrets, configmaps=configmaps)

__getattr__, __dir__ = lazy.exports(__name__, _LAZY, globals())
