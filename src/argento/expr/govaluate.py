"""Argo's ``when``: govaluate semantics after ``{{…}}`` substitution.

Argo (``workflow/controller/steps.go`` ``shouldExecute``) parses the substituted ``when`` with Knetic/govaluate
(the 2017 master Argo pins), turns every VARIABLE token into a STRING token, so that bare words compare as
strings (``foo == foo``, ``Succeeded != Failed``), evaluates with no parameters and requires a bool. This
module ports the parts of govaluate that this path runs, quirks included:

* The lexer (``parsing.go``): numbers are float64 (``5 == 5.0``, ``007 == 7``, ``0x1F == 31``); a bare word is
  letters, digits, ``_`` and ``.`` after a first letter, so ``a-b`` is ``a - b`` (a string minus a string: an
  error) and ``data.csv`` is an *accessor* that fails (``Unable to access unexported field``). Strings may be
  quoted with ``'`` or ``"`` but end at the first quote of *either* kind; ``\\`` escapes any character, also
  in bare words (``hello\\ world``). ``[any text]`` is a variable, hence a string. A quoted string that parses
  as a date/time (``'2021-01-01'``, ``'3:04PM'``, RFC 3339 …) becomes a TIME token whose value is its Unix
  second, compared as a number; Argo's controller runs in UTC, so ``time.Local`` is taken as UTC.
* Two words in a row (``hello world == hello world``) is a syntax error: ``Cannot transition token types from
  VARIABLE [hello] to VARIABLE [world]``. Quote such values: ``'{{x}}' == 'hello world'``.
* The stage planner (``stagePlanner.go``) with its precedence ladder (``,`` < ``?:``/``??`` < ``||`` < ``&&`` <
  comparators < ``& | ^`` < ``<< >>`` < ``+ -`` < ``* / %`` < ``**`` < prefix), its right-recursive planning
  repaired by ``reorderStages`` (a literal port, so chains are left-associative exactly as in Go), and its habit
  of ignoring tokens left after a complete clause (``(true) false`` is ``true``).
* Evaluation (``evaluationStage.go``): ``==`` is Go's ``reflect.DeepEqual`` (type-strict: ``true == 'true'`` is
  false), ``<``/``>`` need two numbers or two strings, ``&&``/``||`` short-circuit and need bools, ``=~`` is a
  Go (RE2) regex search, ``+`` concatenates when either side is a string (Go's ``%v`` formatting), type errors
  use govaluate's messages.

Errors carry Argo's messages: ``Invalid 'when' expression '…': …`` (tokenizing), ``Failed to parse 'when'
expression '…': …`` (after the VARIABLE→STRING rewrite, e.g. ``!foo``), ``Failed to evaluate 'when' expresion
'…': …`` (Argo's spelling) and ``Expected boolean evaluation for '…'. Got …``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from argento.errors import ExpressionError
from argento.expr.godates import try_parse_time
from argento.expr.goregex import GoRegexError, compile_go_regex

__all__ = ["WhenExpr", "evaluate_when", "parse_when"]


class Kind(IntEnum):
    """govaluate's TokenKind, in its order (the names appear in error messages)."""

    UNKNOWN = 0
    PREFIX = 1
    NUMERIC = 2
    BOOLEAN = 3
    STRING = 4
    PATTERN = 5
    TIME = 6
    VARIABLE = 7
    FUNCTION = 8
    SEPARATOR = 9
    ACCESSOR = 10
    COMPARATOR = 11
    LOGICALOP = 12
    MODIFIER = 13
    CLAUSE = 14
    CLAUSE_CLOSE = 15
    TERNARY = 16


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: Any


class _GovaluateError(Exception):
    """An error with govaluate's own message (Argo adds the ``'when'`` prefix)."""


# --- Lexer states (lexerState.go) ---------------------------------------------------------------------------

