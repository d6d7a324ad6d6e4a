"""Framework adapters: how an object of one ML library is written into, and read back from, a model directory.

Each adapter lives in its own module and imports its library only when it saves or loads, so importing the
registry never imports scikit-learn, XGBoost, LightGBM or PyTorch. ``detect`` picks the adapter from the
object's class hierarchy (by module name, without importing anything); objects of no known library are
saved with ``pickle`` (cloudpickle, so classes and functions defined in ``__main__`` travel by value).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from argento.errors import SpecError

#: framework name -> adapter module (imported on first use).
ADAPTERS: dict[str, str] = {
    "sklearn": "argento.registry.frameworks.sklearn",
    "xgboost": "argento.registry.frameworks.xgboost",
    "lightgbm": "argento.registry.frameworks.lightgbm",
    "pytorch": "argento.registry.frameworks.pytorch",
    "pickle": "argento.registry.frameworks.pickle",
    "custom": "argento.registry.frameworks.custom",
    "mlflow": "argento.registry.frameworks.mlflow",  # MLflow model folders (argento.tracking.import_mlflow)
}

#: root module of a class -> framework that saves its objects (checked along the MRO, most derived first).
_MODULE_ROOTS: dict[str, str] = {
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "torch": "pytorch",
}

#: accepted spellings, as BentoML users write them.
_SYNONYMS: dict[str, str] = {
    "scikit-learn": "sklearn",
    "torch": "pytorch",
    "cloudpickle": "pickle",
    "picklable_model": "pickle",
}


class Framework(ABC):
    """One adapter. ``save`` returns the options ``load`` needs; both work inside the model directory."""

    #: the name stored in ``model.yaml`` and accepted by ``save(framework=…)``.
    name: str = ""
    #: distributions whose versions are recorded in the model's context (and needed to load it).
    packages: tuple[str, ...] = ()

    @abstractmethod
    def save(self, obj: Any, path: Path) -> dict[str, Any]:
        """Write ``obj`` into the (empty) directory ``path``; return JSON-serialisable load options."""

    @abstractmethod
    def load(self, path: Path, options: dict[str, Any], **kwargs: Any) -> Any:
        """Read the object back from ``path``."""

    def default_signatures(self, obj: Any) -> dict[str, dict[str, Any]]:
        """Signatures used when the caller gives none: the inference methods ``obj`` has."""
        names = [m for m in ("predict", "predict_proba") if callable(getattr(obj, m, None))]
        if not names and callable(obj):
            names = ["__call__"]
        return {m: {"batchable": False} for m in names}

    def versions(self) -> dict[str, str]:
        """Installed versions of :attr:`packages` (missing ones are left out)."""
        out: dict[str, str] = {}
        for package in self.packages:
            try:
                out[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                continue
        return out

    def require(self, module: str) -> Any:
        """Import ``module`` or explain which package to install."""
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            package = self.packages[0] if self.packages else module
            raise SpecError(
                f"framework {self.name!r} needs the {package!r} package: pip install {package}"
            ) from exc


def canonical_name(name: str) -> str:
    """The adapter name for ``name`` (accepts synonyms such as ``torch`` and ``scikit-learn``)."""
    key = name.strip().lower()
    key = _SYNONYMS.get(key, key)
    if key not in ADAPTERS:
        raise SpecError(f"unknown framework {name!r}; known: {', '.join(sorted(ADAPTERS))}")
    return key


def get_framework(name: str) -> Framework:
    """The adapter called ``name``."""
    module = importlib.import_module(ADAPTERS[canonical_name(name)])
    framework: Framework = module.FRAMEWORK
    return framework


def detect(obj: Any) -> Framework:
    """The adapter for ``obj``, judged by the modules of its class hierarchy; ``pickle`` otherwise."""
    for cls in type(obj).__mro__:
        root = (getattr(cls, "__module__", "") or "").split(".", 1)[0]
        if root in _MODULE_ROOTS:
            return get_framework(_MODULE_ROOTS[root])
    return get_framework("pickle")


def installed(name: str) -> bool:
    """Whether the library behind framework ``name`` can be imported here."""
    framework = get_framework(name)
    modules = {"sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm", "pytorch": "torch"}
    module = modules.get(framework.name)
    return module is None or importlib.util.find_spec(module) is not None


__all__ = ["ADAPTERS", "Framework", "canonical_name", "detect", "get_framework", "installed"]
