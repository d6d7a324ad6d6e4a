"""Go-style durations (``"1m30s"``, ``"2h"``, ``"500ms"``) as Argo parses them, and humanized output."""

from __future__ import annotations

import re

from argento.errors import SpecError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)")


def parse_duration(text: str | int | float | None, *, field: str = "duration") -> float:
    """Seconds in a Go duration string; a bare number means seconds (as Argo's ``parseStringToDuration``)."""
    if text is None or text == "":
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    s = text.strip()
    try:
        return float(s)
    except ValueError:
        pass
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    pos = 0
    total = 0.0
    for match in _PART.finditer(s):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(s) or not s:
        raise SpecError(f"invalid {field} {text!r}: expected a number of seconds or a Go duration like 1m30s")
    return sign * total


def humanize(seconds: float) -> str:
    """Argo's humanized durations in messages ("Backoff for 2 seconds")."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        out = f"{minutes} minute{'s' if minutes != 1 else ''}"
        return out + (f" {sec} second{'s' if sec != 1 else ''}" if sec else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hour{'s' if hours != 1 else ''}" + (
        f" {minutes} minute{'s' if minutes != 1 else ''}" if minutes else ""
    )
