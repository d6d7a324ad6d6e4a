"""`Program` (a parsed and compiled expression) and the cached `compile_expr`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from argento.expr.lang.env import ARGO_FUNCTIONS
from argento.expr.lang.errors import (
    BudgetExceeded,
    EvalError,
    ExpressionTooLarge,
    ExprSyntaxError,
    to_expression_error,
)
from argento.expr.lang.evaluator import Compiler, Fn, Scope
from argento.expr.lang.nodes import Node
from argento.expr.lang.parser import parse


class Program:
    """A compiled expression. Immutable: share it freely and run it concurrently with different envs."""

    __slots__ = ("_fn", "source", "tree")

    def __init__(self, source: str, tree: Node, fn: Fn) -> None:
        self.source = source
        self.tree = tree
        self._fn = fn

    def __repr__(self) -> str:
        return f"Program({self.source!r})"

    def run(self, env: Mapping[str, Any]) -> Any:
        """Evaluate against ``env`` (usually `build_env`'s result). Raises `ExpressionError`.

        Argo's functions (``asInt``, ``jsonpath``, ``sprig`` …) resolve even when ``env`` lacks them.
        """
        try:
            return self._fn(Scope(env))
        except BudgetExceeded as e:
            raise to_expression_error(self.source, e.message, e.pos, ExpressionTooLarge) from None
        except EvalError as e:
            raise to_expression_error(self.source, e.message, e.pos) from None
        except RecursionError:
            raise to_expression_error(self.source, "expression nests too deeply", None) from None
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as e:
            # A function from the environment failed in a way we did not anticipate.
            raise to_expression_error(self.source, f"{type(e).__name__}: {e}", None) from None


@lru_cache(maxsize=4096)
def compile_expr(source: str) -> Program:
    """Parse and compile ``source`` once (cached). Raises `ExpressionError` with the column on bad syntax."""
    try:
        tree = parse(source)
        fn = Compiler(ARGO_FUNCTIONS).compile(tree)
    except ExprSyntaxError as e:
        raise to_expression_error(source, e.message, e.pos) from None
    except RecursionError:
        raise to_expression_error(source, "expression nests too deeply", None) from None
    return Program(source, tree, fn)


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """``compile_expr(source).run(env)``."""
    return compile_expr(source).run(env)


__all__ = ["Program", "compile_expr", "evaluate"]
