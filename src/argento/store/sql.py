"""The SQL store: SQLite (WAL, the default) or PostgreSQL, through SQLAlchemy Core.

Every write is its own short transaction (on PostgreSQL, a workflow's writes are one statement each,
`argento.store.sql_pg`). All calls are synchronous: the server calls them on its event loop
thread, which is what makes "commit, then act" hold for node transitions (a commit on SQLite in WAL mode
with ``synchronous=NORMAL`` survives a killed process, only an OS crash could lose it).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from argento.config import Settings
from argento.errors import AlreadyExists, Conflict, NotFound, Unavailable
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
from argento.store.reserve import Reserve
from argento.store.selectors import Requirement, matches_labels
from argento.store.sql_base import SqlBase, upsert
from argento.store.sql_workflows import SqlArchive, SqlWorkflows


def database_url(settings: Settings) -> str:
    """``ARGENTO_DATABASE_URL``, or SQLite at ``<ARGENTO_HOME>/argento.db``; PostgreSQL URLs use psycopg 3."""
    url = settings.database_url or f"sqlite:///{settings.home / 'argento.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def private_file(path: Path) -> None:
    """Create the SQLite file mode 0600 (its folder 0700 if new) before SQLite does with the umask's 0644:
    the database holds every workflow, log index and token hash. SQLite gives its ``-wal``/``-shm`` files
    the database file's mode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            with contextlib.suppress(OSError):  # made by an older version (or by sqlite3 itself)
                os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def create_engine(url: str) -> sa.Engine:
    """An engine with the pragmas a crash-safe SQLite needs (WAL, foreign keys, a busy timeout)."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database  # None for "sqlite://", the in-memory database
        if path and path != ":memory:":
            private_file(Path(path))
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
        engine = sa.create_engine(url, pool_size=5, max_overflow=5)
    except (ImportError, sa.exc.ArgumentError) as exc:
        raise Unavailable(f"cannot use database {url.split('@')[-1]!r}: {exc}") from exc
    _ping_when_idle(engine)
    return engine


#: A pooled connection unused for longer than this is pinged before it is handed out again.
IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: sa.Engine) -> None:
    """``pool_pre_ping``, for connections that sat idle: a server restart or an idle timeout drops those,
    and the ping replaces them unnoticed. A connection in steady use is not pinged — a ping is one network
    round trip, and each of a workflow's 7 transactions was paying one (issue 18 goal 4). A connection lost
    between two uses less than a second apart fails its statement: the store raises `Unavailable`, the pool
    drops that connection, and the server retries the write (``argento.server.manager``)."""

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        last = record.info.get("argento_used")
        record.info["argento_used"] = time.monotonic()
        if last is None or time.monotonic() - last < IDLE_PING_SECONDS:
            return
        try:
            with dbapi_conn.cursor() as cur:
                cur.execute("SELECT 1")
            if not dbapi_conn.autocommit:
                dbapi_conn.rollback()
        except Exception as exc:  # the driver's error: the pool replaces the connection
            raise sa.exc.DisconnectionError(str(exc)) from exc

    @sa.event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["argento_used"] = time.monotonic()


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
        self.url = url
        self.engine = create_engine(url)
        try:
            self.version = migrate(self.engine)
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database unavailable: {str(exc.orig).splitlines()[0]}") from None
        self.workflows: SqlWorkflows
        if self.engine.dialect.name == "postgresql":  # a workflow's writes, one statement each
            from argento.store.sql_pg import PgWorkflows

            self.workflows = PgWorkflows(self.engine)
        else:
            self.workflows = SqlWorkflows(self.engine)
        self.resources = SqlResources(self.engine)
        self.archive = SqlArchive(self.engine)
        self.memo = SqlMemo(self.engine)
        self.tokens = SqlTokens(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def release_reserve(self) -> bool:
        """Give the disk reserve back for the writes that follow (`argento.store.reserve`); False: none held."""
        reserve = self.workflows.reserve
        return reserve is not None and reserve.release()

    def keep_reserve(self, size: int) -> Reserve | None:
        """Hold ``size`` bytes (at most an eighth of the file system) next to a SQLite database, to be given
        up (`release_reserve`) to record state on a full disk (`argento.store.reserve`); None for other
        databases. Taken back by the first write that finds room for it again."""
        path = self.engine.url.database if self.dialect == "sqlite" else None
        if not path or path == ":memory:" or size <= 0:
            return None
        target = Path(path)
        with contextlib.suppress(OSError):
            stats = os.statvfs(target.parent)
            size = min(size, stats.f_blocks * stats.f_frsize // 8)
        reserve = Reserve(target.with_name(target.name + ".reserve"), size)
        reserve.restore(force=True)
        for repo in (self.workflows, self.resources, self.archive, self.memo, self.tokens):
            repo.reserve = reserve
        return reserve

    def close(self) -> None:
        self.engine.dispose()
