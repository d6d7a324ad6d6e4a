"""Value semantics of expr's VM (``vm/runtime``): equality, ordering, arithmetic, member access, slicing.

expr runs on Go values, so its rules differ from Python's in ways users notice:

* ``int`` is 64-bit and wraps; ``/`` always yields a float (``7 / 2 == 3.5``); ``%`` is for ints only and
  truncates toward zero (``-7 % 3 == -1``); ``**`` always yields a float; float division by zero is ``+Inf``.
* ``==`` never fails: values of different kinds are simply unequal (``"3" == 3`` is false, ``1 == 1.0`` is
  true, ``true == 1`` is false); ``<`` on mismatched kinds is an error.
* ``+`` adds numbers, concatenates strings, and adds durations to times; ``"a" + 1`` is an error.
* ``a.b`` on a map returns nil for a missing key, and is an error on nil (``?.`` makes it nil instead).

Booleans are kept apart from ints everywhere (Python's ``True == 1`` must not leak through). Strings index and
slice by character (``"héllo"[1] == "é"``), where Go works on UTF-8 bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Final

from argento.expr.goregex import GoRegexError, compile_go_regex
from argento.expr.lang.errors import BudgetExceeded, EvalError
from argento.expr.lang.gofmt import format_value, type_name
from argento.expr.lang.gotime import GoDuration, GoTime

INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1
#: Largest array expr will build (its "memory budget").
MAX_SIZE: Final = 1_000_000
#: Largest string a string-building function (``repeat``, ``sprig.repeat``, ``indent``, ``rand*``) may make.
#: Go has no such bound (``sprig.repeat(100000000, "a")`` is 100 MB per node), so this is ours: the engine
#: sets it to ARGENTO_MAX_PARAMETER_BYTES around every ``{{=…}}`` substitution; elsewhere it is 16 MiB.
STRING_BUDGET: ContextVar[int] = ContextVar("argento_string_budget", default=16 * 1024 * 1024)


def check_string_size(size: int, fn: str) -> None:
    """Refuse, before allocating it, a string of ``size`` characters over :data:`STRING_BUDGET`."""
    budget = STRING_BUDGET.get()
    if size > budget:
        raise BudgetExceeded(f"{fn}: the result would be {size} characters, more than the {budget} allowed")


class _Short:
    """Marker an optional member returns on nil; the enclosing `Chain` turns it into nil."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<short-circuit>"


SHORT: Final = _Short()


def wrap(value: int) -> int:
    """Wrap to int64 like Go's integer arithmetic."""
    if INT_MIN <= value <= INT_MAX:
        return value
    return (value - INT_MIN) % 2**64 + INT_MIN


def is_number(value: Any) -> bool:
    t = type(value)
    return t is int or t is float


def is_list(value: Any) -> bool:
    return type(value) is list or isinstance(value, list | tuple)


