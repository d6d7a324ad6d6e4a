"""The expr-lang syntax tree, and `unparse` to print it back as source.

Node shapes follow expr's ``ast`` package closely (``MemberNode`` with an ``optional`` flag wrapped in a
``ChainNode``, predicates as their own node, pipes desugared into calls) so the evaluator can mirror expr's
compiler case by case. Positions (``pos``, a 0-based source offset) are excluded from equality so that a
tree printed with `unparse` and parsed again compares equal to the original — the property the Hypothesis
tests check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_POS = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes."""


@dataclass(frozen=True, slots=True)
class Nil(Node):
    """``nil``."""

    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Bool(Node):
    """``true`` / ``false``."""

    value: bool
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Int(Node):
    """An integer literal (hex, octal and binary forms included)."""

    value: int
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Float(Node):
    """A float literal (``0.5``, ``.5``, ``1e3``)."""

    value: float
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Str(Node):
    """A string literal, escapes already decoded."""

    value: str
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Array(Node):
    """``[a, b]``."""

    items: tuple[Node, ...]
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Map(Node):
    """``{key: value}``; bare-name and number keys are `Str` nodes."""

    pairs: tuple[tuple[Node, Node], ...]
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Ident(Node):
    """A name looked up in ``let`` bindings, then the environment."""

    name: str
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    """``#`` (name ``""``), ``#acc``, ``#index`` inside a predicate; ``.field`` is ``Member(Pointer(""), …)``."""

    name: str
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``not``, ``-`` or ``+`` applied to one operand (``!`` is spelled ``not``)."""

    op: str
    operand: Node
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """A binary operator (``and``/``or``/``^`` are spelled ``&&``/``||``/``**``)."""

    op: str
    left: Node
    right: Node
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``obj.name``, ``obj[key]`` and their ``?.`` forms; ``prop`` is a `Str` for the dotted form."""

    obj: Node
    prop: Node
    optional: bool = False
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """Boundary of an optional chain: a ``?.`` on nil anywhere inside makes the whole chain nil."""

    node: Node
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Slice(Node):
    """``obj[lo:hi]`` with either bound optional."""

    obj: Node
    lo: Node | None
    hi: Node | None
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of something from the environment (``asInt(x)``) or a method (``sprig.trim(x)``)."""

    callee: Node
    args: tuple[Node, ...]
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Builtin(Node):
    """A call of one of expr's builtins (resolved at parse time, like expr's ``BuiltinNode``)."""

    name: str
    args: tuple[Node, ...]
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Predicate(Node):
    """The ``{…}`` argument of a predicate builtin."""

    body: Node
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Let(Node):
    """``let name = value; body``."""

    name: str
    value: Node
    body: Node
    pos: int = _POS


@dataclass(frozen=True, slots=True)
class Cond(Node):
    """``cond ? then : otherwise`` and ``if cond { … } else { … }``."""

    cond: Node
    then: Node
    otherwise: Node
    pos: int = _POS


# --------------------------------------------------------------------------------------------- unparse

_IDENT_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
# Nodes a postfix (`.x`, `[i]`) can follow without parentheses. Not `nil`/`true`/`false`: expr's parser
# returns those literals without reading a postfix.
_POSTFIX_SAFE = (Ident, Str, Array, Map, Member, Chain, Slice, Call, Builtin, Pointer)


def quote(text: str) -> str:
    """A double-quoted expr string literal for ``text``."""
    out = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or not ch.isprintable():
            out.append(f"\\U{ord(ch):08x}" if ord(ch) > 0xFFFF else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _atom(node: Node) -> str:
    text = unparse(node)
    return text if isinstance(node, _POSTFIX_SAFE) else f"({text})"


def unparse(node: Node) -> str:
    """Print ``node`` as expr source that parses back to an equal tree (composites are parenthesized)."""
    match node:
        case Nil():
            return "nil"
        case Bool(value=v):
            return "true" if v else "false"
        case Int(value=v):
            return str(v)
        case Float(value=v):
            return repr(v)
        case Str(value=v):
            return quote(v)
        case Array(items=items):
            return "[" + ", ".join(unparse(i) for i in items) + "]"
        case Map(pairs=pairs):
            parts = []
            for key, value in pairs:
                k = quote(key.value) if isinstance(key, Str) else f"({unparse(key)})"
                parts.append(f"{k}: {unparse(value)}")
            return "{" + ", ".join(parts) + "}"
        case Ident(name=name):
            return name
        case Pointer(name=name):
            return "#" + name
        case Unary(op=op, operand=operand):
            sep = " " if op == "not" else ""
            return f"{op}{sep}({unparse(operand)})"
        case Binary(op=op, left=left, right=right):
            return f"({unparse(left)}) {op} ({unparse(right)})"
        case Member(obj=obj, prop=prop, optional=optional):
            if isinstance(prop, Str) and _IDENT_RE.match(prop.value):
                return f"{_atom(obj)}{'?.' if optional else '.'}{prop.value}"
            return f"{_atom(obj)}{'?.' if optional else ''}[{unparse(prop)}]"
        case Chain(node=inner):
            return unparse(inner)
        case Slice(obj=obj, lo=lo, hi=hi):
            lo_s = "" if lo is None else unparse(lo)
            hi_s = "" if hi is None else unparse(hi)
            return f"{_atom(obj)}[{lo_s}:{hi_s}]"
        case Call(callee=callee, args=args):
            return f"{unparse(callee) if isinstance(callee, Ident) else _atom(callee)}({_args(args)})"
        case Builtin(name=name, args=args):
            return f"{name}({_args(args)})"
        case Predicate(body=body):
            return "{" + unparse(body) + "}"
        case Let(name=name, value=value, body=body):
            return f"let {name} = {unparse(value)}; {unparse(body)}"
        case Cond(cond=c, then=t, otherwise=o):
            return f"({unparse(c)}) ? ({unparse(t)}) : ({unparse(o)})"
    raise TypeError(f"cannot unparse {node!r}")


def _args(args: tuple[Node, ...]) -> str:
    return ", ".join(unparse(a) for a in args)
