"""Bentos (SPEC §3.5): a service packaged with its source, locked requirements and model tags.

``build`` → :class:`Bento` in the :class:`BentoStore` (``<ARGENTO_HOME>/bentos``); ``export_bento`` /
``import_bento`` move one between machines with its models; ``containerize`` writes a Docker build context;
``ensure_env`` makes the bento's isolated virtualenv that ``argento serve TAG`` runs in.
"""

from __future__ import annotations

from argento.deploy.bentos.archive import containerize, export_bento, import_bento
from argento.deploy.bentos.build import BuildConfig, build
from argento.deploy.bentos.env import ensure_env, serve_command
from argento.deploy.bentos.store import Bento, BentoStore, BentoTag
from argento.errors import SpecError

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


def find_bento(target: str, store: BentoStore | None = None) -> Bento | None:
    """The bento ``target`` names (``name`` or ``name:version``), or ``None`` if it names no bento.

    ``argento serve`` takes ``module:Class`` or a bento tag; a target is a bento when the bento store has
    that name (a module path with dots or slashes never is).
    """
    if "/" in target or "." in target.partition(":")[0]:
        return None
    store = store or BentoStore.from_settings()
    try:
        tag = BentoTag.parse(target)
    except SpecError:
        return None
    if tag.name not in store.names():
        return None
    return store.get(tag)
