"""expr's builtin functions (``builtin/builtin.go``), except the predicate ones (`evaluator` runs those).

Each entry is a plain function over evaluated arguments plus its arity, which the evaluator checks when the
program is compiled, as expr does (``invalid number of arguments (expected 1, got 2)``). Functions raise
`EvalError`; the call site adds the column.

Strings are indexed by character (``len("é") == 1``), where Go counts UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any, NamedTuple

from argento.expr.lang import runtime as rt
from argento.expr.lang.errors import EvalError
from argento.expr.lang.gofmt import format_value, marshal_json, type_name
from argento.expr.lang.gotime import (
    DEFAULT_DATE_LAYOUTS,
    GoDuration,
    GoTime,
    current_time,
    load_location,
    parse_duration,
    parse_time,
)


class Spec(NamedTuple):
    fn: Callable[..., Any]
    min_args: int
    max_args: int  # -1: variadic


BUILTINS: dict[str, Spec] = {}


def builtin(
    name: str, min_args: int, max_args: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        BUILTINS[name] = Spec(fn, min_args, min_args if max_args is None else max_args)
        return fn

    return register


def _str(value: Any, fn: str) -> str:
    if type(value) is not str:
        raise EvalError(f"{fn}: expected a string argument, got {type_name(value)}")
    return value


def _list(value: Any, fn: str) -> list[Any] | tuple[Any, ...]:
    if not rt.is_list(value):
        raise EvalError(f"{fn}: expected an array, got {type_name(value)}")
    return value  # type: ignore[no-any-return]


def go_atoi(text: str) -> int:
    """``strconv.Atoi``: optional sign and decimal digits only, no spaces or underscores."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise EvalError(f'cannot convert "{text}" to int: strconv.Atoi: invalid syntax')
    value = int(text)
    if not rt.INT_MIN <= value <= rt.INT_MAX:
        raise EvalError(f'cannot convert "{text}" to int: strconv.Atoi: value out of range')
    return value


def go_parse_float(text: str) -> float:
    """``strconv.ParseFloat(s, 64)``: decimal or hex floats, ``inf``/``nan``, underscores not allowed."""
    lowered = text.lower().lstrip("+-")
    if lowered in ("inf", "infinity", "nan"):
        return float(text.lower().replace("infinity", "inf"))
    if text and text.strip() == text and "_" not in text:
        try:
            return float.fromhex(text) if lowered.startswith("0x") else float(text)
        except ValueError:
            pass
    raise EvalError(f'cannot convert "{text}" to float: strconv.ParseFloat: invalid syntax')


# ---------------------------------------------------------------------------------------- conversions
@builtin("int", 1)
def int_(value: Any) -> int:
    """``int(x)``: numbers truncate toward zero, strings parse as decimal integers (``int("3.5")`` fails)."""
    t = type(value)
    if t is int:
        return value
    if t is float:
        return rt.to_int(value)
    if t is str:
        return go_atoi(value)
    raise EvalError(f"invalid operation: int({type_name(value)})")


@builtin("float", 1)
def float_(value: Any) -> float:
    t = type(value)
    if t is int or t is float:
        return float(value)
    if t is str:
        return go_parse_float(value)
    raise EvalError(f"invalid operation: float({type_name(value)})")


@builtin("string", 1)
def string(value: Any) -> str:
    return format_value(value)


@builtin("type", 1)
def type_(value: Any) -> str:
    if value is None:
        return "nil"
    for t, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "string"), (list, "array"),
                    (tuple, "array"), (GoTime, "time.Time"), (GoDuration, "time.Duration")):  # fmt: skip
        if isinstance(value, t):
            return name
    if isinstance(value, Mapping):
        return "map"
    return "func" if callable(value) else "unknown"


@builtin("len", 1)
def len_(value: Any) -> int:
    if type(value) is str or rt.is_list(value) or isinstance(value, Mapping):
        return len(value)
    raise EvalError(f"invalid argument for len (type {type_name(value)})")


@builtin("toJSON", 1)
def to_json(value: Any) -> str:
    """expr's ``toJSON`` is indented with two spaces (Argo's ``toJson`` is compact)."""
    try:
        return marshal_json(value, indent="  ")
    except ValueError as e:
        raise EvalError(str(e)) from None


