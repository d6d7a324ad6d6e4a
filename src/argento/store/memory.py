"""An in-memory store with the same behaviour as the SQL one: the fake for tests that need no database.

Values are deep-copied in and out (JSON round trip), as a database would, so callers never share state
with the store.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from argento.errors import AlreadyExists, NotFound
from argento.store.base import (
    COMPLETED_PHASES,
    ListQuery,
    Page,
    Resource,
    TokenRecord,
    decode_continue,
    hash_secret,
    join_nodes,
    new_token,
    now_rfc3339,
    page_of,
    split_nodes,
    split_token,
)
from argento.store.selectors import Requirement, matches_fields, matches_labels
from argento.store.sql import already_exists, not_found, stale


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


class _Versions:
    def __init__(self) -> None:
        self.value = 0

    def next(self) -> str:
        self.value += 1
        return str(self.value)


def _ordered(items: list[Resource]) -> list[Resource]:
    # Newest first, then by name: the SQL store's order.
    items = sorted(items, key=lambda r: r["metadata"].get("name", ""))
    return sorted(items, key=lambda r: r["metadata"].get("creationTimestamp", ""), reverse=True)


def _select(items: list[Resource], query: ListQuery) -> list[Resource]:
    out = []
    for item in items:
        meta = item.get("metadata") or {}
        if query.namespace and meta.get("namespace") != query.namespace:
            continue
        if query.name_prefix and not str(meta.get("name", "")).startswith(query.name_prefix):
            continue
        if not matches_labels(query.labels, meta.get("labels")) or not matches_fields(query.fields, item):
            continue
        out.append(item)
    return _ordered(out)


class MemoryWorkflows:
    """Workflows and nodes in dicts."""

    def __init__(self, versions: _Versions, archive: MemoryArchive) -> None:
        self._versions = versions
        self._archive = archive
        self._rows: dict[str, Resource] = {}  # uid -> workflow without nodes
        self._nodes: dict[str, dict[str, Any]] = {}
        self._logs: dict[str, dict[tuple[str, str], str]] = {}

    def _uid(self, namespace: str, name: str) -> str:
        for uid, wf in self._rows.items():
            if wf["metadata"]["namespace"] == namespace and wf["metadata"]["name"] == name:
                return uid
        raise NotFound(f'workflows.argoproj.io "{name}" not found')

    def create(self, workflow: Resource) -> Resource:
        meta = workflow["metadata"]
        try:
            self._uid(meta["namespace"], meta["name"])
        except NotFound:
            pass
        else:
            raise AlreadyExists(f'workflows.argoproj.io "{meta["name"]}" already exists')
        meta["resourceVersion"] = self._versions.next()
        slim, nodes = split_nodes(workflow)
        self._rows[meta["uid"]] = _copy(slim)
        self._nodes[meta["uid"]] = _copy(nodes)
        return workflow

    def get(self, namespace: str, name: str) -> Resource:
        return self.get_by_uid(self._uid(namespace, name))

    def get_by_uid(self, uid: str) -> Resource:
        if uid not in self._rows:
            raise NotFound(f'workflows.argoproj.io "{uid}" not found')
        return join_nodes(_copy(self._rows[uid]), _copy(dict(sorted(self._nodes[uid].items()))))

    def list(self, query: ListQuery, *, with_nodes: bool = False) -> Page:
        items = _select(list(self._rows.values()), query)
        page = page_of(items, decode_continue(query.continue_token), query.limit)
        page.items = [
            join_nodes(
                _copy(w), _copy(dict(sorted(self._nodes[w["metadata"]["uid"]].items()))) if with_nodes else {}
            )
            for w in page.items
        ]
        page.remaining = None
        return page

    def update(self, workflow: Resource) -> Resource:
        meta = workflow["metadata"]
        if meta["uid"] not in self._rows:
            raise NotFound(f'workflows.argoproj.io "{meta["name"]}" not found')
        meta["resourceVersion"] = self._versions.next()
        self._rows[meta["uid"]] = _copy(split_nodes(workflow)[0])
        return workflow

    def finish(self, workflow: Resource, archived: Resource) -> Resource:
        self.update(workflow)
        archived["metadata"]["resourceVersion"] = workflow["metadata"]["resourceVersion"]
        self._archive.archive(archived)
        return workflow

    def delete(self, namespace: str, name: str) -> None:
        uid = self._uid(namespace, name)
        del self._rows[uid]
        self._nodes.pop(uid, None)
        self._logs.pop(uid, None)

    def save_node(self, uid: str, node: dict[str, Any]) -> None:
        self._nodes.setdefault(uid, {})[node["id"]] = _copy(node)

    def replace_nodes(self, uid: str, nodes: dict[str, Any]) -> None:
        self._nodes[uid] = _copy(nodes)

    def get_nodes(self, uid: str) -> dict[str, Any]:
        return _copy(dict(sorted(self._nodes.get(uid, {}).items())))

    def page_nodes(
        self, namespace: str, name: str, after: str, limit: int
    ) -> tuple[str, list[tuple[str, dict[str, Any]]], bool]:
        uid = self._uid(namespace, name)
        ids = sorted(nid for nid in self._nodes.get(uid, {}) if nid > after)
        nodes = self._nodes.get(uid, {})
        return uid, [(nid, _copy(nodes[nid])) for nid in ids[:limit]], len(ids) > limit

    def unfinished(self) -> list[Resource]:
        rows = [
            w for w in self._rows.values() if (w.get("status") or {}).get("phase") not in COMPLETED_PHASES
        ]
        rows.sort(key=lambda w: (w["metadata"]["creationTimestamp"], w["metadata"]["name"]))
        return [self.get_by_uid(w["metadata"]["uid"]) for w in rows]

    def count_by_phase(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for w in self._rows.values():
            key = (w["metadata"]["namespace"], (w.get("status") or {}).get("phase") or "")
            out[key] = out.get(key, 0) + 1
        return out

    def record_log(self, uid: str, pod_name: str, container: str, path: str) -> None:
        self._logs.setdefault(uid, {})[(pod_name, container)] = path

    def log_files(self, uid: str) -> list[tuple[str, str, str]]:
        return sorted((p, c, path) for (p, c), path in self._logs.get(uid, {}).items())


class MemoryResources:
    """Named resources in a dict keyed by (kind, namespace, name)."""

    def __init__(self, versions: _Versions) -> None:
        self._versions = versions
        self._rows: dict[tuple[str, str, str], Resource] = {}

    def create(self, kind: str, resource: Resource) -> Resource:
        meta = resource["metadata"]
        key = (kind, meta.get("namespace", ""), meta["name"])
        if key in self._rows:
            raise already_exists(kind, meta["name"])
        meta["resourceVersion"] = self._versions.next()
        self._rows[key] = _copy(resource)
        return resource

    def get(self, kind: str, namespace: str, name: str) -> Resource:
        found = self._rows.get((kind, namespace, name))
        if found is None:
            raise not_found(kind, name)
        return _copy(found)

    def list(
        self, kind: str, namespace: str | None, labels: list[Requirement] | None = None
    ) -> list[Resource]:
        return [
            _copy(r)
            for (k, ns, _), r in sorted(self._rows.items())
            if k == kind
            and (not namespace or ns == namespace)
            and matches_labels(labels or [], r["metadata"].get("labels"))
        ]

    def update(self, kind: str, resource: Resource) -> Resource:
        meta = resource["metadata"]
        key = (kind, meta.get("namespace", ""), meta["name"])
        old = self._rows.get(key)
        if old is None:
            raise not_found(kind, meta["name"])
        wanted = meta.get("resourceVersion")
        if wanted and str(wanted) != old["metadata"]["resourceVersion"]:
            raise stale(kind, meta["name"])
        meta["uid"] = old["metadata"].get("uid", meta.get("uid"))
        meta["creationTimestamp"] = old["metadata"].get("creationTimestamp", meta.get("creationTimestamp"))
        meta["resourceVersion"] = self._versions.next()
        self._rows[key] = _copy(resource)
        return resource

    def delete(self, kind: str, namespace: str, name: str) -> None:
        if self._rows.pop((kind, namespace, name), None) is None:
            raise not_found(kind, name)


class MemoryArchive:
    """Archived workflows by uid."""

    def __init__(self) -> None:
        self._rows: dict[str, Resource] = {}

    def archive(self, workflow: Resource) -> None:
        self._rows[workflow["metadata"]["uid"]] = _copy(workflow)

    def get(self, uid: str) -> Resource:
        if uid not in self._rows:
            raise NotFound(f'archived workflow "{uid}" not found')
        return _copy(self._rows[uid])

    def list(self, query: ListQuery) -> Page:
        items = _select(list(self._rows.values()), query)
        page = page_of(items, decode_continue(query.continue_token), query.limit)
        page.items = [_copy(i) for i in page.items]
        page.remaining = None
        return page

    def delete(self, uid: str) -> None:
        if self._rows.pop(uid, None) is None:
            raise NotFound(f'archived workflow "{uid}" not found')

    def label_keys(self) -> list[str]:
        return sorted({k for w in self._rows.values() for k in (w["metadata"].get("labels") or {})})

    def label_values(self, key: str) -> list[str]:
        return sorted(
            {
                v
                for w in self._rows.values()
                for k, v in (w["metadata"].get("labels") or {}).items()
                if k == key
            }
        )


class MemoryMemo:
    """The memoization cache in a dict."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        entry = self._rows.get((namespace, cache, key))
        if entry is None or (max_age and time.time() - entry["savedAt"] > max_age):
            return None
        return _copy(entry)

    def save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        self._rows[(namespace, cache, key)] = {
            "nodeID": node_id,
            "outputs": _copy(outputs or {}),
            "creationTimestamp": now_rfc3339(),
            "savedAt": time.time(),
        }


