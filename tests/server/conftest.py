"""Server fixtures (helpers live in ``serverconf``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from serverconf import ServerProcess

from argento.config import Settings
from argento.store import SqlStore


@pytest.fixture
def run() -> Callable[[Awaitable[Any]], Any]:
    """Run a coroutine to completion (the server tests are plain functions)."""
    return lambda coro: asyncio.run(coro)


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    """Settings on SQLite (in the test's home) or on the session's PostgreSQL database, emptied after."""
    if request.param == "sqlite":
        yield settings
        return
    url = request.getfixturevalue("postgres_url")
    yield Settings(home=settings.home, database_url=url)
    store = SqlStore(url)
    try:
        import sqlalchemy as sa

        from argento.store import schema

        with store.engine.begin() as conn:
            for table in reversed(schema.metadata.sorted_tables):
                if table.name not in ("migrations", "sequences"):
                    conn.execute(sa.delete(table))
    finally:
        store.close()


@pytest.fixture
def server_process(argento_home: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start real servers (stopped at the end of the test)."""
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        proc = ServerProcess(argento_home, *args, env=env).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