def parse_json(text: str) -> Any:
    """``json.Unmarshal`` into ``interface{}``: every number becomes a float64."""
    try:
        return json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise EvalError(f"invalid JSON: {e}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


@builtin("fromJSON", 1)
def from_json(text: Any) -> Any:
    return parse_json(_str(text, "fromJSON"))


@builtin("toBase64", 1)
def to_base64(text: Any) -> str:
    return base64.b64encode(_str(text, "toBase64").encode()).decode()


@builtin("fromBase64", 1)
def from_base64(text: Any) -> str:
    try:
        return base64.b64decode(_str(text, "fromBase64"), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise EvalError("illegal base64 data") from None


# -------------------------------------------------------------------------------------------- numbers
def _number(value: Any, fn: str) -> int | float:
    if not rt.is_number(value):
        raise EvalError(f"invalid argument for {fn} (type {type_name(value)})")
    return value  # type: ignore[no-any-return]


@builtin("abs", 1)
def abs_(value: Any) -> int | float:
    return abs(_number(value, "abs"))


@builtin("ceil", 1)
def ceil(value: Any) -> float:
    x = float(_number(value, "ceil"))
    return float(math.ceil(x)) if math.isfinite(x) else x


@builtin("floor", 1)
def floor(value: Any) -> float:
    x = float(_number(value, "floor"))
    return float(math.floor(x)) if math.isfinite(x) else x


@builtin("round", 1)
def round_(value: Any) -> float:
    """Half away from zero, like Go's ``math.Round``."""
    x = float(_number(value, "round"))
    if not math.isfinite(x):
        return x
    t = float(math.trunc(x))
    if abs(x - t) >= 0.5:
        t += math.copysign(1.0, x)
    return t


def _numbers(args: tuple[Any, ...], fn: str) -> list[int | float]:
    out: list[int | float] = []
    for arg in args:
        if rt.is_list(arg):
            out.extend(_numbers(tuple(arg), fn))
        elif rt.is_number(arg):
            out.append(arg)
        else:
            raise EvalError(f"invalid argument for {fn} (type {type_name(arg)})")
    return out


def _min_max(fn: str, pick: str, args: tuple[Any, ...]) -> Any:
    if len(args) == 1 and not (rt.is_list(args[0]) or rt.is_number(args[0])):
        return args[0]
    best: Any = None
    for value in _numbers(args, fn):
        if best is None or rt.compare(pick, value, best):
            best = value
    return best


@builtin("max", 1, -1)
def max_(*args: Any) -> Any:
    return _min_max("max", ">", args)


@builtin("min", 1, -1)
def min_(*args: Any) -> Any:
    return _min_max("min", "<", args)


@builtin("mean", 1, -1)
def mean(*args: Any) -> float:
    values = _numbers(args, "mean")
    return math.fsum(values) / len(values) if values else 0.0


@builtin("median", 1, -1)
def median(*args: Any) -> float:
    values = sorted(float(v) for v in _numbers(args, "median"))
    if not values:
        return 0.0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


# -------------------------------------------------------------------------------------------- strings
@builtin("trim", 1, 2)
def trim(text: Any, chars: Any = None) -> str:
    return _str(text, "trim").strip() if chars is None else _str(text, "trim").strip(_str(chars, "trim"))


@builtin("trimPrefix", 1, 2)
def trim_prefix(text: Any, prefix: Any = " ") -> str:
    return _str(text, "trimPrefix").removeprefix(_str(prefix, "trimPrefix"))


@builtin("trimSuffix", 1, 2)
def trim_suffix(text: Any, suffix: Any = " ") -> str:
    return _str(text, "trimSuffix").removesuffix(_str(suffix, "trimSuffix"))


@builtin("upper", 1)
def upper(text: Any) -> str:
    return _str(text, "upper").upper()


@builtin("lower", 1)
def lower(text: Any) -> str:
    return _str(text, "lower").lower()


def go_split(text: str, sep: str, n: int = -1, after: bool = False) -> list[str]:
    """Go's ``strings.SplitN``/``SplitAfterN`` (``n < 0``: all, ``n == 0``: none, ``sep == ""``: runes)."""
    if n == 0:
        return []
    if sep == "":
        parts = list(text)
        if 0 < n < len(parts):
            parts = [*parts[: n - 1], "".join(parts[n - 1 :])]
        return parts
    parts = text.split(sep, n - 1 if n > 0 else -1)
    if after:
        parts = [p + sep for p in parts[:-1]] + parts[-1:]
    return parts


@builtin("split", 2, 3)
def split(text: Any, sep: Any, n: Any = -1) -> list[str]:
    return go_split(_str(text, "split"), _str(sep, "split"), rt.to_int(n))


@builtin("splitAfter", 2, 3)
def split_after(text: Any, sep: Any, n: Any = -1) -> list[str]:
    return go_split(_str(text, "splitAfter"), _str(sep, "splitAfter"), rt.to_int(n), after=True)


@builtin("replace", 3, 4)
def replace(text: Any, old: Any, new: Any, n: Any = -1) -> str:
    return _str(text, "replace").replace(_str(old, "replace"), _str(new, "replace"), rt.to_int(n))


@builtin("repeat", 2)
def repeat(text: Any, n: Any) -> str:
    count = rt.to_int(n)
    if count < 0:
        raise EvalError(f"invalid argument for repeat (expected positive integer, got {count})")
    if count > rt.MAX_SIZE:
        raise EvalError("memory budget exceeded")
    value = _str(text, "repeat")
    rt.check_string_size(len(value) * count, "repeat")
    return value * count


@builtin("join", 1, 2)
def join(items: Any, sep: Any = "") -> str:
    parts = _list(items, "join")
    for part in parts:
        if type(part) is not str:
            raise EvalError(f"invalid argument for join (element of type {type_name(part)})")
    return _str(sep, "join").join(parts)


@builtin("indexOf", 2)
def index_of(text: Any, sub: Any) -> int:
    return _str(text, "indexOf").find(_str(sub, "indexOf"))


@builtin("lastIndexOf", 2)
def last_index_of(text: Any, sub: Any) -> int:
    return _str(text, "lastIndexOf").rfind(_str(sub, "lastIndexOf"))


@builtin("hasPrefix", 2)
def has_prefix(text: Any, prefix: Any) -> bool:
    return _str(text, "hasPrefix").startswith(_str(prefix, "hasPrefix"))


@builtin("hasSuffix", 2)
def has_suffix(text: Any, suffix: Any) -> bool:
    return _str(text, "hasSuffix").endswith(_str(suffix, "hasSuffix"))


# ---------------------------------------------------------------------------------------------- dates
@builtin("now", 0, 1)
def now(loc: Any = None) -> GoTime:
    current = current_time()
    return GoTime(current if loc is None else current.astimezone(_tz(loc, "now")))


def _tz(value: Any, fn: str) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    raise EvalError(f"{fn}: expected a time zone, got {type_name(value)}")


@builtin("duration", 1)
def duration(text: Any) -> GoDuration:
    try:
        return parse_duration(_str(text, "duration"))
    except ValueError as e:
        raise EvalError(str(e)) from None


@builtin("date", 1, 4)
def date(*args: Any) -> GoTime:
    loc: tzinfo | None = None
    if args and isinstance(args[0], tzinfo):
        loc, args = args[0], args[1:]
    if not args or len(args) > 3:
        raise EvalError(f"invalid number of arguments (expected 1 to 3, got {len(args)})")
    text = _str(args[0], "date")
    try:
        if len(args) >= 2:
            if len(args) == 3:
                loc = load_location(_str(args[2], "date"))
            return parse_time(_str(args[1], "date"), text, loc)
        for layout in DEFAULT_DATE_LAYOUTS:
            try:
                return parse_time(layout, text, loc)
            except ValueError:
                continue
    except ValueError as e:
        raise EvalError(str(e)) from None
    raise EvalError(f"invalid date {text}")


@builtin("timezone", 1)
def timezone_(name: Any) -> tzinfo:
    try:
        return load_location(_str(name, "timezone"))
    except ValueError as e:
        raise EvalError(str(e)) from None


# ----------------------------------------------------------------------------------- arrays and maps
def _safe_fetch(obj: Any, key: Any) -> Any:
    try:
        return rt.fetch(obj, key)
    except EvalError:
        return None


@builtin("first", 1)
def first(items: Any) -> Any:
    return _safe_fetch(items, 0)


@builtin("last", 1)
def last(items: Any) -> Any:
    return _safe_fetch(items, -1)


@builtin("get", 2)
def get(obj: Any, key: Any) -> Any:
    """Like ``obj[key]`` but nil instead of an error (out of range, nil object, wrong key type)."""
    return _safe_fetch(obj, key)


@builtin("take", 2)
def take(items: Any, n: Any) -> list[Any]:
    return list(_list(items, "take")[: max(0, rt.to_int(n))])


def _map(value: Any, fn: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise EvalError(f"cannot get {fn} from {type_name(value)}")
    return value


@builtin("keys", 1)
def keys(obj: Any) -> list[Any]:
    return list(_map(obj, "keys"))


@builtin("values", 1)
def values(obj: Any) -> list[Any]:
    return list(_map(obj, "values").values())


@builtin("toPairs", 1)
def to_pairs(obj: Any) -> list[list[Any]]:
    return [[k, v] for k, v in _map(obj, "toPairs").items()]


@builtin("fromPairs", 1)
def from_pairs(items: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for pair in _list(items, "fromPairs"):
        if not rt.is_list(pair) or len(pair) != 2:
            raise EvalError(f"invalid pair {format_value(pair)}")
        out[pair[0]] = pair[1]
    return out


@builtin("reverse", 1)
def reverse(items: Any) -> list[Any]:
    return list(reversed(_list(items, "reverse")))


@builtin("uniq", 1)
def uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(items, "uniq"):
        if not any(rt.equal(item, seen) for seen in out):
            out.append(item)
    return out


@builtin("concat", 1, -1)
def concat(*arrays: Any) -> list[Any]:
    out: list[Any] = []
    for array in arrays:
        out.extend(_list(array, "concat"))
    return out


@builtin("flatten", 1)
def flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(items, "flatten"):
        out.extend(flatten(item) if rt.is_list(item) else [item])
    return out


def order_key() -> Callable[[Any], Any]:
    """A sort key ordering values with expr's ``<`` (mismatched kinds raise)."""
    return functools.cmp_to_key(
        lambda a, b: -1 if rt.compare("<", a, b) else (1 if rt.compare(">", a, b) else 0)
    )


def descending(order: Any, fn: str) -> bool:
    if order not in ("asc", "desc"):
        raise EvalError(f"{fn}: invalid order {format_value(order)}, expected asc or desc")
    return order == "desc"


@builtin("sort", 1, 2)
def sort(items: Any, order: Any = "asc") -> list[Any]:
    return sorted(_list(items, "sort"), key=order_key(), reverse=descending(order, "sort"))


# ---------------------------------------------------------------------------------------------- bits
def _bits(name: str, op: Callable[[int, int], int]) -> None:
    def fn(a: Any, b: Any) -> int:
        if type(a) is not int or type(b) is not int:
            raise EvalError(f"{name}: expected int arguments, got {type_name(a)} and {type_name(b)}")
        if (name.startswith("bitsh") or name == "bitushr") and b < 0:
            raise EvalError(f"invalid operation: negative shift count {b} (type int)")
        return rt.wrap(op(a, b))

    BUILTINS[name] = Spec(fn, 2, 2)


_bits("bitand", lambda a, b: a & b)
_bits("bitor", lambda a, b: a | b)
_bits("bitxor", lambda a, b: a ^ b)
_bits("bitnand", lambda a, b: a & ~b)
_bits("bitshl", lambda a, b: a << min(b, 64))
_bits("bitshr", lambda a, b: a >> min(b, 64))
_bits("bitushr", lambda a, b: (a % 2**64) >> min(b, 64))


@builtin("bitnot", 1)
def bitnot(a: Any) -> int:
    if type(a) is not int:
        raise EvalError(f"bitnot: expected an int argument, got {type_name(a)}")
    return ~a
