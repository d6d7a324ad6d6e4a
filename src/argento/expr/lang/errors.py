"""Internal error carriers and the one function that turns them into `ExpressionError`.

The lexer, parser and evaluator raise light exceptions holding a message and a 0-based source offset;
`Program` converts them at the boundary so every message Argo users see has the same shape:
``<message> at column 12 in "a + )"`` (``line 2, column 3`` for multi-line sources).
"""

from __future__ import annotations

from argento.errors import ExpressionError


class ExprSyntaxError(Exception):
    """The source does not lex or parse."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class EvalError(Exception):
    """Evaluation failed. ``pos`` is filled in by the innermost node that knows where it is."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class BudgetExceeded(EvalError):
    """A string-building function would exceed ``runtime.STRING_BUDGET`` (refused before allocating)."""


class ExpressionTooLarge(ExpressionError):
    """The public form of :class:`BudgetExceeded`: an error even where other failures leave a tag as is."""


def where(source: str, pos: int | None) -> str:
    """Human position of ``pos`` in ``source``: ``column 5`` or ``line 2, column 3`` (both 1-based)."""
    if pos is None:
        return ""
    pos = max(0, min(pos, len(source)))
    line = source.count("\n", 0, pos) + 1
    column = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return f"column {column}" if "\n" not in source else f"line {line}, column {column}"


def to_expression_error(
    source: str, message: str, pos: int | None, cls: type[ExpressionError] = ExpressionError
) -> ExpressionError:
    """Build the public error: message, position and the expression itself."""
    shown = source
    if len(shown) > 200:
        shown = shown[:197] + "..."
    quoted = '"' + shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    at = where(source, pos)
    return cls(f"{message} at {at} in {quoted}" if at else f"{message} in {quoted}")
