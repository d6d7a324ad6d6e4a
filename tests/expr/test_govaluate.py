"""Argo's `when` (govaluate after substitution): values, errors and quirks users hit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argento.errors import ExpressionError
from argento.expr import WhenExpr, evaluate_when, parse_when


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Argo's examples (conditionals.yaml, conditionals-complex.yaml, dag-coinflip …) after substitution
        ("heads == heads", True),
        ("tails == heads", False),
        ("Succeeded == Succeeded", True),
        ("Failed != Succeeded", True),
        ("( heads == heads &&\n  tails == tails\n) ||\n( tails == tails &&\n  heads == tails )", True),
        ("( tails == heads && tails == tails ) || ( tails == tails && heads == tails )", False),
        ("heads =~ hea", True),
        ("tails =~ hea", False),
        ("3 != 1 && 3 != 2", True),
        ("1 != 1 && 1 != 2", False),
        ("7 < 10", True),
        ("10 < 10", False),
        ("true == true", True),
        ("false", False),
        ("true", True),
        ('"SUCCESS" != "SUCCESS" && "SUCCESS" == "SUCCESS"', False),
        ('"running" != "failed"', True),
        ("YES == YES", True),
        # bare words are strings; numbers are float64
        ("foo == foo", True),
        ("foo != bar", True),
        ("5 == 5.0", True),
        ("007 == 7", True),
        (".5 == 0.5", True),
        ("1. == 1", True),
        ("0x1F == 31", True),
        ("0xff == 255", True),
        ("10 > 9", True),
        ("abc < abd", True),  # two strings compare lexicographically
        ("'10' < '9'", True),  # …even when they look like numbers
        ("-1 < 0", True),
        ("5 == -5", False),
        ("2 + 3 == 5", True),
        ("'a' + 'b' == ab", True),
        ("'v' + 1 == v1", True),  # string concat uses Go's %v
        ("'v' + 1.5 == 'v1.5'", True),
        ("'v' + 1000000 == 'v1e+06'", True),
        ("7 % 4 == 3", True),
        ("1 / 0 > 1000", True),  # float division by zero is +Inf
        ("1 - 2 - 3 == -4", True),  # left-associative after reorderStages
        ("2 ** 3 ** 2 == 64", True),  # …exponent too
        ("16 / 4 / 2 == 2", True),
        ("1 + 2 * 3 == 7", True),
        ("(1 + 2) * 3 == 9", True),
        ("1 | 2 == 3", True),
        ("6 & 3 == 2", True),
        ("1 << 4 == 16", True),
        ("~0 == -1", True),
        # quoting
        ('"" == ""', True),
        ("'' == ''", True),
        ("'a b' == 'a b'", True),
        ("'x' == \"x\"", True),
        ("'it\\'s' == \"it\\'s\"", True),
        ("hello\\ world == 'hello world'", True),  # a backslash escapes anything, even in bare words
        ("[a b] == 'a b'", True),  # [..] is a variable, hence a string
        ("'true' == true", False),  # a string is never a bool
        ("True == true", False),  # only lower-case true/false are booleans
        ("1 == '1'", False),
        # logic, short-circuit and precedence
        ("true || false && false", True),
        ("(true || false) && false", False),
        ("!false", True),
        ("!(1 == 2)", True),
        ("false && 'not a bool'", False),  # short-circuit: the right side is never type-checked
        ("true || 1", True),
        ("true ? 1 == 1 : false", True),
        ("false ? 1 : 2 == 2", True),
        ("(foo ?? bar) == foo", True),
        # regexes are Go RE2 searches
        ("heads =~ '^h.*s$'", True),
        ("'abc' !~ 'z'", True),
        ("'a.b' =~ '\\\\.'", True),
        ("'Heads' =~ '(?i)^heads$'", True),
        ("'abc\\n' =~ 'c$'", False),  # RE2's $ is the end of the text
        ("'x1' =~ '[[:digit:]]'", True),
        ("'x' =~ '\\\\d'", False),
        # in
        ("foo in (foo, bar)", True),
        ("baz in (foo, bar)", False),
        ("2 in (1, 2)", True),
        ("(1, 2) in ((1, 2), 3)", False),  # a list left of "," is extended, not nested: [1 2 3]
        ('"test"\nin\n("always","test","")', True),  # e2e steps-when-expr-filter after substitution
        ('"" in ("always","")', True),
        ('"test" in ("always","")', False),
        # dates in quotes are Unix times (Argo's controller runs in UTC)
        ("'2021-01-01' == '2021-01-01T00:00:00Z'", True),
        ("'2021-01-01T01:00:00+01:00' == '2021-01-01'", True),
        ("'2021-01-01' < '2021-01-02'", True),
        ("'2021-01-02 10:00' > '2021-01-02 09:59:59'", True),
        ("'Mon Jan  2 15:04:05 2006' == '2006-01-02T15:04:05Z'", True),
        ("'3:04PM' == '15:04'", False),  # a Kitchen time; 15:04 alone is not a date
        ("'2021-02-30' == '2021-02-30'", True),  # not a date (day out of range): two equal strings
        # govaluate ignores what follows a complete clause, and () is nil
        ("(true) false", True),
        ("(1 == 2) true", False),
        ("() == ()", True),
        ("1 == ()", False),
    ],
)
def test_when_values(when: str, expected: bool) -> None:
    assert evaluate_when(when) is expected


@pytest.mark.parametrize(
    ("when", "message"),
    [
        # values with spaces, hyphens, dots or versions must be quoted
        (
            "hello world == hello world",
            "Invalid 'when' expression 'hello world == hello world': Cannot transition token types from "
            "VARIABLE [hello] to VARIABLE [world]",
        ),
        (
            "a-b == a-b",
            "Failed to evaluate 'when' expresion 'a-b == a-b': Value 'a' cannot be used with the modifier '-', "
            "it is not a number",
        ),
        (
            "data.csv == data.csv",
            "Invalid 'when' expression 'data.csv == data.csv': Unable to access unexported field 'csv' in token "
            "'data.csv'",
        ),
        (
            "1.2.3 == 1.2.3",
            "Invalid 'when' expression '1.2.3 == 1.2.3': Unable to parse numeric value '1.2.3' to float64",
        ),
        ("v.Major == 1", "Failed to evaluate 'when' expresion 'v.Major == 1': No parameter 'v' found."),
        ("x. == 1", "Invalid 'when' expression 'x. == 1': Hanging accessor on token 'x.'"),
        # an unsubstituted tag
        (
            "{{steps.a.outputs.result}} == x",
            "Invalid 'when' expression '{{steps.a.outputs.result}} == x': Invalid token: '{{' "
            '(hint: try wrapping the affected expression in quotes ("))',
        ),
        ("_x == _x", "Invalid token: '_'"),
        ("a == 'b", "Invalid 'when' expression 'a == 'b': Unclosed string literal"),
        ("[a == b", "Unclosed parameter bracket"),
        ("(a == b", "Unbalanced parenthesis"),
        ("a == b)", "Unbalanced parenthesis"),
        ("a ==", "Unexpected end of expression"),
        ("", None),
        ("   ", "Invalid 'when' expression '   ': Unexpected end of expression"),
        ("== a", "Cannot transition token types from UNKNOWN [<nil>] to COMPARATOR [==]"),
        ("(1) 2", "Expected boolean evaluation for '(1) 2'. Got 1"),
        ("a ==b!", "Invalid token: '!'"),
        ("a ==!b", "Invalid token: '==!'"),
        ("foo(1)", "Undefined function foo"),
        ("1 == 0x", "Cannot transition token types from NUMERIC [0] to VARIABLE [x]"),
        ("0x == 0", "Unable to parse hex value '' to uint64"),  # the hex reader skips spaces first
        ("0xZZ == 0", "Unable to parse hex value '' to uint64"),
        # Argo's VARIABLE -> STRING rewrite makes these fail in the second parse
        (
            "!foo",
            "Failed to parse 'when' expression '!foo': Cannot transition token types from PREFIX [!] to STRING [foo]",
        ),
        ("-foo < 1", "Failed to parse 'when' expression '-foo < 1'"),
        ("x =~ '('", "Invalid 'when' expression 'x =~ '('': error parsing regexp"),
        ("x =~ (", "Unbalanced parenthesis"),
        ("x =~ '(?=a)'", "invalid or unsupported Perl syntax: `(?=`"),
        ("x =~ a\\(", "Failed to parse 'when' expression"),
        # evaluation errors
        (
            "1 < a",
            "Failed to evaluate 'when' expresion '1 < a': Value '1' cannot be used with the comparator '<', it is not a number",
        ),
        ("a && true", "Value 'a' cannot be used with the logical operator '&&', it is not a bool"),
        ("true && a", "Value 'a' cannot be used with the logical operator '&&', it is not a bool"),
        ("1 ? 2 : 3", "Value '1' cannot be used with the ternary operator '?', it is not a bool"),
        ("a in b", "Value 'b' cannot be used with the comparator 'in', it is not a number"),
        ("1 =~ a", "Value '1' cannot be used with the comparator '=~', it is not a number"),
        ("'2021-01-01' =~ '^2021'", "Value '1.6094592e+09' cannot be used with the comparator '=~'"),
        ("(1, 2) in (3, (1, 2))", "comparing uncomparable type"),
        # results that are not booleans
        ("1 + 1", "Expected boolean evaluation for '1 + 1'. Got 2"),
        ("foo", "Expected boolean evaluation for 'foo'. Got foo"),
        ("1, 2", "Expected boolean evaluation for '1, 2'. Got [1 2]"),
        ("()", "Expected boolean evaluation for '()'. Got <nil>"),
        ("false ? 1 : 2", "Got 2"),
        ("0.000001 + 0", "Got 1e-06"),
    ],
)
def test_when_errors(when: str, message: str | None) -> None:
    if message is None:  # not an error: kept here next to its erroneous neighbours
        evaluate_when(when)
        return
    with pytest.raises(ExpressionError) as info:
        evaluate_when(when)
    assert message in str(info.value)


def test_parse_errors_come_from_parse_when() -> None:
    with pytest.raises(ExpressionError, match="Invalid 'when' expression"):
        parse_when("a ==")
    # evaluation errors wait for evaluate(): parsing succeeds
    expr = parse_when("1 < a")
    assert isinstance(expr, WhenExpr)
    with pytest.raises(ExpressionError, match="Failed to evaluate"):
        expr.evaluate()


def test_empty_when_runs_and_parses_are_cached() -> None:
    assert parse_when("").evaluate() is True
    assert parse_when("heads == heads") is parse_when("heads == heads")


def test_trailing_backslash_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="Invalid 'when' expression"):
        evaluate_when("a == b\\")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "(" * 3000 + "true" + ")" * 3000
    with pytest.raises(ExpressionError):
        evaluate_when(deep)


_WORDS = st.sampled_from(["heads", "tails", "Succeeded", "Failed", "true", "false", "abc", "x1"])


@given(left=_WORDS, right=_WORDS, op=st.sampled_from(["==", "!="]))
def test_bare_word_comparison_is_string_comparison(left: str, right: str, op: str) -> None:
    expected = (left == right) if op == "==" else (left != right)
    assert evaluate_when(f"{left} {op} {right}") is expected


@given(st.text(max_size=40))
@settings(max_examples=500)
def test_random_text_never_crashes(text: str) -> None:
    try:
        result = evaluate_when(text)
    except ExpressionError:
        return
    assert isinstance(result, bool)


_ATOMS = st.sampled_from(["true", "false", "1 == 1", "1 == 2", "a == a", "a != a", "'x' =~ 'x'", "2 > 3"])


@st.composite
def _bool_expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, bool]:
    if depth > 3 or draw(st.booleans()):
        atom = draw(_ATOMS)
        return atom, _ATOM_VALUES[atom]
    kind = draw(st.sampled_from(["and", "or", "not", "paren"]))
    left, lv = draw(_bool_expressions(depth + 1))
    if kind == "not":
        return f"!({left})", not lv
    if kind == "paren":
        return f"({left})", lv
    right, rv = draw(_bool_expressions(depth + 1))
    op = "&&" if kind == "and" else "||"
    return f"({left}) {op} ({right})", (lv and rv) if kind == "and" else (lv or rv)


_ATOM_VALUES = {
    "true": True,
    "false": False,
    "1 == 1": True,
    "1 == 2": False,
    "a == a": True,
    "a != a": False,
    "'x' =~ 'x'": True,
    "2 > 3": False,
}


@given(_bool_expressions())
def test_parenthesised_boolean_logic(case: tuple[str, bool]) -> None:
    text, expected = case
    assert evaluate_when(text) is expected


@given(st.lists(st.tuples(st.sampled_from(["&&", "||"]), st.booleans()), max_size=6), st.booleans())
def test_unparenthesised_and_binds_tighter_than_or(rest: list[tuple[str, bool]], first: bool) -> None:
    text = "true" if first else "false"
    # evaluate with Python's precedence (and > or), which matches govaluate's
    groups: list[bool] = [first]
    for op, value in rest:
        text += f" {op} {'true' if value else 'false'}"
        if op == "&&":
            groups[-1] = groups[-1] and value
        else:
            groups.append(value)
    assert evaluate_when(text) is any(groups)
