"""Durations in the engine: the parser is :mod:`argento.durations` (one for everything); Argo's humanized
output is here."""

from __future__ import annotations

from argento.durations import parse_duration


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


__all__ = ["humanize", "parse_duration"]
