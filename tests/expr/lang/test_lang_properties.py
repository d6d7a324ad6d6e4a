"""Hypothesis properties: Go integer semantics, printing/parsing round trips, Go number printing, env expansion."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argento.expr.lang import build_env, evaluate, marshal_json
from argento.expr.lang import nodes as n
from argento.expr.lang.builtins import BUILTINS
from argento.expr.lang.gofmt import format_float, json_float
from argento.expr.lang.parser import PREDICATES, parse

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def go_wrap(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


def go_rem(a: int, b: int) -> int:
    """Go's ``%``: truncated division, the result has the dividend's sign."""
    r = abs(a) % abs(b)
    return -r if a < 0 else r


# --------------------------------------------------------------------------------------- arithmetic


@given(INT64, INT64)
def test_int_arithmetic_is_go_int64(a: int, b: int) -> None:
    env = {"a": a, "b": b}
    assert evaluate("a + b", env) == go_wrap(a + b)
    assert evaluate("a - b", env) == go_wrap(a - b)
    assert evaluate("a * b", env) == go_wrap(a * b)
    assert evaluate("a < b", env) is (a < b)
    assert evaluate("a == b", env) is (a == b)
    quotient = evaluate("a / b", env)
    assert type(quotient) is float
    if b != 0:
        assert quotient == float(a) / float(b)
        assert evaluate("a % b", env) == go_rem(a, b)


@given(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False))
def test_mixed_int_float_compare_numerically(a: int, f: float) -> None:
    env = {"a": a, "f": f}
    assert evaluate("a == f", env) is (a == f)
    assert evaluate("a < f", env) is (a < f)
    assert evaluate("a + f", env) == float(a) + f


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES, JSON_VALUES)
def test_equality_never_fails_and_is_reflexive(a: Any, b: Any) -> None:
    env = {"a": a, "b": b}
    assert evaluate("a == a", env) is True
    assert evaluate("a == b", env) is evaluate("b == a", env)
    assert evaluate("a != b", env) is (not evaluate("a == b", env))


# ------------------------------------------------------------------------------------ Go printing


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_go_float_spellings_round_trip(f: float) -> None:
    assert float(format_float(f)) == f
    assert float(json_float(f)) == f
    assert "e-0" not in json_float(f)


@given(JSON_VALUES.filter(lambda v: not _has_inf(v)))
def test_marshal_json_round_trips_through_python_json(value: Any) -> None:
    assert _same(json.loads(marshal_json(value)), value)
    assert _same(json.loads(marshal_json(value, indent="  ")), value)


def _same(decoded: Any, value: Any) -> bool:
    """Equal, reading Go's float spellings back as floats (``1e+16`` may decode as a Python int)."""
    if isinstance(value, float):
        return isinstance(decoded, int | float) and float(decoded) == value
    if isinstance(value, list):
        return isinstance(decoded, list) and len(decoded) == len(value) and all(map(_same, decoded, value))
    if isinstance(value, dict):
        return (
            isinstance(decoded, dict)
            and decoded.keys() == value.keys()
            and all(_same(decoded[k], v) for k, v in value.items())
        )
    return bool(decoded == value) and type(decoded) is type(value)


def _has_inf(value: Any) -> bool:
    if isinstance(value, float):
        return math.isinf(value)
    if isinstance(value, list):
        return any(_has_inf(v) for v in value)
    if isinstance(value, dict):
        return any(_has_inf(v) for v in value.values())
    return False


# ------------------------------------------------------------------------------ unparse ∘ parse = id

KEYWORDS = {"true", "false", "nil", "not", "in", "or", "and", "matches", "contains", "startsWith", "endsWith",
            "let", "if", "else"}  # fmt: skip
