"""expr-lang (github.com/expr-lang/expr) in pure Python: the language of Argo's ``{{=…}}`` tags,
``retryStrategy.expression``, lifecycle hooks, ``valueFrom.expression`` and ``fromExpression``.

    >>> from argento.expr.lang import build_env, evaluate
    >>> env = build_env({"inputs.parameters.n": "3", "steps.flip-coin.outputs.result": "heads"})
    >>> evaluate("asInt(inputs.parameters.n) * 10", env)
    30
    >>> evaluate("steps['flip-coin'].outputs.result == 'heads' ? 'H' : 'T'", env)
    'H'

Values are Python values standing in for Go's: ``None`` is nil, ``int`` is a wrapping int64, ``float`` a
float64, lists and dicts are arrays and maps; `GoTime`/`GoDuration` stand in for ``time.Time``/``Duration``.
`format_value` and `marshal_json` print results the way Go does (``%v`` and ``json.Marshal``), which is how
Argo turns them into text.
"""

from __future__ import annotations

from argento.expr.lang.env import ARGO_FUNCTIONS, build_env
from argento.expr.lang.gofmt import format_value, marshal_json
from argento.expr.lang.gotime import GoDuration, GoTime, clock_at
from argento.expr.lang.program import Program, compile_expr, evaluate

#: The type of expr's nil (Python ``None``), for ``isinstance`` checks.
ExprNil = type(None)

__all__ = [
    "ARGO_FUNCTIONS",
    "ExprNil",
    "GoDuration",
    "GoTime",
    "Program",
    "build_env",
    "clock_at",
    "compile_expr",
    "evaluate",
    "format_value",
    "marshal_json",
]
