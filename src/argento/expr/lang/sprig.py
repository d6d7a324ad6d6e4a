"""The Sprig function map Argo exposes to expressions as ``sprig`` (``sprig.trim(x)``, ``sprig.add(a, b)``).

Semantics follow ``Masterminds/sprig/v3``, including its argument order (the subject comes last:
``sprig.replace(old, new, s)``, ``sprig.trimAll(cutset, s)``, ``sprig.contains(sub, s)``), its forgiving
conversions (``sprig.int("x")`` is 0, ``sprig.atoi`` ignores errors, ``sprig.b64dec`` returns the error text),
``int64`` math (``sprig.add`` of floats truncates, ``sprig.div`` is integer division), and its "empty" rules for
``default``/``coalesce``. Where Sprig declares a Go ``string`` or ``int`` parameter, passing another kind is an
error, as Go's reflective call would be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import random
import re
import string as _string
import uuid
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from argento.expr.lang import runtime as rt
from argento.expr.lang.builtins import go_split, parse_json
from argento.expr.lang.errors import EvalError
from argento.expr.lang.gofmt import format_value, go_quote, marshal_json, type_name
from argento.expr.lang.gotime import GoDuration, GoTime, current_time, format_time, load_location, parse_time
from argento.expr.lang.semver import satisfies

SPRIG: dict[str, Callable[..., Any]] = {}


def sprig(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            SPRIG[name] = fn
        return fn

    return register


def _s(value: Any, fn: str) -> str:
    if type(value) is not str:
        raise EvalError(f"sprig.{fn}: expected a string argument, got {type_name(value)}")
    return value


def _i(value: Any, fn: str) -> int:
    if type(value) is not int:
        raise EvalError(f"sprig.{fn}: expected an int argument, got {type_name(value)}")
    return value


def strval(value: Any) -> str:
    """Sprig's ``strval``: strings as they are, everything else with ``%v``."""
    return value if isinstance(value, str) else format_value(value)


def strslice(value: Any) -> list[str]:
    """Sprig's ``strslice``: a list's non-nil elements as strings; nil is empty; a scalar is one element."""
    if value is None:
        return []
    if rt.is_list(value):
        return [strval(v) for v in value if v is not None]
    return [strval(value)]


def _parse_go_int(text: str) -> int:
    """``strconv.ParseInt(s, 0, 64)`` after cast's ``trimZeroDecimal``; raises `ValueError`."""
    text = re.sub(r"^([+-]?\d+)\.0*$", r"\1", text)
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-") if text[:1] in "+-" else text
    if re.fullmatch(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9]*|0", body) is None:
        raise ValueError(text)
    if re.fullmatch(r"0[0-7_]+", body):
        value = int(body[1:].replace("_", "") or "0", 8)
    else:
        value = int(body.replace("_", ""), 0)
    value *= sign
    if not rt.INT_MIN <= value <= rt.INT_MAX:
        raise ValueError(text)
    return value


def to_int64(value: Any) -> int:
    """``cast.ToInt64``: numbers truncate, numeric strings parse (``"0x1F"``, ``"3.0"``), else 0."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if type(value) is int:
        return value
    if type(value) is float:
        return rt.to_int(value)
    if isinstance(value, str):
        try:
            return _parse_go_int(value)
        except ValueError:
            return 0
    if isinstance(value, GoDuration):
        return value.ns
    return 0


def to_float64(value: Any) -> float:
    """``cast.ToFloat64``: numbers, numeric strings, bools; anything else is 0."""
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if rt.is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value) if value.strip() == value and "_" not in value else 0.0
        except ValueError:
            return 0.0
    return 0.0


def is_empty(value: Any) -> bool:
    """Sprig's ``empty``: nil, false, 0, "", and empty lists and maps."""
    if value is None or value is False:
        return True
    if value is True:
        return False
    if rt.is_number(value):
        return value == 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    if isinstance(value, GoDuration):
        return value.ns == 0
    return False


def deep_equal(a: Any, b: Any) -> bool:
    """Go's ``reflect.DeepEqual``: kinds must match exactly (``1`` is not ``1.0``)."""
    if type(a) is not type(b):
        if rt.is_list(a) and rt.is_list(b):
            pass
        else:
            return False
    if rt.is_list(a):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    return bool(a == b)


