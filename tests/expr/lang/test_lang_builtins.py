"""expr's builtin functions, predicates included."""

from __future__ import annotations

import re
from typing import Any

import pytest

from argento.errors import ExpressionError
from argento.expr.lang import GoDuration, GoTime, clock_at, evaluate

USERS = [
    {"name": "ann", "age": 31, "admin": True},
    {"name": "bob", "age": 17, "admin": False},
    {"name": "cy", "age": 45, "admin": False},
]


def ev(source: str, **env: Any) -> Any:
    return evaluate(source, {"users": USERS, **env})


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("len('héllo')", 5),
        ("len([1, 2])", 2),
        ("len({a: 1})", 1),
        ("abs(-5)", 5),
        ("abs(-2.5)", 2.5),
        ("ceil(1.2)", 2.0),
        ("floor(-1.2)", -2.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(2.4)", 2.0),
        ("ceil(3)", 3.0),
        ("int('42')", 42),
        ("int('-7')", -7),
        ("int(3.99)", 3),
        ("int(-3.99)", -3),
        ("float('1.5')", 1.5),
        ("float(2)", 2.0),
        ("string(42)", "42"),
        ("string(1.5)", "1.5"),
        ("string(1e6)", "1e+06"),
        ("string(nil)", "<nil>"),
        ("string([1, 'a', true])", "[1 a true]"),
        ("string({b: 1, a: 'x'})", "map[a:x b:1]"),
        ("type(1)", "int"),
        ("type(1.0)", "float"),
        ("type('')", "string"),
        ("type(nil)", "nil"),
        ("type([])", "array"),
        ("type({})", "map"),
        ("type(true)", "bool"),
        ("type(now())", "time.Time"),
        ("max(1, 5, 3)", 5),
        ("max([1, 2.5])", 2.5),
        ("min(4, 2, 8)", 2),
        ("max([])", None),
        ("mean([1, 2, 3, 4])", 2.5),
        ("mean([])", 0.0),
        ("median([3, 1, 2])", 2.0),
        ("median([4, 1, 2, 3])", 2.5),
    ],
)
def test_number_and_conversion_builtins(source: str, value: Any) -> None:
    result = ev(source)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("trim('  hi  ')", "hi"),
        ("trim('__hi__', '_')", "hi"),
        ("trimPrefix('HelloWorld', 'Hello')", "World"),
        ("trimSuffix('HelloWorld', 'World')", "Hello"),
        ("trimPrefix(' x')", "x"),
        ("upper('abc')", "ABC"),
        ("lower('ABC')", "abc"),
        ("split('a,b,c', ',')", ["a", "b", "c"]),
        ("split('a,b,c', ',', 2)", ["a", "b,c"]),
        ("split('abc', '')", ["a", "b", "c"]),
        ("split('a,b', ',', 0)", []),
        ("splitAfter('a,b,c', ',')", ["a,", "b,", "c"]),
        ("splitAfter('a,b,c', ',', 2)", ["a,", "b,c"]),
        ("replace('aaa', 'a', 'b')", "bbb"),
        ("replace('aaa', 'a', 'b', 2)", "bba"),
        ("repeat('ab', 3)", "ababab"),
        ("join(['a', 'b'], '-')", "a-b"),
        ("join(['a', 'b'])", "ab"),
        ("indexOf('apple pie', 'pie')", 6),
        ("lastIndexOf('apple pie apple', 'apple')", 10),
        ("indexOf('abc', 'z')", -1),
        ("hasPrefix('HelloWorld', 'Hello')", True),
        ("hasSuffix('HelloWorld', 'World')", True),
        ("toBase64('Hello World')", "SGVsbG8gV29ybGQ="),
        ("fromBase64('SGVsbG8gV29ybGQ=')", "Hello World"),
        ('fromJSON(\'{"a": [1, "x", null, true]}\')', {"a": [1.0, "x", None, True]}),
        ("toJSON([1, 'a'])", '[\n  1,\n  "a"\n]'),
        ("toJSON({b: {}, a: []})", '{\n  "a": [],\n  "b": {}\n}'),
    ],
)
def test_string_and_json_builtins(source: str, value: Any) -> None:
    assert ev(source) == value


