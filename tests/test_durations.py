"""argento.durations: the one Go-duration parser (engine fields, expr's duration(), cron's @every, the CLI)."""

from __future__ import annotations

import pytest

from argento.cli.remote import parse_duration as cli_duration
from argento.durations import go_duration_ns, parse_duration
from argento.errors import SpecError
from argento.expr.lang.gotime import parse_duration as expr_duration


@pytest.mark.parametrize(
    ("text", "ns"),
    [("0", 0), ("1h30m", 5400 * 10**9), ("-1.5s", -1_500_000_000), ("300ms", 300_000_000), (".5us", 500)],
)
def test_go_parse_duration(text: str, ns: int) -> None:
    assert go_duration_ns(text) == ns
    assert expr_duration(text).ns == ns


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("1m30", 'time: invalid duration "1m30"'),
        ("2d", 'unknown unit "d"'),
    ],
)
def test_go_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        go_duration_ns(text)


def test_fields_take_seconds_and_days() -> None:
    assert parse_duration("90") == 90.0
    assert parse_duration("2d") == 172800.0
    assert parse_duration(None) == 0.0
    assert parse_duration(" 1m30s ") == 90.0
    with pytest.raises(SpecError, match="invalid timeout '1m30'"):
        parse_duration("1m30", field="timeout")


def test_the_cli_refuses_empty_and_negative_durations() -> None:
    assert cli_duration("1h30m") == 5400.0
    for text in ("", "-5m", "soon"):
        with pytest.raises(SpecError, match=r"use e\.g\. 30s"):
            cli_duration(text)
