"""Go's ``time.Time`` and ``time.Duration`` as expr and sprig see them.

expr's ``now()``, ``date()`` and ``duration()`` return Go values whose methods expressions call
(``now().Year()``, ``(now() - t).Seconds()``), and sprig's ``date`` formats with Go reference layouts
(``"2006-01-02"``). This module gives those values the same methods, arithmetic and printing, on top of
aware `datetime` objects (microsecond precision; Go's year 0 is clamped to year 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import MappingProxyType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argento.durations import go_duration_ns


class GoDuration:
    """A ``time.Duration``: a signed count of nanoseconds."""

    __slots__ = ("ns",)
    methods: ClassVar[Mapping[str, Callable[..., Any]]]

    def __init__(self, ns: int) -> None:
        self.ns = int(ns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoDuration) and other.ns == self.ns

    def __hash__(self) -> int:
        return hash(("GoDuration", self.ns))

    def __repr__(self) -> str:
        return f"GoDuration({self.string()!r})"

    def string(self) -> str:
        """Go's ``Duration.String``: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
        d = self.ns
        if d == 0:
            return "0s"
        sign, u = ("-" if d < 0 else ""), abs(d)
        if u < 10**9:
            for unit, size in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
                if u < size * 1000:
                    return sign + _frac(u, size) + unit
        hours, rest = divmod(u, 3600 * 10**9)
        minutes, rest = divmod(rest, 60 * 10**9)
        seconds = _frac(rest, 10**9) + "s"
        if hours:
            return f"{sign}{hours}h{minutes}m{seconds}"
        if minutes:
            return f"{sign}{minutes}m{seconds}"
        return sign + seconds

    def timedelta(self) -> timedelta:
        return timedelta(microseconds=self.ns // 1000)


def _frac(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    width = len(str(unit)) - 1
    return f"{whole}.{str(rest).rjust(width, '0').rstrip('0')}"


def parse_duration(text: str) -> GoDuration:
    """Go's ``time.ParseDuration`` (``"1h30m"``, ``"-1.5s"``, ``"300ms"``)."""
    return GoDuration(go_duration_ns(text))


class GoTime:
    """A ``time.Time``: an aware `datetime`."""

    __slots__ = ("dt",)
    methods: ClassVar[Mapping[str, Callable[..., Any]]]

    def __init__(self, dt: datetime) -> None:
        self.dt = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoTime) and other.dt == self.dt

    def __hash__(self) -> int:
        return hash(self.dt)

    def __repr__(self) -> str:
        return f"GoTime({self.string()!r})"

    def string(self) -> str:
        """Go's ``Time.String``: ``2006-01-02 15:04:05.999999999 -0700 MST``."""
        return format_time(self.dt, "2006-01-02 15:04:05.999999999 -0700 MST")


def _time_methods() -> dict[str, Callable[..., Any]]:
    def sub(t: GoTime, other: GoTime) -> GoDuration:
        delta = t.dt - other.dt
        return GoDuration((delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000)

    return {
        "Year": lambda t: t.dt.year,
        "Month": lambda t: t.dt.month,
        "Day": lambda t: t.dt.day,
        "Hour": lambda t: t.dt.hour,
        "Minute": lambda t: t.dt.minute,
        "Second": lambda t: t.dt.second,
        "Nanosecond": lambda t: t.dt.microsecond * 1000,
        "Weekday": lambda t: (t.dt.weekday() + 1) % 7,  # Go: Sunday == 0
        "YearDay": lambda t: t.dt.timetuple().tm_yday,
        "Unix": lambda t: int(t.dt.timestamp() // 1),
        "UnixMilli": lambda t: int(t.dt.timestamp() * 1000 // 1),
        "UnixNano": lambda t: int(t.dt.timestamp() // 1) * 10**9 + t.dt.microsecond * 1000,
        "Format": lambda t, layout: format_time(t.dt, layout),
        "String": lambda t: t.string(),
        "UTC": lambda t: GoTime(t.dt.astimezone(UTC)),
        "Local": lambda t: GoTime(t.dt.astimezone()),
        "In": lambda t, loc: GoTime(t.dt.astimezone(loc)),
        "Add": lambda t, d: GoTime(t.dt + d.timedelta()),
        "Sub": sub,
        "AddDate": lambda t, y, m, d: GoTime(_add_date(t.dt, y, m, d)),
        "Before": lambda t, o: t.dt < o.dt,
        "After": lambda t, o: t.dt > o.dt,
        "Equal": lambda t, o: t.dt == o.dt,
        "IsZero": lambda t: (
            t.dt.year == 1 and t.dt.month == 1 and t.dt.day == 1 and t.dt.time() == datetime.min.time()
        ),
    }


def _duration_methods() -> dict[str, Callable[..., Any]]:
    return {
        "Hours": lambda d: d.ns / (3600 * 10**9),
        "Minutes": lambda d: d.ns / (60 * 10**9),
        "Seconds": lambda d: d.ns / 10**9,
        "Milliseconds": lambda d: int(d.ns / 1_000_000),
        "Microseconds": lambda d: int(d.ns / 1_000),
        "Nanoseconds": lambda d: d.ns,
        "String": lambda d: d.string(),
        "Abs": lambda d: GoDuration(abs(d.ns)),
        "Truncate": lambda d, m: GoDuration(
            d.ns if m.ns <= 0 else d.ns - int(d.ns % m.ns if d.ns >= 0 else -(-d.ns % m.ns))
        ),
    }


# The methods expressions may call (`now().Year()`), read-only like everything shared between runs.
GoTime.methods = MappingProxyType(_time_methods())
GoDuration.methods = MappingProxyType(_duration_methods())


def _add_date(dt: datetime, years: int, months: int, days: int) -> datetime:
    # Go normalizes overflowing fields (Oct 31 + 1 month = Dec 1); do the same via day arithmetic.
    month_index = dt.month - 1 + months
    year = dt.year + years + month_index // 12
    month = month_index % 12 + 1
    first = dt.replace(year=year, month=month, day=1)
    return first + timedelta(days=dt.day - 1 + days)


#: The clock of ``now()`` (expr and sprig); ``None``: the wall clock. Set with :func:`clock_at`.
_NOW: ContextVar[datetime | None] = ContextVar("argento_expr_now", default=None)


def current_time() -> datetime:
    """What ``now()`` returns in this context, as an aware local datetime."""
    fixed = _NOW.get()
    return (fixed if fixed is not None else datetime.now()).astimezone()


@contextmanager
def clock_at(when: datetime) -> Iterator[None]:
    """Evaluate expressions as if it were ``when`` (a CronWorkflow's ``when`` under an injected clock)."""
    token = _NOW.set(when)
    try:
        yield
    finally:
        _NOW.reset(token)


def load_location(name: str) -> tzinfo:
    """Go's ``time.LoadLocation``: ``""``/``"UTC"`` → UTC, ``"Local"`` → the machine's zone."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name}") from None


# ------------------------------------------------------------------------------------- Go layouts

_LAYOUT_TOKENS = [
    "January", "Jan", "Monday", "Mon", "MST",
    "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
    "-07:00:00", "-070000", "-07:00", "-0700", "-07",
    "2006", "002", "__2", "_2", "01", "02", "03", "04", "05", "06", "15",
    "1", "2", "3", "4", "5", "PM", "pm",
]  # fmt: skip
_FRACTION = re.compile(r"[.,](0+|9+)(?!\d)")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _layout_chunks(layout: str) -> list[tuple[str, str]]:
    """Split a Go layout into ``("std", token)`` and ``("lit", text)`` chunks."""
    chunks: list[tuple[str, str]] = []
    i = 0
    while i < len(layout):
        frac = _FRACTION.match(layout, i)
        if frac and i > 0 and layout[i - 1].isdigit():
            chunks.append(("std", layout[i : frac.end()]))
            i = frac.end()
            continue
        for tok in _LAYOUT_TOKENS:
            if layout.startswith(tok, i):
                # "Mon" must not match inside "Month"-like words Go does not treat as tokens.
                if tok in ("Jan", "Mon") and layout[i + len(tok) : i + len(tok) + 1].islower():
                    continue
                chunks.append(("std", tok))
                i += len(tok)
                break
        else:
            chunks.append(("lit", layout[i]))
            i += 1
    return chunks


def _offset(dt: datetime, sep: str, seconds: bool, z: bool) -> str:
    off = dt.utcoffset() or timedelta(0)
    if z and off == timedelta(0):
        return "Z"
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    h, m, s = total // 3600, total // 60 % 60, total % 60
    text = f"{sign}{h:02d}"
    if sep is not None:
        text += f"{sep}{m:02d}"
    if seconds:
        text += f"{sep}{s:02d}"
    return text


def _zone_name(dt: datetime) -> str:
    name = dt.tzname() or ""
    if not name or name.startswith(("UTC+", "UTC-")) or name[0] in "+-":
        return _offset(dt, "", False, False) + ("00" if len(_offset(dt, "", False, False)) == 3 else "")
    return name


def format_time(dt: datetime, layout: str) -> str:
    """Go's ``Time.Format`` for the common layout elements."""
    out: list[str] = []
    for kind, tok in _layout_chunks(layout):
        if kind == "lit":
            out.append(tok)
            continue
        hour12 = dt.hour % 12 or 12
        simple = {
            "January": _MONTHS[dt.month - 1], "Jan": _MONTHS[dt.month - 1][:3],
            "Monday": _DAYS[dt.weekday()], "Mon": _DAYS[dt.weekday()][:3], "MST": _zone_name(dt),
            "2006": f"{dt.year:04d}", "06": f"{dt.year % 100:02d}", "01": f"{dt.month:02d}", "1": str(dt.month),
            "02": f"{dt.day:02d}", "2": str(dt.day), "_2": f"{dt.day:>2}",
            "002": f"{dt.timetuple().tm_yday:03d}", "__2": f"{dt.timetuple().tm_yday:>3}",
            "15": f"{dt.hour:02d}", "03": f"{hour12:02d}", "3": str(hour12),
            "04": f"{dt.minute:02d}", "4": str(dt.minute), "05": f"{dt.second:02d}", "5": str(dt.second),
            "PM": "PM" if dt.hour >= 12 else "AM", "pm": "pm" if dt.hour >= 12 else "am",
            "-0700": _offset(dt, "", False, False), "-07:00": _offset(dt, ":", False, False),
            "-07": _offset(dt, None, False, False), "-070000": _offset(dt, "", True, False),  # type: ignore[arg-type]
            "-07:00:00": _offset(dt, ":", True, False), "Z0700": _offset(dt, "", False, True),
            "Z07:00": _offset(dt, ":", False, True), "Z07": _offset(dt, None, False, True),  # type: ignore[arg-type]
            "Z070000": _offset(dt, "", True, True), "Z07:00:00": _offset(dt, ":", True, True),
        }  # fmt: skip
        if tok in simple:
            out.append(simple[tok])
        else:  # fractional seconds: ".000" fixed width, ".999" trimmed
            digits = f"{dt.microsecond * 1000:09d}"[: len(tok) - 1]
            if tok[1] == "9":
                digits = digits.rstrip("0")
                out.append(tok[0] + digits if digits else "")
            else:
                out.append(tok[0] + digits)
    return "".join(out)


_PARSE_PATTERNS = {
    "January": r"(?P<month_name>[A-Za-z]+)", "Jan": r"(?P<month_abbr>[A-Za-z]{3})",
    "Monday": r"[A-Za-z]+", "Mon": r"[A-Za-z]{3}", "MST": r"(?P<zone>[A-Z]{3,5}|[+-]\d{4})",
    "2006": r"(?P<year>\d{4})", "06": r"(?P<year2>\d{2})", "01": r"(?P<month>\d{2})", "1": r"(?P<month>\d{1,2})",
    "02": r"(?P<day>\d{2})", "2": r"(?P<day>\d{1,2})", "_2": r" ?(?P<day>\d{1,2})",
    "002": r"(?P<yday>\d{3})", "__2": r" {0,2}(?P<yday>\d{1,3})",
    "15": r"(?P<hour>\d{2})", "03": r"(?P<hour12>\d{2})", "3": r"(?P<hour12>\d{1,2})",
    "04": r"(?P<minute>\d{2})", "4": r"(?P<minute>\d{1,2})", "05": r"(?P<second>\d{2})", "5": r"(?P<second>\d{1,2})",
    "PM": r"(?P<ampm>AM|PM)", "pm": r"(?P<ampm>am|pm)",
}  # fmt: skip


def parse_time(layout: str, value: str, loc: tzinfo | None = None) -> GoTime:
    """Go's ``time.Parse``/``ParseInLocation`` for the common layout elements."""
    pattern: list[str] = []
    for kind, tok in _layout_chunks(layout):
        if kind == "lit":
            pattern.append(re.escape(tok))
        elif tok in _PARSE_PATTERNS:
            pattern.append(_PARSE_PATTERNS[tok])
        elif tok.startswith(("Z", "-")):
            pattern.append(r"(?P<offset>Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)")
        else:
            pattern.append(
                r"(?:[.,](?P<frac>\d+))?" if tok[1] == "9" else rf"[.,](?P<frac>\d{{{len(tok) - 1}}})"
            )
    # Go accepts fractional seconds after seconds even when the layout has none.
    regex = "".join(pattern).replace(r"(?P<second>\d{2})", r"(?P<second>\d{2})(?:[.,](?P<frac2>\d+))?", 1)
    try:
        m = re.fullmatch(regex, value)
    except re.error:
        m = None
    if not m:
        raise ValueError(f'parsing time "{value}" as "{layout}": cannot parse')
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    if "year" in g:
        year = int(g["year"])
    elif "year2" in g:  # Go: two-digit years 69-99 are 19xx, 00-68 are 20xx
        year = int(g["year2"]) + (1900 if int(g["year2"]) >= 69 else 2000)
    else:
        year = 1  # Go's zero year is 0; Python's first is 1
    if "month_name" in g or "month_abbr" in g:
        name = g.get("month_name") or g["month_abbr"]
        matches = [i for i, mn in enumerate(_MONTHS) if mn == name or mn[:3] == name]
        if not matches:
            raise ValueError(f'parsing time "{value}": month out of range')
        month = matches[0] + 1
    else:
        month = int(g.get("month", "1"))
    hour = int(g.get("hour", "0"))
    if "hour12" in g:
        hour = int(g["hour12"]) % 12 + (12 if g.get("ampm", "").lower() == "pm" else 0)
    frac = g.get("frac") or g.get("frac2") or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    tz: tzinfo = loc or UTC
    if "offset" in g:
        tz = _parse_offset(g["offset"])
    elif g.get("zone") and g["zone"] != "UTC" and g["zone"][0] in "+-":
        tz = _parse_offset(g["zone"])
    try:
        dt = datetime(year, month, int(g.get("day", "1")), hour, int(g.get("minute", "0")),
                      int(g.get("second", "0")), micro, tzinfo=tz)  # fmt: skip
        if "yday" in g:
            dt = dt.replace(month=1, day=1) + timedelta(days=int(g["yday"]) - 1)
    except ValueError as e:
        raise ValueError(f'parsing time "{value}": {e}') from None
    return GoTime(dt)


def _parse_offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    h, m, s = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    delta = timedelta(hours=h, minutes=m, seconds=s)
    return timezone(-delta if text[0] == "-" else delta)


RFC3339 = "2006-01-02T15:04:05Z07:00"
DEFAULT_DATE_LAYOUTS = ("2006-01-02", "15:04:05", "2006-01-02 15:04:05", RFC3339,
                        "02 Jan 06 15:04 MST", "Monday, 02-Jan-06 15:04:05 MST",
                        "Mon, 02 Jan 2006 15:04:05 MST")  # fmt: skip
