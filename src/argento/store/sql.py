"""The SQL store: SQLite (WAL, the default) or PostgreSQL, through SQLAlchemy Core.

Every write is its own short transaction. All calls are synchronous: the server calls them on its event loop
thread, which is what makes "commit, then act" hold for node transitions (a commit on SQLite in WAL mode
with ``synchronous=NORMAL`` survives a killed process, only an OS crash could lose it).
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from argento.config import Settings
from argento.errors import AlreadyExists, Conflict, NotFound, SpecError, Unavailable
from argento.store import schema
from argento.store.base import (
    Resource,
    TokenRecord,
    hash_secret,
    new_token,
    now_rfc3339,
    split_token,
)
from argento.store.migrations import migrate
from argento.store.selectors import Requirement, matches_labels


def database_url(settings: Settings) -> str:
    """``ARGENTO_DATABASE_URL``, or SQLite at ``<ARGENTO_HOME>/argento.db``; PostgreSQL URLs use psycopg 3."""
    url = settings.database_url or f"sqlite:///{settings.home / 'argento.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(url: str) -> sa.Engine:
    """An engine with the pragmas a crash-safe SQLite needs (WAL, foreign keys, a busy timeout)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (ImportError, sa.exc.ArgumentError) as exc:
        raise Unavailable(f"cannot use database {url.split('@')[-1]!r}: {exc}") from exc


@functools.lru_cache(maxsize=64)
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    # Built once: SQLAlchemy does not cache the compiled form of ON CONFLICT clauses built per call, and
    # compiling costs ~1 ms, ten times the commit itself.
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})


