"""Argo's enhanced ``depends`` logic for DAG tasks, and the ``dependencies`` list it generalises.

Mirrors ``workflow/common/ancestry.go`` and ``workflow/controller/dag.go`` (``evaluateDependsLogic``):

* Operands are ``task.Result`` with Result one of ``Succeeded Failed Errored Skipped Omitted Daemoned
  AnySucceeded AllFailed``, or a bare ``task``, which Argo rewrites to ``(task.Succeeded || task.Skipped ||
  task.Daemoned)`` plus ``|| task.Errored`` / ``|| task.Failed`` when *that* task has ``continueOn.error`` /
  ``continueOn.failed`` (``expandDependency``). Operators are ``&&``, ``||``, ``!`` and parentheses, with
  expr-lang's precedence (``!`` binds tightest, then ``&&``, then ``||``).
* ``dependencies: [A, B]`` is ``A && B`` with both names expanded that way (``getTaskDependsLogic``).
* A task is decided only when *every* task it names is fulfilled (finished, or a running daemon) with its
  hooks done: Argo does not short-circuit on partial results. Then the expression is evaluated: true runs the
  task, false marks it ``Omitted`` ("omitted: depends condition not met"). :meth:`Depends.decide` returns
  exactly that three-way answer.

Task names are ``[A-Za-z0-9_][A-Za-z0-9_-]*``. Argo evaluates with ``-`` replaced by ``_`` (so ``a-b`` and
``a_b`` would be one task to it); its name rules forbid ``_`` in task names, and we keep the names distinct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Literal

from argento.errors import ExpressionError

__all__ = [
    "TASK_RESULTS",
    "ContinueOn",
    "Decision",
    "Depends",
    "TaskStatus",
    "from_dependencies",
    "parse_depends",
]

Phase = Literal["Pending", "Running", "Succeeded", "Failed", "Error", "Skipped", "Omitted"]

#: The results a ``task.Result`` operand may name (ancestry.go ``TaskResult``).
TASK_RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """What a dependant sees of one dependency (dag.go ``TaskResults`` and the node it is built from).

    * ``phase``: the dependency node's phase (for a ``withItems``/``withParam`` task, its TaskGroup node's).
    * ``completed``: Argo's ``Fulfilled()`` and every lifecycle hook of the node done; a finished node in any
      phase, or a daemon that has started. Until then the dependant waits.
    * ``daemoned``: the node is a daemon; ``.Daemoned`` is true when it is and its phase is not ``Pending``.
    * ``any_succeeded`` / ``all_failed``: only for an expanded (TaskGroup) dependency, computed by the caller
      from the children's phases, see :meth:`of_group`; false for a plain task, as in Argo.
    """

    phase: Phase
    completed: bool = True
    daemoned: bool = False
    any_succeeded: bool = False
    all_failed: bool = False

    @classmethod
    def of_group(
        cls, phase: Phase, child_phases: Iterable[Phase | None], *, completed: bool = True
    ) -> TaskStatus:
        """The status of a TaskGroup: ``AnySucceeded`` if a child Succeeded, ``AllFailed`` if there are
        children and every one Failed (an ``Error`` child is not ``Failed``; an unknown child (``None``) makes
        ``AllFailed`` false), as dag.go computes them."""
        children = list(child_phases)
        return cls(
            phase=phase,
            completed=completed,
            any_succeeded=any(p == "Succeeded" for p in children),
            all_failed=bool(children) and all(p == "Failed" for p in children),
        )

    def result(self, name: str) -> bool:
        """The value of ``task.<name>`` for this status."""
        phase = self.phase
        if name == "Succeeded":
            return phase == "Succeeded"
        if name == "Failed":
            return phase == "Failed"
        if name == "Errored":
            return phase == "Error"
        if name == "Skipped":
            return phase == "Skipped"
        if name == "Omitted":
            return phase == "Omitted"
        if name == "Daemoned":
            return self.daemoned and phase != "Pending"
        if name == "AnySucceeded":
            return self.any_succeeded
        if name == "AllFailed":
            return self.all_failed
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class ContinueOn:
    """A dependency task's ``continueOn``, which widens what a bare reference to it accepts."""

    error: bool = False
    failed: bool = False


