"""The ``sprig`` function map, with Sprig's argument order and forgiving conversions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from argento.errors import ExpressionError
from argento.expr.lang import build_env, evaluate
from argento.expr.lang.semver import satisfies


def ev(source: str, **flat: Any) -> Any:
    return evaluate(source, build_env(flat))


@pytest.mark.parametrize(
    ("source", "value"),
    [
        # conversions
        ("sprig.toString(12)", "12"),
        ("sprig.toString(nil)", "<nil>"),
        ("sprig.int('12')", 12),
        ("sprig.int('0x1F')", 31),
        ("sprig.int('3.0')", 3),
        ("sprig.int('nope')", 0),
        ("sprig.int(3.9)", 3),
        ("sprig.int64('-4')", -4),
        ("sprig.atoi('42')", 42),
        ("sprig.atoi('4.2')", 0),
        ("sprig.float64('1.5')", 1.5),
        ("sprig.float64('x')", 0.0),
        # int64 math
        ("sprig.add(1, 2, '3')", 6),
        ("sprig.add(1.9, 1.9)", 2),
        ("sprig.add1(1)", 2),
        ("sprig.sub(5, 7)", -2),
        ("sprig.mul(2, 3, 4)", 24),
        ("sprig.div(7, 2)", 3),
        ("sprig.div(-7, 2)", -3),
        ("sprig.mod(-7, 3)", -1),
        ("sprig.max(1, 9, 3)", 9),
        ("sprig.min(4, '2', 8)", 2),
        ("sprig.addf(1.5, 1)", 2.5),
        ("sprig.divf(1, 4)", 0.25),
        ("sprig.round(2.345, 2)", 2.35),
        # strings, subject last
        ("sprig.trim('  x ')", "x"),
        ("sprig.trimAll('$', '$5.00$')", "5.00"),
        ("sprig.trimPrefix('-', '-x')", "x"),
        ("sprig.trimSuffix('-', 'x-')", "x"),
        ("sprig.upper('a')", "A"),
        ("sprig.lower('A')", "a"),
        ("sprig.title('hello wide-world foo_bar')", "Hello Wide-World Foo_bar"),
        ("sprig.replace(' ', '-', 'a b c')", "a-b-c"),
        ("sprig.contains('cat', 'catch')", True),
        ("sprig.hasPrefix('ca', 'catch')", True),
        ("sprig.hasSuffix('ch', 'catch')", True),
        ("sprig.repeat(3, 'ab')", "ababab"),
        ("sprig.substr(1, 3, 'hello')", "el"),
        ("sprig.substr(-1, 3, 'hello')", "hel"),
        ("sprig.substr(2, 99, 'hello')", "llo"),
        ("sprig.trunc(3, 'hello')", "hel"),
        ("sprig.trunc(-2, 'hello')", "lo"),
        ("sprig.quote('a\"b', 1)", '"a\\"b" "1"'),
        ("sprig.squote('a', nil, 'b')", "'a' 'b'"),
        ("sprig.cat('a', 1, nil, [1, 2])", "a 1 [1 2]"),
        ("sprig.indent(2, 'a\\nb')", "  a\n  b"),
        ("sprig.nindent(2, 'a')", "\n  a"),
        ("sprig.split('$', 'a$b')", {"_0": "a", "_1": "b"}),
        ("sprig.splitList(',', 'a,b')", ["a", "b"]),
        ("sprig.join('-', ['a', 1, nil])", "a-1"),
        ("sprig.join('-', 'single')", "single"),
        ("sprig.abbrev(5, 'hello world')", "he..."),
        ("sprig.plural('one', 'many', 2)", "many"),
        ("sprig.nospace(' a b ')", "ab"),
        # lists and dicts
        ("sprig.list(1, 'a')", [1, "a"]),
        ("sprig.dict('a', 1, 'b')", {"a": 1, "b": ""}),
        ("sprig.get(sprig.dict('a', 1), 'a')", 1),
        ("sprig.get(sprig.dict('a', 1), 'z')", ""),
        ("sprig.keys(sprig.dict('a', 1), sprig.dict('b', 2))", ["a", "b"]),
        ("sprig.hasKey({a: 1}, 'a')", True),
        ("sprig.first([3, 4])", 3),
        ("sprig.last([3, 4])", 4),
        ("sprig.first([])", None),
        ("sprig.rest([1, 2, 3])", [2, 3]),
        ("sprig.initial([1, 2, 3])", [1, 2]),
        ("sprig.append([1], 2)", [1, 2]),
        ("sprig.prepend([1], 0)", [0, 1]),
        ("sprig.has(2, [1, 2])", True),
        ("sprig.has(2.0, [1, 2])", False),  # reflect.DeepEqual: int is not float64
        ("sprig.has(1, nil)", False),
        ("sprig.uniq([1, 1, 'a', 'a'])", [1, "a"]),
        ("sprig.without([1, 2, 3], 2)", [1, 3]),
        ("sprig.compact([0, '', 'a', nil, 1])", ["a", 1]),
        ("sprig.sortAlpha(['b', 'a', 1])", ["1", "a", "b"]),
        ("sprig.until(3)", [0, 1, 2]),
        ("sprig.until(-3)", [0, -1, -2]),
        ("sprig.untilStep(0, 10, 4)", [0, 4, 8]),
        ("sprig.seq(3)", "1 2 3"),
        ("sprig.seq(0)", "1 0"),
        ("sprig.seq(2, 4)", "2 3 4"),
        ("sprig.seq(5, 2)", "5 4 3 2"),
        ("sprig.seq(0, 2, 6)", "0 2 4 6"),
        ("sprig.seq(6, -2, 0)", "6 4 2 0"),
        ("sprig.seq(6, 2, 0)", ""),
        # defaults
        ("sprig.default('d', '')", "d"),
        ("sprig.default('d', 'given')", "given"),
        ("sprig.default('d')", "d"),
        ("sprig.default('d', 0)", "d"),
        ("sprig.empty([])", True),
        ("sprig.empty(' ')", False),
        ("sprig.coalesce(nil, '', 0, 'x')", "x"),
        ("sprig.coalesce(nil, '')", None),
        ("sprig.ternary('yes', 'no', 1 > 0)", "yes"),
        # encodings and hashes
        ("sprig.toJson({b: 1, a: '<x>'})", '{"a":"\\u003cx\\u003e","b":1}'),
        ("sprig.fromJson('{\"a\": 1}').a", 1.0),
        ("sprig.fromJson('{')", None),
        ("sprig.b64enc('hi')", "aGk="),
        ("sprig.b64dec('aGk=')", "hi"),
        ("sprig.b64dec('a!')", "illegal base64 data at input byte 1"),
        ("sprig.sha256sum('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("len(sprig.uuidv4())", 36),
        ("sprig.randAlphaNum(8) matches '^[A-Za-z0-9]{8}$'", True),
        # regexps
        ("sprig.regexMatch('^[a-z]+$', 'abc')", True),
        ("sprig.regexMatch('(', 'abc')", False),
        ("sprig.regexFind('[0-9]+', 'ab12cd34')", "12"),
        ("sprig.regexFindAll('[0-9]', 'a1b2c3', 2)", ["1", "2"]),
        ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
        (
            "sprig.regexReplaceAll('(?P<first>\\\\w+) (\\\\w+)', 'hello world', '$2 ${first} $9')",
            "world hello ",
        ),
        ("sprig.regexSplit('z+', 'pizza', -1)", ["pi", "a"]),
        # dates
        ("sprig.dateInZone('2006-01-02', 0, 'UTC')", "1970-01-01"),
        ("sprig.dateInZone('2006-01-02 15:04', date('2024-01-02T03:04:05Z'), 'UTC')", "2024-01-02 03:04"),
        ("sprig.duration(95)", "1m35s"),
        ("sprig.unixEpoch(date('2024-01-01T00:00:00Z'))", "1704067200"),
        ("sprig.toDate('2006-01-02', '2024-03-04').Day()", 4),
        # semver
        ("sprig.semverCompare('>=1.2.0', '1.3.0')", True),
        ("sprig.semverCompare('^1.2', 'v2.0.0')", False),
    ],
)
def test_sprig_functions(source: str, value: Any) -> None:
    assert ev(source) == value


def test_sprig_date_of_a_string_is_now_as_in_sprig() -> None:
    # Argo's `workflow.creationTimestamp` is a string: Sprig's `date` falls back to the current time.
    assert ev("sprig.date('2006', workflow.creationTimestamp)", **{"workflow.creationTimestamp": "1999"}) == (
        ev("now().Format('2006')")
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("sprig.trim(1)", "sprig.trim: expected a string argument, got int"),
        ("sprig.repeat('3', 'x')", "sprig.repeat: expected an int argument, got string"),
        ("sprig.div(1, 0)", "integer divide by zero"),
        ("sprig.substr(5, 9, 'abc')", "slice bounds out of range"),
        ("sprig.nope(1)", 'sprig has no function "nope"'),
        ("sprig.ternary(1, 2, 'yes')", "expected a bool condition"),
        ("sprig.semverCompare('>=x.y', '1.0.0')", "improper constraint"),
        ("sprig.semverCompare('>=1', 'banana')", "Invalid Semantic Version"),
    ],
)
def test_sprig_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        ev(source)


@pytest.mark.parametrize(
    ("constraint", "version", "ok"),
    [
        ("=1.2.3", "1.2.3", True),
        ("1.2.3", "1.2.4", False),
        ("!=1.2.3", "1.2.4", True),
        (">1.2", "1.2.5", False),
        (">1.2", "1.3.0", True),
        ("<1.2.3", "1.2.2", True),
        (">=1.2.3, <2", "1.9.0", True),
        (">=1.2.3 <2", "2.0.0", False),
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1", "1.9.9", True),
        ("^1.2.3", "1.9.0", True),
        ("^0.2.3", "0.3.0", False),
        ("^0.0.3", "0.0.3", True),
        ("1.2.x", "1.2.7", True),
        ("1.2.x", "1.3.0", False),
        ("*", "4.5.6", True),
        ("1.2 - 1.4.5", "1.4.5", True),
        ("1.2 - 1.4.5", "1.4.6", False),
        ("<1.0 || >=3", "3.1.0", True),
        ("<1.0 || >=3", "2.0.0", False),
        (">=1.2.3", "1.3.0-beta", False),  # prereleases need a prerelease in the constraint
        (">=1.3.0-alpha", "1.3.0-beta", True),
        ("<=1.2", "1.2.9", True),
    ],
)
def test_semver_constraints(constraint: str, version: str, ok: bool) -> None:
    assert satisfies(constraint, version) is ok
