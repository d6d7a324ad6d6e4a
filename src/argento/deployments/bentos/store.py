"""The bento store on disk: immutable, versioned bentos under ``<ARGENTO_HOME>/bentos``.

Layout::

    bentos/
      .staging/<pid>-<purpose>-<rand>/    builds and imports in progress (invisible)
      iris-classifier/
        .lock                             flock taken by every writer of this bento name
        <version>/                        one bento = Bento.path
          bento.yaml                      manifest: service, models, requirements, envs, labels, apis
          src/                            the service's source files (include/exclude applied)
          env/requirements.lock.txt       pinned requirements of the isolated environment
          models/<name>/<version>/        only in imported bentos whose models were materialised

A build fills a staging directory and publishes it with one ``rename`` under the name's lock, exactly like
the model store, so a killed ``argento build`` leaves nothing visible.
"""

from __future__ import annotations

import builtins
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.errors import AlreadyExists, NotFound, SpecError
from argento.paths import safe_join
from argento.registry.atomic import FileLock, Staging, fsync_tree, rename_dir
from argento.registry.versions import validate_name, validate_version
from argento.yamlsafe import safe_load

MANIFEST = "bento.yaml"
LATEST = "latest"


@dataclass(frozen=True)
class BentoTag:
    """``name`` plus an optional version (``None`` or ``latest`` mean the newest)."""

    name: str
    version: str | None = None

    @classmethod
    def parse(cls, value: str | BentoTag) -> BentoTag:
        """``iris-classifier`` or ``iris-classifier:20261126-101112-00ab``."""
        if isinstance(value, BentoTag):
            return value
        if not isinstance(value, str) or not value.strip():
            raise SpecError("a bento tag must be a string like 'name:version'")
        name, sep, version = value.strip().partition(":")
        if sep and (not version or ":" in version):
            raise SpecError(f"invalid bento tag {value!r}: expected NAME or NAME:VERSION")
        version = version if sep else None
        return cls(validate_name(name), None if version in (None, LATEST) else validate_version(version))

    def __str__(self) -> str:
        return f"{self.name}:{self.version}" if self.version else self.name


@dataclass
class Bento:
    """One built bento (read-only directory plus its parsed manifest)."""

    name: str
    version: str
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """``name:version``."""
        return f"{self.name}:{self.version}"

    @property
    def service(self) -> str:
        """The service import path, ``module:Class``."""
        return str(self.manifest.get("service", ""))

    @property
    def src(self) -> Path:
        """Folder the service is imported from."""
        return self.path / "src"

    @property
    def models(self) -> builtins.list[str]:
        """Concrete model tags (``name:version``) the bento serves."""
        return [m["tag"] for m in self.manifest.get("models") or []]

    @property
    def created_at(self) -> datetime:
        """When it was built."""
        return datetime.fromisoformat(self.manifest["created_at"])

    @property
    def requirements_file(self) -> Path:
        """The pinned requirements (``env/requirements.lock.txt``)."""
        return self.path / "env" / "requirements.lock.txt"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description (``argento bentos get -o json``)."""
        return {"tag": self.tag, "path": str(self.path), **self.manifest}


class BentoStore:
    """All bentos under ``root``; safe for concurrent writers (per-name file locks)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.staging = Staging(self.root / ".staging")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> BentoStore:
        """The store of ``settings.home`` (``<home>/bentos``)."""
        return cls((settings or Settings.from_env()).home / "bentos")

    def lock(self, name: str) -> FileLock:
        """The writers' lock of one bento name."""
        return FileLock(self._dir(name) / ".lock")

    def _dir(self, name: str, *version: str) -> Path:
        return safe_join(self.root, validate_name(name), *version, what="bento")

    def _versions(self, name: str) -> builtins.list[str]:
        folder = self._dir(name)
        try:
            entries = os.listdir(folder)
        except FileNotFoundError:
            return []
        return [e for e in entries if not e.startswith(".") and (folder / e / MANIFEST).exists()]

    def names(self) -> builtins.list[str]:
        """Names that have at least one version."""
        try:
            entries = sorted(os.listdir(self.root))
        except FileNotFoundError:
            return []
        return [e for e in entries if not e.startswith(".") and self._versions(e)]

    def exists(self, tag: str | BentoTag) -> bool:
        """Whether ``tag`` means a bento here."""
        try:
            self.get(tag)
        except (NotFound, SpecError):
            return False
        return True

    def _load(self, name: str, version: str) -> Bento:
        path = self._dir(name, version)
        try:
            manifest = safe_load((path / MANIFEST).read_text(), str(path / MANIFEST)) or {}
        except FileNotFoundError:
            raise NotFound(f"bento {name}:{version} not found (argento bentos list)") from None
        return Bento(name, version, path, manifest)

    def get(self, tag: str | BentoTag) -> Bento:
        """The bento a tag means (``name`` alone: the newest version)."""
        parsed = BentoTag.parse(tag)
        if parsed.version is not None:
            return self._load(parsed.name, parsed.version)
        versions = self._versions(parsed.name)
        if not versions:
            raise NotFound(f"bento {parsed.name} not found (build one with `argento build`)")
        # Newest by creation time; the version string breaks ties (auto versions sort by time too).
        return max(
            (self._load(parsed.name, v) for v in versions),
            key=lambda b: (b.manifest.get("created_at", ""), b.version),
        )

    def list(self, name: str | None = None) -> builtins.list[Bento]:
        """Every bento (of ``name``), newest first within a name."""
        out: builtins.list[Bento] = []
        for each in [name] if name else self.names():
            bentos = [self._load(each, v) for v in self._versions(each)]
            out.extend(sorted(bentos, key=lambda b: b.manifest.get("created_at", ""), reverse=True))
        return out

    def publish(self, staged: Path, name: str, version: str) -> Bento:
        """Move a filled staging directory into place as ``name:version`` (refuses to overwrite)."""
        fsync_tree(staged)
        with self.lock(name):
            dst = self._dir(name, version)
            try:
                rename_dir(staged, dst)
            except FileExistsError:
                raise AlreadyExists(f"bento {name}:{version} exists already") from None
        return self._load(name, version)

    def delete(self, tag: str | BentoTag) -> builtins.list[str]:
        """Delete one version, or every version of a bare name; returns the deleted tags."""
        parsed = BentoTag.parse(tag)
        targets = [self.get(parsed)] if parsed.version else self.list(parsed.name)
        if not targets:
            raise NotFound(f"bento {parsed} not found")
        deleted = []
        for bento in targets:
            with self.lock(bento.name):
                trash = self.staging.new_dir("delete")
                os.rename(bento.path, trash / "bento")
            shutil.rmtree(trash, ignore_errors=True)
            deleted.append(bento.tag)
        return deleted
