"""``bentoml.exceptions``: BentoML's exception names, bound to Argento's error tree so that
``except bentoml.exceptions.NotFound`` catches what Argento raises."""

from __future__ import annotations

from argento.errors import AlreadyExists, ArgentoError, NotFound, SpecError, Unavailable

#: The base of every error (``BentoMLException``).
BentoMLException = ArgentoError
InvalidArgument = SpecError
BadInput = SpecError
BentoMLConfigException = SpecError
NotFound = NotFound
Conflict = AlreadyExists
ServiceUnavailable = Unavailable

__all__ = [
    "BadInput",
    "BentoMLConfigException",
    "BentoMLException",
    "Conflict",
    "InvalidArgument",
    "NotFound",
    "ServiceUnavailable",
]