# ---------------------------------------------------------------------------------------- conversions
sprig("toString")(strval)
sprig("int", "int64")(to_int64)
sprig("float64")(to_float64)
sprig("empty")(is_empty)
sprig("deepEqual")(deep_equal)


@sprig("atoi")
def atoi(text: Any) -> int:
    body = _s(text, "atoi")
    return int(body) if re.fullmatch(r"[+-]?\d+", body) else 0


@sprig("toStrings")
def to_strings(value: Any) -> list[str]:
    return strslice(value)


@sprig("kindOf")
def kind_of(value: Any) -> str:
    kinds = {
        bool: "bool",
        int: "int",
        float: "float64",
        str: "string",
        list: "slice",
        tuple: "slice",
        dict: "map",
    }
    return (
        "invalid"
        if value is None
        else kinds.get(type(value), "map" if isinstance(value, Mapping) else "struct")
    )


@sprig("typeOf")
def type_of(value: Any) -> str:
    return type_name(value)


@sprig("kindIs")
def kind_is(kind: Any, value: Any) -> bool:
    return _s(kind, "kindIs") == kind_of(value)


# ----------------------------------------------------------------------------------------------- math
def _int_math(name: str, fn: Callable[[int, int], int]) -> None:
    def run(a: Any, b: Any) -> int:
        return rt.wrap(fn(to_int64(a), to_int64(b)))

    SPRIG[name] = run


