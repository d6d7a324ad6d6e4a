"""Bentos (SPEC §3.5): a service packaged with its source, locked requirements and model tags.

``build`` → :class:`Bento` in the :class:`BentoStore` (``<ARGENTO_HOME>/bentos``); ``export_bento`` /
``import_bento`` move one between machines with its models; ``containerize`` writes a Docker build context;
``ensure_env`` makes the bento's isolated virtualenv that ``argento serve TAG`` runs in.
"""

from __future__ import annotations

from argento.deployments.bentos.archive import containerize, export_bento, import_bento
from argento.deployments.bentos.build import BuildConfig, build
from argento.deployments.bentos.env import ensure_env, serve_command
from argento.deployments.bentos.store import Bento, BentoStore, BentoTag
from argento.deployments.find import find_bento

__all__ = [
    "Bento",
    "BentoStore",
    "BentoTag",
    "BuildConfig",
    "build",
    "containerize",
    "ensure_env",
    "export_bento",
    "find_bento",
    "import_bento",
    "serve_command",
]
