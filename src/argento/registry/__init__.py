"""The model store: versions, mutable aliases with their history, framework adapters, archives (SPEC §3.1).

The user-facing functions are in :mod:`argento.models`; this package is the implementation. Its names resolve on
first use, so importing a light submodule (``argento.registry.sources``, ``versions``) does not load the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argento import lazy

if TYPE_CHECKING:
    from argento.registry.aliases import AliasEvent
    from argento.registry.model import Model, Tag
    from argento.registry.refs import ModelRef
    from argento.registry.store import Draft, ModelStore, default_store

_WHERE = {
    "AliasEvent": "argento.registry.aliases",
    "Draft": "argento.registry.store",
    "Model": "argento.registry.model",
    "ModelRef": "argento.registry.refs",
    "ModelStore": "argento.registry.store",
    "Tag": "argento.registry.model",
    "default_store": "argento.registry.store",
}


__all__ = ["AliasEvent", "Draft", "Model", "ModelRef", "ModelStore", "Tag", "default_store"]

__getattr__, __dir__ = lazy.exports(__name__, _WHERE, globals())
