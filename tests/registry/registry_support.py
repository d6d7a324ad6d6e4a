"""Helpers shared by the model store suites (importable from subprocesses with this folder on the path)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


class Doubler:
    """A tiny picklable "model" (importable by path, so other processes can load it too)."""

    def __init__(self, factor: int = 2) -> None:
        self.factor = factor

    def predict(self, xs: list[int]) -> list[int]:
        return [x * self.factor for x in xs]
