"""Pratt parser from expr tokens to the `nodes` tree.

Follows expr's ``parser/parser.go``: the operator table (``??`` binds tightest, ``|`` loosest), right-
associative ``**``/``^``, chained relational comparisons (``1 < x < 5`` means ``1 < x && x < 5``), the
``not in`` family, ``let x = …; …`` and ``if c { a } else { b }`` at the start of an expression, the ternary and
Elvis (``a ?: b``) forms, pipes (``x | f(y)`` is ``f(x, y)``), predicates (``filter(xs, {# > 1})`` — braces
optional), ``#``/``#acc``/``#index``/``.field`` only inside predicates, optional chaining, slices, and map keys
that are bare names, numbers, strings or parenthesized expressions. Like expr, builtin names are resolved
here: ``len(x)`` is always the builtin even if the environment has a ``len``.
"""

from __future__ import annotations

from typing import NamedTuple

from argento.expr.lang import nodes as n
from argento.expr.lang.builtins import BUILTINS
from argento.expr.lang.errors import ExprSyntaxError
from argento.expr.lang.lexer import Kind, Token, is_ident_char, is_ident_start, tokenize


class _Op(NamedTuple):
    prec: int
    right: bool = False


UNARY: dict[str, int] = {"not": 50, "!": 50, "-": 90, "+": 90}
BINARY: dict[str, _Op] = {
    "|": _Op(0), "or": _Op(10), "||": _Op(10), "and": _Op(15), "&&": _Op(15),
    "==": _Op(20), "!=": _Op(20), "<": _Op(20), ">": _Op(20), ">=": _Op(20), "<=": _Op(20),
    "in": _Op(20), "matches": _Op(20), "contains": _Op(20), "startsWith": _Op(20), "endsWith": _Op(20),
    "..": _Op(25), "+": _Op(30), "-": _Op(30), "*": _Op(60), "/": _Op(60), "%": _Op(60),
    "**": _Op(100, right=True), "^": _Op(100, right=True), "??": _Op(500),
}  # fmt: skip
_RELATIONAL = frozenset({"<", ">", "<=", ">="})
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
# Canonical spelling of operator aliases so equal programs get equal trees.
_CANONICAL = {"and": "&&", "or": "||", "!": "not", "^": "**"}

# Predicate builtins' argument shapes: E expression, P predicate; lower case marks an optional one.
PREDICATES: dict[str, str] = {
    "all": "EP", "none": "EP", "any": "EP", "one": "EP", "filter": "EP", "map": "EP",
    "count": "Ep", "sum": "Ep", "find": "EP", "findIndex": "EP", "findLast": "EP", "findLastIndex": "EP",
    "groupBy": "EP", "sortBy": "EPe", "reduce": "EPe",
}  # fmt: skip


def _is_name(text: str) -> bool:
    return bool(text) and is_ident_start(text[0]) and all(is_ident_char(c) for c in text)


