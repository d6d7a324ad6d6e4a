"""Bentos, deployments, the gateway and deployment backends (SPEC §3.5, §3.6).

``argento.deploy`` is also callable — ``argento.deploy("iris-classifier:latest", replicas=2)`` creates (or
updates) a deployment on the server, see :func:`argento.client.platform.deploy` — so the package and the
function share the one public name.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from argento.client.platform import deploy

        return deploy(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
