"""The ``pickle`` framework: any Python object, written with cloudpickle.

cloudpickle serialises classes and functions defined in ``__main__`` (or a notebook) by value, so a model
saved from a script loads in a service process that never imported that script. Loading uses the standard
``pickle`` module. Without cloudpickle installed, the standard pickler is used (by-reference classes only).
Only load models you trust: unpickling runs code.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import IO, Any

from argento.registry.frameworks import Framework

FILE = "saved_model.pkl"


def dump(obj: Any, fh: IO[bytes]) -> str:
    """Pickle ``obj`` into ``fh``; returns the format used (``cloudpickle`` or ``pickle``)."""
    try:
        import cloudpickle
    except ImportError:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return "pickle"
    cloudpickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return "cloudpickle"


def load(fh: IO[bytes]) -> Any:
    """Unpickle an object written by :func:`dump`."""
    return pickle.load(fh)  # cloudpickle output is standard pickle data


class PickleFramework(Framework):
    """Saves ``saved_model.pkl``."""

    name = "pickle"
    packages = ("cloudpickle",)

    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        with open(path / FILE, "wb") as fh:
            fmt = dump(obj, fh)
        return {"file": FILE, "format": fmt}

    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        with open(path / options.get("file", FILE), "rb") as fh:
            return load(fh)


FRAMEWORK = PickleFramework()
