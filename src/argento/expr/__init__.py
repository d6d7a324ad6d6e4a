"""Argo's expression languages, as pure functions.

* :mod:`~argento.expr.template`: ``{{…}}`` tags (simple and ``{{=…}}``), substitution with Argo's rules.
* :mod:`~argento.expr.govaluate`: ``when`` conditions, with govaluate's semantics after substitution.
* :mod:`~argento.expr.depends`: DAG ``depends``/``dependencies`` logic and the run/omit/wait decision.
* :mod:`~argento.expr.lang`: the expr-lang evaluator behind ``{{=…}}`` and other expression fields.

This package imports nothing else of Argento but :mod:`argento.errors`.
"""

from __future__ import annotations

from argento import lazy

#: Each re-exported name and its submodule, imported on first use (PEP 562): a run that substitutes
#: ``{{…}}`` tags loads neither the ``depends`` grammar nor govaluate's parser until a DAG or ``when`` needs them.
_EXPORTS = {
    **dict.fromkeys(
        ("TASK_RESULTS", "ContinueOn", "Decision", "Depends", "TaskStatus", "from_dependencies", "parse_depends"),
        ".depends",
    ),
    **dict.fromkeys(("WhenExpr", "evaluate_when", "parse_when"), ".govaluate"),
    **dict.fromkeys(("Tag", "find_tags", "substitute", "substitute_obj", "unresolved_tags"), ".template"),
}


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

__getattr__, __dir__ = lazy.exports(__name__, _EXPORTS, globals())
