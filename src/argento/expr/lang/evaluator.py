"""Compile a `nodes` tree into nested Python closures, expr's compiler and VM in one step.

Each node becomes a function of a `Scope` (the environment plus the predicate/``let`` state of one run), so
a program is walked once at compile time and evaluation is plain function calls — a member access and a
comparison cost well under a microsecond each. Everything decidable without the environment is decided
here: builtin arity, constant regexps, ``#pointer`` names, ``let`` bindings.

Errors carry the source offset of the node that failed; `Program` turns them into `ExpressionError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from argento.expr.lang import nodes as n
from argento.expr.lang import runtime as rt
from argento.expr.lang.builtins import BUILTINS
from argento.expr.lang.errors import EvalError, ExprSyntaxError
from argento.expr.lang.gofmt import type_name
from argento.expr.lang.gotime import GoDuration, GoTime
from argento.expr.lang.nodes import unparse
from argento.expr.lang.predicates import compile_predicate_builtin

Fn = Callable[["Scope"], Any]
_MISSING: Any = object()


class Scope:
    """Per-run state: the environment, ``let`` variables, and the current predicate element."""

    __slots__ = ("acc", "env", "index", "item", "vars")

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env
        self.vars: dict[str, Any] = {}
        self.item: Any = None
        self.index = 0
        self.acc: Any = None


def _at(error: EvalError, pos: int) -> EvalError:
    if error.pos is None:
        error.pos = pos
    return error


def _call(fn: Callable[..., Any], args: list[Any], name: str, pos: int) -> Any:
    try:
        return fn(*args)
    except EvalError as e:
        raise _at(e, pos) from None
    except (TypeError, ValueError, AttributeError, ArithmeticError, LookupError) as e:
        # A wrong argument kind for a Go-typed function (`now().In("UTC")`): Go's reflective call panics too.
        raise EvalError(f"{name}: {e}", pos) from None


class Compiler:
    """Turns one tree into a closure. ``fallback`` holds names resolved when the environment lacks them."""

    def __init__(self, fallback: Mapping[str, Any]) -> None:
        self.fallback = fallback
        self.lets: list[str] = []

    def compile(self, node: n.Node) -> Fn:
        method = getattr(self, "c_" + type(node).__name__)
        return method(node)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------------ literals
    def c_Nil(self, node: n.Nil) -> Fn:
        return lambda s: None

    def c_Bool(self, node: n.Bool) -> Fn:
        value = node.value
        return lambda s: value

    def c_Int(self, node: n.Int) -> Fn:
        value = node.value
        return lambda s: value

    def c_Float(self, node: n.Float) -> Fn:
        value = node.value
        return lambda s: value

    def c_Str(self, node: n.Str) -> Fn:
        value = node.value
        return lambda s: value

    def c_Array(self, node: n.Array) -> Fn:
        items = [self.compile(i) for i in node.items]
        return lambda s: [f(s) for f in items]

    def c_Map(self, node: n.Map) -> Fn:
        pairs = [(self.compile(k), self.compile(v), k.pos) for k, v in node.pairs]

        def run(s: Scope) -> dict[Any, Any]:
            out: dict[Any, Any] = {}
            for key_fn, value_fn, pos in pairs:
                key = key_fn(s)
                try:
                    out[key] = value_fn(s)
                except TypeError:
                    raise EvalError(f"cannot use {type_name(key)} as a map key", pos) from None
            return out

        return run

    # ---------------------------------------------------------------------------------------------- names
    def c_Ident(self, node: n.Ident) -> Fn:
        name, pos = node.name, node.pos
        if name in self.lets:
            return lambda s: s.vars[name]
        if name == "$env":
            return lambda s: s.env
        fallback = self.fallback.get(name, _MISSING)

        def run(s: Scope) -> Any:
            try:
                return s.env[name]
            except KeyError:
                if fallback is not _MISSING:
                    return fallback
                raise EvalError(f'unknown name "{name}"', pos) from None

        return run

    def c_Pointer(self, node: n.Pointer) -> Fn:
        if node.name == "":
            return lambda s: s.item
        if node.name == "index":
            return lambda s: s.index
        if node.name == "acc":
            return lambda s: s.acc
        raise ExprSyntaxError(f"unknown pointer #{node.name}", node.pos)

    def c_Let(self, node: n.Let) -> Fn:
        value = self.compile(node.value)
        self.lets.append(node.name)
        try:
            body = self.compile(node.body)
        finally:
            self.lets.pop()
        name = node.name

        def run(s: Scope) -> Any:
            old = s.vars.get(name, _MISSING)
            s.vars[name] = value(s)
            try:
                return body(s)
            finally:
                if old is _MISSING:
                    del s.vars[name]
                else:
                    s.vars[name] = old

        return run

    # ------------------------------------------------------------------------------------------ operators
    def c_Unary(self, node: n.Unary) -> Fn:
        operand, pos = self.compile(node.operand), node.pos
        if node.op == "not":

            def run_not(s: Scope) -> bool:
                v = operand(s)
                if v is True or v is False:
                    return not v
                raise EvalError(f"invalid operation: not {type_name(v)}", pos)

            return run_not
        if node.op == "-":

            def run_neg(s: Scope) -> Any:
                try:
                    return rt.negate(operand(s))
                except EvalError as e:
                    raise _at(e, pos) from None

            return run_neg
        return operand  # unary `+` is a no-op in expr

    def c_Binary(self, node: n.Binary) -> Fn:
        op, pos = node.op, node.pos
        left = self.compile(node.left)
        if op == "matches" and isinstance(node.right, n.Str):
            try:
                pattern = rt.compile_re2(node.right.value)
            except EvalError as e:
                raise ExprSyntaxError(e.message, node.right.pos) from None

            def run_match(s: Scope) -> bool:
                v = left(s)
                if type(v) is not str:
                    raise EvalError(f"invalid operation: {type_name(v)} matches string", pos)
                return pattern.search(v) is not None

            return run_match
        right = self.compile(node.right)
        if op == "==":
            return lambda s: rt.equal(left(s), right(s))
        if op == "!=":
            return lambda s: not rt.equal(left(s), right(s))
        if op in ("&&", "||"):
            return self._logical(op, left, right, pos)
        if op == "??":

            def run_coalesce(s: Scope) -> Any:
                v = left(s)
                return right(s) if v is None else v

            return run_coalesce
        if op in ("<", ">", "<=", ">="):

            def run_compare(s: Scope) -> bool:
                a, b = left(s), right(s)
                try:
                    return rt.compare(op, a, b)
                except EvalError as e:
                    raise _at(e, pos) from None

            return run_compare
        fn = _BINARY[op]

        def run(s: Scope) -> Any:
            a, b = left(s), right(s)
            try:
                return fn(a, b)
            except EvalError as e:
                raise _at(e, pos) from None

        return run

    @staticmethod
    def _logical(op: str, left: Fn, right: Fn, pos: int) -> Fn:
        stop = op == "||"  # the left value that decides without evaluating the right side

        def run(s: Scope) -> Any:
            v = left(s)
            if v is stop:
                return stop
            if v is (not stop):
                return right(s)
            raise EvalError(f"the left side of {op} must be a bool, not {type_name(v)}", pos)

        return run

    def c_Cond(self, node: n.Cond) -> Fn:
        cond, then, otherwise, pos = (
            self.compile(node.cond),
            self.compile(node.then),
            self.compile(node.otherwise),
            node.pos,
        )

        def run(s: Scope) -> Any:
            c = cond(s)
            if c is True:
                return then(s)
            if c is False:
                return otherwise(s)
            raise EvalError(f"the condition of ?: must be a bool, not {type_name(c)}", pos)

        return run

    # ------------------------------------------------------------------------------------- member access
    def c_Member(self, node: n.Member) -> Fn:
        obj, optional, pos = self.compile(node.obj), node.optional, node.pos
        if isinstance(node.prop, n.Str):
            key, obj_node = node.prop.value, node.obj

            def run_const(s: Scope) -> Any:
                o = obj(s)
                if type(o) is dict:
                    return o.get(key)
                if o is None:
                    if optional:
                        return rt.SHORT
                    raise EvalError(f"cannot fetch {key} from nil ({unparse(obj_node)} is nil)", pos)
                if o is rt.SHORT:
                    return o
                try:
                    return rt.fetch(o, key)
                except EvalError as e:
                    raise _at(e, pos) from None

            return run_const
        prop = self.compile(node.prop)

        def run(s: Scope) -> Any:
            o = obj(s)
            if o is rt.SHORT or (o is None and optional):
                return rt.SHORT
            k = prop(s)
            try:
                return rt.fetch(o, k)
            except EvalError as e:
                raise _at(e, pos) from None

        return run

    def c_Chain(self, node: n.Chain) -> Fn:
        inner = self.compile(node.node)

        def run(s: Scope) -> Any:
            v = inner(s)
            return None if v is rt.SHORT else v

        return run

    def c_Slice(self, node: n.Slice) -> Fn:
        obj, pos = self.compile(node.obj), node.pos
        lo = None if node.lo is None else self.compile(node.lo)
        hi = None if node.hi is None else self.compile(node.hi)

        def run(s: Scope) -> Any:
            o = obj(s)
            try:
                return rt.slice_of(o, None if lo is None else lo(s), None if hi is None else hi(s))
            except EvalError as e:
                raise _at(e, pos) from None

        return run

    # --------------------------------------------------------------------------------------------- calls
    def c_Call(self, node: n.Call) -> Fn:
        args = [self.compile(a) for a in node.args]
        pos = node.pos
        if isinstance(node.callee, n.Member):
            return self._method(node.callee, args, pos)
        callee = self.compile(node.callee)
        name = node.callee.name if isinstance(node.callee, n.Ident) else "function"

        def run(s: Scope) -> Any:
            fn = callee(s)
            values = [a(s) for a in args]
            if not callable(fn):
                raise EvalError(f"{name} is not a function (it is {type_name(fn)})", pos)
            return _call(fn, values, name, pos)

        return run

    def _method(self, member: n.Member, args: list[Fn], pos: int) -> Fn:
        obj, optional, obj_node = self.compile(member.obj), member.optional, member.obj
        name = member.prop.value if isinstance(member.prop, n.Str) else "method"

        def run(s: Scope) -> Any:
            o = obj(s)
            if o is rt.SHORT or (o is None and optional):
                return rt.SHORT
            if isinstance(o, GoTime | GoDuration):
                method = o.methods.get(name)
                if method is None:
                    raise EvalError(f"{type_name(o)} has no method {name}", pos)
                return _call(method, [o, *(a(s) for a in args)], name, pos)
            if isinstance(o, Mapping):
                fn = o.get(name)
                if fn is None:
                    raise EvalError(f'{unparse(obj_node)} has no function "{name}"', pos)
                if not callable(fn):
                    raise EvalError(f"{name} is not a function (it is {type_name(fn)})", pos)
                return _call(fn, [a(s) for a in args], name, pos)
            if o is None:
                raise EvalError(f"cannot call {name}() on nil ({unparse(obj_node)} is nil)", pos)
            raise EvalError(f"cannot fetch {name} from {type_name(o)}", pos)

        return run

    def c_Builtin(self, node: n.Builtin) -> Fn:
        args = [self.compile(a.body if isinstance(a, n.Predicate) else a) for a in node.args]
        spec = BUILTINS.get(node.name)
        if spec is None:
            return compile_predicate_builtin(node.name, args, node.pos)
        count = len(args)
        if count < spec.min_args or (spec.max_args >= 0 and count > spec.max_args):
            expected = (
                str(spec.min_args)
                if spec.min_args == spec.max_args
                else (
                    f"at least {spec.min_args}"
                    if spec.max_args < 0
                    else f"{spec.min_args} to {spec.max_args}"
                )
            )
            raise ExprSyntaxError(
                f"invalid number of arguments for {node.name} (expected {expected}, got {count})", node.pos
            )
        fn, name, pos = spec.fn, node.name, node.pos
        if count == 1:
            (a0,) = args

            def run1(s: Scope) -> Any:
                v = a0(s)
                try:
                    return fn(v)
                except EvalError as e:
                    raise _at(e, pos) from None

            return run1
        return lambda s: _call(fn, [a(s) for a in args], name, pos)

    def c_Predicate(self, node: n.Predicate) -> Fn:
        return self.compile(node.body)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": rt.add, "-": rt.subtract, "*": rt.multiply, "/": rt.divide, "%": rt.modulo, "**": rt.power,
    "in": lambda a, b: rt.contains(b, a), "..": rt.make_range, "matches": rt.matches,
}  # fmt: skip


def _string_op(op: str, test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def run(a: Any, b: Any) -> bool:
        rt.expect_str(a, op, b)
        return test(a, b)

    return run


_BINARY["contains"] = _string_op("contains", lambda a, b: b in a)
_BINARY["startsWith"] = _string_op("startsWith", str.startswith)
_BINARY["endsWith"] = _string_op("endsWith", str.endswith)
