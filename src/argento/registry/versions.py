"""Names, versions and aliases of stored models: validation and auto versions.

The grammar is BentoML's, so tags that BentoML users write keep working (``my-model:v1.0.0``):
a name, a version and an alias are each 1–63 characters of lowercase letters, digits, ``-``, ``_`` and ``.``,
starting and ending with a letter or digit. Upper case is folded to lower case, as BentoML does.

Auto versions look like ``20261126-153012-4f9c``: the UTC date and time of the save, then four hex digits
whose first two are the fraction of the second in 1/256 s and whose last two are random. They therefore sort
lexicographically in the order they were made (the store bumps the suffix under its lock when two saves
share a 1/256 s slot, so versions of one model are strictly increasing).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime

from argento.errors import SpecError

log = logging.getLogger(__name__)

MAX_LENGTH = 63
_PART = re.compile(r"^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$")
_AUTO = re.compile(r"^(\d{8}-\d{6})-([0-9a-f]{4})$")

#: The version reference that always means "newest by creation"; never a version or an alias.
LATEST = "latest"


def _normalise(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"model {what} must be a string, not {type(value).__name__}")
    lowered = value.strip().lower()
    if lowered != value.strip():
        log.warning("Converting model %s %r to lowercase: %r", what, value, lowered)
    if not lowered:
        raise SpecError(f"model {what} must not be empty")
    if len(lowered) > MAX_LENGTH:
        raise SpecError(f"model {what} {value!r} is longer than {MAX_LENGTH} characters")
    if not _PART.match(lowered):
        raise SpecError(
            f"model {what} {value!r} is invalid: use lowercase letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    return lowered


def validate_name(name: object) -> str:
    """Return the normalised model name or raise :class:`SpecError`."""
    return _normalise(name, "name")


def validate_version(version: object) -> str:
    """Return the normalised version (custom or auto) or raise :class:`SpecError`.

    ``latest`` is reserved: it always means the newest version.
    """
    value = _normalise(version, "version")
    if value == LATEST:
        raise SpecError("model version 'latest' is reserved: it always means the newest version")
    return value


def validate_alias(alias: object) -> str:
    """Return the normalised alias or raise :class:`SpecError`.

    An alias may not be ``latest`` nor have the shape of an auto version, so that an alias can never be
    mistaken for a version the store makes later (the store also refuses aliases equal to existing versions).
    """
    value = _normalise(alias, "alias")
    if value == LATEST:
        raise SpecError("'latest' is not an alias: it always means the newest version")
    if is_auto_version(value):
        raise SpecError(f"alias {value!r} looks like an auto version; choose a name such as 'production'")
    return value


def validate_reference(ref: object) -> str:
    """Return the normalised version part of a tag: a version, an alias, or ``latest``."""
    return _normalise(ref, "version")


def is_auto_version(version: str) -> bool:
    """Whether ``version`` has the shape of a version the store generated."""
    return _AUTO.match(version) is not None


def new_version(now: datetime | None = None, after: str | None = None) -> str:
    """Make an auto version for ``now`` (UTC), strictly greater than ``after`` when both share a second."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    suffix = (now.microsecond * 256 // 1_000_000) << 8 | secrets.randbelow(256)
    if after is not None:
        match = _AUTO.match(after)
        if match and match.group(1) == stamp:
            suffix = max(suffix, int(match.group(2), 16) + 1)
        elif match and match.group(1) > stamp:  # the clock went back: stay after the newest version
            stamp, suffix = match.group(1), int(match.group(2), 16) + 1
    if suffix > 0xFFFF:  # 65,536 saves of one model in one second: move into the next second's name
        raise SpecError("too many versions of one model in one second; retry")
    return f"{stamp}-{suffix:04x}"


def newest_auto_version(versions: list[str] | set[str]) -> str | None:
    """The greatest auto version among ``versions`` (custom versions are ignored)."""
    autos = [v for v in versions if is_auto_version(v)]
    return max(autos) if autos else None
