"""Fixtures shared by every suite: each test gets its own ARGENTO_HOME."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from argento.config import Settings

REPO = Path(__file__).resolve().parents[1]

# Tests import with --import-mode=importlib (so test files in different folders may share a basename);
# support modules that sit beside the tests (exec_support.py, fake_argo.py, corpus.py, …) stay importable by name.
for _folder in sorted(
    p for p in Path(__file__).resolve().parent.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


@pytest.fixture(autouse=True)
def _no_step_outlives_its_test(tmp_path: Path) -> Iterator[None]:
    """Kill the steps a test's server left running (a stopped server leaves them for adoption, SPEC R-crash).

    A leaked step (say a bento build) would go on using a core for the rest of the session and slow every
    later test. Found through the supervisor records the executor writes (by pid, with the supervisor's start
    time guarding against pid reuse), never by process name.
    """
    yield
    import os
    import signal

    from argento.executors.supervisor import read_record

    for pattern in ("runs/*/*/.argento-step", "*/runs/*/*/.argento-step", "*/*/runs/*/*/.argento-step"):
        for path in tmp_path.glob(pattern):
            record = read_record(path)
            if record is None or record.ended or not record.supervisor_alive():
                continue
            for pid, kill in ((record.pid, os.killpg), (record.supervisor, os.kill)):
                if pid:
                    with contextlib.suppress(OSError):
                        kill(pid, signal.SIGKILL)


@pytest.fixture
def argento_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ARGENTO_HOME for one test."""
    home = tmp_path / "argento-home"
    home.mkdir()
    monkeypatch.setenv("ARGENTO_HOME", str(home))
    yield home


@pytest.fixture
def settings(argento_home: Path) -> Settings:
    """Settings pointing at the test's own home."""
    return Settings.from_env({"ARGENTO_HOME": str(argento_home)})


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test session on 127.0.0.1:5432 (created here, dropped at the end)."""
    import os
    import uuid

    psycopg = pytest.importorskip("psycopg")
    admin = os.environ.get("ARGENTO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"argento_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {admin}: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
