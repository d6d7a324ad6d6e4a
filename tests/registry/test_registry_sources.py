"""Model sources (argento.registry.sources): the registry resolves outside references only through the sources
that integrations register; it imports none of them itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from argento.errors import SpecError
from argento.registry.refs import ModelRef
from argento.registry.sources import register_source, source_for


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_an_mlflow_reference_needs_the_mlflow_source_registered() -> None:
    proc = _run(
        "from argento.registry.refs import ModelRef\n"
        "try:\n"
        "    ModelRef.of('mlflow:models:/iris@champion')\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    assert "SpecError" in proc.stdout and "no model source registered" in proc.stdout, (
        proc.stdout + proc.stderr
    )


def test_argento_models_registers_the_mlflow_source() -> None:
    proc = _run(
        "import argento.models\nref = argento.models.ref('models:/Iris@champion')\nprint(ref.tag, ref.name)\n"
    )
    assert proc.stdout.split() == ["mlflow:models:/Iris@champion", "iris"], proc.stdout + proc.stderr


class _Fake:
    prefix = "fake:"

    def claims(self, text: str) -> bool:
        return text.startswith(self.prefix)

    def canonical(self, text: str) -> str:
        if "/" not in text:
            raise SpecError(f"invalid fake reference {text!r}")
        return text

    def store_name(self, ref: str) -> str:
        return ref.rsplit("/", 1)[-1]

    def resolve(self, ref: str, store: object) -> object:
        return ("resolved", ref, store)


def test_a_registered_source_owns_its_references(monkeypatch: pytest.MonkeyPatch) -> None:
    from argento.registry import sources

    monkeypatch.setattr(sources, "_SOURCES", dict(sources._SOURCES))
    register_source(_Fake())
    assert source_for("iris:1") is None
    ref = ModelRef.of("fake://zoo/iris")
    assert ref.tag == "fake://zoo/iris" and ref.name == "iris"
    assert ref.resolve(store="the-store") == ("resolved", "fake://zoo/iris", "the-store")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="invalid fake reference"):
        ModelRef.of("fake:nothing")
