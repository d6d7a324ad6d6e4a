"""How Go prints values: ``fmt``'s ``%v``, ``%q`` and ``%T``, and ``encoding/json``'s ``Marshal``.

Argo turns every expression result into text with these (``fmt.Sprintf("%v")`` in ``string()``/``sprig.cat``,
``json.Marshal`` for ``toJson`` and for ``{{=…}}`` substitution), so parity needs Go's exact spelling:
``1e+06`` for a million as a float, ``map[a:1]``, ``[1 2]``, ``<nil>``, sorted JSON keys, ``\\u003c`` for ``<``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from argento.expr.lang.gotime import RFC3339, GoDuration, GoTime, format_time


def _digits(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of ``abs(f)`` and the decimal point position."""
    d = Decimal(repr(abs(f))).normalize()
    _sign, digits, exponent = d.as_tuple()
    text = "".join(map(str, digits))
    assert isinstance(exponent, int)
    return text, len(text) + exponent


def _exp_form(digits: str, dp: int) -> str:
    exp = dp - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fixed_form(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def format_float(f: float) -> str:
    """Go's ``%v`` for a float64 (``strconv.FormatFloat(f, 'g', -1, 64)``)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if f == 0:
        return sign + "0"
    digits, dp = _digits(f)
    exp = dp - 1
    # Go switches to exponent form when the exponent is < -4 or >= 6 for shortest formatting.
    return sign + (_exp_form(digits, dp) if exp < -4 or exp >= 6 else _fixed_form(digits, dp))


def json_float(f: float) -> str:
    """``encoding/json``'s float64 spelling (fixed unless tiny or huge, ``1e-7`` not ``1e-07``)."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {format_float(f)}")
    sign = "-" if math.copysign(1.0, f) < 0 else ""
    if f == 0:
        return sign + "0"
    digits, dp = _digits(f)
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        text = _exp_form(digits, dp)
        if text[-4:-1] == "e-0":  # Go trims "e-07" to "e-7" (but keeps "e+21")
            text = text[:-2] + text[-1]
        return sign + text
    return sign + _fixed_form(digits, dp)


def type_name(value: Any) -> str:
    """Go's ``%T`` of the value as expr would hold it (``int``, ``float64``, ``[]interface {}`` …)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, GoTime):
        return "time.Time"
    if isinstance(value, GoDuration):
        return "time.Duration"
    if callable(value):
        return "func(...interface {}) interface {}"
    return type(value).__name__


def _sort_key(key: Any) -> tuple[int, Any]:
    if isinstance(key, bool):
        return (0, key)
    if isinstance(key, int | float):
        return (1, key)
    return (2, str(key))


def format_value(value: Any) -> str:
    """Go's ``fmt.Sprintf("%v", value)``."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{format_value(k)}:{format_value(v)}" for k, v in items) + "]"
    if isinstance(value, GoTime | GoDuration):
        return value.string()
    return str(value)


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip


def json_string(text: str) -> str:
    """A Go-encoded JSON string (HTML-safe, like ``json.Marshal``)."""
    out = ['"']
    for ch in text:
        esc = _JSON_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\\ufffd")  # Go replaces invalid UTF-8 with U+FFFD
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def marshal_json(value: Any, indent: str | None = None) -> str:
    """Go's ``json.Marshal`` (``indent=None``) or ``json.MarshalIndent(v, "", indent)``."""
    return _marshal(value, indent, "")


def _marshal(value: Any, indent: str | None, prefix: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, GoTime):
        return json_string(format_time(value.dt, RFC3339.replace("05Z", "05.999999999Z")))
    if isinstance(value, GoDuration):
        return str(value.ns)
    inner = prefix + (indent or "")
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        parts = [_marshal(v, indent, inner) for v in value]
        if indent is None:
            return "[" + ",".join(parts) + "]"
        return "[\n" + ",\n".join(inner + p for p in parts) + "\n" + prefix + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = sorted(((format_value(k), v) for k, v in value.items()), key=lambda kv: kv[0])
        sep = ":" if indent is None else ": "
        parts = [json_string(k) + sep + _marshal(v, indent, inner) for k, v in items]
        if indent is None:
            return "{" + ",".join(parts) + "}"
        return "{\n" + ",\n".join(inner + p for p in parts) + "\n" + prefix + "}"
    raise ValueError(f"json: unsupported type: {type_name(value)}")


_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
                  "\\": "\\\\", '"': '\\"'}  # fmt: skip


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` / ``%q``."""
    out = ['"']
    for ch in text:
        esc = _QUOTE_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch == " " or ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)
