"""PostgreSQL connections are pinged only after sitting idle (issue 18 goal 4): a ping before every
transaction was one network round trip each, and a workflow makes 7 transactions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from argento.errors import Unavailable
from argento.store import SqlStore
from argento.store import sql as sql_module


@pytest.fixture
def pg(postgres_url: str) -> Iterator[SqlStore]:
    store = SqlStore(postgres_url)
    try:
        yield store
    finally:
        store.close()


def _pings(store: SqlStore) -> list[str]:
    """Records every statement sent through a pooled connection's cursors, ping included."""
    import psycopg

    sent: list[str] = []
    original = store.engine.pool._creator

    class Traced(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query).strip())
            return super().execute(query, *args, **kwargs)

    def creator() -> Any:
        conn = original()
        conn.cursor_factory = Traced
        return conn

    store.engine.pool._creator = creator
    store.engine.dispose()
    return sent


def _kill_pooled_backends(store: SqlStore, url: str) -> None:
    import psycopg

    with store.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_in_steady_use_is_not_pinged(pg: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_module, "IDLE_PING_SECONDS", 60.0)
    sent = _pings(pg)
    for _ in range(5):
        with pg.workflows.tx() as conn:
            conn.execute(sa.text("SELECT 2"))
        with pg.workflows.read() as conn:
            conn.execute(sa.text("SELECT 2"))
    assert sent.count("SELECT 2") == 10
    assert "SELECT 1" not in sent


def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    pg: SqlStore, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _pings(pg)
    with pg.engine.connect() as conn:  # one pooled connection
        conn.execute(sa.text("SELECT 2"))
    _kill_pooled_backends(pg, postgres_url)
    monkeypatch.setattr(sql_module, "IDLE_PING_SECONDS", 0.0)  # every connection counts as idle
    with pg.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 3")).scalar_one() == 3
    assert any(q.strip() == "SELECT 1" for q in sent)


def test_a_connection_lost_while_in_use_fails_one_call_then_the_pool_recovers(
    pg: SqlStore, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_module, "IDLE_PING_SECONDS", 60.0)
    with pg.engine.connect() as conn:
        conn.execute(sa.text("SELECT 2"))
    _kill_pooled_backends(pg, postgres_url)
    with pytest.raises(Unavailable), pg.workflows.read() as conn:
        conn.execute(sa.text("SELECT 4"))
    with pg.workflows.read() as conn:
        assert conn.execute(sa.text("SELECT 5")).scalar_one() == 5


def test_a_workflow_write_on_a_lost_connection_fails_whole_then_the_pool_recovers(
    pg: SqlStore, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes sent through psycopg directly (`argento.store.sql_pg`) lose their connection as the others
    do: one call raises `Unavailable`, nothing of it is stored, and the next call gets a new connection."""
    import uuid

    monkeypatch.setattr(sql_module, "IDLE_PING_SECONDS", 60.0)
    uid = str(uuid.uuid4())
    meta = {"name": "w", "namespace": "argo", "uid": uid, "creationTimestamp": "2024-01-01T00:00:00Z"}
    workflow = {"metadata": meta, "status": {"phase": "Running"}}
    pg.workflows.create(workflow)
    _kill_pooled_backends(pg, postgres_url)
    with pytest.raises(Unavailable):
        pg.workflows.save_node(uid, {"id": "n", "phase": "Running"})
    assert pg.workflows.get_nodes(uid) == {}
    pg.workflows.save_node(uid, {"id": "n", "phase": "Succeeded"})
    _kill_pooled_backends(pg, postgres_url)
    workflow["status"] = {"phase": "Succeeded"}
    with pytest.raises(Unavailable):
        pg.workflows.update(workflow)
    assert pg.workflows.get("argo", "w")["status"] == {
        "phase": "Running",
        "nodes": {"n": {"id": "n", "phase": "Succeeded"}},
    }
    pg.workflows.update(workflow)
    assert pg.workflows.unfinished() == []
    with pg.workflows.tx() as conn:
        conn.execute(sa.delete(sa.table("nodes")))
        conn.execute(sa.delete(sa.table("workflows")))