class MemoryTokens:
    """Tokens, hashed, in a dict."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[TokenRecord, str]] = {}

    def create(self, name: str) -> tuple[TokenRecord, str]:
        token_id, secret, token = new_token()
        record = TokenRecord(token_id, name, now_rfc3339())
        self._rows[token_id] = (record, hash_secret(secret))
        return record, token

    def list(self) -> list[TokenRecord]:
        return sorted((r for r, _ in self._rows.values()), key=lambda r: (r.created_at, r.id))

    def revoke(self, token_id: str) -> None:
        found = self._rows.get(token_id)
        if found is None or found[0].revoked_at:
            raise NotFound(f'token "{token_id}" not found')
        record, digest = found
        self._rows[token_id] = (TokenRecord(record.id, record.name, record.created_at, now_rfc3339()), digest)

    def verify(self, token: str) -> TokenRecord | None:
        parts = split_token(token)
        found = self._rows.get(parts[0]) if parts else None
        if parts is None or found is None or found[0].revoked_at:
            return None
        return found[0] if hmac.compare_digest(found[1], hash_secret(parts[1])) else None


class MemoryStore:
    """The whole store in memory (tests, and ``--database memory``)."""

    dialect = "memory"

    def __init__(self) -> None:
        versions = _Versions()
        self.archive = MemoryArchive()
        self.workflows = MemoryWorkflows(versions, self.archive)
        self.resources = MemoryResources(versions)
        self.memo = MemoryMemo()
        self.tokens = MemoryTokens()

    def close(self) -> None:
        pass
