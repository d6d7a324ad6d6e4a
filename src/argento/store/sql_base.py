"""The plumbing every SQL table class shares: transactions that turn driver errors into Argento errors, resource
versions, and dialect-aware upserts (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from argento.errors import DiskFull, SpecError, Unavailable
from argento.store import schema
from argento.store.reserve import Reserve, is_disk_full


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

    #: The disk reserve given up when a write finds the disk full (`argento.store.reserve`), if any.
    reserve: Reserve | None = None

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
            text = str(exc.orig).splitlines()[0]
            if is_disk_full(exc.orig):
                raise DiskFull(f"cannot record state, disk full: {text}") from None
            raise Unavailable(f"database unavailable: {text}") from None
        if self.reserve is not None:
            self.reserve.restore()  # after a release, once there is room again (checked every few seconds)

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


__all__ = ["SqlBase", "upsert"]
