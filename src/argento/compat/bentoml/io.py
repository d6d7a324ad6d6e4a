"""``bentoml.io``: the IO descriptors of ``@bentoml.api(input=…, output=…)``, Argento's (``argento.io``)."""

from __future__ import annotations

from typing import Any

from argento.compat.bentoml.unsupported import unsupported
from argento.serving import io as _impl

__all__ = list(_impl.__all__)


def __getattr__(name: str) -> Any:
    if name in _impl.__all__:
        return getattr(_impl, name)
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"io.{name}")


def __dir__() -> list[str]:
    return __all__
