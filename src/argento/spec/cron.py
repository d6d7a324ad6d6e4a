"""Cron schedules as Argo reads them (robfig/cron's standard parser): five fields, ``@descriptors``,
``@every <duration>``, month and weekday names, and a ``CRON_TZ=``/``TZ=`` prefix.

``Schedule.next(t)`` is the first activation strictly after ``t``, computed in the schedule's time zone the
way robfig does (day-of-month and day-of-week are OR-ed when both are restricted).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from argento.errors import SpecError

_BOUNDS = {"minute": (0, 59), "hour": (0, 23), "dom": (1, 31), "month": (1, 12), "dow": (0, 6)}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
#: robfig/cron's descriptors, as five fields.
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def _zone(name: str, path: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SpecError(f"invalid timezone {name!r}", path=path) from None


def _field(text: str, kind: str, path: str) -> tuple[frozenset[int], bool]:
    lo, hi = _BOUNDS[kind]
    names = _MONTHS if kind == "month" else _DAYS if kind == "dow" else {}
    values: set[int] = set()
    star = False
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise SpecError(f"bad step {step_text!r} in {text!r}", path=path)
            step = int(step_text)

        def num(token: str) -> int:
            token = token.lower()
            if token in names:
                return names[token]
            if not token.isdigit():
                raise SpecError(f"failed to parse {token!r} in {text!r}", path=path)
            value = int(token)
            if kind == "dow" and value == 7:
                value = 0
            if not lo <= value <= hi:
                raise SpecError(f"{value} out of range [{lo}, {hi}] in {text!r}", path=path)
            return value

        if rng in ("*", "?"):
            start, end = lo, hi
            star = star or not step_text
        elif "-" in rng:
            a, b = rng.split("-", 1)
            start, end = num(a), num(b)
            if start > end:
                raise SpecError(f"beginning of range after end in {text!r}", path=path)
        else:
            start = num(rng)
            end = hi if step_text else start
        values.update(range(start, end + 1, step))
    return frozenset(values), star


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule."""

    minutes: frozenset[int]
    hours: frozenset[int]
    doms: frozenset[int]
    months: frozenset[int]
    dows: frozenset[int]
    dom_star: bool
    dow_star: bool
    zone: tzinfo
    every: timedelta | None = None

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.doms
        dow = (t.isoweekday() % 7) in self.dows
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next(self, after: datetime) -> datetime | None:
        """The first activation strictly after ``after`` (an aware datetime), or None within five years."""
        if self.every is not None:
            base = after.replace(microsecond=0)
            return base + self.every
        t = after.astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * 5)
        while t < limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            aware = t.replace(tzinfo=self.zone)
            if aware > after:
                return aware
            t += timedelta(minutes=1)
        return None

    def times_between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """Activations in ``(start, end]`` (at most ``limit``, the latest ones kept)."""
        out: list[datetime] = []
        t = self.next(start)
        while t is not None and t <= end:
            out.append(t)
            if len(out) > limit:
                out.pop(0)
            t = self.next(t)
        return out


def parse_schedule(text: str, timezone: str = "", path: str = "spec.schedules") -> Schedule:
    """Parse one schedule; ``timezone`` (``spec.timezone``) applies unless the text has its own prefix."""
    text = text.strip()
    zone_name = timezone
    if text.startswith(("CRON_TZ=", "TZ=")):
        prefix, _, text = text.partition(" ")
        zone_name = prefix.split("=", 1)[1]
        text = text.strip()
    zone = _zone(zone_name, "spec.timezone") if zone_name else _zone("UTC", path)
    if text.startswith("@every"):
        from argento.durations import parse_duration

        seconds = parse_duration(text[len("@every") :].strip(), field=path)
        if seconds <= 0:
            raise SpecError(f"@every needs a positive duration, got {text!r}", path=path)
        every = timedelta(seconds=max(1, int(seconds)))
        empty: frozenset[int] = frozenset()
        return Schedule(empty, empty, empty, empty, empty, True, True, zone, every)
    text = DESCRIPTORS.get(text.lower(), text)
    if text.startswith("@"):
        raise SpecError(f"unrecognized descriptor: {text}", path=path)
    parts = text.split()
    if len(parts) != 5:
        raise SpecError(f"expected exactly 5 fields, found {len(parts)}: {text!r}", path=path)
    minutes, _ = _field(parts[0], "minute", path)
    hours, _ = _field(parts[1], "hour", path)
    doms, dom_star = _field(parts[2], "dom", path)
    months, _ = _field(parts[3], "month", path)
    dows, dow_star = _field(parts[4], "dow", path)
    return Schedule(minutes, hours, doms, months, dows, dom_star, dow_star, zone)


__all__ = ["DESCRIPTORS", "Schedule", "parse_schedule"]
