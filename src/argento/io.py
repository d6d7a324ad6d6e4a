"""IO descriptors for service APIs (``from argento.io import JSON, NumpyNdarray, …``), SPEC §3.2.

The implementations live in :mod:`argento.serving.io`; this module is the public name, as ``bentoml.io`` is.
"""

from __future__ import annotations

from typing import Any

from argento.serving import io as _impl

__all__ = list(_impl.__all__)


def __getattr__(name: str) -> Any:
    return getattr(_impl, name)


def __dir__() -> list[str]:
    return __all__
