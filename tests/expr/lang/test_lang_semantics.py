"""Operator semantics of expr-lang: Go's value rules, nil handling, member access, errors at run time."""

from __future__ import annotations

import math
import re
import time
from typing import Any

import pytest

from argento.errors import ExpressionError
from argento.expr.lang import ExprNil, compile_expr, evaluate

ENV: dict[str, Any] = {
    "s": "abc",
    "n": 7,
    "f": 2.5,
    "xs": [1, 2, 3, 4, 5],
    "m": {"a": 1, "flip-coin": {"result": "heads"}, "nil": None},
    "none": None,
    "ok": True,
}


def ev(source: str) -> Any:
    return evaluate(source, ENV)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", -1),  # Go: the remainder takes the dividend's sign
        ("7 % -3", 1),
        ("2 ** 10", 1024.0),
        ("1 + 2.5", 3.5),
        ("n * 2", 14),
        ("9223372036854775807 + 1", -9223372036854775808),  # int64 wraps
        ("'a' + 'b'", "ab"),
        ("-n", -7),
        ("+n", 7),
        ("-f", -2.5),
    ],
)
def test_arithmetic(source: str, value: Any) -> None:
    result = ev(source)
    assert result == value and type(result) is type(value)


def test_float_division_by_zero_is_infinite() -> None:
    assert ev("1 / 0") == math.inf
    assert ev("-1 / 0") == -math.inf
    assert math.isnan(ev("0 / 0"))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("'a' + 1", "invalid operation: string + int at column 5"),
        ("1 - 'a'", "invalid operation: int - string"),
        ("2.5 % 2", "invalid operation: float64 % int"),
        ("1 % 0", "integer divide by zero"),
        ("-'a'", "invalid operation: - string"),
        ("'a' < 1", "invalid operation: string < int"),
        ("nil > 1", "invalid operation: <nil> > int"),
        ("not 'a'", "invalid operation: not string"),
        ("1 && true", "the left side of && must be a bool, not int"),
        ("'x' ? 1 : 2", "the condition of ?: must be a bool, not string"),
        ("1 contains 'a'", "invalid operation: int contains string"),
        ("1 in 'abc'", 'operator "in" not defined on string'),
    ],
)
def test_type_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        ev(source)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("1 == 1.0", True),
        ("'3' == 3", False),  # different kinds are unequal, never an error
        ("true == 1", False),
        ("nil == nil", True),
        ("nil == 0", False),
        ("none == nil", True),
        ("[1, 2] == [1, 2.0]", True),
        ("{a: 1} == {a: 1}", True),
        ("{a: 1} != {a: 2}", True),
        ("'abc' < 'abd'", True),
        ("2 >= 2.0", True),
        ("s == 'abc' and n > 5", True),
        ("false and (1 / 0 > 0)", False),
        ("true or 'never evaluated' + 1", True),
        ("true && 'x'", "x"),  # expr only checks the left side
    ],
)
def test_comparison_and_logic(source: str, value: Any) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("2 in xs", True),
        ("2.0 in xs", True),
        ("'2' in xs", False),
        ("9 not in xs", True),
        ("'a' in m", True),
        ("'zz' in m", False),
        ("'nil' in m", True),
        ("1 in nil", False),
        ("s contains 'b'", True),
        ("s not contains 'z'", True),
        ("s startsWith 'ab'", True),
        ("s endsWith 'bc'", True),
        ("s not startsWith 'b'", True),
        ("s matches '^a.c$'", True),
        ("s not matches 'z'", True),
        ("'line1\\nline2' matches 'line2\\\\z'", True),
        ("'x9' matches '[[:digit:]]'", True),
        ("s matches ('^' + 'a')", True),
    ],
)
def test_membership_and_strings(source: str, value: Any) -> None:
    assert ev(source) is value


