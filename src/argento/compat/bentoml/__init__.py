"""The ``bentoml`` names Argento provides, backed by Argento (the ``bentoml`` shim re-exports this module).

Covered: the service API (``bentoml.service``/``api``/``on_startup``/``on_shutdown``/``depends``, IO descriptors
in ``bentoml.io``), the model store (``bentoml.models.list/get/tag/delete/create/…``, ``BentoModel``), the
framework helpers (``bentoml.sklearn``, ``xgboost``, ``lightgbm``, ``pytorch``, ``picklable_model``,
``mlflow.import_model``), bentos (``bentoml.build/get/list/delete/export_bento/import_bento``), deployments
(``bentoml.deploy(..., platform="yatai")``, ``bentoml.YataiClient().deployment.…``, ``bentoml.deployment``),
the HTTP clients and the ``bentoml`` command (:mod:`argento.compat.bentoml.cli`). Any other ``bentoml.X`` raises
:class:`UnsupportedAPI` (an ``AttributeError``) naming the Argento equivalent.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from argento.compat.bentoml import exceptions, io, models
from argento.compat.bentoml.bentos import build, delete, export_bento, get, import_bento, list
from argento.compat.bentoml.frameworks import lightgbm, mlflow, picklable_model, pytorch, sklearn, xgboost
from argento.compat.bentoml.service import api, depends, on_shutdown, on_startup, service
from argento.compat.bentoml.unsupported import UnsupportedAPI, unsupported
from argento.compat.bentoml.yatai import YataiClient, deploy, deployment
from argento.version import __version__ as _argento_version

#: BentoML's API level this layer follows, marked as Argento's (PEP 440 local version).
__version__ = f"1.2.0+argento.{_argento_version}"

#: Submodules importable as ``bentoml.<name>``.
SUBMODULES = {
    "io": io,
    "models": models,
    "exceptions": exceptions,
    "sklearn": sklearn,
    "xgboost": xgboost,
    "lightgbm": lightgbm,
    "pytorch": pytorch,
    "picklable_model": picklable_model,
    "mlflow": mlflow,
    "deployment": deployment,
}


def __getattr__(name: str) -> Any:
    lazy = {
        "Context": ("argento.serving.context", "Context"),
        "SyncHTTPClient": ("argento.serving.client", "SyncHTTPClient"),
        "AsyncHTTPClient": ("argento.serving.client", "AsyncHTTPClient"),
    }
    if name in lazy:
        import importlib

        module, attr = lazy[name]
        return getattr(importlib.import_module(module), attr)
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(name)


@contextmanager
def importing() -> Iterator[None]:
    """``with bentoml.importing(): import torch`` — imports that only the serving image needs; here a no-op."""
    yield


def install(package: types.ModuleType) -> None:
    """Make ``package`` (the ``bentoml`` shim) a working ``bentoml``: submodules importable, unknown ones clear."""
    for name, module in SUBMODULES.items():
        sys.modules[f"{package.__name__}.{name}"] = module
        setattr(package, name, module)
    if not any(isinstance(f, _UnknownSubmodules) for f in sys.meta_path):
        sys.meta_path.append(_UnknownSubmodules(package.__name__))


class _UnknownSubmodules:
    """A meta path finder, last in line: ``import bentoml.<unknown>`` fails with the Argento equivalent."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix + "."

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.startswith(self.prefix):
            error = unsupported(fullname[len(self.prefix) :], module=True)
            raise ModuleNotFoundError(str(error), name=fullname)
        return None


__all__ = [
    "SUBMODULES",
    "UnsupportedAPI",
    "YataiClient",
    "api",
    "build",
    "delete",
    "depends",
    "deploy",
    "deployment",
    "exceptions",
    "export_bento",
    "get",
    "import_bento",
    "importing",
    "io",
    "lightgbm",
    "list",
    "mlflow",
    "models",
    "on_shutdown",
    "on_startup",
    "picklable_model",
    "pytorch",
    "service",
    "sklearn",
    "xgboost",
]
