"""expr's predicate builtins: ``all``, ``any``, ``filter``, ``map``, ``reduce`` … over an array.

The evaluator hands over closures for the array and for the predicate body; the loops here set the current
element (``#``), its index (``#index``) and the accumulator (``#acc``) on the run's scope, and restore them
afterwards so predicates nest. A predicate that must decide (``filter``, ``all`` …) has to yield a bool, as
in expr, where anything else is a runtime error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argento.expr.lang import runtime as rt
from argento.expr.lang.builtins import descending, order_key
from argento.expr.lang.errors import EvalError
from argento.expr.lang.gofmt import type_name

Fn = Callable[[Any], Any]


def _array(value: Any, name: str, pos: int) -> list[Any] | tuple[Any, ...]:
    if rt.is_list(value):
        return value  # type: ignore[no-any-return]
    raise EvalError(f"{name}() expects an array, got {type_name(value)}", pos)


def _decide(value: Any, name: str, pos: int) -> bool:
    if value is True or value is False:
        return value
    raise EvalError(f"the predicate of {name}() must return a bool, not {type_name(value)}", pos)


class _Stop(Exception):
    """Ends a predicate loop early with a result (``any`` found a match …)."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _loop(
    s: Any, items: list[Any] | tuple[Any, ...], pred: Fn | None, visit: Callable[[int, Any, Any], None]
) -> None:
    """Call ``visit(index, element, predicate value)`` for each element, with ``#`` set for the predicate."""
    saved = (s.item, s.index, s.acc)
    try:
        for i, item in enumerate(items):
            s.item, s.index = item, i
            visit(i, item, pred(s) if pred is not None else item)
    finally:
        s.item, s.index, s.acc = saved


def compile_predicate_builtin(name: str, args: list[Fn], pos: int) -> Fn:
    """Closure for ``name(array, predicate[, extra])`` given the compiled arguments."""
    source = args[0]
    pred = args[1] if len(args) > 1 else None
    extra = args[2] if len(args) > 2 else None
    if name == "reduce":
        return _reduce(source, pred, extra, pos)
    if name == "sortBy":
        return _sort_by(source, pred, extra, pos)
    make = _FOLDS.get(name)
    if make is None:
        raise EvalError(f"unknown builtin {name}", pos)

    def run(s: Any) -> Any:
        items = _array(source(s), name, pos)
        start, visit, finish = make(name, pos)
        state = [start]
        try:
            _loop(s, items, pred, lambda i, item, v: visit(state, i, item, v))
        except _Stop as stop:
            return stop.value
        return finish(state[0])

    return run


Visit = Callable[[list[Any], int, Any, Any], None]
Fold = Callable[[str, int], tuple[Any, Visit, Callable[[Any], Any]]]


def _decider(stop_on: bool, result: Any, default: Any) -> Fold:
    """``all``/``any``/``none``: stop at the first predicate value equal to ``stop_on``."""

    def make(name: str, pos: int) -> tuple[Any, Visit, Callable[[Any], Any]]:
        def visit(state: list[Any], i: int, item: Any, v: Any) -> None:
            if _decide(v, name, pos) is stop_on:
                raise _Stop(result)

        return None, visit, lambda _: default

    return make


def _counter(name: str, pos: int) -> tuple[Any, Visit, Callable[[Any], Any]]:
    def visit(state: list[Any], i: int, item: Any, v: Any) -> None:
        if _decide(v, name, pos):
            state[0] += 1

    return 0, visit, (lambda n: n == 1) if name == "one" else (lambda n: n)


def _collector(name: str, pos: int) -> tuple[Any, Visit, Callable[[Any], Any]]:
    def visit(state: list[Any], i: int, item: Any, v: Any) -> None:
        if name == "map" or name == "sum":
            state[0].append(v)
        elif _decide(v, name, pos):
            state[0].append(item)

    return [], visit, (lambda values: _sum(values, pos)) if name == "sum" else (lambda values: values)


def _finder(name: str, pos: int) -> tuple[Any, Visit, Callable[[Any], Any]]:
    last = name.startswith("findLast")
    want_index = name.endswith("Index")

    def visit(state: list[Any], i: int, item: Any, v: Any) -> None:
        if _decide(v, name, pos):
            if not last:
                raise _Stop(i if want_index else item)
            state[0] = (i, item)

    def finish(found: Any) -> Any:
        if found is None:
            return -1 if want_index else None
        return found[0] if want_index else found[1]

    return None, visit, finish


def _grouper(name: str, pos: int) -> tuple[Any, Visit, Callable[[Any], Any]]:
    def visit(state: list[Any], i: int, item: Any, key: Any) -> None:
        try:
            state[0].setdefault(key, []).append(item)
        except TypeError:
            raise EvalError(
                f"groupBy() key must be a string, number or bool, not {type_name(key)}", pos
            ) from None

    return {}, visit, lambda groups: groups


_FOLDS: dict[str, Fold] = {
    "all": _decider(False, False, True),
    "any": _decider(True, True, False),
    "none": _decider(True, False, True),
    "one": _counter,
    "count": _counter,
    "filter": _collector,
    "map": _collector,
    "sum": _collector,
    "find": _finder,
    "findIndex": _finder,
    "findLast": _finder,
    "findLastIndex": _finder,
    "groupBy": _grouper,
}


def _sort_by(source: Fn, pred: Fn | None, order_fn: Fn | None, pos: int) -> Fn:
    def run(s: Any) -> list[Any]:
        items = _array(source(s), "sortBy", pos)
        keyed: list[tuple[Any, Any]] = []
        _loop(s, items, pred, lambda i, item, v: keyed.append((v, item)))
        order = "asc" if order_fn is None else order_fn(s)
        key = order_key()
        try:
            keyed.sort(key=lambda kv: key(kv[0]), reverse=descending(order, "sortBy"))
        except EvalError as e:
            raise EvalError(e.message, pos) from None
        return [item for _, item in keyed]

    return run


def _sum(values: list[Any], pos: int) -> Any:
    total: Any = 0
    for v in values:
        try:
            total = rt.add(total, v) if rt.is_number(v) else _not_number(v)
        except EvalError as e:
            raise EvalError(e.message, pos) from None
    return total


def _not_number(value: Any) -> Any:
    raise EvalError(f"invalid argument for sum (type {type_name(value)})")


def _reduce(source: Fn, pred: Fn | None, initial: Fn | None, pos: int) -> Fn:
    assert pred is not None

    def run(s: Any) -> Any:
        items = _array(source(s), "reduce", pos)
        if initial is not None:
            acc, start = initial(s), 0
        elif items:
            acc, start = items[0], 1
        else:
            raise EvalError("reduce() of an empty array needs an initial value", pos)
        saved = (s.item, s.index, s.acc)
        try:
            for i in range(start, len(items)):
                s.item, s.index, s.acc = items[i], i, acc
                acc = pred(s)
        finally:
            s.item, s.index, s.acc = saved
        return acc

    return run