def test_re2_refuses_lookaround() -> None:
    with pytest.raises(ExpressionError, match="invalid or unsupported Perl syntax"):
        ev("s matches '(?=a)'")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("m.a", 1),
        ("m['flip-coin'].result", "heads"),
        ("m.missing", None),  # a missing map key is nil, not an error
        ("m.missing ?? 'default'", "default"),
        ("m.nil ?? 'default'", "default"),
        ("'' ?? 'default'", ""),  # only nil coalesces
        ("none?.a", None),
        ("none?.a.b.c", None),  # the whole chain short-circuits
        ("none?.[0]", None),
        ("m?.a", 1),
        ("m.missing?.deeper ?? 'fallback'", "fallback"),
        ("xs[0]", 1),
        ("xs[-1]", 5),
        ("xs[1:3]", [2, 3]),
        ("xs[:2]", [1, 2]),
        ("xs[3:]", [4, 5]),
        ("xs[1:-1]", [2, 3, 4]),
        ("xs[:]", [1, 2, 3, 4, 5]),
        ("xs[4:100]", [5]),
        ("xs[3:1]", []),
        ("s[1:]", "bc"),
        ("s[0]", "a"),
        ("[[1, 2], [3]][0][1]", 2),
        ("$env.n", 7),
        ("$env['s']", "abc"),
        ("'n' in $env", True),
    ],
)
def test_member_access(source: str, value: Any) -> None:
    assert ev(source) == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("none.a", "cannot fetch a from nil (none is nil) at column 6"),
        ("m.missing.deeper", "cannot fetch deeper from nil (m.missing is nil) at column 11"),
        ("xs[5]", "index out of range: 5 (array length is 5) at column 3"),
        ("xs[-6]", "index out of range: -1 (array length is 5)"),
        ("xs['a']", "invalid operation: int(string)"),
        ("n.a", "cannot fetch a from int"),
        ("n[1:2]", "cannot slice int"),
        ("unknown", 'unknown name "unknown" at column 1'),
        ("s()", "s is not a function (it is string)"),
        ("none.f()", "cannot call f() on nil (none is nil)"),
    ],
)
def test_member_errors(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        ev(source)


def test_nil_is_none() -> None:
    assert ev("nil") is None
    assert isinstance(ev("nil"), ExprNil)


def test_let_variables_shadow_and_restore() -> None:
    assert ev("let n = 1; n + 1") == 2
    assert ev("(let n = 1; n) + n") == 8
    assert ev("let name = s | upper(); name + '!'") == "ABC!"


def test_maps_and_arrays_are_fresh_per_run() -> None:
    first = ev("[1, {a: [2]}]")
    first.append(99)
    first[1]["a"].append(3)
    assert ev("[1, {a: [2]}]") == [1, {"a": [2]}]


def test_runtime_error_positions_point_at_the_failing_node() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(
            "asInt(lastRetry.exitCode) > 1 &&\n  lastRetry.status.x.y == 1", {"lastRetry": {"exitCode": "2"}}
        )
    assert "cannot fetch x from nil (lastRetry.status is nil) at line 2, column 20" in str(info.value)


def test_hyphenated_names_need_brackets() -> None:
    env = {"steps": {"flip-coin": {"outputs": {"result": "heads"}}}}
    assert evaluate("steps['flip-coin'].outputs.result", env) == "heads"
    assert evaluate('steps["flip-coin"]?.outputs?.result', env) == "heads"
    # As in Argo, a bare hyphen is a minus sign.
    with pytest.raises(ExpressionError, match='unknown name "coin" at column 12'):
        evaluate("steps.flip-coin.outputs.result", env)


def test_simple_comparison_takes_microseconds() -> None:
    program = compile_expr("steps['flip-coin'].outputs.result == 'heads' && asInt(retries) < 3")
    env = {"steps": {"flip-coin": {"outputs": {"result": "heads"}}}, "retries": "1"}
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        program.run(env)
    per_run = (time.perf_counter() - started) / runs
    assert per_run < 50e-6, f"{per_run * 1e6:.1f} µs per evaluation"
