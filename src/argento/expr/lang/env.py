"""Argo's expression environment: its extra functions and `build_env` (``util/expr/env``).

Argo evaluates every expression field against ``env.GetFuncMap(EnvMap(scope))``: the flat substitution map
(``inputs.parameters.x``, ``steps.flip-coin.outputs.result`` …) expanded into nested maps, plus ``asInt``
and ``asFloat`` (aliases of expr's ``int``/``float``), ``jsonpath``, a compact ``toJson`` and the Sprig map.

Expansion rule (Argo's ``util/expand``): a dotted key becomes a path of nested maps, and when a key is both a
value and the prefix of other keys — ``workflow.parameters`` (a JSON string) next to ``workflow.parameters.x``,
``steps.A.outputs.parameters`` next to ``steps.A.outputs.parameters.p`` — the less specific key is dropped so
the children stay reachable. Argo only compares neighbours in sorted order, which leaves the result to map
iteration order for keys like ``a``, ``a-b``, ``a.b``; here every key with children is dropped, always.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from argento.expr.lang.builtins import float_, int_, parse_json
from argento.expr.lang.errors import EvalError
from argento.expr.lang.gofmt import marshal_json, type_name
from argento.expr.lang.gotime import GoDuration, GoTime
from argento.expr.lang.jsonpath import JSONPathError, query
from argento.expr.lang.sprig import SPRIG


def as_int(value: Any) -> int:
    """Argo's ``asInt``: expr's ``int`` (``asInt("3") == 3``; ``asInt("3.5")`` fails)."""
    return int_(value)


def as_float(value: Any) -> float:
    """Argo's ``asFloat``: expr's ``float``."""
    return float_(value)


def jsonpath(document: Any, path: Any) -> Any:
    """Argo's ``jsonpath(jsonString, path)``: decode the JSON (numbers become floats) and query it."""
    if type(document) is not str or type(path) is not str:
        raise EvalError(f"jsonpath expects (string, string), got ({type_name(document)}, {type_name(path)})")
    data = parse_json(document)
    try:
        return query(path, data)
    except JSONPathError as e:
        raise EvalError(f"jsonpath: {e}") from None


def to_json(value: Any) -> str:
    """Argo's ``toJson``: compact ``json.Marshal`` (expr's own ``toJSON`` indents)."""
    try:
        return marshal_json(value)
    except ValueError as e:
        raise EvalError(str(e)) from None


#: The names Argo adds to every expression environment. Read-only: shared by all programs.
ARGO_FUNCTIONS: Mapping[str, Any] = MappingProxyType(
    {
        "asInt": as_int,
        "asFloat": as_float,
        "jsonpath": jsonpath,
        "toJson": to_json,
        "sprig": MappingProxyType(SPRIG),
    }
)


def _convert(value: Any) -> Any:
    if isinstance(value, datetime):
        return GoTime(value)
    if isinstance(value, timedelta):
        return GoDuration((value.days * 86400 + value.seconds) * 10**9 + value.microseconds * 1000)
    return value


def expand(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Nest dotted keys: ``{"a.b": 1, "a.c": 2}`` → ``{"a": {"b": 1, "c": 2}}``; parents with children lose."""
    parents: set[str] = set()
    for key in flat:
        dot = key.find(".")
        while dot >= 0:
            parents.add(key[:dot])
            dot = key.find(".", dot + 1)
    result: dict[str, Any] = {}
    for key in sorted(flat):
        if key in parents:
            continue
        *path, leaf = key.split(".")
        node = result
        for part in path:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = _convert(flat[key])
    return result


def build_env(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The environment Argo gives expressions for the flat substitution map ``flat``.

    Values are kept as given (Argo's are strings: ``"3" == 3`` is false, use ``asInt``); `datetime` and
    `timedelta` values become Go times and durations so ``now() - t`` works.
    """
    env = expand(flat)
    env.update(ARGO_FUNCTIONS)
    return env