_K = Kind
_VALUE_STARTS = frozenset(
    {_K.PREFIX, _K.NUMERIC, _K.BOOLEAN, _K.VARIABLE, _K.FUNCTION, _K.ACCESSOR, _K.STRING, _K.TIME, _K.CLAUSE}
)
_AFTER_VALUE = frozenset(
    {_K.MODIFIER, _K.COMPARATOR, _K.LOGICALOP, _K.CLAUSE_CLOSE, _K.TERNARY, _K.SEPARATOR}
)
# kind -> (is_eof, is_nullable, valid next kinds)
_STATES: dict[Kind, tuple[bool, bool, frozenset[Kind]]] = {
    _K.UNKNOWN: (False, True, _VALUE_STARTS | {_K.PATTERN}),
    _K.CLAUSE: (False, True, _VALUE_STARTS | {_K.PATTERN, _K.CLAUSE_CLOSE}),
    _K.CLAUSE_CLOSE: (True, True, frozenset({_K.COMPARATOR, _K.MODIFIER, _K.NUMERIC, _K.BOOLEAN, _K.VARIABLE, _K.STRING, _K.PATTERN, _K.TIME, _K.CLAUSE, _K.CLAUSE_CLOSE, _K.LOGICALOP, _K.TERNARY, _K.SEPARATOR})),
    _K.NUMERIC: (True, False, _AFTER_VALUE),
    _K.BOOLEAN: (True, False, _AFTER_VALUE),
    _K.STRING: (True, False, _AFTER_VALUE),
    _K.TIME: (True, False, _AFTER_VALUE - {_K.TERNARY}),
    _K.PATTERN: (True, False, _AFTER_VALUE - {_K.TERNARY}),
    _K.VARIABLE: (True, False, _AFTER_VALUE),
    _K.MODIFIER: (False, False, frozenset({_K.PREFIX, _K.NUMERIC, _K.VARIABLE, _K.FUNCTION, _K.ACCESSOR, _K.STRING, _K.BOOLEAN, _K.CLAUSE, _K.CLAUSE_CLOSE})),
    _K.COMPARATOR: (False, False, _VALUE_STARTS | {_K.CLAUSE_CLOSE, _K.PATTERN}),
    _K.LOGICALOP: (False, False, _VALUE_STARTS | {_K.CLAUSE_CLOSE}),
    _K.PREFIX: (False, False, frozenset({_K.NUMERIC, _K.BOOLEAN, _K.VARIABLE, _K.FUNCTION, _K.ACCESSOR, _K.CLAUSE, _K.CLAUSE_CLOSE})),
    _K.TERNARY: (False, False, (_VALUE_STARTS - {_K.CLAUSE}) | {_K.CLAUSE, _K.SEPARATOR}),
    _K.FUNCTION: (False, False, frozenset({_K.CLAUSE})),
    _K.ACCESSOR: (True, False, _AFTER_VALUE | {_K.CLAUSE}),
    _K.SEPARATOR: (False, True, _VALUE_STARTS),
}  # fmt: skip

# --- Operator symbols (OperatorSymbol.go) ---------------------------------------------------------------------

_PREFIX_SYMBOLS = {"-": "NEGATE", "!": "INVERT", "~": "BITWISE_NOT"}
_MODIFIER_SYMBOLS = frozenset({"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"})
_LOGICAL_SYMBOLS = {"&&": "AND", "||": "OR"}
_COMPARATOR_SYMBOLS = {"==": "EQ", "!=": "NEQ", ">": "GT", ">=": "GTE", "<": "LT", "<=": "LTE", "=~": "REQ", "!~": "NREQ", "in": "IN"}  # fmt: skip
_TERNARY_SYMBOLS = {"?": "TERNARY_TRUE", ":": "TERNARY_FALSE", "??": "COALESCE"}
_SEPARATOR_SYMBOLS = {",": "SEPARATE"}
_BITWISE_SYMBOLS = {"^": "BITWISE_XOR", "&": "BITWISE_AND", "|": "BITWISE_OR"}
_SHIFT_SYMBOLS = {">>": "BITWISE_RSHIFT", "<<": "BITWISE_LSHIFT"}
_ADDITIVE_SYMBOLS = {"+": "PLUS", "-": "MINUS"}
_MULTIPLICATIVE_SYMBOLS = {"*": "MULTIPLY", "/": "DIVIDE", "%": "MODULUS"}
_EXPONENTIAL_SYMBOLS = {"**": "EXPONENT"}

# OperatorSymbol.String(), used in type errors (note EQ prints as "=").
_SYMBOL_TEXT = {
    "EQ": "=", "NEQ": "!=", "GT": ">", "LT": "<", "GTE": ">=", "LTE": "<=", "REQ": "=~", "NREQ": "!~",
    "AND": "&&", "OR": "||", "IN": "in", "BITWISE_AND": "&", "BITWISE_OR": "|", "BITWISE_XOR": "^",
    "BITWISE_LSHIFT": "<<", "BITWISE_RSHIFT": ">>", "PLUS": "+", "MINUS": "-", "MULTIPLY": "*", "DIVIDE": "/",
    "MODULUS": "%", "EXPONENT": "**", "NEGATE": "-", "INVERT": "!", "BITWISE_NOT": "~", "TERNARY_TRUE": "?",
    "TERNARY_FALSE": ":", "COALESCE": "??",
}  # fmt: skip

