"""``bentoml`` as Argento provides it when the real BentoML is not installed (see ``argento.compat``).

This folder is only ever on an import path that Argento set up for a process it started. If a real BentoML
is importable from the rest of the path, the import is handed over to it; otherwise the names come from
``argento.compat.bentoml``.
"""

import importlib.machinery as _machinery
import importlib.util as _util
import os as _os
import sys as _sys

_HERE = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
_REAL = _machinery.PathFinder.find_spec(
    "bentoml", [p for p in _sys.path if _os.path.abspath(p or ".") != _HERE]
)

if _REAL is not None and _REAL.loader is not None:
    _module = _util.module_from_spec(_REAL)
    _sys.modules[__name__] = _module
    _REAL.loader.exec_module(_module)
else:
    from argento.compat.bentoml import *  # noqa: F403
    from argento.compat.bentoml import __all__, __getattr__, __version__, install  # noqa: F401

    install(_sys.modules[__name__])
