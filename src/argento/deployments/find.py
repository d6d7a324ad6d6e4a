"""``find_bento``: does ``argento serve TARGET`` name a bento? Kept apart so the answer costs one ``stat``
(and no import of the bento machinery) when TARGET is a ``module:Class``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento.config import Settings

if TYPE_CHECKING:
    from argento.deployments.bentos.store import Bento, BentoStore


def find_bento(target: str, store: BentoStore | None = None) -> Bento | None:
    """The bento ``target`` names (``name`` or ``name:version``), or ``None`` if it names no bento.

    A target is a bento when the bento store has that name (a module path with dots or slashes never is).
    """
    name = target.partition(":")[0]
    if "/" in target or "." in name or not name:
        return None
    if store is None and not (Settings.from_env().home / "bentos" / name).is_dir():
        return None
    from argento.deployments.bentos.store import BentoStore, BentoTag
    from argento.errors import SpecError

    store = store or BentoStore.from_settings()
    try:
        tag = BentoTag.parse(target)
    except SpecError:
        return None
    if tag.name not in store.names():
        return None
    return store.get(tag)


def names_a_module(target: str) -> bool:
    """Whether ``target`` can be ``module[:Class]`` at all (dotted identifiers); ``iris-classifier:latest``
    or ``iris:20261126-101112-00ab`` cannot, so they can only mean a bento."""
    module, _, attr = target.partition(":")
    return all(part.isidentifier() for part in module.split(".")) and (not attr or attr.isidentifier())