# operatorPrecedence, used only by reorderStages to find same-precedence chains.
_PRECEDENCE: dict[str, int] = {"NOOP": 0, "VALUE": 1, "LITERAL": 1, "ACCESS": 2}
for _prec, _names in (
    (3, ("BITWISE_NOT", "NEGATE", "INVERT")),
    (4, ("EXPONENT",)),
    (5, ("PLUS", "MINUS")),
    (6, ("BITWISE_AND", "BITWISE_OR", "BITWISE_XOR")),
    (7, ("BITWISE_LSHIFT", "BITWISE_RSHIFT")),
    (8, ("MULTIPLY", "DIVIDE", "MODULUS")),
    (9, ("EQ", "NEQ", "GT", "LT", "GTE", "LTE", "REQ", "NREQ", "IN")),
    (10, ("COALESCE", "TERNARY_TRUE", "TERNARY_FALSE")),
    (11, ("AND",)),
    (12, ("OR",)),
    (13, ("SEPARATE",)),
):
    _PRECEDENCE.update(dict.fromkeys(_names, _prec))

_LOGICAL_FMT = "Value '%s' cannot be used with the logical operator '%s', it is not a bool"
_MODIFIER_FMT = "Value '%s' cannot be used with the modifier '%s', it is not a number"
_COMPARATOR_FMT = "Value '%s' cannot be used with the comparator '%s', it is not a number"
_TERNARY_FMT = "Value '%s' cannot be used with the ternary operator '%s', it is not a bool"
_PREFIX_FMT = "Value '%s' cannot be used with the prefix '%s'"

# --- Go's character classes ----------------------------------------------------------------------------------

_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")  # fmt: skip


def _is_numeric(ch: str) -> bool:
    return ch.isdecimal() or ch == "."  # unicode.IsDigit is category Nd, as str.isdecimal


def _is_variable_name(ch: str) -> bool:
    return ch.isalpha() or ch.isdecimal() or ch == "_" or ch == "."


def _is_not_quote(ch: str) -> bool:
    return ch != "'" and ch != '"'


def _is_not_alphanumeric(ch: str) -> bool:
    return not (ch.isdecimal() or ch.isalpha() or ch in "()[]'\"")


def _is_hex_digit(ch: str) -> bool:
    return ch.isdecimal() or ch.lower() in "abcdef"


def _go_upper(ch: str) -> str:
    upper = ch.upper()
    return upper if len(upper) == 1 else ch


# --- Lexer (parsing.go) ---------------------------------------------------------------------------------------


