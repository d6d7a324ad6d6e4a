"""Dates in quoted ``when`` strings: govaluate's ``tryParseTime`` with Go's ``time.Parse`` layouts.

govaluate turns a quoted string that parses as a date/time (``'2021-01-01'``, ``'3:04PM'``, RFC 3339 …) into
a TIME token whose value is its Unix second, compared as a number. Argo's controller runs in UTC, so
``time.Local`` is taken as UTC here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["GoTime", "try_parse_time"]


@dataclass(frozen=True, slots=True)
class GoTime:
    unix: int
    text: str  # time.Time.String(), for error messages

    def __str__(self) -> str:
        return self.text


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_DATE = ("2006", "-", "01", "-", "02")
# tryParseTime's layouts in its order, as (layout element, ...) with Go's std chunks spelled as in Go.
_LAYOUTS: tuple[tuple[str, ...], ...] = (
    ("Mon", " ", "Jan", " ", "_2", " ", "15", ":", "04", ":", "05", " ", "2006"),  # ANSIC
    ("Mon", " ", "Jan", " ", "_2", " ", "15", ":", "04", ":", "05", " ", "MST", " ", "2006"),  # UnixDate
    ("Mon", " ", "Jan", " ", "02", " ", "15", ":", "04", ":", "05", " ", "-0700", " ", "2006"),  # RubyDate
    ("3", ":", "04", "PM"),  # Kitchen
    (*_DATE, "T", "15", ":", "04", ":", "05", "Z07:00"),  # RFC3339
    (*_DATE, "T", "15", ":", "04", ":", "05", ".999999999", "Z07:00"),  # RFC3339Nano
    _DATE,
    (*_DATE, " ", "15", ":", "04"),
    (*_DATE, " ", "15", ":", "04", ":", "05"),
    (*_DATE, " ", "15", ":", "04", ":", "05", "-07:00"),
    (*_DATE, "T", "15", "Z0700"),
    (*_DATE, "T", "15", ":", "04", "Z0700"),
    (*_DATE, "T", "15", ":", "04", ":", "05", "Z0700"),
    (*_DATE, "T", "15", ":", "04", ":", "05", ".999999999", "Z0700"),
)
_STD = frozenset({"Mon", "Jan", "_2", "02", "01", "15", "3", "04", "05", "2006", "MST", "-0700", "-07:00", "Z07:00", "Z0700", ".999999999", "PM"})  # fmt: skip


class _BadTime(Exception):
    pass


def _getnum(value: str, fixed: bool) -> tuple[int, str]:
    if not value[:1].isascii() or not value[:1].isdigit():
        raise _BadTime
    if len(value) < 2 or not value[1].isascii() or not value[1].isdigit():
        if fixed:
            raise _BadTime
        return int(value[0]), value[1:]
    return int(value[:2]), value[2:]


def _skip(value: str, literal: str) -> str:
    while literal:
        if literal[0] == " ":
            if value and value[0] != " ":
                raise _BadTime
            literal, value = literal.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != literal[0]:
            raise _BadTime
        literal, value = literal[1:], value[1:]
    return value


def _lookup(names: tuple[str, ...], value: str) -> tuple[int, str]:
    for index, name in enumerate(names):
        if value[: len(name)].lower() == name.lower() and value[: len(name)].isascii():
            return index, value[len(name) :]
    raise _BadTime


def _signed_offset_length(value: str) -> int:
    # time.parseSignedOffset: "+3", "-07"; at most 12 hours
    match = re.match(r"[+-]([0-9]+)", value)
    return match.end() if match and int(match.group(1)) <= 12 else 0


def _zone_name_length(value: str) -> int:
    """time.parseTimeZone: how long the zone abbreviation at the start of ``value`` is."""
    if len(value) < 3:
        raise _BadTime
    if value[:4] in ("ChST", "MeST"):
        return 4
    if value[:3] == "GMT":
        return 3 + _signed_offset_length(value[3:])
    if value[0] in "+-":
        length = _signed_offset_length(value)
        if length:
            return length
        raise _BadTime
    upper = len(re.match(r"[A-Z]{0,6}", value).group())  # type: ignore[union-attr]
    if (
        upper == 3
        or (upper == 4 and (value[3] == "T" or value[:4] == "WITA"))
        or (upper == 5 and value[4] == "T")
    ):
        return upper
    raise _BadTime


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _parse_layout(value: str, layout: tuple[str, ...]) -> GoTime:
    year, month, day, hour, minute, second = 0, -1, -1, 0, 0, 0
    pm = am = False
    offset: int | None = None
    zone = ""
    for index, elem in enumerate(layout):
        if elem not in _STD:
            value = _skip(value, elem)
            continue
        if elem == "2006":
            if len(value) < 4 or not re.fullmatch(r"[+-]?[0-9]+", value[:4]):
                raise _BadTime
            year, value = int(value[:4]), value[4:]
        elif elem == "01":
            month, value = _getnum(value, True)
            if not 1 <= month <= 12:
                raise _BadTime
        elif elem == "Jan":
            month, value = _lookup(_MONTHS, value)
            month += 1
        elif elem == "Mon":
            _, value = _lookup(_DAYS, value)
        elif elem in ("02", "_2"):
            if elem == "_2" and value[:1] == " ":
                value = value[1:]
            day, value = _getnum(value, elem == "02")
        elif elem in ("15", "3"):
            hour, value = _getnum(value, False)
            if hour > (23 if elem == "15" else 12):
                raise _BadTime
        elif elem == "04":
            minute, value = _getnum(value, True)
            if minute > 59:
                raise _BadTime
        elif elem == "05":
            second, value = _getnum(value, True)
            if second > 59:
                raise _BadTime
            # A fraction the layout does not spell is accepted after seconds.
            following = layout[index + 1] if index + 1 < len(layout) else ""
            if following != ".999999999" and re.match(r"[.,][0-9]", value):
                value = re.sub(r"^[.,][0-9]+", "", value)
        elif elem == ".999999999":
            if re.match(r"[.,][0-9]", value):
                value = re.sub(r"^[.,][0-9]+", "", value)
        elif elem == "PM":
            if value[:2] == "PM":
                pm = True
            elif value[:2] == "AM":
                am = True
            else:
                raise _BadTime
            value = value[2:]
        elif elem == "MST":
            length = 3 if value[:3] == "UTC" else _zone_name_length(value)
            zone, value = value[:length], value[length:]
        else:  # numeric zones: -0700, -07:00, Z07:00, Z0700
            if elem.startswith("Z") and value[:1] == "Z":
                offset, value = 0, value[1:]
                continue
            colon = elem.endswith(":00")
            width = 6 if colon else 5
            if len(value) < width or (colon and value[3] != ":"):
                raise _BadTime
            sign, hours, minutes = value[0], value[1:3], value[4:6] if colon else value[3:5]
            value = value[width:]
            hh, _ = _getnum(hours, True)
            mm, _ = _getnum(minutes, True)
            if hh > 24 or mm > 60 or sign not in "+-":
                raise _BadTime
            offset = (hh * 60 + mm) * 60 * (-1 if sign == "-" else 1)
    if value:
        raise _BadTime  # extra text
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    month = 1 if month < 0 else month
    day = 1 if day < 0 else day
    if not 1 <= day <= _days_in(month, year):
        raise _BadTime
    # A zone abbreviation does not move the instant (Go records it with the parsed wall clock).
    local = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    unix = local - (offset or 0)
    return GoTime(unix, _time_text(unix, offset or 0, zone))


def _time_text(unix: int, offset: int, zone: str) -> str:
    days, secs = divmod(unix + offset, 86400)
    year, month, day = _civil_from_days(days)
    sign = "-" if offset < 0 else "+"
    numeric = f"{sign}{abs(offset) // 3600:02d}{abs(offset) // 60 % 60:02d}"
    name = zone or ("UTC" if offset == 0 else numeric)
    return f"{year:04d}-{month:02d}-{day:02d} {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d} {numeric} {name}"


@lru_cache(maxsize=4096)
def try_parse_time(text: str) -> GoTime | None:
    for layout in _LAYOUTS:
        try:
            return _parse_layout(text, layout)
        except (_BadTime, IndexError, ValueError):
            continue
    return None