def test_from_json_numbers_are_floats_like_go() -> None:
    assert type(ev("fromJSON('3')")) is float


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("first([1, 2])", 1),
        ("last([1, 2])", 2),
        ("first([])", None),
        ("last(nil)", None),
        ("get([1, 2], 1)", 2),
        ("get([1, 2], 5)", None),
        ("get({a: 1}, 'a')", 1),
        ("get({a: 1}, 'b')", None),
        ("get(nil, 'b')", None),
        ("take([1, 2, 3], 2)", [1, 2]),
        ("take([1], 5)", [1]),
        ("keys({a: 1, b: 2})", ["a", "b"]),
        ("values({a: 1, b: 2})", [1, 2]),
        ("toPairs({a: 1})", [["a", 1]]),
        ("fromPairs([['a', 1], ['b', 2]])", {"a": 1, "b": 2}),
        ("reverse([1, 2, 3])", [3, 2, 1]),
        ("uniq([1, 2, 1, 1.0, 'a', 'a'])", [1, 2, "a"]),
        ("concat([1], [2, 3], [])", [1, 2, 3]),
        ("flatten([1, [2, [3, 4]], []])", [1, 2, 3, 4]),
        ("sort([3, 1, 2])", [1, 2, 3]),
        ("sort([3, 1, 2], 'desc')", [3, 2, 1]),
        ("sort(['b', 'a'])", ["a", "b"]),
        ("bitand(0b1010, 0b1100)", 0b1000),
        ("bitor(0b1010, 0b1100)", 0b1110),
        ("bitxor(0b1010, 0b1100)", 0b110),
        ("bitnand(0b1010, 0b1100)", 0b10),
        ("bitnot(0b1010)", -0b1011),
        ("bitshl(0b101101, 2)", 0b10110100),
        ("bitshr(0b101101, 2)", 0b1011),
        ("bitushr(-0b101, 2)", 4611686018427387902),
    ],
)
def test_collection_builtins(source: str, value: Any) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("all(users, .age > 10)", True),
        ("all([], false)", True),
        ("any(users, .admin)", True),
        ("any([], true)", False),
        ("none(users, .age > 50)", True),
        ("one(users, .admin)", True),
        ("one(users, .age > 20)", False),
        ("map(users, .name)", ["ann", "bob", "cy"]),
        ("map(users, #.name + string(#index))", ["ann0", "bob1", "cy2"]),
        ("filter(users, .age >= 18) | map(.name)", ["ann", "cy"]),
        ("count(users, not .admin)", 2),
        ("count([true, false, true])", 2),
        ("sum([1, 2, 3])", 6),
        ("sum([1, 2.5])", 3.5),
        ("sum(users, .age)", 93),
        ("sum([])", 0),
        ("find(users, .age > 40).name", "cy"),
        ("find(users, .age > 99)", None),
        ("findIndex(users, .name == 'bob')", 1),
        ("findIndex(users, false)", -1),
        ("findLast([1, 2, 3, 4], # > 2)", 4),
        ("findLastIndex([1, 2, 3, 4], # > 2)", 3),
        ("groupBy(users, .admin)[false] | map(.name)", ["bob", "cy"]),
        ("sortBy(users, .age) | map(.name)", ["bob", "ann", "cy"]),
        ("sortBy(users, .age, 'desc') | map(.name)", ["cy", "ann", "bob"]),
        ("reduce(1..9, #acc + #)", 45),
        ("reduce(1..3, #acc + #, 10)", 16),
        ("reduce(['a', 'b'], #acc + # + string(#index), '')", "a0b1"),
        ("filter(0..9, {# % 2 == 0})", [0, 2, 4, 6, 8]),
        ("map([[1, 2], [3]], sum(#))", [3, 3]),
        ("map([1, 2], {let x = #; map([10, 20], # + x)})", [[11, 21], [12, 22]]),
        ("filter(['x.log', 'main.log'], {# endsWith 'main.log'})", ["main.log"]),
    ],
)
def test_predicates(source: str, value: Any) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("len(1)", "invalid argument for len (type int)"),
        ("len(nil)", "invalid argument for len (type <nil>)"),
        ("int('3.5')", 'cannot convert "3.5" to int'),
        ("int(' 3')", 'cannot convert " 3" to int'),
        ("int(nil)", "invalid operation: int(<nil>)"),
        ("float('x')", 'cannot convert "x" to float'),
        ("abs('x')", "invalid argument for abs (type string)"),
        ("join([1, 2], ',')", "invalid argument for join (element of type int)"),
        ("repeat('x', -1)", "expected positive integer"),
        ("keys([1])", "cannot get keys from []interface {}"),
        ("fromJSON('{')", "invalid JSON"),
        ("fromBase64('!!')", "illegal base64 data"),
        ("sort([1, 'a'])", "invalid operation: string < int"),
        ("sort([1], 'up')", "invalid order up, expected asc or desc"),
        ("filter(users, .age)", "the predicate of filter() must return a bool, not int"),
        ("filter(5, true)", "filter() expects an array, got int"),
        ("reduce([], #acc)", "reduce() of an empty array needs an initial value"),
        ("upper(1)", "upper: expected a string argument, got int"),
        ("duration('5 minutes')", 'time: invalid duration "5 minutes"'),
        ("date('not a date')", "invalid date not a date"),
    ],
)
def test_builtin_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        ev(source)


def test_pointer_state_is_restored_after_nested_predicates() -> None:
    assert ev("map([1, 2], {[#, map([10], #), #]})") == [[1, [10], 1], [2, [10], 2]]


def test_dates_and_durations() -> None:
    assert isinstance(ev("now()"), GoTime)
    assert ev("duration('1h30m').Minutes()") == 90.0
    assert ev("duration('1.5s') + duration('500ms') == duration('2s')") is True
    assert ev("string(duration('90m'))") == "1h30m0s"
    assert ev("date('2023-08-14').Year()") == 2023
    assert ev("date('2023-08-14T10:20:30Z').Hour()") == 10
    assert ev("date('2023-08-14 10:20:30').Minute()") == 20
    assert ev("date('14/08/2023', '02/01/2006').Month()") == 8
    assert (
        ev("date('2023-08-14 00:00:00', '2006-01-02 15:04:05', 'Europe/Zurich').Format('-07:00')") == "+02:00"
    )
    assert ev("(date('2023-08-15') - date('2023-08-14')).Hours()") == 24.0
    assert ev("date('2023-08-14') + duration('36h') > date('2023-08-15')") is True
    assert ev("date('2023-08-14').Format('Jan 2, 2006 at 3:04pm (MST)')") == "Aug 14, 2023 at 12:00am (UTC)"
    assert ev("now() - duration('1h') < now()") is True
    assert isinstance(ev("now() - now()"), GoDuration)
    assert ev("date('2023-08-14').In(timezone('Asia/Tokyo')).Hour()") == 9


def test_now_follows_an_injected_clock() -> None:
    from datetime import UTC, datetime

    with clock_at(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)):
        assert ev("now().In(timezone('UTC')).Format('2006-01-02 15:04:05')") == "2031-05-06 07:08:09"
        assert ev("sprig.now().Year()") == 2031
    assert ev("now().Year()") != 2031