class Decision(Enum):
    """What to do with a task given its dependencies (dag.go: ``proceed`` and ``execute``)."""

    WAIT = "wait"  # some dependency is not fulfilled yet
    RUN = "run"  # every dependency fulfilled and the expression is true
    OMIT = "omit"  # every dependency fulfilled and the expression is false: the task is Omitted


# --- AST ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Result:
    task: str
    result: str | None  # None: a bare name


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node


@dataclass(frozen=True, slots=True)
class _And:
    left: _Node
    right: _Node


@dataclass(frozen=True, slots=True)
class _Or:
    left: _Node
    right: _Node


_Node = _Result | _Not | _And | _Or

StatusOf = Callable[[str], TaskStatus]


def _bare_results(continue_on: ContinueOn | None) -> tuple[str, ...]:
    results = ("Succeeded", "Skipped", "Daemoned")
    if continue_on is not None:
        results += ("Errored",) * continue_on.error + ("Failed",) * continue_on.failed
    return results


@dataclass(frozen=True)
class Depends:
    """A parsed ``depends`` (or ``dependencies``) of one DAG task.

    ``source`` is the text as written; ``continue_on`` maps dependency names to their ``continueOn`` (used
    for bare names). An empty ``Depends`` (no dependencies) always runs.
    """

    source: str
    _root: _Node | None = field(repr=False)
    continue_on: Mapping[str, ContinueOn] = field(default_factory=dict, repr=False, compare=False)

    def task_names(self) -> set[str]:
        """Every task the expression names (for cycle checks, lint and waiting)."""
        names: set[str] = set()
        stack = [self._root] if self._root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, _Result):
                names.add(node.task)
            elif isinstance(node, _Not):
                stack.append(node.operand)
            else:
                stack.extend((node.left, node.right))
        return names

    def evaluate(self, status: StatusOf) -> bool:
        """The expression's value, given each named task's status."""
        if self._root is None:
            return True
        return self._eval(self._root, status)

    def _eval(self, node: _Node, status: StatusOf) -> bool:
        if isinstance(node, _Result):
            task_status = status(node.task)
            if node.result is not None:
                return task_status.result(node.result)
            results = _bare_results(self.continue_on.get(node.task))
            return any(task_status.result(r) for r in results)
        if isinstance(node, _Not):
            return not self._eval(node.operand, status)
        if isinstance(node, _And):
            return self._eval(node.left, status) and self._eval(node.right, status)
        return self._eval(node.left, status) or self._eval(node.right, status)

    def decide(self, status: Callable[[str], TaskStatus | None]) -> Decision:
        """WAIT until every named task is present and ``completed``; then RUN or OMIT on the expression.

        ``status`` returns ``None`` for a task that has no node yet.
        """
        statuses: dict[str, TaskStatus] = {}
        for name in self.task_names():
            task_status = status(name)
            if task_status is None or not task_status.completed:
                return Decision.WAIT
            statuses[name] = task_status
        return Decision.RUN if self.evaluate(statuses.__getitem__) else Decision.OMIT

    def resolved(self) -> str:
        """The expression with bare names expanded, as Argo shows it (its ``dependsLogic``)."""
        if self._root is None:
            return ""
        return self._text(self._root, top=True)

    def _text(self, node: _Node, top: bool = False) -> str:
        if isinstance(node, _Result):
            if node.result is not None:
                return f"{node.task}.{node.result}"
            results = _bare_results(self.continue_on.get(node.task))
            return "(" + " || ".join(f"{node.task}.{r}" for r in results) + ")"
        if isinstance(node, _Not):
            inner = self._text(node.operand)
            return f"!{inner}" if isinstance(node.operand, _Result) else f"!({inner})"
        op = " && " if isinstance(node, _And) else " || "
        left, right = self._text(node.left), self._text(node.right)
        if isinstance(node, _And):
            left = f"({left})" if isinstance(node.left, _Or) else left
            right = f"({right})" if isinstance(node.right, _Or | _And) else right
        else:
            right = f"({right})" if isinstance(node.right, _Or) else right
        return left + op + right

    def __str__(self) -> str:
        return self.resolved()


