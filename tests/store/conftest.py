"""Store fixtures: every store test runs on SQLite, PostgreSQL and the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from argento.store import MemoryStore, SqlStore, Store, schema

DATA_TABLES = [
    schema.nodes,
    schema.workflow_labels,
    schema.log_files,
    schema.workflows,
    schema.resources,
    schema.archived_labels,
    schema.archived_workflows,
    schema.memo_cache,
    schema.tokens,
]


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store on each backend."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        sql = SqlStore(f"sqlite:///{tmp_path / 'argento.db'}")
    else:
        sql = SqlStore(request.getfixturevalue("postgres_url"))
    try:
        yield sql
    finally:
        with sql.engine.begin() as conn:
            for table in DATA_TABLES:
                conn.execute(sa.delete(table))
        sql.close()
