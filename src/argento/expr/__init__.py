"""Argo's expression languages, as pure functions.

* :mod:`~argento.expr.template`: ``{{…}}`` tags (simple and ``{{=…}}``), substitution with Argo's rules.
* :mod:`~argento.expr.govaluate`: ``when`` conditions, with govaluate's semantics after substitution.
* :mod:`~argento.expr.depends`: DAG ``depends``/``dependencies`` logic and the run/omit/wait decision.
* :mod:`~argento.expr.lang`: the expr-lang evaluator behind ``{{=…}}`` and other expression fields.

This package imports nothing else of Argento but :mod:`argento.errors`.
"""

from argento.expr.depends import (
    TASK_RESULTS,
    ContinueOn,
    Decision,
    Depends,
    TaskStatus,
    from_dependencies,
    parse_depends,
)
from argento.expr.govaluate import WhenExpr, evaluate_when, parse_when
from argento.expr.template import Tag, find_tags, substitute, substitute_obj, unresolved_tags

__all__ = [
    "TASK_RESULTS",
    "ContinueOn",
    "Decision",
    "Depends",
    "Tag",
    "TaskStatus",
    "WhenExpr",
    "evaluate_when",
    "find_tags",
    "from_dependencies",
    "parse_depends",
    "parse_when",
    "substitute",
    "substitute_obj",
    "unresolved_tags",
]
