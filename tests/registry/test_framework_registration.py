"""A framework is declared once (argento.registry.frameworks.register_framework) and every table reads it:
detection, adapters, synonyms, installed(), a bento's requirements and MLflow's flavours."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from argento.registry import frameworks
from argento.registry.frameworks import (
    FrameworkInfo,
    canonical_name,
    detect,
    installed,
    mlflow_flavors,
    register_framework,
    requirement,
)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FrameworkInfo]:
    for table in ("FRAMEWORKS", "ADAPTERS", "_SYNONYMS"):
        monkeypatch.setattr(frameworks, table, dict(getattr(frameworks, table)))
    (tmp_path / "toy_adapter.py").write_text(
        textwrap.dedent("""
            from argento.registry.frameworks import Framework

            class ToyFramework(Framework):
                name = "toy"

                def save(self, obj, path):
                    return {}

                def load(self, path, options, **kwargs):
                    return "loaded"

            FRAMEWORK = ToyFramework()
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield register_framework(
        FrameworkInfo(
            "toy",
            "toy_adapter",
            library="toylib",
            requirement="toy-dist",
            synonyms=("toys",),
            mlflow_flavor="toyflavor",
        )
    )


def test_one_registration_feeds_every_table(toy: FrameworkInfo) -> None:
    Toy = type("Toy", (), {"__module__": "toylib.models"})
    assert detect(Toy()).name == "toy"
    assert canonical_name("Toys") == "toy"
    assert not installed("toy")  # no module `toylib` here
    assert requirement("toy") == "toy-dist"
    assert mlflow_flavors()["toyflavor"] == "toy"


def test_the_built_in_declarations() -> None:
    assert requirement("sklearn") == "scikit-learn" and requirement("pickle") is None
    assert mlflow_flavors() == {"sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm"}
    assert canonical_name("torch") == "pytorch" and canonical_name("picklable_model") == "pickle"
    assert installed("custom")