def equal(a: Any, b: Any) -> bool:
    """expr's ``runtime.Equal``."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int or ta is float or ta is bool):
        return bool(a == b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return bool(a == b)
    if a is None or b is None:
        return a is b
    if is_list(a) and is_list(b):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return len(a) == len(b) and all(k in b and equal(v, b[k]) for k, v in a.items())
    if ta is tb and (ta is GoTime or ta is GoDuration):
        return bool(a == b)
    return False


def compare(op: str, a: Any, b: Any) -> bool:
    """``<``, ``>``, ``<=``, ``>=`` on numbers, strings, times or durations."""
    ta, tb = type(a), type(b)
    if not (((ta is int or ta is float) and (tb is int or tb is float)) or (ta is tb and ta is str)):
        if ta is tb and ta is GoTime:
            a, b = a.dt, b.dt
        elif ta is tb and ta is GoDuration:
            a, b = a.ns, b.ns
        else:
            raise EvalError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def _mismatch(op: str, a: Any, b: Any) -> EvalError:
    return EvalError(f"invalid operation: {type_name(a)} {op} {type_name(b)}")


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a + b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) + float(b)
    if ta is str and tb is str:
        return a + b
    if ta is GoTime and tb is GoDuration:
        return GoTime(a.dt + b.timedelta())
    if ta is GoDuration and tb is GoTime:
        return GoTime(b.dt + a.timedelta())
    if ta is GoDuration and tb is GoDuration:
        return GoDuration(wrap(a.ns + b.ns))
    raise _mismatch("+", a, b)


def subtract(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a - b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) - float(b)
    if ta is GoTime and tb is GoTime:
        return GoTime.methods["Sub"](a, b)
    if ta is GoTime and tb is GoDuration:
        return GoTime(a.dt - b.timedelta())
    if ta is GoDuration and tb is GoDuration:
        return GoDuration(wrap(a.ns - b.ns))
    raise _mismatch("-", a, b)


def multiply(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return wrap(a * b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) * float(b)
    if ta is GoDuration and tb is int:
        return GoDuration(wrap(a.ns * b))
    if ta is int and tb is GoDuration:
        return GoDuration(wrap(a * b.ns))
    raise _mismatch("*", a, b)


def divide(a: Any, b: Any) -> float:
    """``/``: always float64, and IEEE division (``1 / 0`` is ``+Inf``) as in Go."""
    if not (is_number(a) and is_number(b)):
        raise _mismatch("/", a, b)
    fa, fb = float(a), float(b)
    if fb == 0.0:
        if fa == 0.0 or math.isnan(fa):
            return math.nan
        return math.copysign(math.inf, fa) * math.copysign(1.0, fb)
    return fa / fb


def modulo(a: Any, b: Any) -> int:
    """``%``: ints only, result takes the dividend's sign (Go's truncated remainder)."""
    if type(a) is not int or type(b) is not int:
        raise _mismatch("%", a, b)
    if b == 0:
        raise EvalError("integer divide by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def power(a: Any, b: Any) -> float:
    """``**``/``^``: ``math.Pow`` on floats."""
    if not (is_number(a) and is_number(b)):
        raise _mismatch("**", a, b)
    try:
        return math.pow(float(a), float(b))
    except OverflowError:
        return math.inf
    except ValueError:  # negative base, fractional exponent; or 0 ** negative
        if float(a) == 0.0:
            return math.inf
        return math.nan


def negate(a: Any) -> Any:
    t = type(a)
    if t is int:
        return wrap(-a)
    if t is float:
        return -a
    if t is GoDuration:
        return GoDuration(wrap(-a.ns))
    raise EvalError(f"invalid operation: - {type_name(a)}")


def make_range(a: Any, b: Any) -> list[int]:
    lo, hi = to_int(a), to_int(b)
    if hi - lo + 1 > MAX_SIZE:
        raise EvalError("memory budget exceeded")
    return list(range(lo, hi + 1))


def to_int(value: Any) -> int:
    """expr's ``runtime.ToInt``: numbers only, floats truncated."""
    t = type(value)
    if t is int:
        return value
    if t is float:
        if math.isnan(value) or math.isinf(value):
            return INT_MIN
        return wrap(int(value))
    raise EvalError(f"invalid operation: int({type_name(value)})")


def contains(container: Any, item: Any) -> bool:
    """The ``in`` operator: list membership by `equal`, or a map key."""
    if container is None:
        return False
    if is_list(container):
        t = type(item)
        if t is str or t is bool:
            return any(type(x) is t and x == item for x in container)
        return any(equal(x, item) for x in container)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            return False
    raise EvalError(f'operator "in" not defined on {type_name(container)}')


def fetch(obj: Any, key: Any) -> Any:
    """``obj[key]`` / ``obj.key`` (expr's ``runtime.Fetch``)."""
    if isinstance(obj, Mapping):
        try:
            return obj.get(key)
        except TypeError:
            raise EvalError(f"cannot use {type_name(key)} as a map key") from None
    if is_list(obj) or type(obj) is str:
        index = to_int(key)
        length = len(obj)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise EvalError(f"index out of range: {index} (array length is {length})")
        return obj[index]
    if isinstance(obj, GoTime | GoDuration) and isinstance(key, str) and key in obj.methods:
        method = obj.methods[key]
        return lambda *args: method(obj, *args)
    if obj is None:
        raise EvalError(f"cannot fetch {format_value(key)} from nil")
    raise EvalError(f"cannot fetch {format_value(key)} from {type_name(obj)}")


def slice_of(obj: Any, lo: Any, hi: Any) -> Any:
    """``obj[lo:hi]`` with Go-style clamping and negative offsets."""
    if not (is_list(obj) or type(obj) is str):
        raise EvalError(f"cannot slice {type_name(obj)}")
    length = len(obj)
    a = 0 if lo is None else to_int(lo)
    b = length if hi is None else to_int(hi)
    if a < 0:
        a = max(0, length + a)
    if b < 0:
        b = max(0, length + b)
    b = min(b, length)
    a = min(a, b)
    return obj[a:b] if type(obj) is str else list(obj[a:b])


def expect_bool(value: Any, what: str) -> bool:
    if value is True or value is False:
        return value
    raise EvalError(f"{what} must be a bool, not {type_name(value)}")


def expect_str(value: Any, op: str, other: Any) -> None:
    if type(value) is not str or type(other) is not str:
        raise EvalError(f"invalid operation: {type_name(value)} {op} {type_name(other)}")


# ------------------------------------------------------------------------------------ RE2 → Python re


def compile_re2(pattern: str) -> re.Pattern[str]:
    """Compile a Go (RE2) regular expression with Python's ``re`` (see :mod:`argento.expr.goregex`)."""
    try:
        return compile_go_regex(pattern)
    except GoRegexError as exc:
        raise EvalError(f"{exc} in {pattern!r}") from None


def matches(text: Any, pattern: Any) -> bool:
    expect_str(text, "matches", pattern)
    return compile_re2(pattern).search(text) is not None
