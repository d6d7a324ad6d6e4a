"""Lexing, parsing and syntax errors of expr-lang."""

from __future__ import annotations

import pytest

from argento.errors import ExpressionError
from argento.expr.lang import compile_expr, evaluate
from argento.expr.lang import nodes as n
from argento.expr.lang.lexer import Kind, tokenize
from argento.expr.lang.parser import parse


def test_tokens_split_not_in_and_pointers() -> None:
    kinds = [(t.kind, t.value) for t in tokenize("a not in b && #acc")]
    assert kinds == [
        (Kind.IDENT, "a"),
        (Kind.OPERATOR, "not"),
        (Kind.OPERATOR, "in"),
        (Kind.IDENT, "b"),
        (Kind.OPERATOR, "&&"),
        (Kind.OPERATOR, "#"),
        (Kind.IDENT, "acc"),
        (Kind.EOF, ""),
    ]


def test_range_is_not_a_float() -> None:
    assert [t.value for t in tokenize("1..3")][:3] == ["1", "..", "3"]


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("42", 42),
        ("0x2A", 42),
        ("0o52", 42),
        ("0b101010", 42),
        ("1_000", 1000),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
    ],
)
def test_number_literals(source: str, value: object) -> None:
    result = evaluate(source, {})
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'single'", "single"),
        ('"double"', "double"),
        ("`raw \\n`", "raw \\n"),
        ('"tab\\tnew\\nline"', "tab\tnew\nline"),
        ('"\\u00e9\\x41\\101"', "éAA"),
        ("'it\\'s'", "it's"),
        ('"multi\nline"', "multi\nline"),
    ],
)
def test_string_literals(source: str, value: str) -> None:
    assert evaluate(source, {}) == value


def test_comments_are_ignored() -> None:
    assert evaluate("1 + /* two */ 2 // three", {}) == 3


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ** 3 ** 2", 512.0),  # right-associative
        ("2 ^ 3", 8.0),
        ("-2 ** 2", -4.0),  # unary minus binds looser than **
        ("10 - 4 - 3", 3),
        ("not true == false", True),  # (not true) == false
        ("1 < 2 && 2 < 3 || false", True),
        ("true || false && false", True),
        ("1 < 2 < 3", True),
        ("3 > 2 > 1", True),
        ("1 < 3 < 2", False),
        ("1..3 == [1, 2, 3]", True),
        ("true ? 1 : 2", 1),
        ("false ? 1 : true ? 2 : 3", 2),
        ("false ?: 'elvis'", "elvis"),
        ("true ?: 'elvis'", True),
        ("[1, 2,]", [1, 2]),
        ("{a: 1, 'b': 2, 3: 'x', (1 + 1): 'y',}", {"a": 1, "b": 2, "3": "x", 2: "y"}),
        ("{in: 1}.in", 1),
        ("let x = 2; let y = x * 3; x + y", 8),
        ("if 1 > 2 { 'a' } else if 2 > 1 { 'b' } else { 'c' }", "b"),
        ("'abc' | upper() | trimSuffix('C')", "AB"),
        ("[3, 1, 2] | sort() | map(# * 10)", [10, 20, 30]),
    ],
)
def test_precedence_and_forms(source: str, value: object) -> None:
    assert evaluate(source, {}) == value


def test_aliases_parse_to_the_same_tree() -> None:
    assert parse("a and b or not c") == parse("a && b || !c")
    assert parse("a ^ b") == parse("a ** b")
    assert parse("x.y") == parse("x['y']")


def test_pipe_desugars_into_a_call() -> None:
    assert parse("x | join(',')") == parse("join(x, ',')")
    assert parse("xs | filter(# > 1)") == parse("filter(xs, {# > 1})")


def test_chained_comparison_desugars() -> None:
    assert parse("a < b <= c") == n.Binary(
        "&&", n.Binary("<", n.Ident("a"), n.Ident("b")), n.Binary("<=", n.Ident("b"), n.Ident("c"))
    )


def test_optional_chain_wraps_the_whole_chain() -> None:
    tree = parse("a?.b.c")
    assert isinstance(tree, n.Chain)
    assert tree.node == n.Member(n.Member(n.Ident("a"), n.Str("b"), True), n.Str("c"))


def test_builtins_are_resolved_at_parse_time() -> None:
    assert isinstance(parse("len(x)"), n.Builtin)
    assert isinstance(parse("asInt(x)"), n.Call)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a + )", "unexpected token ')' at column 5 in \"a + )\""),
        ("1 +", "unexpected end of expression at column 4"),
        ("(1 + 2", "unexpected end of expression (expected ')') at column 7"),
        ("1 2", "unexpected token '2' at column 3"),
        ("'abc", "literal not terminated at column 1"),
        ("a & b", "unexpected '&' (did you mean '&&'?) at column 3"),
        ("a @ b", "unrecognized character '@' at column 3"),
        ("12abc", "bad number syntax: '12a' at column 1"),
        ("# > 1", "cannot use pointer accessor outside predicate at column 1"),
        ("a ?? b + 1", "cannot be mixed"),
        ("a not b", "unexpected token 'b' at column 7"),
        ("len(1, 2)", "invalid number of arguments for len (expected 1, got 2) at column 1"),
        ("filter([1])", "filter() expects at least 2 arguments"),
        ("'x' matches '('", "error parsing regexp"),
        ("x.", "unexpected end of expression (expected a name)"),
        ("x.1", "unexpected token '.1' at column 2"),
        ("x.'a'", "expected a name after '.' at column 3"),
        ("{a: }", "unexpected token '}' at column 5"),
        ("{[1]: 2}", "a map key must be"),
        ("'\\q'", "invalid escape sequence '\\q' at column 2"),
        ("99999999999999999999", "integer literal is too large"),
        ("1e999", "float literal is too large"),
        ("map([1], #foo)", "unknown pointer #foo"),
        ("", "unexpected end of expression at column 1"),
        ("a ==\n  )", "unexpected token ')' at line 2, column 3"),
    ],
)
def test_syntax_errors_name_the_column(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expr(source)
    assert message in str(info.value)


def test_compile_is_cached() -> None:
    assert compile_expr("1 + 1") is compile_expr("1 + 1")
    assert repr(compile_expr("1 + 1")) == "Program('1 + 1')"