# --- Parser -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<name>[A-Za-z0-9_][A-Za-z0-9_-]*)(?:\.(?P<result>[A-Za-z][A-Za-z0-9_]*))?|(?P<op>&&|\|\||!|\(|\))"
)
_END = "end of expression"


class _Parser:
    """Recursive descent: ``or := and ('||' and)*``, ``and := not ('&&' not)*``, ``not := '!' not | atom``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, str | None, int]] = []  # (kind, value, result, column)
        pos = 0
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text):
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                self._fail(f"unexpected character '{text[pos]}'", pos)
            column = match.start()
            if match.group("op"):
                self.tokens.append(("op", match.group("op"), None, column))
            else:
                name, result = match.group("name"), match.group("result")
                if result is not None and result not in TASK_RESULTS:
                    self._fail(
                        f"task result '{result}' for task '{name}' is invalid "
                        f"(expected one of {', '.join(TASK_RESULTS)})",
                        match.start("result"),
                    )
                if result is None and text.startswith(".", match.end()):
                    self._fail(f"expected a task result after '{name}.'", match.end() + 1)
                self.tokens.append(("name", name, result, column))
            pos = match.end()
        self.i = 0

    def _fail(self, message: str, pos: int) -> None:
        raise ExpressionError(f"invalid depends {self.text!r}: {message} at column {pos + 1}")

    def _peek(self) -> tuple[str, str, str | None, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _describe(self, token: tuple[str, str, str | None, int] | None) -> tuple[str, int]:
        if token is None:
            return _END, len(self.text.rstrip())
        shown = token[1] + (f".{token[2]}" if token[2] else "")
        return f"'{shown}'", token[3]

    def parse(self) -> _Node:
        if not self.tokens:
            self._fail("empty expression", 0)
        node = self._or()
        if self._peek() is not None:
            shown, column = self._describe(self._peek())
            self._fail(f"unexpected {shown}", column)
        return node

    def _accept(self, op: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "op" and token[1] == op:
            self.i += 1
            return True
        return False

    def _or(self) -> _Node:
        node = self._and()
        while self._accept("||"):
            node = _Or(node, self._and())
        return node

    def _and(self) -> _Node:
        node = self._not()
        while self._accept("&&"):
            node = _And(node, self._not())
        return node

    def _not(self) -> _Node:
        if self._accept("!"):
            return _Not(self._not())
        return self._atom()

    def _atom(self) -> _Node:
        token = self._peek()
        if token is not None and token[0] == "name":
            self.i += 1
            return _Result(token[1], token[2])
        if self._accept("("):
            node = self._or()
            if not self._accept(")"):
                shown, column = self._describe(self._peek())
                self._fail(f"expected ')' but found {shown}", column)
            return node
        shown, column = self._describe(token)
        self._fail(f"expected a task name, '!' or '(' but found {shown}", column)
        raise AssertionError  # pragma: no cover - _fail raises


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Node:
    return _Parser(text).parse()


def parse_depends(text: str, *, continue_on: Mapping[str, ContinueOn] | None = None) -> Depends:
    """Parse a ``depends`` expression. An empty string means no dependencies (the task runs).

    ``continue_on`` gives the ``continueOn`` of the tasks named bare. Raises :class:`ExpressionError`
    naming the bad token and its 1-based column.
    """
    if text == "":
        return Depends("", None, dict(continue_on or {}))
    return Depends(text, _parse(text), dict(continue_on or {}))


def from_dependencies(
    names: Iterable[str], *, continue_on: Mapping[str, ContinueOn] | None = None
) -> Depends:
    """The ``Depends`` equivalent of ``dependencies: [A, B]``: ``A && B`` with bare-name expansion."""
    root: _Node | None = None
    written: list[str] = []
    for name in names:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", name):
            raise ExpressionError(f"invalid dependency name {name!r}")
        written.append(name)
        leaf = _Result(name, None)
        root = leaf if root is None else _And(root, leaf)
    return Depends(" && ".join(written), root, dict(continue_on or {}))
