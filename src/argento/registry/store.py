"""The model store on disk: versions, labels and aliases of every model under one root.

Layout (root = ``<ARGENTO_HOME>/models``)::

    models/
      .staging/<pid>-<purpose>-<rand>/     saves and deletes in progress (invisible; a dead pid's are garbage)
      iris/
        .lock                              flock taken by every writer of "iris"
        versions/<version>/                one immutable version = Model.path (files are made read-only)
          model.yaml                       manifest: framework, created_at, metadata, signatures, options, …
          saved_model.pkl                  the framework's artifact files
          custom_objects.pkl               optional
        labels/<version>.json              current labels (mutable), when changed after the save
        history.jsonl                      append-only alias log; the current aliases are its replay

A save fills a staging directory, flushes it, and publishes it with one ``rename`` under the model's lock,
so a writer killed at any point leaves nothing visible. Readers take no lock.

Aliases and versions of one model share one namespace: ``tag`` refuses an alias equal to an existing
version (and aliases may not look like auto versions or be ``latest``); ``save``/``import`` refuse a custom
version equal to a current alias. Resolving ``name:ref`` therefore never has to choose between the two.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import platform
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from argento.config import Settings
from argento.errors import AlreadyExists, Conflict, NotFound, SpecError
from argento.paths import safe_join
from argento.registry.aliases import AliasEvent, AliasLog, as_utc
from argento.registry.atomic import FileLock, Staging, atomic_write, fsync_dir, fsync_tree, rename_dir
from argento.registry.model import (
    CUSTOM_OBJECTS,
    MANIFEST,
    Model,
    Tag,
    normalise_labels,
    normalise_metadata,
    normalise_signatures,
)
from argento.registry.versions import (
    new_version,
    newest_auto_version,
    validate_alias,
    validate_name,
    validate_version,
)
from argento.yamlsafe import safe_load

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Draft:
    """A model being written by :meth:`ModelStore.create`: write files into ``path``; after the ``with``
    block the version is published and ``model`` is set."""

    name: str
    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    model: Model | None = None


class ModelStore:
    """All models under ``root``. Safe for concurrent writers in several processes (per-model file locks)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.staging = Staging(self.root / ".staging")
        self._manifests: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelStore:
        """The store of ``settings.home`` (``<home>/models``)."""
        return cls(settings.home / "models")

    # -- layout -------------------------------------------------------------------------------------------

    # Every path is built with `safe_join`: names are validated on the way in, and this holds regardless.
    def _dir(self, name: str) -> Path:
        return safe_join(self.root, name, what="model name")

    def _version_dir(self, name: str, version: str) -> Path:
        return safe_join(self.root, name, "versions", version, what="model version")

    def _labels_file(self, name: str, version: str) -> Path:
        return safe_join(self.root, name, "labels", f"{version}.json", what="model version")

    def _lock(self, name: str) -> FileLock:
        return FileLock(self._dir(name) / ".lock")

    def _log(self, name: str) -> AliasLog:
        return AliasLog(self._dir(name) / "history.jsonl", name)

    def _require(self, name: str) -> None:
        """NotFound for a model that was never saved: before a lock would create its folder (and a stray
        ``.lock``), and for its history."""
        if not self._versions(name) and not (self._dir(name) / "history.jsonl").exists():
            raise NotFound(f"model {name!r} not found")

    def _versions(self, name: str) -> builtins.list[str]:
        try:
            entries = os.listdir(self._dir(name) / "versions")
        except FileNotFoundError:
            return []
        return [e for e in entries if not e.startswith(".")]

    def _manifest(self, name: str, version: str) -> dict[str, Any]:
        file = self._version_dir(name, version) / MANIFEST
        try:
            st = os.stat(file)
        except FileNotFoundError:
            raise NotFound(f"model {name}:{version} not found") from None
        key = (st.st_ino, st.st_mtime_ns)
        cached = self._manifests.get(file)
        if cached and cached[0] == key:
            return cached[1]
        data = safe_load(file.read_text(), str(file))
        self._manifests[file] = (key, data)
        return data

    def _model(self, name: str, version: str) -> Model:
        data = self._manifest(name, version)
        labels = None
        with contextlib.suppress(FileNotFoundError):
            labels = json.loads(self._labels_file(name, version).read_text())
        return Model.from_manifest(data, self._version_dir(name, version), labels, self)

    # -- reading ------------------------------------------------------------------------------------------

    def names(self) -> builtins.list[str]:
        """Names of models with at least one version."""
        try:
            entries = sorted(os.listdir(self.root))
        except FileNotFoundError:
            return []
        return [e for e in entries if not e.startswith(".") and self._versions(e)]

    def _newest(self, name: str, versions: builtins.list[str], until: datetime | None = None) -> str:
        dated = [(datetime.fromisoformat(self._manifest(name, v)["created_at"]), v) for v in versions]
        if until is not None:
            limit = as_utc(until)
            dated = [d for d in dated if d[0] <= limit]
        if not dated:
            when = f" at {as_utc(until).isoformat()}" if until is not None else ""
            raise NotFound(f"model {name!r} has no versions{when}")
        return max(dated)[1]

    def resolve(self, tag: str | Tag | Model) -> Tag:
        """The concrete ``name:version`` that ``tag`` (a version, an alias, ``latest`` or a bare name) means.

        A pinned tag (:func:`pinned`, a bento's recorded models) means its pinned version; every resolution is
        seen by the active :func:`recording` blocks (what ``argento build`` packages)."""
        parsed = Tag.parse(tag)
        asked = ref_key(parsed)
        pin = _pins().get(asked)
        resolved = self._resolve(Tag.parse(pin) if pin else parsed)
        for seen in _RECORDINGS:
            seen.setdefault(asked, str(resolved))
        return resolved

    def _resolve(self, parsed: Tag) -> Tag:
        versions = self._versions(parsed.name)
        if not versions:
            raise NotFound(f"model {parsed.name!r} not found")
        if parsed.is_latest:
            return Tag(parsed.name, self._newest(parsed.name, versions))
        assert parsed.version is not None
        if parsed.version in versions:
            return parsed
        aliases = self._log(parsed.name).current()
        if parsed.version not in aliases:
            raise NotFound(
                f"model {parsed} not found: {parsed.name!r} has no version or alias {parsed.version!r}"
            )
        return Tag(parsed.name, aliases[parsed.version])

    def get(self, tag: str | Tag | Model) -> Model:
        """The model ``tag`` means (``iris:v3``, ``iris:production``, ``iris``, ``iris:latest``)."""
        resolved = self.resolve(tag)
        assert resolved.version is not None
        return self._model(resolved.name, resolved.version)

    def list(self, name: str | None = None) -> builtins.list[Model]:
        """Every version (of ``name``, or of all models), by name, newest first."""
        names = [validate_name(name)] if name is not None else self.names()
        out: builtins.list[Model] = []
        for model_name in names:
            models = []
            for version in self._versions(model_name):
                with contextlib.suppress(NotFound):  # deleted while we listed
                    models.append(self._model(model_name, version))
            out.extend(sorted(models, key=lambda m: (m.created_at, m.version), reverse=True))
        return out

    # -- writing ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def create(
        self,
        name: str,
        *,
        version: str | None = None,
        framework: str = "custom",
        labels: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        signatures: dict[str, Any] | None = None,
        custom_objects: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Iterator[Draft]:
        """Write a new version's files into ``draft.path``; it is published when the block exits cleanly
        and discarded when it raises (or the process dies)."""
        name = validate_name(name)
        version = validate_version(version) if version is not None else None
        manifest: dict[str, Any] = {
            "name": name,
            "version": version,
            "framework": framework,
            "created_at": None,
            "labels": normalise_labels(labels),
            "metadata": normalise_metadata(metadata),
            "signatures": normalise_signatures(signatures),
            "options": {},
            "context": {
                "argento_version": _argento_version(),
                "python_version": platform.python_version(),
                **(context or {}),
            },
        }
        self.staging.collect_garbage()
        staged = self.staging.new_dir("save")
        draft = Draft(name=name, path=staged)
        try:
            yield draft
            if (staged / MANIFEST).exists():
                raise SpecError(f"{MANIFEST} is written by the store; name your file differently")
            if custom_objects:
                from argento.registry.frameworks import pickle as picklefw

                with open(staged / CUSTOM_OBJECTS, "wb") as fh:
                    picklefw.dump(dict(custom_objects), fh)
            manifest["options"] = normalise_metadata(draft.options)
            draft.model = self.commit(staged, manifest)
        finally:
            self.staging.discard(staged)

    def save(
        self,
        name: str,
        obj: Any,
        *,
        framework: str | None = None,
        labels: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        signatures: dict[str, Any] | None = None,
        version: str | None = None,
        custom_objects: dict[str, Any] | None = None,
    ) -> Model:
        """Save ``obj`` as a new version of ``name`` with its framework's adapter (detected when ``None``)."""
        from argento.registry.frameworks import detect, get_framework

        adapter = get_framework(framework) if framework is not None else detect(obj)
        if signatures is None:
            signatures = adapter.default_signatures(obj)
        with self.create(
            name,
            version=version,
            framework=adapter.name,
            labels=labels,
            metadata=metadata,
            signatures=signatures,
            custom_objects=custom_objects,
            context={"framework_versions": adapter.versions()},
        ) as draft:
            draft.options.update(adapter.save(obj, draft.path))
        assert draft.model is not None
        return draft.model

    def commit(
        self, staged: Path, manifest: dict[str, Any], *, labels: dict[str, str] | None = None
    ) -> Model:
        """Publish a filled staging directory as a version (atomically, under the model's lock).

        ``manifest["version"]`` of ``None`` asks for an auto version and ``created_at`` of ``None`` for now;
        an import passes both. ``labels`` are current labels to keep beside the version (imports).
        """
        name = manifest["name"]
        for file in staged.rglob("*"):  # artifacts are immutable: make that visible to careless writers
            if file.is_file() and not file.is_symlink():
                file.chmod(file.stat().st_mode & 0o555)
        size = fsync_tree(staged)
        with self._lock(name):
            existing = self._versions(name)
            version = manifest.get("version")
            if version is None:
                version = new_version(after=newest_auto_version(existing))
            elif version in existing:
                raise AlreadyExists(f"model {name}:{version} exists already (versions are immutable)")
            elif version in self._log(name).current():
                raise Conflict(f"{version!r} is an alias of model {name!r}; choose another version")
            manifest = {**manifest, "version": version, "size_bytes": size}
            manifest["created_at"] = manifest.get("created_at") or datetime.now(UTC).isoformat()
            file = staged / MANIFEST
            with open(file, "w") as fh:
                yaml.dump(manifest, fh, Dumper=_Dumper, sort_keys=False)
                fh.flush()
                os.fsync(fh.fileno())
            file.chmod(0o444)
            fsync_dir(staged)
            # A labels file can only be left over from a deleted version of the same name: drop it.
            with contextlib.suppress(FileNotFoundError):
                self._labels_file(name, version).unlink()
            rename_dir(staged, self._version_dir(name, version))
            if labels:
                atomic_write(self._labels_file(name, version), json.dumps(labels).encode())
        return self._model(name, version)

    def delete(
        self, tag: str | Tag | Model, *, force: bool = False, user: str | None = None
    ) -> builtins.list[str]:
        """Delete one version (``iris:v3``, ``iris:production``, ``iris:latest``) or, for a bare name, all of
        them (as ``bentoml models delete NAME`` does). Returns the deleted tags.

        Refused with :class:`Conflict` while an alias points to a deleted version, unless ``force``, which
        removes those aliases too (recorded in the history as ``delete``).
        """
        parsed = Tag.parse(tag)
        trash = []
        with self._lock(parsed.name):
            if parsed.version is None:
                targets = sorted(self._versions(parsed.name))
                if not targets:
                    raise NotFound(f"model {parsed.name!r} not found")
            else:
                version = self.resolve(parsed).version
                assert version is not None
                targets = [version]
            log = self._log(parsed.name)
            pointing = {alias: v for alias, v in log.current().items() if v in targets}
            if pointing and not force:
                held = ", ".join(f"{alias!r} → {v}" for alias, v in sorted(pointing.items()))
                raise Conflict(
                    f"cannot delete {parsed}: alias {held} points to it; move or untag the alias first, "
                    "or delete with --force to remove the alias too"
                )
            for alias, v in sorted(pointing.items()):
                log.append(alias, v, None, action="delete", user=user)
            for version in targets:
                bin_dir = self.staging.new_dir("delete")
                os.rename(self._version_dir(parsed.name, version), bin_dir / version)
                trash.append(bin_dir)
                with contextlib.suppress(FileNotFoundError):
                    self._labels_file(parsed.name, version).unlink()
            fsync_dir(self._dir(parsed.name) / "versions")
        for bin_dir in trash:
            self.staging.discard(bin_dir)
        return [f"{parsed.name}:{v}" for v in targets]

    def set_labels(self, tag: str | Tag | Model, labels: dict[str, Any], *, replace: bool = False) -> Model:
        """Merge ``labels`` into a version's labels (a ``None`` value removes the key); ``replace`` sets them."""
        parsed = Tag.parse(tag)
        removed = {k for k, v in (labels or {}).items() if v is None}
        updates = normalise_labels({k: v for k, v in (labels or {}).items() if v is not None})
        with self._lock(parsed.name):
            model = self.get(parsed)
            current = {} if replace else dict(model.labels)
            current.update(updates)
            for key in removed:
                current.pop(key, None)
            atomic_write(self._labels_file(model.name, model.version), json.dumps(current).encode())
        return self._model(model.name, model.version)

    # -- aliases ------------------------------------------------------------------------------------------

    def tag(self, tag: str | Tag | Model, alias: str, *, user: str | None = None) -> AliasEvent:
        """Point ``alias`` at the version ``tag`` means (moving it if it pointed elsewhere); returns the
        history entry (the existing one when the alias already pointed there)."""
        parsed = Tag.parse(tag)
        alias = validate_alias(alias)
        self._require(parsed.name)
        with self._lock(parsed.name):
            version = self.resolve(parsed).version
            assert version is not None
            if alias in self._versions(parsed.name):
                raise Conflict(
                    f"{alias!r} is a version of model {parsed.name!r}; an alias cannot share its name"
                )
            log = self._log(parsed.name)
            previous = log.current().get(alias)
            if previous == version:
                return log.events(alias)[-1]
            return log.append(alias, previous, version, action="tag", user=user)

    def untag(self, name: str, alias: str, *, user: str | None = None) -> AliasEvent:
        """Remove ``alias`` from model ``name``."""
        name = validate_name(Tag.parse(name).name)
        alias = validate_alias(alias)
        self._require(name)
        with self._lock(name):
            log = self._log(name)
            previous = log.resolve(alias)
            return log.append(alias, previous, None, action="untag", user=user)

    def aliases(self, name: str, at: datetime | None = None) -> dict[str, str]:
        """Aliases of model ``name``: alias → version, now or as they were at ``at``."""
        return self._log(validate_name(Tag.parse(name).name)).current(until=at)

    def history(self, name: str, alias: str | None = None) -> builtins.list[AliasEvent]:
        """The alias history of ``name`` (of one alias if given), oldest first."""
        name = validate_name(Tag.parse(name).name)
        self._require(name)
        return self._log(name).events(validate_alias(alias) if alias is not None else None)

    def resolve_at(self, tag: str | Tag, when: datetime) -> str:
        """The version ``tag`` meant at ``when``: where an alias pointed then, the newest version created by
        then for ``latest``, or the version itself if it existed then. Naive datetimes are local time."""
        parsed = Tag.parse(tag)
        versions = self._versions(parsed.name)
        if parsed.is_latest:
            return self._newest(parsed.name, versions, until=when)
        assert parsed.version is not None
        if parsed.version in versions:
            created = datetime.fromisoformat(self._manifest(parsed.name, parsed.version)["created_at"])
            if created > as_utc(when):
                raise NotFound(f"model {parsed} did not exist at {as_utc(when).isoformat()}")
            return parsed.version
        return self._log(parsed.name).resolve(validate_alias(parsed.version), until=when)


