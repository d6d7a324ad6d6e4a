"""A memoization cache kept in an artifact repository, so every machine using that bucket shares its hits.

Argo keeps memoization entries in ConfigMaps (one per ``memoize.cache.configMap.name``, one data key per
``memoize.key``; ``workflow/controller/cache/configmap_cache.go``), which live and die with one cluster.
Here the same entry — Argo's ``Entry``: ``nodeID``, ``outputs``, ``creationTimestamp``,
``lastHitTimestamp`` — is one JSON object per key in an artifact repository:

    <keyPrefix>/argento-cache/<namespace>/<cache name>/<key>.json

A laptop and a CI runner with the same S3 bucket (or the same folder) share their hits, and the artifacts
those entries name are in that same repository. Which store holds entries is a setting (``ARGENTO_CACHE``
or ``cache:`` in ``config.yaml``): ``local`` (the default: files under ``<ARGENTO_HOME>/memo``, the server's
database), ``repository`` (the default artifact repository), or a repository of its own (a folder or an
``s3://`` URL, as ``ARGENTO_ARTIFACT_REPOSITORY`` takes them).

A cache never changes a result: an entry that cannot be read or written is a miss (logged), never an error.
Blocking repository I/O runs in the artifact I/O threads (``artifacts.threads.POOL``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argento.config import Settings
from argento.engine.nodes import now_rfc3339
from argento.errors import ArgentoError

log = logging.getLogger("argento.cache")

#: Top folder of the entries in a repository.
PREFIX = "argento-cache"
_SAFE = re.compile(r"[A-Za-z0-9][-A-Za-z0-9_.]{0,199}")


def object_key(prefix: str, namespace: str, cache: str, key: str) -> str:
    """Where an entry lives; names that are not safe object names are replaced by their SHA-256."""

    def safe(part: str) -> str:
        return part if _SAFE.fullmatch(part) and ".." not in part else "sha256-" + _sha(part)

    parts = [p for p in (prefix.strip("/"), PREFIX, safe(namespace or "default"), safe(cache or "default"))]
    return "/".join(p for p in parts if p) + f"/{safe(key)}.json"


def _run_key(prefix: str, namespace: str, name: str) -> str:
    return object_key(prefix, namespace, "runs", name)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class RepositoryMemoCache:
    """``MemoCache``'s ``load``/``save`` (and async ``aload``/``asave``) over an artifact `Repository`."""

    def __init__(self, repository: Any, *, prefix: str = "") -> None:
        self.repository = repository
        self.prefix = prefix

    @property
    def url(self) -> str:
        return str(getattr(self.repository, "url", ""))

    # -- blocking, in an I/O thread ------------------------------------------------------------------------
    def _load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        from argento.artifacts.base import ArtifactNotFound

        okey = object_key(self.prefix, namespace, cache, key)
        try:
            with self.repository.open(okey) as fh:
                entry = json.loads(fh.read())
        except ArtifactNotFound:
            return None
        except (ArgentoError, OSError, ValueError) as exc:
            log.warning("memoization cache %s: cannot read %s (%s): a miss", self.url, okey, exc)
            return None
        if not isinstance(entry, dict) or not entry.get("nodeID"):
            return None
        if max_age and time.time() - _created(entry) > max_age:
            return None
        return entry

    def _save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        okey = object_key(self.prefix, namespace, cache, key)
        now = now_rfc3339()
        entry = {
            "nodeID": node_id,
            "outputs": outputs or {},
            "creationTimestamp": now,
            "lastHitTimestamp": now,
            "savedAt": time.time(),
        }
        fd, tmp = tempfile.mkstemp(prefix="argento-memo-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(entry, fh)
            self.repository.put(okey, Path(tmp))
        except (ArgentoError, OSError) as exc:
            log.warning("memoization cache %s: cannot write %s (%s)", self.url, okey, exc)
        finally:
            Path(tmp).unlink(missing_ok=True)

    # -- the engine's interface ----------------------------------------------------------------------------
    def load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        """The entry for ``key`` if younger than ``max_age`` seconds (0: any age); blocks for the I/O."""
        from argento.artifacts.threads import POOL

        return POOL.call(self._load, namespace, cache, key, max_age)

    def save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        from argento.artifacts.threads import POOL

        POOL.call(self._save, namespace, cache, key, node_id, outputs)

    # -- finished local runs, so `argento rerun` works from any machine using this repository -------------
    def save_run(self, namespace: str, name: str, record: dict[str, Any]) -> None:
        """Keep a finished run (its workflow and how it was started) at ``argento-cache/<ns>/runs/<name>``."""
        from argento.artifacts.threads import POOL

        POOL.call(self._put_json, _run_key(self.prefix, namespace, name), record)

    def load_run(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A run another machine kept with `save_run`, or None."""
        from argento.artifacts.threads import POOL

        return POOL.call(self._get_json, _run_key(self.prefix, namespace, name))

    def _put_json(self, okey: str, value: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix="argento-run-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(value, fh)
            self.repository.put(okey, Path(tmp))
        except (ArgentoError, OSError) as exc:
            log.warning("cache %s: cannot write %s (%s)", self.url, okey, exc)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _get_json(self, okey: str) -> dict[str, Any] | None:
        try:
            with self.repository.open(okey) as fh:
                value = json.loads(fh.read())
        except (ArgentoError, OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    async def aload(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        from argento.artifacts.threads import POOL

        return await POOL.run(self._load, namespace, cache, key, max_age)

    async def asave(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        from argento.artifacts.threads import POOL

        await POOL.run(self._save, namespace, cache, key, node_id, outputs)


def _created(entry: dict[str, Any]) -> float:
    if isinstance(entry.get("savedAt"), (int, float)):
        return float(entry["savedAt"])
    try:
        return (
            datetime.strptime(str(entry.get("creationTimestamp")), "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=UTC)
            .timestamp()
        )
    except ValueError:
        return 0.0


def cache_setting(settings: Settings) -> str:
    """``ARGENTO_CACHE``, else ``cache:`` of ``<home>/config.yaml``, else ``local``."""
    if settings.cache:
        return settings.cache.strip()
    path = settings.home / "config.yaml"
    if path.is_file():
        import yaml

        from argento.yamlsafe import safe_load

        try:
            data = safe_load(path.read_text(), str(path)) or {}
        except (yaml.YAMLError, ValueError):  # ValueError: an alias bomb (SpecError)
            data = {}
        value = data.get("cache") if isinstance(data, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "local"


def memo_store(settings: Settings, *, secrets: Any = None, local: Any = None) -> Any:
    """The memoization store the settings choose; ``local`` (default: ``<home>/memo`` files) when local."""
    from argento.artifacts.config import RepositoryConfig, default_repository, parse_repository
    from argento.artifacts.locate import Repositories
    from argento.engine.memo import MemoCache

    choice = cache_setting(settings)
    if choice in ("", "local"):
        return local if local is not None else MemoCache(settings.home / "memo")
    if choice == "repository":
        config = default_repository(settings)
    else:
        config = RepositoryConfig(parse_repository(choice, source="ARGENTO_CACHE"))
    repo = Repositories(settings, secrets).for_config(config, settings.namespace)
    prefix = str((config.spec.get("s3") or {}).get("keyPrefix") or "")
    return RepositoryMemoCache(repo, prefix=prefix)