class Parser:
    """Parses one source string; use `parse`."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.i = 0
        self.cur = self.tokens[0]
        self.depth = 0  # predicate nesting: `#` and `.x` are only valid inside

    # ------------------------------------------------------------------------------------------ helpers
    def advance(self) -> Token:
        tok = self.cur
        if self.i < len(self.tokens) - 1:
            self.i += 1
            self.cur = self.tokens[self.i]
        return tok

    def at(self, kind: Kind, value: str | None = None) -> bool:
        return self.cur.kind is kind and (value is None or self.cur.value == value)

    def unexpected(self, tok: Token | None = None) -> ExprSyntaxError:
        tok = tok or self.cur
        if tok.kind is Kind.EOF:
            return ExprSyntaxError("unexpected end of expression", tok.pos)
        return ExprSyntaxError(f"unexpected token {tok.describe()}", tok.pos)

    def expect(self, kind: Kind, value: str | None = None) -> Token:
        if not self.at(kind, value):
            if value is not None and self.cur.kind is Kind.EOF:
                raise ExprSyntaxError(f"unexpected end of expression (expected '{value}')", self.cur.pos)
            raise self.unexpected()
        return self.advance()

    # -------------------------------------------------------------------------------------- expressions
    def parse(self) -> n.Node:
        node = self.expression(0)
        if not self.at(Kind.EOF):
            raise self.unexpected()
        return node

    def expression(self, precedence: int) -> n.Node:
        if precedence == 0 and self.at(Kind.OPERATOR, "let"):
            return self.let()
        left = self.primary()
        prev_op = ""
        while self.cur.kind is Kind.OPERATOR:
            op_tok = self.cur
            negate: Token | None = None
            if op_tok.value == "not":
                nxt = self.tokens[self.i + 1]
                if nxt.kind is not Kind.OPERATOR or nxt.value not in _NEGATABLE:
                    raise self.unexpected(nxt)
                if BINARY[nxt.value].prec < precedence:
                    break
                negate = self.advance()
                op_tok = self.cur
            op = BINARY.get(op_tok.value)
            if op is None or op.prec < precedence:
                break
            self.advance()
            if op_tok.value == "|":
                name = self.expect(Kind.IDENT)
                left = self.call(name, [left])
                prev_op = "|"
                continue
            if prev_op == "??" and op_tok.value != "??":
                raise ExprSyntaxError(
                    f"operator '{op_tok.value}' and coalesce expressions (??) cannot be mixed; "
                    "wrap either in parentheses",
                    op_tok.pos,
                )
            if op_tok.value in _RELATIONAL:
                left = self.comparison(left, op_tok, op.prec)
            else:
                right = self.expression(op.prec if op.right else op.prec + 1)
                value = _CANONICAL.get(op_tok.value, op_tok.value)
                left = n.Binary(value, left, right, pos=op_tok.pos)
                if negate is not None:
                    left = n.Unary("not", left, pos=negate.pos)
            prev_op = op_tok.value
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: n.Node, op_tok: Token, prec: int) -> n.Node:
        """``a < b < c`` → ``a < b && b < c`` (expr's comparison chaining)."""
        root: n.Node | None = None
        while True:
            right = self.expression(prec + 1)
            cmp = n.Binary(op_tok.value, left, right, pos=op_tok.pos)
            root = cmp if root is None else n.Binary("&&", root, cmp, pos=op_tok.pos)
            left = right
            if not (self.cur.kind is Kind.OPERATOR and self.cur.value in _RELATIONAL):
                return root
            op_tok = self.advance()

    def let(self) -> n.Node:
        self.expect(Kind.OPERATOR, "let")
        name = self.expect(Kind.IDENT)
        self.expect(Kind.OPERATOR, "=")
        value = self.expression(0)
        self.expect(Kind.OPERATOR, ";")
        body = self.expression(0)
        return n.Let(name.value, value, body, pos=name.pos)

    def conditional(self, node: n.Node) -> n.Node:
        while self.at(Kind.OPERATOR, "?"):
            q = self.advance()
            if self.at(Kind.OPERATOR, ":"):  # Elvis: `a ?: b`
                self.advance()
                then, otherwise = node, self.expression(0)
            else:
                then = self.expression(0)
                self.expect(Kind.OPERATOR, ":")
                otherwise = self.expression(0)
            node = n.Cond(node, then, otherwise, pos=q.pos)
        return node

    def if_else(self) -> n.Node:
        tok = self.expect(Kind.OPERATOR, "if")
        cond = self.expression(0)
        then = self.block()
        self.expect(Kind.OPERATOR, "else")
        otherwise = self.if_else() if self.at(Kind.OPERATOR, "if") else self.block()
        return n.Cond(cond, then, otherwise, pos=tok.pos)

    def block(self) -> n.Node:
        self.expect(Kind.BRACKET, "{")
        node = self.expression(0)
        self.expect(Kind.BRACKET, "}")
        return node

    # ---------------------------------------------------------------------------------------- primaries
    def primary(self) -> n.Node:
        tok = self.cur
        if tok.kind is Kind.OPERATOR:
            if tok.value in UNARY:
                self.advance()
                operand = self.expression(UNARY[tok.value])
                return self.postfix(n.Unary(_CANONICAL.get(tok.value, tok.value), operand, pos=tok.pos))
            if tok.value == "if":
                return self.postfix(self.if_else())
            if tok.value in ("#", "."):
                if self.depth == 0:
                    raise ExprSyntaxError("cannot use pointer accessor outside predicate", tok.pos)
                name = ""
                if tok.value == "#":
                    self.advance()
                    if self.at(Kind.IDENT):
                        name = self.advance().value
                # For `.field` the dot stays current and `postfix` reads it as a member access.
                return self.postfix(n.Pointer(name, pos=tok.pos))
        if self.at(Kind.BRACKET, "("):
            self.advance()
            node = self.expression(0)
            self.expect(Kind.BRACKET, ")")
            return self.postfix(node)
        return self.secondary()

    def secondary(self) -> n.Node:
        tok = self.cur
        node: n.Node
        if tok.kind is Kind.IDENT:
            self.advance()
            if tok.value in ("true", "false"):
                return n.Bool(tok.value == "true", pos=tok.pos)
            if tok.value == "nil":
                return n.Nil(pos=tok.pos)
            node = self.call(tok, []) if self.at(Kind.BRACKET, "(") else n.Ident(tok.value, pos=tok.pos)
        elif tok.kind is Kind.NUMBER:
            self.advance()
            return self.number(tok)
        elif tok.kind is Kind.STRING:
            self.advance()
            node = n.Str(tok.value, pos=tok.pos)
        elif self.at(Kind.BRACKET, "["):
            node = self.array()
        elif self.at(Kind.BRACKET, "{"):
            node = self.map()
        else:
            raise self.unexpected()
        return self.postfix(node)

    def number(self, tok: Token) -> n.Node:
        text = tok.value.replace("_", "")
        lower = text.lower()
        try:
            if lower.startswith(("0x", "0o", "0b")):
                value = int(text, 0)
            elif "." in lower or "e" in lower:
                f = float(text)
                if f == float("inf"):
                    raise ExprSyntaxError("float literal is too large", tok.pos)
                return n.Float(f, pos=tok.pos)
            else:
                value = int(text, 10)
        except ValueError:
            raise ExprSyntaxError(f"invalid number literal {tok.value!r}", tok.pos) from None
        if value > 2**63 - 1:
            raise ExprSyntaxError("integer literal is too large", tok.pos)
        return n.Int(value, pos=tok.pos)

    def array(self) -> n.Node:
        start = self.expect(Kind.BRACKET, "[")
        items: list[n.Node] = []
        while not self.at(Kind.BRACKET, "]"):
            if items:
                self.expect(Kind.OPERATOR, ",")
                if self.at(Kind.BRACKET, "]"):
                    break
            items.append(self.expression(0))
        self.expect(Kind.BRACKET, "]")
        return n.Array(tuple(items), pos=start.pos)

    def map(self) -> n.Node:
        start = self.expect(Kind.BRACKET, "{")
        pairs: list[tuple[n.Node, n.Node]] = []
        while not self.at(Kind.BRACKET, "}"):
            if pairs:
                self.expect(Kind.OPERATOR, ",")
                if self.at(Kind.BRACKET, "}"):
                    break
            key: n.Node
            if self.cur.kind in (Kind.NUMBER, Kind.STRING, Kind.IDENT):
                key = n.Str(self.cur.value, pos=self.cur.pos)
                self.advance()
            elif self.cur.kind is Kind.OPERATOR and _is_name(self.cur.value):
                key = n.Str(self.cur.value, pos=self.cur.pos)  # `{in: 1}`: operator words are fine keys
                self.advance()
            elif self.at(Kind.BRACKET, "("):
                key = self.expression(0)
            else:
                raise ExprSyntaxError(
                    "a map key must be a quoted string, a number, a name, or an expression in parentheses "
                    f"(unexpected token {self.cur.describe()})",
                    self.cur.pos,
                )
            self.expect(Kind.OPERATOR, ":")
            pairs.append((key, self.expression(0)))
        self.expect(Kind.BRACKET, "}")
        return n.Map(tuple(pairs), pos=start.pos)

    def call(self, name: Token, args: list[n.Node]) -> n.Node:
        """A call of ``name``; ``args`` already holds the piped value, if any."""
        shape = PREDICATES.get(name.value)
        if shape is not None:
            self.expect(Kind.BRACKET, "(")
            for i, kind in enumerate(shape[len(args) :]):
                if self.at(Kind.BRACKET, ")"):
                    if kind.islower():
                        break
                    required = sum(1 for k in shape if k.isupper())
                    raise ExprSyntaxError(
                        f"{name.value}() expects at least {required} arguments", self.cur.pos
                    )
                if i > 0:
                    self.expect(Kind.OPERATOR, ",")
                args.append(self.predicate() if kind in "Pp" else self.expression(0))
            if self.at(Kind.OPERATOR, ","):
                self.advance()
            self.expect(Kind.BRACKET, ")")
            return n.Builtin(name.value, tuple(args), pos=name.pos)
        args = self.arguments(args)
        if name.value in BUILTINS:
            return n.Builtin(name.value, tuple(args), pos=name.pos)
        return n.Call(n.Ident(name.value, pos=name.pos), tuple(args), pos=name.pos)

    def arguments(self, args: list[n.Node]) -> list[n.Node]:
        offset = len(args)
        self.expect(Kind.BRACKET, "(")
        while not self.at(Kind.BRACKET, ")"):
            if len(args) > offset:
                self.expect(Kind.OPERATOR, ",")
                if self.at(Kind.BRACKET, ")"):
                    break
            args.append(self.expression(0))
        self.expect(Kind.BRACKET, ")")
        return args

    def predicate(self) -> n.Node:
        start = self.cur
        braced = self.at(Kind.BRACKET, "{")
        if braced:
            self.advance()
        self.depth += 1
        body = self.expression(0)
        self.depth -= 1
        if braced:
            self.expect(Kind.BRACKET, "}")
        return n.Predicate(body, pos=start.pos)

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            tok = self.cur
            if tok.kind is Kind.OPERATOR and tok.value in (".", "?."):
                optional = tok.value == "?."
                self.advance()
                if optional and self.at(Kind.BRACKET, "["):  # `a?.[key]`
                    node = self.index(node, self.advance(), optional=True)
                    continue
                node = self.dotted(node, tok, optional)
            elif tok.kind is Kind.BRACKET and tok.value == "[":
                node = self.index(node, self.advance(), optional=False)
            else:
                return node

    def dotted(self, node: n.Node, dot: Token, optional: bool) -> n.Node:
        prop_tok = self.cur
        # Operator words (`not`, `matches`, `in` …) are valid property and method names.
        if prop_tok.kind is not Kind.IDENT and not (
            prop_tok.kind is Kind.OPERATOR and _is_name(prop_tok.value)
        ):
            if prop_tok.kind is Kind.EOF:
                raise ExprSyntaxError("unexpected end of expression (expected a name)", prop_tok.pos)
            raise ExprSyntaxError(f"expected a name after '{dot.value}'", prop_tok.pos)
        self.advance()
        inner, in_chain = (node.node, True) if isinstance(node, n.Chain) else (node, False)
        member: n.Node = n.Member(inner, n.Str(prop_tok.value, pos=prop_tok.pos), optional, pos=prop_tok.pos)
        if self.at(Kind.BRACKET, "("):
            member = n.Call(member, tuple(self.arguments([])), pos=prop_tok.pos)
        return n.Chain(member, pos=dot.pos) if in_chain or optional else member

    def index(self, node: n.Node, bracket: Token, optional: bool) -> n.Node:
        inner, in_chain = (node.node, True) if isinstance(node, n.Chain) else (node, False)
        if self.at(Kind.OPERATOR, ":"):
            self.advance()
            hi = None if self.at(Kind.BRACKET, "]") else self.expression(0)
            self.expect(Kind.BRACKET, "]")
            return n.Slice(node, None, hi, pos=bracket.pos)
        key = self.expression(0)
        if self.at(Kind.OPERATOR, ":"):
            self.advance()
            hi = None if self.at(Kind.BRACKET, "]") else self.expression(0)
            self.expect(Kind.BRACKET, "]")
            return n.Slice(node, key, hi, pos=bracket.pos)
        self.expect(Kind.BRACKET, "]")
        member = n.Member(inner, key, optional, pos=bracket.pos)
        return n.Chain(member, pos=bracket.pos) if in_chain or optional else member


def parse(source: str) -> n.Node:
    """Parse expr source into a tree. Raises `ExprSyntaxError` with the offending offset."""
    return Parser(source).parse()