def _argento_version() -> str:
    from argento.version import __version__

    return __version__


#: The model tags a bento serves, ``{"name:ref": "name:version"}`` as JSON (set by the bento's runner; inherited by
#: its workers and dependency processes).
PINS_ENV = "ARGENTO_MODEL_PINS"
_RECORDINGS: builtins.list[dict[str, str]] = []
_PIN_CACHE: tuple[str, dict[str, str]] = ("", {})


def ref_key(tag: str | Tag | Model) -> str:
    """A tag as it was asked for, normalised: ``iris`` and ``iris:latest`` are both ``iris:latest``."""
    parsed = Tag.parse(tag)
    return f"{parsed.name}:{parsed.version or 'latest'}"


def _pins() -> dict[str, str]:
    global _PIN_CACHE
    raw = os.environ.get(PINS_ENV, "")
    if raw != _PIN_CACHE[0]:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            raise SpecError(f"{PINS_ENV} is not a JSON object of model tags") from None
        _PIN_CACHE = (raw, {ref_key(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {})
    return _PIN_CACHE[1]


def pin_env(pins: dict[str, str]) -> dict[str, str]:
    """The environment that makes every store of a process resolve ``pins`` (``{"iris:production": "iris:v3"}``).

    Refs that are no store tags (``mlflow:models:/…``) are left out: the class attribute is pinned instead."""
    out = {}
    for ref, tag in sorted(pins.items()):
        with contextlib.suppress(SpecError):
            out[ref_key(ref)] = str(Tag.parse(tag))
    return {PINS_ENV: json.dumps(out)}


@contextlib.contextmanager
def recording() -> Iterator[dict[str, str]]:
    """Collect ``{"name:ref": "name:version"}`` of every model resolved in this process while the block runs."""
    seen: dict[str, str] = {}
    _RECORDINGS.append(seen)
    try:
        yield seen
    finally:
        _RECORDINGS.remove(seen)


_STORES: dict[Path, ModelStore] = {}


def default_store(settings: Settings | None = None) -> ModelStore:
    """The store of the current ``ARGENTO_HOME`` (one instance per root, so manifest caches are shared)."""
    root = (settings or Settings.from_env()).home / "models"
    store = _STORES.get(root)
    if store is None:
        store = _STORES[root] = ModelStore(root)
    return store


__all__ = ["Draft", "ModelStore", "default_store", "pin_env", "recording", "ref_key"]
