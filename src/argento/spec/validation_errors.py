"""Turn pydantic's validation errors into Argo-style messages at Argo field paths.

Pydantic reports locations that include union-member tags (``int``, ``str``, ``list[…]``); we walk the
location against the raw document so the path contains only real keys and indexes, and merge the several
errors a union produces for one field into one message ("expected a string, number or boolean").
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from argento.errors import SpecError
from argento.spec.source_map import PathPart, format_path

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "literal_error": "",
}


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "function-after", "function-plain", "function-wrap"})


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _clean_path(loc: tuple[Any, ...], raw: Any) -> tuple[PathPart, ...]:
    """Keep the parts of ``loc`` that exist in ``raw`` (drops union tags like ``str`` or ``list[str]``)."""
    path: list[PathPart] = []
    current = raw
    for part in loc:
        if (isinstance(current, dict) and isinstance(part, str) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif (
            isinstance(current, dict)
            and isinstance(part, str)
            and part not in _UNION_TAGS
            and "[" not in part
        ):
            # a missing required field: report it (it is not in the raw document)
            path.append(part)
            current = None
    return tuple(path)


def errors_from_validation(exc: ValidationError, raw: Any) -> list[SpecError]:
    """One :class:`SpecError` per invalid field (paths only; the loader adds locations)."""
    by_path: dict[tuple[PathPart, ...], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        by_path.setdefault(_clean_path(tuple(err["loc"]), raw), []).append(err)
    out: list[SpecError] = []
    for path, errs in by_path.items():
        out.append(SpecError(_message(errs), path=format_path(path)))
    return out


def _message(errs: list[dict[str, Any]]) -> str:
    first = errs[0]
    if first["type"] == "missing":
        return "is required"
    if first["type"] == "literal_error":
        return f"must be {first['ctx'].get('expected', '')}, got {first['input']!r}"
    expected: list[str] = []
    for err in errs:
        label = _EXPECTED.get(err["type"])
        if label and label not in expected:
            expected.append(label)
    got = _json_type(first.get("input"))
    preview = repr(first.get("input"))
    if len(preview) > 40:
        preview = preview[:37] + "..."
    if not expected:
        return f"{first['msg']} (got {got} {preview})"
    if "a number" in expected and "an integer" in expected:
        expected.remove("an integer")  # AnyString: "a string, a boolean or a number"
    want = expected[0] if len(expected) == 1 else ", ".join(expected[:-1]) + " or " + expected[-1]
    return f"cannot unmarshal {got} {preview}: expected {want}"
