"""The ``custom`` framework: a model whose files the user wrote with ``argento.models.create``.

Argento does not know how to read such files, so ``load`` returns the model directory for the caller's
own loader (BentoML users know this as ``bentoml.models.create`` + ``model.path``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argento.registry.frameworks import Framework


class CustomFramework(Framework):
    """Files written by the user; ``load`` returns their directory."""

    name = "custom"

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        return {}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Path:
        return path

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        return {}


FRAMEWORK = CustomFramework()
