"""Tokenizer for expr-lang source text.

Mirrors expr's hand-written lexer (``parser/lexer/state.go``): the token kinds, which words are operators
(``in``, ``matches``, ``let``, ``if`` …), ``not in`` spelled as two tokens, ``#acc`` split into ``#`` and a
name, ``1..3`` lexed as a range and not as a float, and expr's string escapes. Offsets are 0-based character
indexes into the source so errors can name the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from argento.expr.lang.errors import ExprSyntaxError


class Kind(Enum):
    """Token kinds, as in expr."""

    IDENT = "identifier"
    NUMBER = "number"
    STRING = "string"
    OPERATOR = "operator"
    BRACKET = "bracket"
    EOF = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its (unescaped) value and where it starts in the source."""

    kind: Kind
    value: str
    pos: int

    def describe(self) -> str:
        """How error messages show the token."""
        if self.kind is Kind.EOF:
            return "end of expression"
        if self.kind is Kind.STRING:
            return f"string {self.value!r}"
        return f"'{self.value}'"


# Words the lexer turns into operators rather than identifiers (expr's `identifier` state).
_WORD_OPERATORS = frozenset(
    {"in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)
# Words that may follow `not` to form a negated binary operator.
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}  # fmt: skip


def is_ident_start(ch: str) -> bool:
    """expr's ``IsAlphabetic``: letters, ``_`` and ``$``."""
    return ch == "_" or ch == "$" or ch.isalpha()


def is_ident_char(ch: str) -> bool:
    """expr's ``IsAlphaNumeric``."""
    return ch == "_" or ch == "$" or ch.isalpha() or ch.isdigit()


def unescape(body: str, start: int) -> str:
    """Decode the escapes of a quoted string body (the quotes already removed).

    Follows expr's ``unescape``: the Go/Google-SQL escapes, ``\\xHH``, ``\\uHHHH``, ``\\UHHHHHHHH`` and
    three-digit octal ``\\[0-3][0-7][0-7]``; anything else is an error.
    """
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise ExprSyntaxError("unable to unescape string, found '\\' as last character", start + i)
        esc = body[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in "xXuU":
            width = {"x": 2, "X": 2, "u": 4, "U": 8}[esc]
            digits = body[i + 2 : i + 2 + width]
            try:
                if len(digits) != width:
                    raise ValueError(digits)
                code = int(digits, 16)
                out.append(chr(code))
            except (ValueError, OverflowError):
                raise ExprSyntaxError(f"invalid escape sequence '\\{esc}{digits}'", start + i) from None
            i += 2 + width
        elif esc in "0123":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits):
                raise ExprSyntaxError("unable to unescape octal sequence in string", start + i)
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ExprSyntaxError(f"invalid escape sequence '\\{esc}'", start + i)
    return "".join(out)


class _Lexer:
    """Single-pass scanner; see `tokenize`."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.tokens: list[Token] = []

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < len(self.src) else ""

    def emit(self, kind: Kind, value: str, start: int) -> None:
        self.tokens.append(Token(kind, value, start))

    def run(self) -> list[Token]:
        src = self.src
        while self.pos < len(src):
            start = self.pos
            ch = src[start]
            if ch.isspace():
                self.pos += 1
            elif ch in "'\"":
                self.string(ch)
            elif ch == "`":
                end = src.find("`", start + 1)
                if end < 0:
                    raise ExprSyntaxError("literal not terminated", start)
                self.emit(Kind.STRING, src[start + 1 : end].replace("\r\n", "\n"), start)
                self.pos = end + 1
            elif ch.isdigit() or (ch == "." and self.peek(1).isdigit()):
                self.number()
            elif ch == "/" and self.peek(1) == "/":
                end = src.find("\n", start)
                self.pos = len(src) if end < 0 else end + 1
            elif ch == "/" and self.peek(1) == "*":
                end = src.find("*/", start + 2)
                if end < 0:
                    raise ExprSyntaxError("unclosed comment", start)
                self.pos = end + 2
            elif is_ident_start(ch):
                self.word()
            elif ch == "#":
                self.pos += 1
                self.emit(Kind.OPERATOR, "#", start)
                name_start = self.pos
                while self.pos < len(src) and is_ident_char(src[self.pos]):
                    self.pos += 1
                if self.pos > name_start:
                    self.emit(Kind.IDENT, src[name_start : self.pos], name_start)
            elif ch in "([{)]}":
                self.pos += 1
                self.emit(Kind.BRACKET, ch, start)
            else:
                self.operator(ch, start)
        self.emit(Kind.EOF, "", len(src))
        return self.tokens

    def operator(self, ch: str, start: int) -> None:
        two = self.src[start : start + 2]
        if two in ("?.", "??", "||", "&&", "==", "!=", "<=", ">=", "**", "..", "::"):
            self.pos += 2
            self.emit(Kind.OPERATOR, two, start)
        elif ch in "?|:,;%+-^*/!<>=.":
            self.pos += 1
            self.emit(Kind.OPERATOR, ch, start)
        elif ch == "&":
            raise ExprSyntaxError("unexpected '&' (did you mean '&&'?)", start)
        else:
            raise ExprSyntaxError(f"unrecognized character {ch!r}", start)

    def string(self, quote: str) -> None:
        src, start = self.src, self.pos
        i = start + 1
        while True:
            if i >= len(src):
                raise ExprSyntaxError("literal not terminated", start)
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if c == quote:
                break
            i += 1
        body = src[start + 1 : i].replace("\r\n", "\n")
        self.emit(Kind.STRING, unescape(body, start + 1), start)
        self.pos = i + 1

    def number(self) -> None:
        src, start = self.src, self.pos
        i = start
        digits = "0123456789_"
        if src[i] == "0" and i + 1 < len(src) and src[i + 1] in "xXoObB":
            digits = {"x": "0123456789abcdefABCDEF_", "o": "01234567_", "b": "01_"}[src[i + 1].lower()]
            i += 2
        while i < len(src) and src[i] in digits:
            i += 1
        if i < len(src) and src[i] == "." and not (i + 1 < len(src) and src[i + 1] == "."):
            # `1..3` is a range: leave the dots for the operator.
            i += 1
            while i < len(src) and src[i] in digits:
                i += 1
        if i < len(src) and src[i] in "eE" and digits == "0123456789_":
            i += 1
            if i < len(src) and src[i] in "+-":
                i += 1
            while i < len(src) and src[i] in digits:
                i += 1
        if i < len(src) and is_ident_char(src[i]):
            raise ExprSyntaxError(f"bad number syntax: {src[start : i + 1]!r}", start)
        self.pos = i
        self.emit(Kind.NUMBER, src[start:i], start)

    def word(self) -> None:
        src, start = self.src, self.pos
        i = start
        while i < len(src) and is_ident_char(src[i]):
            i += 1
        value = src[start:i]
        self.pos = i
        if value == "not":
            self.emit(Kind.OPERATOR, "not", start)
            # `not in`, `not matches` …: the following word is an operator too.
            j = i
            while j < len(src) and src[j].isspace():
                j += 1
            k = j
            while k < len(src) and is_ident_char(src[k]):
                k += 1
            if src[j:k] in _NEGATABLE:
                self.emit(Kind.OPERATOR, src[j:k], j)
                self.pos = k
        elif value in _WORD_OPERATORS:
            self.emit(Kind.OPERATOR, value, start)
        else:
            self.emit(Kind.IDENT, value, start)


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an EOF token. Raises `ExprSyntaxError`."""
    return _Lexer(source).run()
