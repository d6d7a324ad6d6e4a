"""Where deployments are persisted: desired state with its revision history, and the live replicas.

:class:`StateStore` is the narrow interface the controller needs. :class:`FileStateStore` keeps one JSON
document per deployment under ``<ARGENTO_HOME>/deployments/state/`` (atomic replace) and the replica table
(pid, port, variant, template hash) in ``replicas.json``, so a restarted server re-adopts the replica
processes still running. :class:`ResourceStateStore` keeps the records in the server's store (SQLite or
PostgreSQL, what ``argento server`` uses) and the replica table in the same local file;
:class:`MemoryStateStore` is the fake for tests.

A record::

    {"name": "iris", "namespace": "default", "uid": "…", "created_at": "…", "updated_at": "…",
     "revision": 3, "revisions": [{"revision": 1, "spec": {…}, "reason": "create", "created_at": "…"}, …]}
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from argento.errors import NotFound
from argento.paths import safe_join
from argento.registry.atomic import atomic_write

Record = dict[str, Any]

#: Revisions kept per deployment (the oldest are dropped beyond this, like Kubernetes' revisionHistoryLimit).
HISTORY_LIMIT = 50


def now() -> str:
    """A timestamp as the API shows it (UTC, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_record(spec: dict[str, Any], reason: str) -> Record:
    """The record of a new deployment, at revision 1."""
    stamp = now()
    return {
        "name": spec["name"],
        "namespace": spec.get("namespace", "default"),
        "uid": str(uuid.uuid4()),
        "created_at": stamp,
        "updated_at": stamp,
        "revision": 1,
        "revisions": [{"revision": 1, "spec": spec, "reason": reason, "created_at": stamp}],
    }


def add_revision(record: Record, spec: dict[str, Any], reason: str) -> Record:
    """A copy of ``record`` whose current revision is a new one holding ``spec``."""
    number = max(r["revision"] for r in record["revisions"]) + 1
    stamp = now()
    revisions = [
        *record["revisions"],
        {"revision": number, "spec": spec, "reason": reason, "created_at": stamp},
    ]
    return {**record, "revision": number, "revisions": revisions[-HISTORY_LIMIT:], "updated_at": stamp}


def current_spec(record: Record) -> dict[str, Any]:
    """The spec of the record's current revision."""
    return revision_spec(record, record["revision"])


def revision_spec(record: Record, number: int) -> dict[str, Any]:
    """The spec of revision ``number``."""
    for rev in record["revisions"]:
        if rev["revision"] == number:
            return dict(rev["spec"])
    known = ", ".join(str(r["revision"]) for r in record["revisions"])
    raise NotFound(f"deployment {record['name']} has no revision {number} (revisions: {known})")


class StateStore(Protocol):
    """Persistence of deployments and of their replica processes."""

    def load_all(self) -> list[Record]:
        """Every stored deployment record."""
        ...

    def save(self, record: Record) -> None:
        """Create or replace one record (durably, before the controller acts on it)."""
        ...

    def delete(self, name: str) -> None:
        """Forget a deployment (no error if it is gone)."""
        ...

    def save_replicas(self, replicas: list[dict[str, Any]]) -> None:
        """Replace the replica table (pid, port, variant, template hash, backend)."""
        ...

    def load_replicas(self) -> list[dict[str, Any]]:
        """The replica table as last saved."""
        ...


class MemoryStateStore:
    """A state store in memory (tests; nothing survives the process)."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.replicas: list[dict[str, Any]] = []

    def load_all(self) -> list[Record]:
        return [json.loads(json.dumps(r)) for r in self.records.values()]

    def save(self, record: Record) -> None:
        self.records[record["name"]] = json.loads(json.dumps(record))

    def delete(self, name: str) -> None:
        self.records.pop(name, None)

    def save_replicas(self, replicas: list[dict[str, Any]]) -> None:
        self.replicas = [dict(r) for r in replicas]

    def load_replicas(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.replicas]


class FileStateStore:
    """JSON files under ``root`` (``<ARGENTO_HOME>/deployments``); every write is an atomic replace."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.state = self.root / "state"

    def load_all(self) -> list[Record]:
        try:
            names = sorted(os.listdir(self.state))
        except FileNotFoundError:
            return []
        out = []
        for name in names:
            if name.endswith(".json") and not name.startswith("."):
                try:
                    out.append(json.loads((self.state / name).read_text()))
                except (OSError, ValueError):
                    continue  # unreadable leftovers are skipped, never fatal
        return out

    def save(self, record: Record) -> None:
        path = safe_join(self.state, f"{record['name']}.json", what="deployment name")
        atomic_write(path, json.dumps(record, indent=1).encode())

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            safe_join(self.state, f"{name}.json", what="deployment name").unlink()

    def save_replicas(self, replicas: list[dict[str, Any]]) -> None:
        atomic_write(self.root / "replicas.json", json.dumps(replicas, indent=1).encode())

    def load_replicas(self) -> list[dict[str, Any]]:
        try:
            data = json.loads((self.root / "replicas.json").read_text())
        except (OSError, ValueError):
            return []
        return data if isinstance(data, list) else []


class ResourceStateStore:
    """Records in the server's store (``Store.resources``, kind ``ArgentoDeployment``): SQLite or PostgreSQL,
    beside the workflows, so a server on PostgreSQL keeps its deployments there. The replica table stays in a
    local file: it describes processes of this machine."""

    KIND = "ArgentoDeployment"

    def __init__(self, resources: Any, replicas_root: Path) -> None:
        self.resources = resources
        self.files = FileStateStore(replicas_root)

    def load_all(self) -> list[Record]:
        return [dict(r["record"]) for r in self.resources.list(self.KIND, None)]

    def save(self, record: Record) -> None:
        resource = {
            "metadata": {
                "name": record["name"],
                "namespace": "",
                "uid": record["uid"],
                "creationTimestamp": record["created_at"],
                "labels": {},
            },
            "record": record,
        }
        try:
            self.resources.get(self.KIND, "", record["name"])
        except NotFound:
            self.resources.create(self.KIND, resource)
        else:
            self.resources.update(self.KIND, resource)

    def delete(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            self.resources.delete(self.KIND, "", name)

    def save_replicas(self, replicas: list[dict[str, Any]]) -> None:
        self.files.save_replicas(replicas)

    def load_replicas(self) -> list[dict[str, Any]]:
        return self.files.load_replicas()
