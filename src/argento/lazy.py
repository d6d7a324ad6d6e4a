"""Package names imported on first use (PEP 562's module ``__getattr__``), the one way every package does it.

A package that re-exports names from its submodules would import them all at its own import — the engine's
controller, SQLAlchemy, the pydantic models — whoever needed only one light submodule (the CLI's start-up,
issue 18). Instead it lists where each name lives and gets its ``__getattr__`` and ``__dir__`` here::

    __getattr__, __dir__ = lazy.exports(__name__, {"WorkflowRunner": ".controller", …}, globals())

(names for type checkers stay in an ``if TYPE_CHECKING:`` import). A module path starting with ``.`` is
relative to the package; ``"module:attr"`` names an attribute of another name. A name is imported on first
use and kept in the package's namespace, so the next lookup is an ordinary one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose names ``where`` maps to their modules."""

    def __getattr__(name: str) -> Any:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module, package), attr or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__
