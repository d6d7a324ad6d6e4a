"""Versioned schema migrations: an ordered list of functions and a ``migrations`` table of applied versions.

Each migration runs in its own transaction together with the row that records it, so a crash mid-way leaves
the database at the previous version. Add a migration by appending to :data:`MIGRATIONS`; never edit one that
has shipped. Migrations after the first use idempotent DDL (``IF NOT EXISTS``) and never the current
:mod:`~argento.store.schema` objects, whose shape moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from argento.store import schema
from argento.store.base import now_rfc3339


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    apply: Callable[[sa.Connection], None]


def _initial(conn: sa.Connection) -> None:
    tables = [
        schema.sequences,
        schema.workflows,
        schema.workflow_labels,
        schema.nodes,
        schema.log_files,
        schema.resources,
        schema.archived_workflows,
        schema.archived_labels,
        schema.memo_cache,
        schema.tokens,
    ]
    schema.metadata.create_all(conn, tables=tables, checkfirst=True)
    conn.execute(sa.insert(schema.sequences).values(name="resource_version", value=0))


def _resource_kind_index(conn: sa.Connection) -> None:
    # Raw, idempotent DDL: later migrations must not depend on the current shape of `schema`.
    conn.execute(
        sa.text("CREATE INDEX IF NOT EXISTS ix_resources_kind_namespace ON resources (kind, namespace)")
    )


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema", _initial),
    Migration(2, "index resources by kind and namespace", _resource_kind_index),
]


def current_version(conn: sa.Connection) -> int:
    """The highest applied version (0 for an empty database)."""
    value = conn.execute(sa.select(sa.func.max(schema.migrations.c.version))).scalar()
    return int(value or 0)


def migrate(engine: sa.Engine) -> int:
    """Apply every pending migration; return the resulting version."""
    with engine.begin() as conn:
        schema.migrations.create(conn, checkfirst=True)
    version = 0
    for migration in MIGRATIONS:
        with engine.begin() as conn:
            version = current_version(conn)
            if migration.version <= version:
                continue
            migration.apply(conn)
            conn.execute(
                sa.insert(schema.migrations).values(
                    version=migration.version, name=migration.name, applied_at=now_rfc3339()
                )
            )
            version = migration.version
    return version
