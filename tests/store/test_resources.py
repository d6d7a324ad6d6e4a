"""Templates, crons, bindings, memo cache, tokens and migrations on every backend."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from argento.errors import AlreadyExists, Conflict, NotFound
from argento.store import SqlStore, Store
from argento.store.migrations import MIGRATIONS, current_version
from argento.store.selectors import parse_label_selector


def res(kind: str, name: str, ns: str = "argo", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": str(uuid.uuid4()),
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "labels": labels or {},
        },
        "spec": {"entrypoint": "main"},
    }


def test_crud_and_optimistic_concurrency(store: Store) -> None:
    t = res("WorkflowTemplate", "t1", labels={"a": "b"})
    store.resources.create("WorkflowTemplate", t)
    with pytest.raises(AlreadyExists, match=r'workflowtemplates\.argoproj\.io "t1" already exists'):
        store.resources.create("WorkflowTemplate", res("WorkflowTemplate", "t1"))
    store.resources.create("CronWorkflow", res("CronWorkflow", "t1"))  # another kind: no clash
    got = store.resources.get("WorkflowTemplate", "argo", "t1")
    assert got["metadata"]["labels"] == {"a": "b"}
    got["spec"]["entrypoint"] = "other"
    store.resources.update("WorkflowTemplate", got)
    stale = dict(t, metadata=dict(t["metadata"]))
    with pytest.raises(Conflict, match="has been modified"):
        store.resources.update("WorkflowTemplate", stale)
    assert store.resources.get("WorkflowTemplate", "argo", "t1")["spec"]["entrypoint"] == "other"
    store.resources.delete("WorkflowTemplate", "argo", "t1")
    with pytest.raises(NotFound, match=r'workflowtemplates\.argoproj\.io "t1" not found'):
        store.resources.get("WorkflowTemplate", "argo", "t1")


def test_list_by_namespace_and_labels(store: Store) -> None:
    store.resources.create("WorkflowTemplate", res("WorkflowTemplate", "b", labels={"x": "1"}))
    store.resources.create("WorkflowTemplate", res("WorkflowTemplate", "a"))
    store.resources.create("WorkflowTemplate", res("WorkflowTemplate", "c", ns="other"))
    store.resources.create("ClusterWorkflowTemplate", res("ClusterWorkflowTemplate", "z", ns=""))
    names = [r["metadata"]["name"] for r in store.resources.list("WorkflowTemplate", "argo")]
    assert names == ["a", "b"]
    assert len(store.resources.list("WorkflowTemplate", None)) == 3
    assert [
        r["metadata"]["name"]
        for r in store.resources.list("WorkflowTemplate", None, parse_label_selector("x"))
    ] == ["b"]
    assert [r["metadata"]["name"] for r in store.resources.list("ClusterWorkflowTemplate", None)] == ["z"]


def test_memo_cache(store: Store) -> None:
    assert store.memo.load("argo", "c", "k", 0) is None
    store.memo.save("argo", "c", "k", "n1", {"result": "42"})
    entry = store.memo.load("argo", "c", "k", 0)
    assert entry is not None and entry["outputs"] == {"result": "42"} and entry["nodeID"] == "n1"
    store.memo.save("argo", "c", "k", "n2", {"result": "43"})
    assert store.memo.load("argo", "c", "k", 3600)["outputs"] == {"result": "43"}
    assert store.memo.load("argo", "other", "k", 0) is None


def test_tokens_are_hashed_and_revocable(store: Store) -> None:
    record, token = store.tokens.create("ci")
    assert token.startswith("argento_") and record.id in token
    assert store.tokens.verify(token) == record
    assert store.tokens.verify(token + "x") is None
    assert store.tokens.verify("garbage") is None
    assert [t.name for t in store.tokens.list()] == ["ci"]
    store.tokens.revoke(record.id)
    assert store.tokens.verify(token) is None
    assert store.tokens.list()[0].revoked_at
    with pytest.raises(NotFound):
        store.tokens.revoke(record.id)


def test_token_secret_is_not_stored(tmp_path: Path) -> None:
    sql = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    _, token = sql.tokens.create("x")
    with sql.engine.connect() as conn:
        dump = str(conn.execute(sa.text("select * from tokens")).all())
    assert token.rsplit("_", 1)[1] not in dump


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    first = SqlStore(url)
    assert first.version == MIGRATIONS[-1].version
    first.close()
    again = SqlStore(url)
    with again.engine.connect() as conn:
        assert current_version(conn) == MIGRATIONS[-1].version
        rows = conn.execute(sa.text("select version from migrations order by version")).all()
        assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_default_database_is_sqlite_in_home(tmp_path: Path) -> None:
    from argento.config import Settings
    from argento.store import database_url, open_store

    settings = Settings(home=tmp_path)
    assert database_url(settings) == f"sqlite:///{tmp_path / 'argento.db'}"
    assert database_url(Settings(home=tmp_path, database_url="postgresql://u@h/db")).startswith(
        "postgresql+psycopg://"
    )
    s = open_store(settings)
    s.close()
    assert (tmp_path / "argento.db").exists()
