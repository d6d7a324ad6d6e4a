"""Compatibility layers that let code written for the platform run unmodified: ``import bentoml`` (SPEC §1).

Nothing is installed under the name ``bentoml``. :data:`SITE` is a folder inside this package holding a
``bentoml`` package (``site/bentoml/__init__.py``) that delegates to :mod:`argento.compat.bentoml`; the
processes Argento starts get it on their import path — ``argento serve``/``build`` and bento replicas append it
to ``sys.path`` (:func:`activate`), workflow steps and ``argento exec`` get it in ``PYTHONPATH``
(:func:`environ`). :data:`BIN` holds the ``bentoml`` command (``argento exec``, images ``bentoml/bentoml*``).

When the real BentoML is installed, it wins: the folder is not added, and if an environment still carries it
into an interpreter that has the real package, the shim hands the import over to the real one.
"""

from __future__ import annotations

import functools
import importlib.machinery
import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: The folder whose ``bentoml`` package is the compatibility layer (added to import paths, never installed).
SITE = Path(__file__).resolve().parent / "site"
#: The folder holding the ``bentoml`` command of the compatibility layer.
BIN = Path(__file__).resolve().parent / "bin"


def _without_site(paths: list[str]) -> list[str]:
    site = str(SITE)
    return [p for p in paths if os.path.abspath(p or ".") != site]


@functools.cache
def real_bentoml_installed() -> bool:
    """Whether an actual BentoML is importable (the compatibility folder itself does not count); asked once per
    process (a path scan costs about a millisecond, and every step's environment asks)."""
    return importlib.machinery.PathFinder.find_spec("bentoml", _without_site(sys.path)) is not None


def activate() -> bool:
    """Make ``import bentoml`` work in this process and the Python processes it starts; ``False`` (nothing
    changed) when the real BentoML is installed."""
    if real_bentoml_installed():
        return False
    if str(SITE) not in sys.path:
        sys.path.append(str(SITE))
    os.environ.update(environ(os.environ, path=False))
    return True


def _append(value: str | None, entry: str) -> str:
    parts = [p for p in (value or "").split(os.pathsep) if p]
    return os.pathsep.join(parts if entry in parts else [*parts, entry])


def environ(env: Mapping[str, str], *, path: bool = True) -> dict[str, str]:
    """The variables to add to ``env`` so that Python processes started with it can ``import bentoml`` (and,
    with ``path``, find the ``bentoml`` command): ``PYTHONPATH`` and ``PATH`` with the folders appended.
    Empty when the real BentoML is installed."""
    if real_bentoml_installed():
        return {}
    out = {"PYTHONPATH": _append(env.get("PYTHONPATH"), str(SITE))}
    if path:
        out["PATH"] = _append(env.get("PATH") or os.defpath, str(BIN))
    return out


__all__ = ["BIN", "SITE", "activate", "environ", "real_bentoml_installed"]
