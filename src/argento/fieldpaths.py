"""Field paths (``spec.variants[1].weight``) and pydantic's validation errors as :class:`SpecError` at them.

:func:`join_path` extends a written path (:func:`argento.errors.format_path` writes one); :func:`spec_error`
turns a pydantic ``ValidationError`` of a request body into one :class:`SpecError` naming the first offending
field in plain words ("must be an integer, not 'lots'"). Argo manifests have their own Go-flavoured wording (``argento.spec.validation_errors``); bodies of
Argento's own API (deployments) use this one. Pydantic itself is only imported by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from argento.errors import PathPart, SpecError, format_path

__all__ = ["CUSTOM", "PathPart", "custom", "format_path", "join_path", "spec_error"]

#: The error type of a validator that wrote its own message (raise ``custom(message)``).
CUSTOM = "argento"
#: How many further problems a message lists after the first.
_MORE = 2


def join_path(prefix: str, parts: Iterable[PathPart]) -> str:
    """``prefix`` (an already written path) followed by ``parts``."""
    rest = format_path(parts)
    if not prefix or not rest:
        return prefix or rest
    return f"{prefix}{rest}" if rest.startswith("[") else f"{prefix}.{rest}"


def custom(message: str) -> Exception:
    """The error a pydantic validator raises to report ``message`` word for word."""
    from pydantic_core import PydanticCustomError

    # the message goes in through the context: written into the template, braces would be placeholders
    return PydanticCustomError(CUSTOM, "{message}", {"message": message})


def spec_error(exc: Any, prefix: str = "") -> SpecError:
    """A pydantic ``ValidationError`` as one :class:`SpecError` at the first problem's path (under ``prefix``);
    up to two more problems are named after it."""
    errors = exc.errors(include_url=False)
    problems = [(join_path(prefix, _parts(err["loc"])), _message(err)) for err in errors]
    if not problems:
        return SpecError("invalid body", path=prefix)
    path, message = problems[0]
    others = [f"{p or 'body'}: {m}" for p, m in problems[1 : 1 + _MORE]]
    if len(problems) > 1 + _MORE:
        others.append(f"{len(problems) - 1 - _MORE} more")
    if others:
        message = f"{message} (also {'; '.join(others)})"
    return SpecError(message, path=path)


def _parts(loc: Iterable[Any]) -> tuple[PathPart, ...]:
    return tuple(p if isinstance(p, int) else str(p) for p in loc)


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_KINDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "a boolean (true or false)",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == CUSTOM:
        return str(ctx.get("message", err["msg"]))
    if kind == "missing":
        return "is required"
    if kind in _KINDS:
        return f"must be {_KINDS[kind]}, not {_preview(err.get('input'))}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, not {_preview(err.get('input'))}"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']}, not {_preview(err.get('input'))}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}, not {_preview(err.get('input'))}"
    if kind == "finite_number":
        return f"must be a finite number, not {_preview(err.get('input'))}"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} items"
    if kind == "extra_forbidden":
        return "is not a known field"
    return str(err["msg"])