def _go_div(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("runtime error: integer divide by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _go_mod(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("runtime error: integer divide by zero")
    return a - _go_div(a, b) * b


_int_math("sub", lambda a, b: a - b)
_int_math("div", _go_div)
_int_math("mod", _go_mod)


@sprig("add")
def add(*values: Any) -> int:
    return rt.wrap(sum(to_int64(v) for v in values))


@sprig("add1")
def add1(value: Any) -> int:
    return rt.wrap(to_int64(value) + 1)


@sprig("mul")
def mul(first: Any, *rest: Any) -> int:
    product = to_int64(first)
    for v in rest:
        product = rt.wrap(product * to_int64(v))
    return product


@sprig("max", "biggest")
def max_(first: Any, *rest: Any) -> int:
    return max([to_int64(first), *(to_int64(v) for v in rest)])


@sprig("min")
def min_(first: Any, *rest: Any) -> int:
    return min([to_int64(first), *(to_int64(v) for v in rest)])


@sprig("addf")
def addf(*values: Any) -> float:
    return math.fsum(to_float64(v) for v in values)


@sprig("subf")
def subf(first: Any, *rest: Any) -> float:
    return to_float64(first) - math.fsum(to_float64(v) for v in rest)


@sprig("mulf")
def mulf(first: Any, *rest: Any) -> float:
    product = to_float64(first)
    for v in rest:
        product *= to_float64(v)
    return product


@sprig("divf")
def divf(first: Any, *rest: Any) -> float:
    result = to_float64(first)
    for v in rest:
        divisor = to_float64(v)
        if divisor == 0:
            raise EvalError("sprig.divf: division by zero")
        result /= divisor
    return result


@sprig("maxf")
def maxf(first: Any, *rest: Any) -> float:
    return max([to_float64(first), *(to_float64(v) for v in rest)])


@sprig("minf")
def minf(first: Any, *rest: Any) -> float:
    return min([to_float64(first), *(to_float64(v) for v in rest)])


@sprig("floor")
def floor(value: Any) -> float:
    return float(math.floor(to_float64(value)))


@sprig("ceil")
def ceil(value: Any) -> float:
    return float(math.ceil(to_float64(value)))


@sprig("round")
def round_(value: Any, places: Any, half: Any = 0.5) -> float:
    factor = 10.0 ** to_int64(places)
    x = to_float64(value) * factor
    t = math.trunc(x)
    if abs(x - t) >= to_float64(half):
        t += int(math.copysign(1, x))
    return t / factor


# -------------------------------------------------------------------------------------------- strings
sprig("upper")(lambda s: _s(s, "upper").upper())
sprig("lower")(lambda s: _s(s, "lower").lower())
sprig("trim")(lambda s: _s(s, "trim").strip())
sprig("trimAll")(lambda cutset, s: _s(s, "trimAll").strip(_s(cutset, "trimAll")))
sprig("trimPrefix")(lambda prefix, s: _s(s, "trimPrefix").removeprefix(_s(prefix, "trimPrefix")))
sprig("trimSuffix")(lambda suffix, s: _s(s, "trimSuffix").removesuffix(_s(suffix, "trimSuffix")))
sprig("contains")(lambda sub, s: _s(sub, "contains") in _s(s, "contains"))
sprig("hasPrefix")(lambda prefix, s: _s(s, "hasPrefix").startswith(_s(prefix, "hasPrefix")))
sprig("hasSuffix")(lambda suffix, s: _s(s, "hasSuffix").endswith(_s(suffix, "hasSuffix")))
sprig("replace")(lambda old, new, src: _s(src, "replace").replace(_s(old, "replace"), _s(new, "replace")))


@sprig("repeat")
def _repeat(count: Any, s: Any) -> str:
    text, n = _s(s, "repeat"), max(0, _i(count, "repeat"))
    rt.check_string_size(len(text) * n, "repeat")
    return text * n


def _indent(n: Any, s: Any) -> str:
    width, text = max(0, _i(n, "indent")), _s(s, "indent")
    rt.check_string_size(width * (text.count("\n") + 1) + len(text), "indent")
    pad = " " * width
    return pad + text.replace("\n", "\n" + pad)


sprig("indent")(_indent)
sprig("nospace")(lambda s: re.sub(r"\s", "", _s(s, "nospace")))
sprig("splitList")(lambda sep, s: go_split(_s(s, "splitList"), _s(sep, "splitList")))
sprig("join")(lambda sep, items: _s(sep, "join").join(strslice(items)))
sprig("squote")(lambda *items: " ".join(f"'{strval(v)}'" for v in items if v is not None))
sprig("quote")(lambda *items: " ".join(go_quote(strval(v)) for v in items if v is not None))
sprig("cat")(lambda *items: " ".join(format_value(v) for v in items if v is not None))
sprig("nindent")(lambda n, s: "\n" + SPRIG["indent"](n, s))
sprig("plural")(
    lambda one, many, count: _s(one, "plural") if _i(count, "plural") == 1 else _s(many, "plural")
)


@sprig("title")
def title(text: Any) -> str:
    """Go's ``strings.Title``: upper-case the first letter of every word."""
    out, prev_separator = [], True
    for ch in _s(text, "title"):
        out.append(ch.upper() if prev_separator else ch)
        prev_separator = not (ch.isalnum() or ch == "_") if ch.isascii() else ch.isspace()
    return "".join(out)


@sprig("untitle")
def untitle(text: Any) -> str:
    out, prev_separator = [], True
    for ch in _s(text, "untitle"):
        out.append(ch.lower() if prev_separator else ch)
        prev_separator = ch.isspace()
    return "".join(out)


@sprig("split")
def split(sep: Any, text: Any) -> dict[str, str]:
    return {f"_{i}": part for i, part in enumerate(go_split(_s(text, "split"), _s(sep, "split")))}


@sprig("splitn")
def splitn(sep: Any, n: Any, text: Any) -> dict[str, str]:
    parts = go_split(_s(text, "splitn"), _s(sep, "splitn"), _i(n, "splitn"))
    return {f"_{i}": part for i, part in enumerate(parts)}


@sprig("substr")
def substr(start: Any, end: Any, text: Any) -> str:
    a, b, s = _i(start, "substr"), _i(end, "substr"), _s(text, "substr")
    if a < 0:
        lo, hi = 0, b
    elif b < 0 or b > len(s):
        lo, hi = a, len(s)
    else:
        lo, hi = a, b
    if not 0 <= lo <= hi <= len(s):
        raise EvalError(f"sprig.substr: slice bounds out of range [{lo}:{hi}] with length {len(s)}")
    return s[lo:hi]


@sprig("trunc")
def trunc(count: Any, text: Any) -> str:
    c, s = _i(count, "trunc"), _s(text, "trunc")
    if c < 0 and len(s) + c > 0:
        return s[len(s) + c :]
    if c >= 0 and len(s) > c:
        return s[:c]
    return s


@sprig("abbrev")
def abbrev(width: Any, text: Any) -> str:
    w, s = _i(width, "abbrev"), _s(text, "abbrev")
    if w < 4 or len(s) <= w:
        return s
    return s[: w - 3] + "..."


# ------------------------------------------------------------------------------------ lists and dicts
sprig("list", "tuple")(lambda *items: list(items))
sprig("sortAlpha")(lambda items: sorted(strslice(items)))
sprig("has")(lambda needle, haystack: _has(needle, haystack))
sprig("compact")(lambda items: [v for v in _list(items, "compact") if not is_empty(v)])
sprig("reverse")(lambda items: list(reversed(_list(items, "reverse"))))
sprig("rest")(lambda items: list(_list(items, "rest")[1:]))
sprig("initial")(lambda items: list(_list(items, "initial")[:-1]))
sprig("append", "push")(lambda items, v: [*_list(items, "append"), v])
sprig("prepend")(lambda items, v: [v, *_list(items, "prepend")])
sprig("concat")(lambda *lists: [v for items in lists for v in _list(items, "concat")])
sprig("without")(
    lambda items, *omit: [v for v in _list(items, "without") if not any(deep_equal(v, o) for o in omit)]
)
sprig("hasKey")(lambda d, key: _s(key, "hasKey") in _dict(d, "hasKey"))
sprig("pluck")(lambda key, *dicts: [d[key] for d in dicts if isinstance(d, Mapping) and key in d])
sprig("pick")(lambda d, *keys: {k: v for k, v in _dict(d, "pick").items() if k in keys})
sprig("omit")(lambda d, *keys: {k: v for k, v in _dict(d, "omit").items() if k not in keys})
sprig("values")(lambda d: list(_dict(d, "values").values()))


def _list(value: Any, fn: str) -> list[Any] | tuple[Any, ...]:
    if rt.is_list(value):
        return value  # type: ignore[no-any-return]
    raise EvalError(f"sprig.{fn}: cannot find {fn} on type {type_name(value)}")


def _dict(value: Any, fn: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise EvalError(f"sprig.{fn}: expected a map, got {type_name(value)}")


def _has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return any(deep_equal(needle, v) for v in _list(haystack, "has"))


@sprig("first")
def first(items: Any) -> Any:
    values = _list(items, "first")
    return values[0] if values else None


@sprig("last")
def last(items: Any) -> Any:
    values = _list(items, "last")
    return values[-1] if values else None


@sprig("uniq")
def uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for v in _list(items, "uniq"):
        if not any(deep_equal(v, seen) for seen in out):
            out.append(v)
    return out


@sprig("slice")
def slice_(items: Any, *bounds: Any) -> list[Any]:
    values = _list(items, "slice")
    lo = to_int64(bounds[0]) if bounds else 0
    hi = to_int64(bounds[1]) if len(bounds) > 1 else len(values)
    return list(values[lo:hi])


@sprig("dict")
def dict_(*pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(pairs), 2):
        out[strval(pairs[i])] = pairs[i + 1] if i + 1 < len(pairs) else ""
    return out


@sprig("get")
def get(d: Any, key: Any) -> Any:
    mapping = _dict(d, "get")
    k = _s(key, "get")
    return mapping.get(k, "")


@sprig("dig")
def dig(*args: Any) -> Any:
    """``dig(key…, default, dict)``: the value at the path of keys in nested maps, else ``default``."""
    if len(args) < 3:
        raise EvalError("sprig.dig: needs at least one key, a default and a map")
    *keys, fallback, mapping = args
    current: Any = _dict(mapping, "dig")
    for key in keys:
        if not isinstance(current, Mapping) or _s(key, "dig") not in current:
            return fallback
        current = current[_s(key, "dig")]
    return current


@sprig("set")
def set_(d: Any, key: Any, value: Any) -> Any:
    mapping = _dict(d, "set")
    if not isinstance(mapping, dict):
        raise EvalError("sprig.set: the map is read-only")
    mapping[_s(key, "set")] = value
    return mapping


@sprig("unset")
def unset(d: Any, key: Any) -> Any:
    mapping = _dict(d, "unset")
    if isinstance(mapping, dict):
        mapping.pop(_s(key, "unset"), None)
    return mapping


@sprig("keys")
def keys(*dicts: Any) -> list[str]:
    return [k for d in dicts for k in _dict(d, "keys")]


@sprig("until")
def until(count: Any) -> list[int]:
    n = _i(count, "until")
    return until_step(0, n, 1 if n >= 0 else -1)


@sprig("untilStep")
def until_step(start: Any, stop: Any, step: Any) -> list[int]:
    a, b, st = _i(start, "untilStep"), _i(stop, "untilStep"), _i(step, "untilStep")
    if (b < a and st >= 0) or (b >= a and st <= 0):
        return []
    if abs(b - a) // abs(st) > rt.MAX_SIZE:
        raise EvalError("memory budget exceeded")
    return list(range(a, b, st))


@sprig("seq")
def seq(*params: Any) -> str:
    """Like the ``seq`` command: ``seq(3)`` is ``"1 2 3"``, ``seq(2, 4)``, ``seq(start, step, end)``."""
    p = [_i(v, "seq") for v in params]
    if len(p) == 1:
        start, end, step = 1, p[0], (-1 if p[0] < 1 else 1)
        values = until_step(start, end + step, step)
    elif len(p) == 2:
        step = -1 if p[1] < p[0] else 1
        values = until_step(p[0], p[1] + step, step)
    elif len(p) == 3:
        start, step, end = p
        increment = -1 if end < start else 1
        if end < start and step > 0:
            return ""
        values = until_step(start, end + increment, step)
    else:
        return ""
    return " ".join(str(v) for v in values)


# ------------------------------------------------------------------------------------------ defaults
@sprig("default")
def default(fallback: Any, *given: Any) -> Any:
    return fallback if not given or is_empty(given[0]) else given[0]


@sprig("coalesce")
def coalesce(*values: Any) -> Any:
    return next((v for v in values if not is_empty(v)), None)


@sprig("ternary")
def ternary(if_true: Any, if_false: Any, condition: Any) -> Any:
    if type(condition) is not bool:
        raise EvalError(f"sprig.ternary: expected a bool condition, got {type_name(condition)}")
    return if_true if condition else if_false


sprig("all")(lambda *values: all(not is_empty(v) for v in values))
sprig("any")(lambda *values: any(not is_empty(v) for v in values))


# -------------------------------------------------------------------------------- encodings and hashes
@sprig("toJson", "mustToJson")
def to_json(value: Any) -> str:
    try:
        return marshal_json(value)
    except ValueError as e:
        raise EvalError(f"sprig.toJson: {e}") from None


@sprig("toPrettyJson")
def to_pretty_json(value: Any) -> str:
    try:
        return marshal_json(value, indent="  ")
    except ValueError as e:
        raise EvalError(f"sprig.toPrettyJson: {e}") from None


@sprig("fromJson")
def from_json(text: Any) -> Any:
    """Invalid JSON gives nil (``mustFromJson`` raises)."""
    try:
        return parse_json(_s(text, "fromJson"))
    except EvalError:
        return None


sprig("mustFromJson")(lambda text: parse_json(_s(text, "mustFromJson")))
sprig("b64enc")(lambda s: base64.b64encode(_s(s, "b64enc").encode()).decode())
sprig("b32enc")(lambda s: base64.b32encode(_s(s, "b32enc").encode()).decode())
sprig("sha1sum")(lambda s: hashlib.sha1(_s(s, "sha1sum").encode()).hexdigest())
sprig("sha256sum")(lambda s: hashlib.sha256(_s(s, "sha256sum").encode()).hexdigest())
sprig("adler32sum")(lambda s: str(zlib.adler32(_s(s, "adler32sum").encode())))
sprig("uuidv4")(lambda: str(uuid.uuid4()))


@sprig("b64dec")
def b64dec(text: Any) -> str:
    """Sprig returns Go's error text instead of failing (``illegal base64 data at input byte 4``)."""
    data = _s(text, "b64dec")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {_bad_base64_offset(data)}"


def _bad_base64_offset(data: str) -> int:
    alphabet = set(_string.ascii_letters + _string.digits + "+/")
    for i, ch in enumerate(data):
        if ch not in alphabet and ch != "=":
            return i
    return max(0, len(data) - len(data) % 4) if len(data) % 4 else len(data)


@sprig("b32dec")
def b32dec(text: Any) -> str:
    try:
        return base64.b32decode(_s(text, "b32dec")).decode("utf-8", "replace")
    except (binascii.Error, ValueError) as e:
        return str(e)


def _rand(alphabet: str) -> Callable[[Any], str]:
    generator = random.SystemRandom()

    def make(count: Any) -> str:
        n = _i(count, "rand")
        rt.check_string_size(n, "rand")
        return "".join(generator.choice(alphabet) for _ in range(n))

    return make


SPRIG["randAlphaNum"] = _rand(_string.ascii_letters + _string.digits)
SPRIG["randAlpha"] = _rand(_string.ascii_letters)
SPRIG["randNumeric"] = _rand(_string.digits)
SPRIG["randAscii"] = _rand("".join(chr(c) for c in range(32, 127)))


# ------------------------------------------------------------------------------------------ regexps
def _re(pattern: Any, fn: str) -> re.Pattern[str]:
    return rt.compile_re2(_s(pattern, fn))


_GO_GROUP_REF = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def _expand_go(m: re.Match[str], repl: str) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${name}``, ``$$``; unknown groups expand to nothing."""

    def group(ref: re.Match[str]) -> str:
        if ref.group(0) == "$$":
            return "$"
        name = ref.group(1) or ref.group(2)
        try:
            return m.group(int(name) if name.isdigit() else name) or ""
        except IndexError:
            return ""

    return _GO_GROUP_REF.sub(group, repl)


@sprig("regexMatch")
def regex_match(pattern: Any, text: Any) -> bool:
    try:
        return _re(pattern, "regexMatch").search(_s(text, "regexMatch")) is not None
    except EvalError:
        return False


@sprig("regexFind")
def regex_find(pattern: Any, text: Any) -> str:
    m = _re(pattern, "regexFind").search(_s(text, "regexFind"))
    return m.group(0) if m else ""


@sprig("regexFindAll")
def regex_find_all(pattern: Any, text: Any, n: Any) -> list[str]:
    found = [m.group(0) for m in _re(pattern, "regexFindAll").finditer(_s(text, "regexFindAll"))]
    limit = _i(n, "regexFindAll")
    return found if limit < 0 else found[:limit]


@sprig("regexReplaceAll")
def regex_replace_all(pattern: Any, text: Any, repl: Any) -> str:
    template = _s(repl, "regexReplaceAll")
    return _re(pattern, "regexReplaceAll").sub(lambda m: _expand_go(m, template), _s(text, "regexReplaceAll"))


@sprig("regexReplaceAllLiteral")
def regex_replace_all_literal(pattern: Any, text: Any, repl: Any) -> str:
    literal = _s(repl, "regexReplaceAllLiteral")
    return _re(pattern, "regexReplaceAllLiteral").sub(lambda m: literal, _s(text, "regexReplaceAllLiteral"))


@sprig("regexSplit")
def regex_split(pattern: Any, text: Any, n: Any) -> list[str]:
    limit = _i(n, "regexSplit")
    if limit == 0:
        return []
    return _re(pattern, "regexSplit").split(_s(text, "regexSplit"), maxsplit=max(0, limit - 1))


sprig("regexQuoteMeta")(lambda s: re.escape(_s(s, "regexQuoteMeta")))


# ---------------------------------------------------------------------------------------------- dates
def _as_time(value: Any) -> datetime:
    """Sprig's ``date`` accepts a time or unix seconds; anything else (a string!) means now."""
    if isinstance(value, GoTime):
        return value.dt
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if type(value) is int:
        return datetime.fromtimestamp(value, UTC)
    return datetime.now(UTC)


@sprig("date")
def date(layout: Any, value: Any) -> str:
    return format_time(_as_time(value).astimezone(load_location("Local")), _s(layout, "date"))


@sprig("dateInZone")
def date_in_zone(layout: Any, value: Any, zone: Any) -> str:
    try:
        tz = load_location(_s(zone, "dateInZone"))
    except ValueError:
        tz = UTC
    return format_time(_as_time(value).astimezone(tz), _s(layout, "dateInZone"))


sprig("htmlDate")(lambda value: date("2006-01-02", value))
sprig("now")(lambda: GoTime(current_time()))
sprig("unixEpoch")(lambda value: str(int(_as_time(value).timestamp())))
sprig("duration")(lambda seconds: GoDuration(to_int64(seconds) * 10**9).string())


@sprig("toDate")
def to_date(layout: Any, value: Any) -> GoTime:
    try:
        return parse_time(_s(layout, "toDate"), _s(value, "toDate"), load_location("Local"))
    except ValueError:
        return GoTime(datetime(1, 1, 1, tzinfo=UTC))


@sprig("semverCompare")
def semver_compare(constraint: Any, version: Any) -> bool:
    try:
        return satisfies(_s(constraint, "semverCompare"), _s(version, "semverCompare"))
    except ValueError as e:
        raise EvalError(f"sprig.semverCompare: {e}") from None
