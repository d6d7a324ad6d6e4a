"""JSONPath for Argo's ``jsonpath(json, path)``, shaped like ``github.com/evilmonkeyinc/jsonpath``.

Supported: ``$``, ``.key``, ``['key']``, ``[0]``/``[-1]``, ``[*]``/``.*``, ``..key`` (recursive), unions
``[0,2]``/``['a','b']``, slices ``[start:end:step]`` (end exclusive), filters ``[?(@.age > 42 && @.name == 'x')]``,
scripts ``[(@.length-1)]`` and ``.length``. Result shape follows the Go library: a path of only keys and indexes
returns the value itself (an error if it is missing); once a wildcard, slice, union, filter or recursion is
involved the result is an array, and elements the rest of the path does not reach are silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from argento.expr.lang.gofmt import format_value


class JSONPathError(ValueError):
    """The path is malformed or does not match the document."""


Selector = Callable[[Any, Any], list[Any]]  # (root, current) -> results


def query(path: str, document: Any) -> Any:
    """Evaluate ``path`` against an already-decoded JSON ``document``."""
    selectors = _parse(path)
    values, multi = [document], False
    for select, produces_many in selectors:
        out: list[Any] = []
        for value in values:
            try:
                out.extend(select(document, value))
            except JSONPathError:
                if not multi:
                    raise
        values = [v for v in out if v is not None] if multi or produces_many else out
        multi = multi or produces_many
    return values if multi else values[0]


# -------------------------------------------------------------------------------------------- parsing
_NAME = re.compile(r"[A-Za-z0-9_$\-]+|\*")


def _parse(path: str) -> list[tuple[Selector, bool]]:
    text = path.strip()
    if not text.startswith("$"):
        raise JSONPathError(f"invalid JSONPath {path!r}: must start with '$'")
    i, out = 1, []
    while i < len(text):
        if text.startswith("..", i):
            m = _NAME.match(text, i + 2)
            if m:
                out.append((_recursive(m.group()), True))
                i = m.end()
                continue
            if text.startswith("[", i + 2):
                out.append((_recursive("*"), True))
                i += 2
                continue
            raise JSONPathError(f"invalid JSONPath {path!r} at {i}")
        if text[i] == ".":
            m = _NAME.match(text, i + 1)
            if not m:
                raise JSONPathError(f"invalid JSONPath {path!r} at {i}")
            out.append((_wildcard, True) if m.group() == "*" else (_key(m.group()), False))
            i = m.end()
        elif text[i] == "[":
            end = _closing(text, i, path)
            out.append(_subscript(text[i + 1 : end].strip(), path))
            i = end + 1
        else:
            raise JSONPathError(f"invalid JSONPath {path!r}: unexpected {text[i]!r} at {i}")
    return out


def _closing(text: str, start: int, path: str) -> int:
    depth, quote = 0, ""
    for j in range(start, len(text)):
        ch = text[j]
        if quote:
            if ch == quote and text[j - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth == 0 and ch == "]":
                return j
    raise JSONPathError(f"invalid JSONPath {path!r}: unclosed '['")


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _subscript(body: str, path: str) -> tuple[Selector, bool]:
    if body == "*":
        return _wildcard, True
    if body.startswith("?(") and body.endswith(")"):
        return _filter(_Expr(body[2:-1]).parse()), True
    if body.startswith("(") and body.endswith(")"):
        return _script(_Expr(body[1:-1]).parse()), False
    parts = _split_top(body, ",")
    if len(parts) > 1:
        selectors = [_subscript(p, path)[0] for p in parts]
        return (lambda root, cur: [v for s in selectors for v in _quiet(s, root, cur)]), True
    if len(_split_top(body, ":")) > 1:
        bounds = _split_top(body, ":")
        if len(bounds) > 3:
            raise JSONPathError(f"invalid JSONPath {path!r}: bad range [{body}]")
        return _range(*[_int_or_none(b, path) for b in bounds]), True
    if body[:1] in "'\"" and body[-1:] == body[:1] and len(body) >= 2:
        return _key(body[1:-1]), False
    return _index(_int_or_none(body, path)), False


def _int_or_none(text: str, path: str) -> int | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise JSONPathError(f"invalid JSONPath {path!r}: {text!r} is not an integer") from None


def _quiet(select: Selector, root: Any, cur: Any) -> list[Any]:
    try:
        return select(root, cur)
    except JSONPathError:
        return []


# ------------------------------------------------------------------------------------------ selectors
def _key(name: str) -> Selector:
    def select(root: Any, cur: Any) -> list[Any]:
        if isinstance(cur, dict):
            if name in cur:
                return [cur[name]]
            if name == "length":
                return [len(cur)]
            raise JSONPathError(f"key: invalid token key '{name}' not found")
        if name == "length" and isinstance(cur, list | str):
            return [len(cur)]
        raise JSONPathError(f"key: invalid token target. expected [map] got [{_kind(cur)}]")

    return select


def _index(index: int | None) -> Selector:
    def select(root: Any, cur: Any) -> list[Any]:
        if not isinstance(cur, list) or index is None:
            raise JSONPathError(f"index: invalid token target. expected [array slice] got [{_kind(cur)}]")
        i = index + len(cur) if index < 0 else index
        if not 0 <= i < len(cur):
            raise JSONPathError("index: invalid token out of range")
        return [cur[i]]

    return select


def _range(start: int | None, end: int | None = None, step: int | None = None) -> Selector:
    if step is not None and step < 1:
        raise JSONPathError("range: invalid token out of range")

    def select(root: Any, cur: Any) -> list[Any]:
        if not isinstance(cur, list):
            raise JSONPathError(f"range: invalid token target. expected [array slice] got [{_kind(cur)}]")
        return list(cur[start:end:step])

    return select


def _wildcard(root: Any, cur: Any) -> list[Any]:
    if isinstance(cur, dict):
        return [cur[k] for k in sorted(cur)]
    if isinstance(cur, list):
        return list(cur)
    raise JSONPathError(f"wildcard: invalid token target. expected [array map slice] got [{_kind(cur)}]")


def _recursive(name: str) -> Selector:
    def walk(value: Any, out: list[Any]) -> None:
        children = (
            [value[k] for k in sorted(value)]
            if isinstance(value, dict)
            else value
            if isinstance(value, list)
            else []
        )
        if name == "*":
            out.extend(children)
        elif isinstance(value, dict) and name in value:
            out.append(value[name])
        for child in children:
            walk(child, out)

    def select(root: Any, cur: Any) -> list[Any]:
        out: list[Any] = []
        walk(cur, out)
        return out

    return select


def _filter(expr: _Node) -> Selector:
    def select(root: Any, cur: Any) -> list[Any]:
        if isinstance(cur, dict):
            items = [cur[k] for k in sorted(cur)]
        elif isinstance(cur, list):
            items = cur
        else:
            raise JSONPathError(
                f"filter: invalid token target. expected [array map slice] got [{_kind(cur)}]"
            )
        return [item for item in items if _truthy(expr(root, item))]

    return select


def _script(expr: _Node) -> Selector:
    def select(root: Any, cur: Any) -> list[Any]:
        key = expr(root, cur)
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool):
            return _index(key)(root, cur)
        if isinstance(key, str):
            return _key(key)(root, cur)
        raise JSONPathError(f"script: unexpected expression result {format_value(key)}")

    return select


def _truthy(value: Any) -> bool:
    return value is not None and value is not False


def _kind(value: Any) -> str:
    if value is None:
        return "nil"
    return {dict: "map", list: "slice", str: "string", bool: "bool", float: "float64", int: "int"}.get(
        type(value), type(value).__name__
    )


# ------------------------------------------------------------------------------- filter expressions
_Node = Callable[[Any, Any], Any]  # (root, current element) -> value
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<path>[@$](?:\.[A-Za-z0-9_]+|\[[^\]]*\])*)|(?P<word>true|false|null)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%()]))"
)
_PRECEDENCE = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}


class _Expr:
    """Tiny precedence-climbing parser for filter and script expressions."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text.rstrip()):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise JSONPathError(f"invalid filter expression {text!r} at {pos}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.text = text

    def parse(self) -> _Node:
        node = self.binary(1)
        if self.i != len(self.tokens):
            raise JSONPathError(f"invalid filter expression {self.text!r}")
        return node

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("", "")

    def binary(self, min_prec: int) -> _Node:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = _PRECEDENCE.get(op, 0) if kind == "op" else 0
            if prec < min_prec:
                return left
            self.i += 1
            right = self.binary(prec + 1)
            left = _apply(op, left, right)

    def unary(self) -> _Node:
        kind, value = self.peek()
        if kind == "":
            raise JSONPathError(f"invalid filter expression {self.text!r}: unexpected end")
        self.i += 1
        if kind == "op" and value == "!":
            inner = self.unary()
            return lambda root, cur: not _truthy(inner(root, cur))
        if kind == "op" and value == "-":
            operand = self.unary()

            def negate(root: Any, cur: Any) -> Any:
                v = operand(root, cur)
                return -v if _number(v) else None

            return negate
        if kind == "op" and value == "(":
            inner = self.binary(1)
            if self.peek() != ("op", ")"):
                raise JSONPathError(f"invalid filter expression {self.text!r}: missing ')'")
            self.i += 1
            return inner
        if kind == "num":
            number = float(value) if any(c in value for c in ".eE") else int(value)
            return lambda root, cur: number
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", value[1:-1])
            return lambda root, cur: text
        if kind == "word":
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda root, cur: constant
        if kind == "path":
            selectors = _parse("$" + value[1:])
            from_root = value[0] == "$"

            def resolve(root: Any, cur: Any) -> Any:
                current = root if from_root else cur
                for select, _ in selectors:
                    try:
                        current = select(root, current)[0]
                    except (JSONPathError, IndexError):
                        return None
                return current

            return resolve
        raise JSONPathError(f"invalid filter expression {self.text!r}: unexpected {value!r}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _apply(op: str, left: _Node, right: _Node) -> _Node:
    def run(root: Any, cur: Any) -> Any:
        if op == "&&":
            return _truthy(left(root, cur)) and _truthy(right(root, cur))
        if op == "||":
            return _truthy(left(root, cur)) or _truthy(right(root, cur))
        a, b = left(root, cur), right(root, cur)
        if op in ("==", "!="):
            same = a == b if (_number(a) and _number(b)) or type(a) is type(b) else False
            return same if op == "==" else not same
        comparable = (_number(a) and _number(b)) or (isinstance(a, str) and isinstance(b, str))
        if op in ("<", "<=", ">", ">="):
            if not comparable:
                return False
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if not (_number(a) and _number(b)):
            return None
        try:
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b, "%": lambda: a % b}[op]()  # fmt: skip
        except ZeroDivisionError:
            return None

    return run
