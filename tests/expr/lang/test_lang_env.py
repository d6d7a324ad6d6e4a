"""Argo's expression environment: `build_env`, ``asInt``/``asFloat``/``jsonpath``/``toJson``, Go printing."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from argento.errors import ExpressionError
from argento.expr.lang import (
    ARGO_FUNCTIONS,
    GoDuration,
    GoTime,
    build_env,
    evaluate,
    format_value,
    marshal_json,
)
from argento.expr.lang.env import expand
from argento.expr.lang.gotime import format_time, parse_duration, parse_time
from argento.expr.lang.jsonpath import JSONPathError, query

# ------------------------------------------------------------------------------------------ build_env


def test_dotted_keys_become_nested_maps() -> None:
    env = build_env(
        {
            "inputs.parameters.x": "1",
            "steps.flip-coin.outputs.result": "heads",
            "tasks.A.outputs.parameters.p": "v",
            "workflow.name": "wf",
            "item": "3",
            "retries": "2",
        }
    )
    assert env["inputs"] == {"parameters": {"x": "1"}}
    assert evaluate("steps['flip-coin'].outputs.result", env) == "heads"
    assert evaluate("tasks.A.outputs.parameters.p + workflow.name + item + retries", env) == "vwf32"


def test_a_key_with_children_is_dropped_so_the_children_stay_reachable() -> None:
    env = expand(
        {
            "workflow.parameters": '{"x": "1"}',
            "workflow.parameters.x": "1",
            "steps.A.outputs.parameters": '[{"name": "p"}]',
            "steps.A.outputs.parameters.p": "v",
            "a": "leaf",
            "a-b": "sibling",
            "a.b": "child",
        }
    )
    assert env["workflow"] == {"parameters": {"x": "1"}}
    assert env["steps"]["A"]["outputs"]["parameters"] == {"p": "v"}
    assert env["a"] == {"b": "child"}
    assert env["a-b"] == "sibling"


def test_values_stay_strings() -> None:
    env = build_env({"inputs.parameters.n": "3"})
    assert evaluate("inputs.parameters.n == 3", env) is False
    assert evaluate("inputs.parameters.n == '3'", env) is True
    assert evaluate("asInt(inputs.parameters.n) == 3", env) is True
    assert evaluate("int(inputs.parameters.n) + 1", env) == 4
    assert evaluate("asFloat('2.5') * 2", env) == 5.0


def test_build_env_adds_argo_functions_and_converts_times() -> None:
    env = build_env(
        {"cronworkflow.lastScheduledTime": datetime(2020, 1, 1, tzinfo=UTC), "d": timedelta(seconds=90)}
    )
    assert set(ARGO_FUNCTIONS) <= set(env)
    assert isinstance(env["cronworkflow"]["lastScheduledTime"], GoTime)
    assert env["d"] == GoDuration(90 * 10**9)
    src = "cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 360"
    assert evaluate(src, env) is True
    assert evaluate(src, build_env({"cronworkflow.lastScheduledTime": None})) is True


def test_argo_functions_resolve_without_build_env() -> None:
    assert evaluate("asInt('7')", {}) == 7
    assert evaluate("sprig.upper('x')", {}) == "X"
    assert evaluate("toJson({a: 1})", {}) == '{"a":1}'


def test_env_names_win_over_argo_fallbacks() -> None:
    assert evaluate("toJson", {"toJson": "shadowed"}) == "shadowed"


# ------------------------------------------------------------------------------------------ jsonpath

DOC = '{"a": "1", "n": 2, "nested": {"k": [10, 20, 30]}, "employees": [{"name": "Baris", "age": 43}, {"name": "Mo", "age": 42}, {"name": "Jai", "age": 44}], "weird key": true, "nul": null}'


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$.a", "1"),
        ("$.n", 2.0),
        ("$['a']", "1"),
        ('$["weird key"]', True),
        ("$.nested.k[0]", 10.0),
        ("$.nested.k[-1]", 30.0),
        ("$.nested.k.length", 3),
        ("$.nested.k[(@.length-1)]", 30.0),
        ("$.nested.k[*]", [10.0, 20.0, 30.0]),
        ("$.nested.k[0:2]", [10.0, 20.0]),
        ("$.nested.k[1:]", [20.0, 30.0]),
        ("$.nested.k[::2]", [10.0, 30.0]),
        ("$.nested.k[0,2]", [10.0, 30.0]),
        ("$.employees[*].name", ["Baris", "Mo", "Jai"]),
        ("$.employees[0:1]", [{"name": "Baris", "age": 43.0}]),
        ('$.employees[?(@.name=="Baris")].age', [43.0]),
        ("$.employees[?(@.age>42 && @.age<44)].age", [43.0]),
        ("$.employees[?(@.age >= 43 || @.name == 'Mo')].name", ["Baris", "Mo", "Jai"]),
        ("$.employees[?(!(@.age > 42))].name", ["Mo"]),
        ("$.employees[?(@.missing)].name", []),
        ("$.employees[*].missing", []),
        ("$..name", ["Baris", "Mo", "Jai"]),
        ("$.nul", None),
    ],
)
def test_jsonpath(path: str, value: Any) -> None:
    env = build_env({"doc": DOC})
    assert evaluate(f"jsonpath(doc, {path!r})", env) == value


def test_jsonpath_root_and_arrays() -> None:
    assert query("$", [1.0]) == [1.0]
    assert query("$[0].value", [{"value": "true"}]) == "true"
    assert evaluate("jsonpath('[{\"value\": \"true\"}]', '$[0].value') == 'true'", {}) is True


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("$.missing", "key: invalid token key 'missing' not found"),
        ("$.nested.k[9]", "index: invalid token out of range"),
        ("a.b", "must start with '$'"),
        ("$.a[", "unclosed '['"),
    ],
)
def test_jsonpath_errors(path: str, message: str) -> None:
    with pytest.raises(JSONPathError, match=re.escape(message)):
        query(path, {"a": 1, "nested": {"k": [1]}})


def test_jsonpath_function_errors() -> None:
    with pytest.raises(
        ExpressionError, match=re.escape("jsonpath expects (string, string), got (int, string)")
    ):
        evaluate("jsonpath(1, '$')", {})
    with pytest.raises(ExpressionError, match="invalid JSON"):
        evaluate("jsonpath('{', '$')", {})
    with pytest.raises(ExpressionError, match="not found"):
        evaluate("jsonpath('{}', '$.x')", {})


# ---------------------------------------------------------------------------------------- Go printing


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "<nil>"),
        (True, "true"),
        (42, "42"),
        (1.0, "1"),
        (35.8, "35.8"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (math.nan, "NaN"),
        ("s", "s"),
        ([1, "a", None], "[1 a <nil>]"),
        ({"b": 1, "a": [2]}, "map[a:[2] b:1]"),
        (GoDuration(90 * 10**9), "1m30s"),
        (GoDuration(1_500_000), "1.5ms"),
        (GoDuration(0), "0s"),
        (GoDuration(-3600 * 10**9), "-1h0m0s"),
    ],
)
def test_format_value_is_go_percent_v(value: Any, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": [1.0, 2.5, None]}, '{"a":[1,2.5,null],"b":1}'),
        ("<&>\n\u2028", '"\\u003c\\u0026\\u003e\\n\\u2028"'),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        ([], "[]"),
        ({}, "{}"),
        (GoTime(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)), '"2024-01-02T03:04:05Z"'),
    ],
)
def test_marshal_json_is_go_json(value: Any, text: str) -> None:
    assert marshal_json(value) == text


def test_marshal_json_rejects_nan() -> None:
    with pytest.raises(ValueError, match="unsupported value: NaN"):
        marshal_json(math.nan)


@pytest.mark.parametrize(
    ("text", "ns"),
    [("1h30m", 5400 * 10**9), ("-1.5s", -1_500_000_000), ("300ms", 300_000_000), ("2us", 2000), ("0", 0)],
)
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_duration(text).ns == ns


def test_go_time_layouts_round_trip() -> None:
    dt = datetime(2024, 3, 9, 14, 5, 7, 120000, tzinfo=UTC)
    layout = "Monday, 02-Jan-06 03:04:05.000 PM MST"
    assert format_time(dt, layout) == "Saturday, 09-Mar-24 02:05:07.120 PM UTC"
    assert format_time(dt, "2006-01-02T15:04:05.999999999Z07:00") == "2024-03-09T14:05:07.12Z"
    assert parse_time("2006-01-02T15:04:05Z07:00", "2024-03-09T14:05:07+02:00").dt.utcoffset() == timedelta(
        hours=2
    )
    assert parse_time("Jan _2 15:04:05", "Mar  9 14:05:07").dt.day == 9
