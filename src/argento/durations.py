"""Go durations (``time.ParseDuration``: ``"1h30m"``, ``"-1.5s"``, ``"300ms"``): the one parser.

:func:`go_duration_ns` is Go's algorithm and messages, in integer nanoseconds (expr's ``duration()``).
:func:`parse_duration` is how Argo reads a duration field (``parseStringToDuration``): a bare number is
seconds, else a Go duration (Argento also takes ``d`` for days); the engine, cron's ``@every`` and the CLI's
``--since``/``--older`` use it.
"""

from __future__ import annotations

import re

from argento.errors import SpecError

#: Go's units, in nanoseconds (``µs`` is U+00B5, ``μs`` U+03BC: Go takes both).
GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_WITH_DAYS = {**GO_UNITS, "d": 86400 * 10**9}
_PART = re.compile(r"(\d*)(?:\.(\d*))?([a-zµμ]+)")


def go_duration_ns(text: str, *, days: bool = False) -> int:
    """Go's ``time.ParseDuration`` in nanoseconds (``days``: ``d`` is a unit too); ``ValueError`` with Go's
    message (``time: invalid duration "x"``)."""
    units = _WITH_DAYS if days else GO_UNITS
    s = text
    sign = 1
    if s and s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    total, pos = 0, 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m or (not m.group(1) and not m.group(2)):
            raise ValueError(f'time: invalid duration "{text}"')
        unit = m.group(3)
        if unit not in units:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{text}"')
        whole = int(m.group(1) or "0")
        frac = m.group(2) or ""
        total += whole * units[unit] + (int(frac) * units[unit] // 10 ** len(frac) if frac else 0)
        pos = m.end()
    return sign * total


def parse_duration(text: str | int | float | None, *, field: str = "duration") -> float:
    """Seconds in a duration field: a bare number means seconds (Argo's ``parseStringToDuration``), else a Go
    duration (``d`` allowed); ``None`` or ``""`` is 0. A :class:`SpecError` naming ``field`` otherwise."""
    if text is None or text == "":
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        pass
    try:
        return go_duration_ns(s, days=True) / 1e9
    except ValueError:
        raise SpecError(
            f"invalid {field} {text!r}: expected a number of seconds or a Go duration like 1m30s"
        ) from None


__all__ = ["GO_UNITS", "go_duration_ns", "parse_duration"]
