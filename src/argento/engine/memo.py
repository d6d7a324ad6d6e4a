"""The memoization cache (``memoize.key`` → outputs) kept in files under ``ARGENTO_HOME/memo``.

Argo keeps it in ConfigMaps; here one JSON file per (namespace, cache name), written atomically. The server
replaces this with its store-backed cache behind the same two methods.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from argento.engine.nodes import now_rfc3339


class MemoCache:
    """A file-backed memo cache: ``load`` a fresh entry, ``save`` an entry."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, namespace: str, cache: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{namespace}__{cache or 'default'}")
        return self.root / f"{safe}.json"

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}

    def load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        """The entry for ``key`` if younger than ``max_age`` seconds (0: any age)."""
        entry = self._read(self._file(namespace, cache)).get(key)
        if entry is None:
            return None
        if max_age and time.time() - float(entry.get("savedAt", 0)) > max_age:
            return None
        return entry

    def save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        path = self._file(namespace, cache)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self._read(path)
        data[key] = {
            "nodeID": node_id,
            "outputs": outputs or {},
            "creationTimestamp": now_rfc3339(),
            "lastHitTimestamp": now_rfc3339(),
            "savedAt": time.time(),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".memo-")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