def upsert(conn: sa.Connection, table: sa.Table, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE, in the dialect's own syntax."""
    columns = tuple(k for k in values if k not in keys)
    conn.execute(_upsert_statement(conn.dialect.name, table, tuple(keys), columns), values)


class SqlBase:
    """Shared plumbing: transactions that turn driver errors into Argento errors, resource versions."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextlib.contextmanager
    def tx(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.DataError as exc:
            raise SpecError(f"value not storable: {str(exc.orig).splitlines()[0]}") from None
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database unavailable: {str(exc.orig).splitlines()[0]}") from None

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database unavailable: {str(exc.orig).splitlines()[0]}") from None

    @staticmethod
    def next_version(conn: sa.Connection) -> int:
        return int(conn.execute(_NEXT_VERSION).scalar_one())


_SEQ = schema.sequences
_NEXT_VERSION = (
    sa.update(_SEQ)
    .where(_SEQ.c.name == "resource_version")
    .values(value=_SEQ.c.value + 1)
    .returning(_SEQ.c.value)
)


_PLURAL = {
    "WorkflowTemplate": "workflowtemplates",
    "ClusterWorkflowTemplate": "clusterworkflowtemplates",
    "CronWorkflow": "cronworkflows",
    "WorkflowEventBinding": "workfloweventbindings",
}


def not_found(kind: str, name: str) -> NotFound:
    """Kubernetes' message: ``workflowtemplates.argoproj.io "x" not found``."""
    return NotFound(f'{_PLURAL.get(kind, kind.lower() + "s")}.argoproj.io "{name}" not found')


def already_exists(kind: str, name: str) -> AlreadyExists:
    return AlreadyExists(f'{_PLURAL.get(kind, kind.lower() + "s")}.argoproj.io "{name}" already exists')


def stale(kind: str, name: str) -> Conflict:
    return Conflict(
        f'Operation cannot be fulfilled on {_PLURAL.get(kind, kind.lower() + "s")}.argoproj.io "{name}": '
        "the object has been modified; please apply your changes to the latest version and try again"
    )


class SqlResources(SqlBase):
    """WorkflowTemplates, ClusterWorkflowTemplates, CronWorkflows and WorkflowEventBindings."""

    def create(self, kind: str, resource: Resource) -> Resource:
        meta = resource["metadata"]
        t = schema.resources
        with self.tx() as conn:
            exists = conn.execute(
                sa.select(t.c.uid).where(
                    t.c.kind == kind, t.c.namespace == meta.get("namespace", ""), t.c.name == meta["name"]
                )
            ).first()
            if exists:
                raise already_exists(kind, meta["name"])
            meta["resourceVersion"] = str(self.next_version(conn))
            conn.execute(
                sa.insert(t).values(
                    kind=kind,
                    namespace=meta.get("namespace", ""),
                    name=meta["name"],
                    uid=meta["uid"],
                    created_at=meta["creationTimestamp"],
                    resource_version=int(meta["resourceVersion"]),
                    labels=meta.get("labels") or {},
                    resource=resource,
                )
            )
        return resource

    def get(self, kind: str, namespace: str, name: str) -> Resource:
        t = schema.resources
        with self.read() as conn:
            row = conn.execute(
                sa.select(t.c.resource).where(t.c.kind == kind, t.c.namespace == namespace, t.c.name == name)
            ).first()
        if row is None:
            raise not_found(kind, name)
        return dict(row[0])

    def list(
        self, kind: str, namespace: str | None, labels: list[Requirement] | None = None
    ) -> list[Resource]:
        t = schema.resources
        stmt = sa.select(t.c.resource, t.c.labels).where(t.c.kind == kind)
        if namespace:
            stmt = stmt.where(t.c.namespace == namespace)
        with self.read() as conn:
            rows = conn.execute(stmt.order_by(t.c.namespace, t.c.name)).all()
        return [dict(r[0]) for r in rows if matches_labels(labels or [], r[1])]

    def update(self, kind: str, resource: Resource) -> Resource:
        meta = resource["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        t = schema.resources
        where = (t.c.kind == kind, t.c.namespace == ns, t.c.name == name)
        with self.tx() as conn:
            row = conn.execute(sa.select(t.c.resource_version, t.c.resource).where(*where)).first()
            if row is None:
                raise not_found(kind, name)
            wanted = meta.get("resourceVersion")
            if wanted and str(wanted) != str(row[0]):
                raise stale(kind, name)
            old_meta = row[1].get("metadata") or {}
            meta["uid"] = old_meta.get("uid", meta.get("uid"))
            meta["creationTimestamp"] = old_meta.get("creationTimestamp", meta.get("creationTimestamp"))
            meta["resourceVersion"] = str(self.next_version(conn))
            conn.execute(
                sa.update(t)
                .where(*where)
                .values(
                    resource_version=int(meta["resourceVersion"]),
                    labels=meta.get("labels") or {},
                    resource=resource,
                )
            )
        return resource

    def delete(self, kind: str, namespace: str, name: str) -> None:
        t = schema.resources
        with self.tx() as conn:
            result = conn.execute(
                sa.delete(t).where(t.c.kind == kind, t.c.namespace == namespace, t.c.name == name)
            )
        if result.rowcount == 0:
            raise not_found(kind, name)


class SqlMemo(SqlBase):
    """The memoization cache (engine ``MemoCache`` interface)."""

    def load(self, namespace: str, cache: str, key: str, max_age: float) -> dict[str, Any] | None:
        t = schema.memo_cache
        with self.read() as conn:
            row = conn.execute(
                sa.select(t.c.node_id, t.c.outputs, t.c.created_at, t.c.saved_at).where(
                    t.c.namespace == namespace, t.c.cache == cache, t.c.key == key
                )
            ).first()
        if row is None or (max_age and time.time() - row[3] > max_age):
            return None
        return {"nodeID": row[0], "outputs": row[1], "creationTimestamp": row[2], "savedAt": row[3]}

    def save(
        self, namespace: str, cache: str, key: str, node_id: str, outputs: dict[str, Any] | None
    ) -> None:
        values = {
            "namespace": namespace,
            "cache": cache,
            "key": key,
            "node_id": node_id,
            "outputs": outputs or {},
            "created_at": now_rfc3339(),
            "saved_at": time.time(),
        }
        with self.tx() as conn:
            upsert(conn, schema.memo_cache, values, ["namespace", "cache", "key"])


class SqlTokens(SqlBase):
    """API tokens: the secret is shown once, only its SHA-256 is stored, compared in constant time."""

    def create(self, name: str) -> tuple[TokenRecord, str]:
        token_id, secret, token = new_token()
        record = TokenRecord(token_id, name, now_rfc3339())
        with self.tx() as conn:
            conn.execute(
                sa.insert(schema.tokens).values(
                    id=token_id, name=name, hash=hash_secret(secret), created_at=record.created_at
                )
            )
        return record, token

    def list(self) -> list[TokenRecord]:
        t = schema.tokens
        with self.read() as conn:
            rows = conn.execute(
                sa.select(t.c.id, t.c.name, t.c.created_at, t.c.revoked_at).order_by(t.c.created_at, t.c.id)
            ).all()
        return [TokenRecord(*row) for row in rows]

    def revoke(self, token_id: str) -> None:
        t = schema.tokens
        with self.tx() as conn:
            result = conn.execute(
                sa.update(t)
                .where(t.c.id == token_id, t.c.revoked_at.is_(None))
                .values(revoked_at=now_rfc3339())
            )
        if result.rowcount == 0:
            raise NotFound(f'token "{token_id}" not found')

    def verify(self, token: str) -> TokenRecord | None:
        parts = split_token(token)
        if parts is None:
            return None
        t = schema.tokens
        with self.read() as conn:
            row = conn.execute(
                sa.select(t.c.id, t.c.name, t.c.created_at, t.c.revoked_at, t.c.hash).where(
                    t.c.id == parts[0]
                )
            ).first()
        if row is None or row[3] is not None:
            return None
        if not hmac.compare_digest(row[4], hash_secret(parts[1])):
            return None
        return TokenRecord(row[0], row[1], row[2], row[3])


class SqlStore:
    """The store on one database."""

    def __init__(self, url: str) -> None:
        from argento.store.sql_workflows import SqlArchive, SqlWorkflows

        self.url = url
        self.engine = create_engine(url)
        try:
            self.version = migrate(self.engine)
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database unavailable: {str(exc.orig).splitlines()[0]}") from None
        self.workflows = SqlWorkflows(self.engine)
        self.resources = SqlResources(self.engine)
        self.archive = SqlArchive(self.engine)
        self.memo = SqlMemo(self.engine)
        self.tokens = SqlTokens(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()
