from __future__ import annotations

import subprocess
import sys

import pytest

import argento


def test_public_surface_is_deliberate() -> None:
    assert sorted(argento.__all__) == [
        "AsyncHTTPClient",
        "Client",
        "Context",
        "SyncHTTPClient",
        "__version__",
        "api",
        "depends",
        "deploy",
        "io",
        "models",
        "on_shutdown",
        "on_startup",
        "service",
        "sklearn",
    ]


def test_every_public_name_resolves_and_is_listed() -> None:
    listed = dir(argento)
    for name in argento.__all__:
        assert name in listed, name
        assert getattr(argento, name) is not None, name
    assert callable(argento.deploy) and callable(argento.service) and isinstance(argento.Client, type)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        argento.nope  # noqa: B018


def test_import_argento_stays_light() -> None:
    # The typed re-exports are for type checkers only: at run time `import argento` imports nothing of its own
    # but its version.
    probe = "import sys, argento; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in out if m.startswith("argento")] == ["argento", "argento.version"]
    heavy = {
        "httpx",
        "starlette",
        "uvicorn",
        "numpy",
        "yaml",
        "pydantic",
        "sqlalchemy",
        "ray",
        "mlflow",
        "boto3",
    }
    assert heavy.isdisjoint(m.split(".")[0] for m in out)