class _Stream:
    __slots__ = ("n", "pos", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.n = len(src)

    def can_read(self) -> bool:
        return self.pos < self.n

    def read(self) -> str:
        if self.pos >= self.n:
            # Go indexes past the end and panics (a trailing backslash does this).
            raise _GovaluateError("unexpected end of expression after '\\'")
        ch = self.src[self.pos]
        self.pos += 1
        return ch

    def rewind(self, amount: int) -> None:
        self.pos -= amount


def _read_until_false(
    stream: _Stream, include_ws: bool, break_ws: bool, allow_escaping: bool, condition: Callable[[str], bool]
) -> tuple[str, bool]:
    buf: list[str] = []
    conditioned = False
    while stream.can_read():
        ch = stream.read()
        if allow_escaping and ch == "\\":  # "Use backslashes to escape anything"
            buf.append(stream.read())
            continue
        if ch in _GO_SPACE:
            if break_ws and buf:
                conditioned = True
                break
            if not include_ws:
                continue
        if condition(ch):
            buf.append(ch)
        else:
            conditioned = True
            stream.rewind(1)
            break
    return "".join(buf), conditioned


def _read_token_until_false(stream: _Stream, condition: Callable[[str], bool]) -> str:
    stream.rewind(1)
    return _read_until_false(stream, False, True, True, condition)[0]


_FLOAT_TEXT = re.compile(r"[0-9]+\.?[0-9]*|\.[0-9]+")
_HEX_TEXT = re.compile(r"[0-9a-fA-F]+")


def _parse_float(text: str) -> float:
    # strconv.ParseFloat on a run of digits and dots: ASCII digits, one dot, finite.
    if _FLOAT_TEXT.fullmatch(text):
        value = float(text)
        if not math.isinf(value):
            return value
    raise _GovaluateError(f"Unable to parse numeric value '{text}' to float64")


def _read_token(stream: _Stream, state: Kind) -> Token | None:
    while stream.can_read():
        ch = stream.read()
        if ch in _GO_SPACE:
            continue
        if _is_numeric(ch):
            if stream.can_read() and ch == "0":
                ch = stream.read()
                if stream.can_read() and ch == "x":
                    text, _ = _read_until_false(stream, False, True, True, _is_hex_digit)
                    if not _HEX_TEXT.fullmatch(text) or int(text, 16) >= 1 << 64:
                        raise _GovaluateError(f"Unable to parse hex value '{text}' to uint64")
                    return Token(Kind.NUMERIC, float(int(text, 16)))
                stream.rewind(1)
            return Token(Kind.NUMERIC, _parse_float(_read_token_until_false(stream, _is_numeric)))
        if ch == ",":
            return Token(Kind.SEPARATOR, ",")
        if ch == "[":  # escaped variable
            text, completed = _read_until_false(stream, True, False, True, lambda c: c != "]")
            if not completed:
                raise _GovaluateError("Unclosed parameter bracket")
            stream.rewind(-1)
            return Token(Kind.VARIABLE, text)
        if ch.isalpha():
            return _word_token(_read_token_until_false(stream, _is_variable_name))
        if not _is_not_quote(ch):
            text, completed = _read_until_false(stream, True, False, True, _is_not_quote)
            if not completed:
                raise _GovaluateError("Unclosed string literal")
            stream.rewind(-1)
            parsed = try_parse_time(text)
            return Token(Kind.TIME, parsed) if parsed is not None else Token(Kind.STRING, text)
        if ch == "(":
            return Token(Kind.CLAUSE, "(")
        if ch == ")":
            return Token(Kind.CLAUSE_CLOSE, ")")
        text = _read_token_until_false(stream, _is_not_alphanumeric)
        # "-" is a negation where a value may start, a subtraction elsewhere.
        if Kind.PREFIX in _STATES[state][2] and text in _PREFIX_SYMBOLS:
            return Token(Kind.PREFIX, text)
        if text in _MODIFIER_SYMBOLS:
            return Token(Kind.MODIFIER, text)
        if text in _LOGICAL_SYMBOLS:
            return Token(Kind.LOGICALOP, text)
        if text in _COMPARATOR_SYMBOLS:
            return Token(Kind.COMPARATOR, text)
        if text in _TERNARY_SYMBOLS:
            return Token(Kind.TERNARY, text)
        raise _GovaluateError(f"Invalid token: '{text}'")
    return None


def _word_token(text: str) -> Token:
    kind, value = Kind.VARIABLE, text
    if text == "true" or text == "false":
        kind, value = Kind.BOOLEAN, text == "true"
    if text in ("in", "IN"):
        kind, value = Kind.COMPARATOR, "in"
    if text.find(".") > 0:  # an accessor: a Go struct field path, which Argo never provides
        if text.endswith("."):
            raise _GovaluateError(f"Hanging accessor on token '{text}'")
        parts = text.split(".")
        for part in parts[1:]:
            first = part[:1] or "\0"
            if _go_upper(first) != first:
                raise _GovaluateError(f"Unable to access unexported field '{part}' in token '{text}'")
        kind, value = Kind.ACCESSOR, parts
    return Token(kind, value)


def _tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    stream = _Stream(expression)
    state = Kind.UNKNOWN
    while stream.can_read():
        token = _read_token(stream, state)
        if token is None:
            break
        state = token.kind
        tokens.append(token)
    _check_balance(tokens)
    return tokens


def _check_balance(tokens: Sequence[Token]) -> None:
    depth = sum(1 if t.kind is Kind.CLAUSE else -1 if t.kind is Kind.CLAUSE_CLOSE else 0 for t in tokens)
    if depth != 0:
        raise _GovaluateError("Unbalanced parenthesis")


def _check_syntax(tokens: Sequence[Token]) -> None:
    state = Kind.UNKNOWN
    last = Token(Kind.UNKNOWN, None)
    for token in tokens:
        if token.kind not in _STATES[state][2]:
            if last.kind is Kind.VARIABLE and token.kind is Kind.CLAUSE:
                raise _GovaluateError(f"Undefined function {last.value}")
            raise _GovaluateError(
                f"Cannot transition token types from {state.name} [{_go_token_value(last)}] "
                f"to {token.kind.name} [{_go_token_value(token)}]"
            )
        state = token.kind
        last = token
    if not _STATES[state][0]:
        raise _GovaluateError("Unexpected end of expression")


def _optimize(tokens: list[Token]) -> list[Token]:
    # optimizeTokens: the string right of =~ / !~ is compiled once, at parse time.
    out = list(tokens)
    for i, token in enumerate(tokens[:-1]):
        if token.kind is Kind.COMPARATOR and token.value in ("=~", "!~") and out[i + 1].kind is Kind.STRING:
            out[i + 1] = Token(Kind.PATTERN, _go_regex(out[i + 1].value))
    return out


# --- Stage planner (stagePlanner.go) --------------------------------------------------------------------------


class _Stage:
    __slots__ = ("fmt", "left", "right", "symbol", "value")

    def __init__(
        self,
        symbol: str,
        left: _Stage | None = None,
        right: _Stage | None = None,
        value: Any = None,
        fmt: str = "",
    ) -> None:
        self.symbol = symbol
        self.left = left
        self.right = right
        self.value = value
        self.fmt = fmt

    def swap_with(self, other: _Stage) -> None:
        # setToNonStage: everything but the children
        self.symbol, other.symbol = other.symbol, self.symbol
        self.value, other.value = other.value, self.value
        self.fmt, other.fmt = other.fmt, self.fmt


class _TokenStream:
    __slots__ = ("i", "tokens")

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def has_next(self) -> bool:
        return self.i < len(self.tokens)

    def next(self) -> Token:
        if self.i >= len(self.tokens):
            raise _GovaluateError("unexpected end of expression")  # a Go index panic
        token = self.tokens[self.i]
        self.i += 1
        return token

    def rewind(self) -> None:
        self.i -= 1


_Precedent = Callable[[_TokenStream], "_Stage | None"]


def _level(symbols: dict[str, str], kind: Kind, fmt: str, next_level: _Precedent | None) -> _Precedent:
    """planPrecedenceLevel: ``left (op same-level)?``, right-recursive (reorderStages fixes the order)."""

    def plan(stream: _TokenStream) -> _Stage | None:
        left = next_level(stream) if next_level is not None else None
        if stream.has_next():
            token = stream.next()
            if token.kind is kind and isinstance(token.value, str) and token.value in symbols:
                right = _plan_function(stream) if kind is Kind.PREFIX else plan(stream)
                return _Stage(symbols[token.value], left, right, fmt=fmt)
        # Go rewinds here even when nothing was read; harmless, kept for fidelity.
        stream.rewind()
        return left

    return plan


def _plan_function(stream: _TokenStream) -> _Stage | None:
    token = stream.next()
    if token.kind is not Kind.FUNCTION:  # Argo registers no functions
        stream.rewind()
        return _plan_accessor(stream)
    raise _GovaluateError(f"Undefined function {token.value}")  # pragma: no cover - never lexed


def _plan_accessor(stream: _TokenStream) -> _Stage | None:
    if not stream.has_next():
        return None
    token = stream.next()
    if token.kind is not Kind.ACCESSOR:
        stream.rewind()
        return _plan_value(stream)
    right = None
    if stream.has_next():
        other = stream.next()
        stream.rewind()
        if other.kind is Kind.CLAUSE:  # a method call: the arguments are planned as a whole expression
            right = _plan_tokens(stream)
    return _Stage("ACCESS", right=right, value=token.value)


def _plan_value(stream: _TokenStream) -> _Stage | None:
    if not stream.has_next():
        return None
    token = stream.next()
    kind = token.kind
    if kind is Kind.CLAUSE:
        inner = _plan_tokens(stream)
        stream.next()  # the closing parenthesis (balance was checked)
        return _Stage("NOOP", right=inner)  # breaks precedence chains (govaluate #33)
    if kind is Kind.CLAUSE_CLOSE:  # empty parentheses
        stream.rewind()
        return None
    if kind is Kind.VARIABLE:
        return _Stage("VALUE", value=token.value)
    if kind in (Kind.NUMERIC, Kind.STRING, Kind.PATTERN, Kind.BOOLEAN):
        return _Stage("LITERAL", value=token.value)
    if kind is Kind.TIME:
        return _Stage("LITERAL", value=float(token.value.unix))
    if kind is Kind.PREFIX:
        stream.rewind()
        return _plan_prefix(stream)
    raise _GovaluateError(f"Unable to plan token kind: '{kind.name}', value: '{_go_token_value(token)}'")


_plan_prefix = _level(_PREFIX_SYMBOLS, Kind.PREFIX, _PREFIX_FMT, None)
_plan_exponential = _level(_EXPONENTIAL_SYMBOLS, Kind.MODIFIER, _MODIFIER_FMT, _plan_function)
_plan_multiplicative = _level(_MULTIPLICATIVE_SYMBOLS, Kind.MODIFIER, _MODIFIER_FMT, _plan_exponential)
_plan_additive = _level(_ADDITIVE_SYMBOLS, Kind.MODIFIER, _MODIFIER_FMT, _plan_multiplicative)
_plan_shift = _level(_SHIFT_SYMBOLS, Kind.MODIFIER, _MODIFIER_FMT, _plan_additive)
_plan_bitwise = _level(_BITWISE_SYMBOLS, Kind.MODIFIER, _MODIFIER_FMT, _plan_shift)
_plan_comparator = _level(_COMPARATOR_SYMBOLS, Kind.COMPARATOR, _COMPARATOR_FMT, _plan_bitwise)
_plan_and = _level({"&&": "AND"}, Kind.LOGICALOP, _LOGICAL_FMT, _plan_comparator)
_plan_or = _level({"||": "OR"}, Kind.LOGICALOP, _LOGICAL_FMT, _plan_and)
_plan_ternary = _level(_TERNARY_SYMBOLS, Kind.TERNARY, _TERNARY_FMT, _plan_or)
_plan_separator = _level(_SEPARATOR_SYMBOLS, Kind.SEPARATOR, "", _plan_ternary)


def _plan_tokens(stream: _TokenStream) -> _Stage | None:
    if not stream.has_next():
        return None
    return _plan_separator(stream)


def _reorder(root: _Stage) -> None:
    """reorderStages: mirror runs of equal precedence down the right spine (making them left-associative)."""
    identical: list[_Stage] = []
    stage: _Stage | None = root
    precedence = _PRECEDENCE.get(root.symbol, 1)
    while stage is not None:
        current = stage
        stage = current.right
        if current.left is not None:
            _reorder(current.left)
        current_precedence = _PRECEDENCE.get(current.symbol, 1)
        if current_precedence == precedence:
            identical.append(current)
            continue
        if len(identical) > 1:
            _mirror(identical)
        identical = [current]
        precedence = current_precedence
    if len(identical) > 1:
        _mirror(identical)


def _mirror(stages: list[_Stage]) -> None:
    """mirrorStageSubtree, line for line."""
    n = len(stages)
    for stage in stages:
        stage.left, stage.right = stage.right, stage.left
    root, end = stages[0], stages[-1]
    end.left, root.right = root.right, end.left
    for i in range((n - 2) // 2 + 1):
        front, inverse = stages[i + 1], stages[n - i - 1]
        front.right, inverse.right = inverse.right, front.right
    for i in range(n // 2):
        stages[i].swap_with(stages[n - i - 1])


def _plan(tokens: Sequence[Token]) -> _Stage | None:
    stage = _plan_tokens(_TokenStream(tokens))
    if stage is not None:
        _reorder(stage)
    return stage


# --- Evaluation (EvaluableExpression.go, evaluationStage.go) ---------------------------------------------------

_SHORT_CIRCUIT: Any = object()


def _is_float(v: Any) -> bool:
    return type(v) is float


def _is_str(v: Any) -> bool:
    return type(v) is str


def _is_bool(v: Any) -> bool:
    return type(v) is bool


def _is_regex_or_str(v: Any) -> bool:
    return type(v) is str or isinstance(v, _GoRegex)


def _is_list(v: Any) -> bool:
    return type(v) is list


_BOTH_FLOAT = (_is_float, _is_float)
# symbol -> (left check, right check) or a combined check taking both
_CHECKS: dict[str, tuple[Callable[[Any], bool] | None, Callable[[Any], bool] | None]] = {
    "REQ": (_is_str, _is_regex_or_str),
    "NREQ": (_is_str, _is_regex_or_str),
    "AND": (_is_bool, _is_bool),
    "OR": (_is_bool, _is_bool),
    "IN": (None, _is_list),
    "NEGATE": (None, _is_float),
    "INVERT": (None, _is_bool),
    "BITWISE_NOT": (None, _is_float),
    "TERNARY_TRUE": (_is_bool, None),
    **dict.fromkeys(
        ("BITWISE_LSHIFT", "BITWISE_RSHIFT", "BITWISE_OR", "BITWISE_AND", "BITWISE_XOR", "MINUS", "MULTIPLY", "DIVIDE", "MODULUS", "EXPONENT"),
        _BOTH_FLOAT,
    ),
}  # fmt: skip


def _comparable(left: Any, right: Any) -> bool:
    return (_is_float(left) and _is_float(right)) or (_is_str(left) and _is_str(right))


def _addable(left: Any, right: Any) -> bool:
    return (_is_float(left) and _is_float(right)) or _is_str(left) or _is_str(right)


_COMBINED: dict[str, Callable[[Any, Any], bool]] = dict.fromkeys(("GT", "LT", "GTE", "LTE"), _comparable)
_COMBINED["PLUS"] = _addable


def _evaluate(stage: _Stage) -> Any:
    symbol = stage.symbol
    left: Any = None
    right: Any = None
    if stage.left is not None:
        left = _evaluate(stage.left)
    if symbol == "AND" and left is False:
        return False
    if symbol == "OR" and left is True:
        return True
    if symbol == "COALESCE" and left is not None:
        return left
    if (symbol == "TERNARY_TRUE" and left is False) or (symbol == "TERNARY_FALSE" and left is not None):
        right = _SHORT_CIRCUIT
    if right is not _SHORT_CIRCUIT and stage.right is not None:
        right = _evaluate(stage.right)
    combined = _COMBINED.get(symbol)
    if combined is not None:
        if not combined(left, right):
            raise _GovaluateError(stage.fmt % (_go_v(left), _SYMBOL_TEXT[symbol]))
    else:
        checks = _CHECKS.get(symbol)
        if checks is not None:
            for check, value in zip(checks, (left, right), strict=True):
                if check is not None and not check(value):
                    raise _GovaluateError(stage.fmt % (_go_v(value), _SYMBOL_TEXT[symbol]))
    return _OPERATORS[symbol](stage, left, right)


def _no_parameter(stage: _Stage, left: Any, right: Any) -> Any:
    name = stage.value[0] if isinstance(stage.value, list) else stage.value
    raise _GovaluateError(f"No parameter '{name}' found.")


def _regex(stage: _Stage, left: Any, right: Any) -> bool:
    if isinstance(right, str):
        try:
            right = _go_regex(right)
        except _GovaluateError as exc:
            raise _GovaluateError(f"Unable to compile regexp pattern '{right}': {exc}") from None
    return right.search(left)


def _divide(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


def _modulus(left: float, right: float) -> float:
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


def _power(left: float, right: float) -> float:
    try:
        return math.pow(left, right)
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        return math.inf if left > 0 or right % 2 == 0 else -math.inf
    except ValueError:
        return math.nan


def _int64(value: float) -> int:
    # Go's float64 -> int64 conversion on amd64: truncation, 0x8000000000000000 when out of range.
    if math.isnan(value) or not -(2**63) <= value < 2**63:
        return -(2**63)
    return int(value)


def _wrap64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _shift(left: float, right: float, to_left: bool) -> float:
    base = _int64(left) & ((1 << 64) - 1)
    amount = _int64(right) & ((1 << 64) - 1)
    if amount >= 64:
        return 0.0
    return float(((base << amount) if to_left else (base >> amount)) & ((1 << 64) - 1))


def _in(stage: _Stage, left: Any, right: Any) -> bool:
    for value in right:
        if type(left) is list and type(value) is list:
            raise _GovaluateError("runtime error: comparing uncomparable type []interface {}")
        if _go_equal(left, value):
            return True
    return False


def _separate(stage: _Stage, left: Any, right: Any) -> list[Any]:
    return [*left, right] if type(left) is list else [left, right]


def _ternary_if(stage: _Stage, left: Any, right: Any) -> Any:
    return right if left else None


def _ternary_else(stage: _Stage, left: Any, right: Any) -> Any:
    return left if left is not None else right


def _plus(stage: _Stage, left: Any, right: Any) -> Any:
    if _is_str(left) or _is_str(right):
        return _go_v(left) + _go_v(right)
    return left + right


def _go_equal(left: Any, right: Any) -> bool:
    """reflect.DeepEqual / interface equality: same Go type and equal value."""
    if type(left) is not type(right):
        return False
    if type(left) is list:
        return len(left) == len(right) and all(_go_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, _GoRegex):
        return left.pattern == right.pattern
    return bool(left == right)


_OPERATORS: dict[str, Callable[[_Stage, Any, Any], Any]] = {
    "LITERAL": lambda s, a, b: s.value,
    "NOOP": lambda s, a, b: b,
    "VALUE": _no_parameter,
    "ACCESS": _no_parameter,
    "EQ": lambda s, a, b: _go_equal(a, b),
    "NEQ": lambda s, a, b: not _go_equal(a, b),
    "GT": lambda s, a, b: a > b,
    "LT": lambda s, a, b: a < b,
    "GTE": lambda s, a, b: a >= b,
    "LTE": lambda s, a, b: a <= b,
    "REQ": _regex,
    "NREQ": lambda s, a, b: not _regex(s, a, b),
    "AND": lambda s, a, b: a and b,
    "OR": lambda s, a, b: a or b,
    "IN": _in,
    "PLUS": _plus,
    "MINUS": lambda s, a, b: a - b,
    "MULTIPLY": lambda s, a, b: a * b,
    "DIVIDE": lambda s, a, b: _divide(a, b),
    "MODULUS": lambda s, a, b: _modulus(a, b),
    "EXPONENT": lambda s, a, b: _power(a, b),
    "BITWISE_OR": lambda s, a, b: float(_wrap64(_int64(a) | _int64(b))),
    "BITWISE_AND": lambda s, a, b: float(_wrap64(_int64(a) & _int64(b))),
    "BITWISE_XOR": lambda s, a, b: float(_wrap64(_int64(a) ^ _int64(b))),
    "BITWISE_LSHIFT": lambda s, a, b: _shift(a, b, True),
    "BITWISE_RSHIFT": lambda s, a, b: _shift(a, b, False),
    "NEGATE": lambda s, a, b: -b,
    "INVERT": lambda s, a, b: not b,
    "BITWISE_NOT": lambda s, a, b: float(~_int64(b)),
    "TERNARY_TRUE": _ternary_if,
    "TERNARY_FALSE": _ternary_else,
    "COALESCE": _ternary_else,
    "SEPARATE": _separate,
}


# --- Go formatting (%v) ---------------------------------------------------------------------------------------


def _go_v(value: Any) -> str:
    """Go's ``%v`` for the values govaluate handles."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is float:
        from argento.expr.lang.gofmt import format_float  # expr-lang's package only when a float is printed

        return format_float(value)
    if type(value) is list:
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    return str(value)


def _go_token_value(token: Token) -> str:
    if token.kind in (Kind.CLAUSE, Kind.CLAUSE_CLOSE):
        return str(ord(token.value))  # the value is a rune, which %v prints as a number
    return _go_v(token.value)


# --- Go (RE2) regular expressions -----------------------------------------------------------------------------


class _GoRegex:
    """A compiled Go regexp that prints as its pattern (govaluate shows the pattern in messages)."""

    __slots__ = ("compiled", "pattern")

    def __init__(self, pattern: str, compiled: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.compiled = compiled

    def search(self, text: str) -> bool:
        return self.compiled.search(text) is not None

    def __str__(self) -> str:
        return self.pattern


def _go_regex(pattern: str) -> _GoRegex:
    try:
        return _GoRegex(pattern, compile_go_regex(pattern))
    except GoRegexError as exc:
        raise _GovaluateError(str(exc)) from None


# --- Argo's shouldExecute --------------------------------------------------------------------------------------


def _parse_phase(tokens: list[Token]) -> tuple[list[Token], _Stage | None]:
    """NewEvaluableExpression(FromTokens): balance, syntax, regex precompilation, planning."""
    _check_balance(tokens)
    _check_syntax(tokens)
    tokens = _optimize(tokens)
    return tokens, _plan(tokens)


@dataclass(frozen=True, slots=True)
class WhenExpr:
    """A parsed ``when``. Evaluation takes no parameters: Argo has substituted every value already."""

    source: str
    _stage: _Stage | None

    def evaluate(self) -> bool:
        """The ``when`` result, or :class:`ExpressionError` with Argo's message."""
        if not self.source:
            return True
        try:
            result = _evaluate(self._stage) if self._stage is not None else None
        except (_GovaluateError, RecursionError) as exc:
            raise ExpressionError(f"Failed to evaluate 'when' expresion '{self.source}': {exc}") from None
        if type(result) is not bool:
            raise ExpressionError(f"Expected boolean evaluation for '{self.source}'. Got {_go_v(result)}")
        return result


@lru_cache(maxsize=4096)
def parse_when(expr: str) -> WhenExpr:
    """Parse a substituted ``when`` the way Argo does; an empty ``when`` always runs.

    Raises :class:`ExpressionError` (``Invalid 'when' expression '…': …``) for what govaluate rejects.
    """
    if expr == "":
        return WhenExpr("", None)
    try:
        tokens, _ = _parse_phase(_tokenize(expr))
    except (_GovaluateError, RecursionError) as exc:
        reason = str(exc)
        hint = (
            ' (hint: try wrapping the affected expression in quotes ("))' if "Invalid token" in reason else ""
        )
        raise ExpressionError(f"Invalid 'when' expression '{expr}': {reason}{hint}") from None
    # Argo's trick: variables (which it never supplies) become strings, so bare words compare as text.
    as_strings = [Token(Kind.STRING, t.value) if t.kind is Kind.VARIABLE else t for t in tokens]
    try:
        _, stage = _parse_phase(as_strings)
    except (_GovaluateError, RecursionError) as exc:
        raise ExpressionError(f"Failed to parse 'when' expression '{expr}': {exc}") from None
    return WhenExpr(expr, stage)


def evaluate_when(expr: str) -> bool:
    """Whether a step or task with this (substituted) ``when`` runs."""
    return parse_when(expr).evaluate()
