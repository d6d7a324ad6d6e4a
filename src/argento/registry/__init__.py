"""The model store: versions, mutable aliases with their history, framework adapters, archives (SPEC §3.1).

The user-facing functions are in :mod:`argento.models`; this package is the implementation.
"""

from __future__ import annotations

from argento.registry.aliases import AliasEvent
from argento.registry.model import Model, ModelRef, Tag
from argento.registry.store import Draft, ModelStore, default_store

__all__ = ["AliasEvent", "Draft", "Model", "ModelRef", "ModelStore", "Tag", "default_store"]
