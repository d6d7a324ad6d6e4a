"""CLI client tests: click's ``CliRunner`` against the fake Argo API of ``tests/client/fake_argo.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import HELLO, Run
from click.testing import CliRunner, Result
from fake_argo import FakeArgo

from argento.cli.main import cli


@pytest.fixture
def fake() -> FakeArgo:
    """A fresh fake Argo Server."""
    return FakeArgo()


@pytest.fixture
def run(fake: FakeArgo, argento_home: Path) -> Run:
    """``run("list", "-o", "name")`` invokes ``argento`` against ``fake``; the env is scrubbed of
    ``ARGENTO_SERVER``/``TOKEN``/``NAMESPACE`` unless given."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        base: dict[str, str | None] = {
            "ARGENTO_SERVER": None,
            "ARGENTO_TOKEN": None,
            "ARGENTO_NAMESPACE": None,
        }
        base.update(env or {})
        return CliRunner().invoke(cli, list(args), obj={"transport": fake.transport}, input=input, env=base)

    return invoke


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    """A valid one-step workflow manifest."""
    path = tmp_path / "hello.yaml"
    path.write_text(HELLO)
    return path
