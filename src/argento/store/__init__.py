"""Persistence of workflows, nodes, logs, templates, crons, event bindings, the memo cache and tokens.

    store = open_store(settings)       # SQLite at <ARGENTO_HOME>/argento.db, or ARGENTO_DATABASE_URL
    store.workflows.create(workflow)   # Argo's JSON in and out; the store owns metadata.resourceVersion
    store.workflows.save_node(uid, node)

Both backends (:class:`SqlStore` on SQLite or PostgreSQL, :class:`MemoryStore` for tests) implement the
:class:`Store` protocol of :mod:`argento.store.base`. The schema is versioned (:mod:`.migrations`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento import lazy
from argento.config import Settings
from argento.store.base import (
    KINDS,
    ArchiveRepo,
    ListQuery,
    MemoRepo,
    Page,
    ResourceRepo,
    Store,
    TokenRecord,
    TokenRepo,
    WorkflowRepo,
)

if TYPE_CHECKING:
    from argento.store.memory import MemoryStore
    from argento.store.sql import SqlStore, database_url

#: imported on first use: a light submodule (``argento.store.selectors``, say) must not load SQLAlchemy
_LAZY = {
    "MemoryStore": "argento.store.memory",
    "SqlStore": "argento.store.sql",
    "database_url": "argento.store.sql",
}

__all__ = [
    "KINDS",
    "ArchiveRepo",
    "ListQuery",
    "MemoRepo",
    "MemoryStore",
    "Page",
    "ResourceRepo",
    "SqlStore",
    "Store",
    "TokenRecord",
    "TokenRepo",
    "WorkflowRepo",
    "database_url",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name: ``memory://`` for an in-memory fake, else a SQL database."""
    if settings.database_url == "memory://":
        from argento.store.memory import MemoryStore

        return MemoryStore()
    from argento.store.sql import SqlStore, database_url

    return SqlStore(database_url(settings))

__getattr__, __dir__ = lazy.exports(__name__, _LAZY, globals())
