"""The store's narrow interface: repositories of workflows, resources, archive, memo cache and tokens.

Two implementations: :class:`~argento.store.sql.SqlStore` (SQLite or PostgreSQL) and
:class:`~argento.store.memory.MemoryStore` (a fake for tests). Resources go in and come out as Argo's JSON
dicts; the store owns ``metadata.resourceVersion`` and splits ``status.nodes`` into one row per node.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from argento.errors import SpecError
from argento.store.selectors import FieldRequirement, Requirement

Resource = dict[str, Any]

#: Kinds kept by :class:`ResourceRepo`. ClusterWorkflowTemplates use the namespace ``""``.
KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "WorkflowEventBinding")

#: Workflow phases after which nothing changes any more.
COMPLETED_PHASES = frozenset({"Succeeded", "Failed", "Error"})


def now_rfc3339() -> str:
    """Current time as Kubernetes writes timestamps (second precision, UTC, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ListQuery:
    """What a list call asks for (Kubernetes ``ListOptions``)."""

    namespace: str | None = None
    labels: list[Requirement] = field(default_factory=list)
    fields: list[FieldRequirement] = field(default_factory=list)
    limit: int = 0
    continue_token: str = ""
    #: Workflows only: a name prefix (the UI's and ``argo archive list --prefix``'s filter).
    name_prefix: str = ""


@dataclass
class Page:
    """One page of a list: ``continue_token`` is empty on the last page."""

    items: list[Resource]
    continue_token: str = ""
    remaining: int | None = None


@dataclass(frozen=True)
class TokenRecord:
    """A stored API token (never its secret)."""

    id: str
    name: str
    created_at: str
    revoked_at: str | None = None


def encode_continue(offset: int) -> str:
    """The ``continue`` token of the page starting at ``offset``: the offset itself, as Argo's archive writes
    it (``persist/sqldb``: ``strconv.Itoa(offset + limit)``); clients treat it as opaque."""
    return str(offset)


def decode_continue(token: str) -> int:
    """Offset of a ``continue`` token; a malformed token is a 400 naming ``listOptions.continue``.

    Tokens of earlier releases (base64 JSON ``{"offset": N}``) are still read."""
    if not token:
        return 0
    if token.isascii() and token.isdigit():
        return int(token)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset = json.loads(raw)["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise SpecError("invalid continue token", path="listOptions.continue") from None
    if not isinstance(offset, int) or offset < 0:
        raise SpecError("invalid continue token", path="listOptions.continue")
    return offset


def page_of(items: list[Resource], offset: int, limit: int) -> Page:
    """Cut ``items`` (already filtered and ordered) into the page a query asked for."""
    if limit and limit > 0:
        chunk = items[offset : offset + limit]
        rest = len(items) - offset - len(chunk)
        return Page(chunk, encode_continue(offset + limit) if rest > 0 else "", rest if rest > 0 else None)
    return Page(items[offset:])


def split_nodes(workflow: Resource) -> tuple[Resource, dict[str, Any]]:
    """The workflow without ``status.nodes``, and the nodes."""
    status = workflow.get("status") or {}
    nodes = status.get("nodes") or {}
    if "nodes" not in status:
        return workflow, {}
    slim = {**workflow, "status": {k: v for k, v in status.items() if k != "nodes"}}
    return slim, nodes


def join_nodes(workflow: Resource, nodes: dict[str, Any]) -> Resource:
    """The workflow with ``status.nodes`` put back (Argo's key order: nodes after progress)."""
    if not nodes:
        return workflow
    status = dict(workflow.get("status") or {})
    status["nodes"] = nodes
    return {**workflow, "status": status}


def new_token() -> tuple[str, str, str]:
    """A fresh token: ``(id, secret, token)`` where ``token = "argento_<id>_<secret>"``."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return token_id, secret, f"argento_{token_id}_{secret}"


def split_token(token: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a token string, or None if it is not one of ours."""
    if not token.startswith("argento_"):
        return None
    token_id, sep, secret = token[len("argento_") :].partition("_")
    if not sep or not token_id or not secret:
        return None
    return token_id, secret


def hash_secret(secret: str) -> str:
    """SHA-256 of a token secret (tokens are 256-bit random, so a fast hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class WorkflowRepo(Protocol):
    """Workflows (one row each) and their nodes (one row per node)."""

    def create(self, workflow: Resource) -> Resource: ...
    def get(self, namespace: str, name: str) -> Resource: ...
    def get_by_uid(self, uid: str) -> Resource: ...
    def list(self, query: ListQuery, *, with_nodes: bool = False) -> Page: ...
    def update(self, workflow: Resource) -> Resource: ...
    def finish(self, workflow: Resource, archived: Resource) -> Resource:
        """`update` a completed workflow (with its nodes) and archive ``archived`` — the same workflow as the
        archive keeps it (Argo labels that copy ``Persisted``, the live one ``Archived``), given the new
        resource version — in one transaction: a crash between the two would leave a completed workflow that
        is never archived."""
        ...

    def delete(self, namespace: str, name: str) -> None: ...
    def save_node(self, uid: str, node: dict[str, Any]) -> None: ...
    def replace_nodes(self, uid: str, nodes: dict[str, Any]) -> None: ...
    def get_nodes(self, uid: str) -> dict[str, Any]: ...
    def page_nodes(
        self, namespace: str, name: str, after: str, limit: int
    ) -> tuple[str, list[tuple[str, dict[str, Any]]], bool]:
        """The workflow's UID, its first ``limit`` nodes with an ID after ``after`` (ascending) as
        ``(id, node)``, and whether more follow."""
        ...

    def unfinished(self) -> list[Resource]: ...
    def count_by_phase(self) -> dict[tuple[str, str], int]: ...
    def record_log(self, uid: str, pod_name: str, container: str, path: str) -> None: ...
    def log_files(self, uid: str) -> list[tuple[str, str, str]]: ...


class ResourceRepo(Protocol):
    """Named resources of the :data:`KINDS`."""

    def create(self, kind: str, resource: Resource) -> Resource: ...
    def get(self, kind: str, namespace: str, name: str) -> Resource: ...
    def list(
        self, kind: str, namespace: str | None, labels: list[Requirement] | None = None
    ) -> list[Resource]: ...
    def update(self, kind: str, resource: Resource) -> Resource: ...
    def delete(self, kind: str, namespace: str, name: str) -> None: ...


class ArchiveRepo(Protocol):
    """Completed workflows, kept after the live ones are deleted (Argo's workflow archive)."""

    def archive(self, workflow: Resource) -> None: ...
    def get(self, uid: str) -> Resource: ...
    def list(self, query: ListQuery) -> Page: ...
    def delete(self, uid: str) -> None: ...
    def label_keys(self) -> list[str]: ...
    def label_values(self, key: str) -> list[str]: ...


class MemoRepo(Protocol):
    """The memoization cache, with the engine's ``MemoCache`` methods."""

    def load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None: ...
    def save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None: ...


class TokenRepo(Protocol):
    """API tokens, stored hashed."""

    def create(self, name: str) -> tuple[TokenRecord, str]: ...
    def list(self) -> list[TokenRecord]: ...
    def revoke(self, token_id: str) -> None: ...
    def verify(self, token: str) -> TokenRecord | None: ...


class Store(Protocol):
    """Everything the server persists."""

    workflows: WorkflowRepo
    resources: ResourceRepo
    archive: ArchiveRepo
    memo: MemoRepo
    tokens: TokenRepo

    def close(self) -> None: ...