NAMES = st.from_regex(r"[a-z_][a-zA-Z0-9_]{0,5}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
CALLABLE_NAMES = NAMES.filter(lambda s: s not in BUILTINS and s not in PREDICATES)
BINARY_OPS = ["||", "&&", "==", "!=", "<", ">", "<=", ">=", "in", "matches", "contains", "startsWith", "endsWith",
              "..", "+", "-", "*", "/", "%", "**", "??"]  # fmt: skip

LEAVES = st.one_of(
    st.builds(n.Nil),
    st.builds(n.Bool, st.booleans()),
    st.builds(n.Int, st.integers(0, 2**63 - 1)),
    st.builds(n.Float, st.floats(min_value=0, allow_nan=False, allow_infinity=False)),
    st.builds(n.Str, st.text(max_size=6)),
    st.builds(n.Ident, NAMES),
)
POINTERS = st.builds(n.Pointer, st.sampled_from(["", "index", "acc"]))


def _not_chain(node: n.Node) -> bool:
    return not isinstance(node, n.Chain)


def _extend(
    children: st.SearchStrategy[n.Node], predicate_bodies: st.SearchStrategy[n.Node]
) -> st.SearchStrategy[n.Node]:
    objects = children.filter(_not_chain)  # the parser folds `(a?.b).c` into one chain
    props = st.builds(n.Str, st.text(max_size=4)) | children
    args = st.lists(children, max_size=3).map(tuple)
    predicate = st.builds(n.Predicate, predicate_bodies)
    return st.one_of(
        st.builds(n.Unary, st.sampled_from(["not", "-", "+"]), children),
        st.builds(n.Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(n.Member, objects, props),
        st.builds(lambda o, p: n.Chain(n.Member(o, p, True)), objects, props),
        st.builds(n.Slice, children, st.none() | children, st.none() | children),
        st.builds(n.Call, st.builds(n.Ident, CALLABLE_NAMES), args),
        st.builds(lambda o, name, a: n.Call(n.Member(o, n.Str(name)), a), objects, NAMES, args),
        st.builds(n.Builtin, st.sampled_from(sorted(BUILTINS)), args),
        st.builds(
            lambda name, a, p: n.Builtin(name, (a, p)),
            st.sampled_from(["filter", "map", "all", "count"]),
            children,
            predicate,
        ),
        st.builds(lambda a, p, init: n.Builtin("reduce", (a, p, init)), children, predicate, children),
        st.builds(n.Let, NAMES, children, children),
        st.builds(n.Cond, children, children, children),
        st.builds(n.Array, st.lists(children, max_size=3).map(tuple)),
        st.builds(
            n.Map,
            st.lists(st.tuples(st.builds(n.Str, st.text(max_size=4)) | children, children), max_size=3).map(
                tuple
            ),
        ),
    )


PREDICATE_BODIES = st.deferred(
    lambda: st.recursive(LEAVES | POINTERS, lambda c: _extend(c, PREDICATE_BODIES), max_leaves=6)
)
TREES = st.recursive(LEAVES, lambda c: _extend(c, PREDICATE_BODIES), max_leaves=10)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_unparse_then_parse_is_identity(tree: n.Node) -> None:
    assert parse(n.unparse(tree)) == tree


@given(
    st.sampled_from(
        ["(1 + 2) * -3", "a?.b[0] ?? 'x'", "filter(xs, {# > 1 && #index < 3})", "let v = 1; v..3"]
    )
)
def test_known_sources_round_trip(source: str) -> None:
    tree = parse(source)
    assert parse(n.unparse(tree)) == tree


# ---------------------------------------------------------------------------------------- build_env

SEGMENTS = st.from_regex(r"[a-z][a-z0-9-]{0,4}", fullmatch=True)


@given(
    st.dictionaries(
        st.lists(SEGMENTS, min_size=1, max_size=4).map(".".join), st.text(max_size=4), max_size=12
    )
)
def test_every_leaf_key_is_reachable(flat: dict[str, str]) -> None:
    env = build_env(flat)
    for key, value in flat.items():
        if any(other.startswith(key + ".") for other in flat):
            continue  # a parent of other keys gives way to its children
        node: Any = env
        for part in key.split("."):
            node = node[part]
        assert node == value
