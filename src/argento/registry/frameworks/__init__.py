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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argento.errors import SpecError


@dataclass(frozen=True)
class FrameworkInfo:
    """What Argento knows of one framework, declared once (:func:`register_framework`); every table that names
    frameworks — detection, the adapters, a bento's requirements, MLflow's flavours — is read from these.

    To add a framework: one adapter module (a :class:`Framework` subclass and its ``FRAMEWORK`` instance) and
    one ``register_framework(FrameworkInfo(...))`` line below (docs/ARCHITECTURE.md, "Extension points").
    """

    #: the name stored in ``model.yaml`` and accepted by ``save(framework=…)``
    name: str
    #: the adapter module (imported on first use): its ``FRAMEWORK`` is the :class:`Framework`
    module: str
    #: the root module of the library's classes (``sklearn``, ``torch``): objects whose class hierarchy has one
    #: are saved with this framework, and the framework is installed when the module can be imported
    library: str | None = None
    #: the distribution a bento installs to load models of this framework (``scikit-learn``)
    requirement: str | None = None
    #: other spellings accepted, as BentoML users write them
    synonyms: tuple[str, ...] = ()
    #: the MLflow flavour imported into the store with this framework (loaded with ``mlflow.<flavour>``)
    mlflow_flavor: str | None = None


#: framework name -> its declaration.
FRAMEWORKS: dict[str, FrameworkInfo] = {}
#: framework name -> adapter module (a view of FRAMEWORKS).
ADAPTERS: dict[str, str] = {}
_SYNONYMS: dict[str, str] = {}


def register_framework(info: FrameworkInfo) -> FrameworkInfo:
    """Declare a framework (again: replaces the declaration of that name)."""
    FRAMEWORKS[info.name] = info
    ADAPTERS[info.name] = info.module
    for synonym in info.synonyms:
        _SYNONYMS[synonym] = info.name
    return info


_HERE = __name__
register_framework(
    FrameworkInfo(
        "sklearn",
        f"{_HERE}.sklearn",
        library="sklearn",
        requirement="scikit-learn",
        synonyms=("scikit-learn",),
        mlflow_flavor="sklearn",
    )
)
register_framework(
    FrameworkInfo(
        "xgboost", f"{_HERE}.xgboost", library="xgboost", requirement="xgboost", mlflow_flavor="xgboost"
    )
)
register_framework(
    FrameworkInfo(
        "lightgbm", f"{_HERE}.lightgbm", library="lightgbm", requirement="lightgbm", mlflow_flavor="lightgbm"
    )
)
register_framework(
    FrameworkInfo("pytorch", f"{_HERE}.pytorch", library="torch", requirement="torch", synonyms=("torch",))
)
register_framework(FrameworkInfo("pickle", f"{_HERE}.pickle", synonyms=("cloudpickle", "picklable_model")))
register_framework(FrameworkInfo("custom", f"{_HERE}.custom"))
# MLflow model folders kept whole (argento.tracking.import_mlflow of a flavour no adapter takes)
register_framework(FrameworkInfo("mlflow", f"{_HERE}.mlflow", requirement="mlflow"))


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
    libraries = {info.library: info.name for info in FRAMEWORKS.values() if info.library}
    for cls in type(obj).__mro__:
        root = (getattr(cls, "__module__", "") or "").split(".", 1)[0]
        if root in libraries:
            return get_framework(libraries[root])
    return get_framework("pickle")


def installed(name: str) -> bool:
    """Whether the library behind framework ``name`` can be imported here."""
    library = FRAMEWORKS[canonical_name(name)].library
    return library is None or importlib.util.find_spec(library) is not None


def requirement(name: str) -> str | None:
    """The distribution a bento installs to load models of framework ``name`` (``None``: nothing extra)."""
    info = FRAMEWORKS.get(name)
    return info.requirement if info is not None else None


def mlflow_flavors() -> dict[str, str]:
    """MLflow flavour -> the framework its models are imported with."""
    return {info.mlflow_flavor: info.name for info in FRAMEWORKS.values() if info.mlflow_flavor}


__all__ = [
    "ADAPTERS",
    "FRAMEWORKS",
    "Framework",
    "FrameworkInfo",
    "canonical_name",
    "detect",
    "get_framework",
    "installed",
    "mlflow_flavors",
    "register_framework",
    "requirement",
]
