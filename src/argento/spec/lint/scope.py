"""Which ``{{…}}`` variables exist where — the scopes Argo's validator builds — and the tag check itself.

Mirrors ``resolveAllVariables`` in Argo's ``workflow/validate/validate.go``:

- only tags under ``item.``, ``steps.``, ``inputs.``, ``outputs.``, ``pod.``, ``workflow.`` and ``tasks.``
  are checked (anything else — ``{{item}}``, ``{{retries}}``, Go templates in scripts — is left alone);
- ``outputs.*`` (self reference for metrics), ``workflow.creationTimestamp*``, ``workflow.scheduledTime``,
  ``workflow.duration``, ``tasks.name``, ``steps.name`` and ``node.name`` are always accepted (run time);
- ``item.*`` is accepted anywhere under a ``withParam`` (the items are unknown until run time);
- in a WorkflowTemplate every ``workflow.parameters*`` is accepted (the submitting Workflow may add them).

Argo lets a DAG task name the outputs of *any* task of its DAG; we accept that too but warn when the task
is not a dependency (its outputs may not exist yet), and likewise for a step of the same step group.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from argento.spec.lint.context import Emitter
from argento.spec.lint.expressions import ExpressionChecker
from argento.spec.names import NESTED_TAG_RE, skeleton
from argento.spec.source_map import Path

VALIDATED_PREFIXES = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
RUNTIME_PREFIXES = (
    "outputs.",
    "workflow.creationTimestamp",
    "workflow.scheduledTime",
    "workflow.duration",
    "tasks.name",
    "steps.name",
    "node.name",
)


@dataclass
class Scope:
    """Variables resolvable at one place of a template."""

    names: set[str] = field(default_factory=set)
    any_item: bool = False
    any_workflow_output_parameter: bool = False
    any_workflow_output_artifact: bool = False
    template_validation: bool = False
    #: names that resolve but deserve a warning (e.g. outputs of a task that is not a dependency)
    soft: dict[str, str] = field(default_factory=dict)
    #: prefixes under which anything resolves (a call whose template could not be resolved)
    wild: set[str] = field(default_factory=set)
    #: shared by the tasks of one DAG: output name -> producing task; resolvable with ``others_warning``
    others: dict[str, str] | None = None
    others_warning: str = ""

    def copy(self) -> Scope:
        """An independent copy (child scopes must not leak into their parent)."""
        return Scope(
            set(self.names),
            self.any_item,
            self.any_workflow_output_parameter,
            self.any_workflow_output_artifact,
            self.template_validation,
            dict(self.soft),
            set(self.wild),
            self.others,
            self.others_warning,
        )

    def add(self, *names: str) -> None:
        """Make ``names`` resolvable (and no longer soft)."""
        for name in names:
            self.names.add(name)
            self.soft.pop(name, None)
            if "{{" in name:
                self.names.add(skeleton(name))

    def add_soft(self, name: str, warning: str) -> None:
        """Make ``name`` resolvable with a warning, unless it already resolves cleanly."""
        if name not in self.names:
            self.soft[name] = warning

    def check(self, tag: str) -> tuple[str, str] | None:
        """``None`` when ``tag`` resolves; else ``("error"|"warning", message)``."""
        name = tag.strip()
        if not name.startswith(VALIDATED_PREFIXES) or name in self.names or skeleton(name) in self.names:
            return None
        if name in self.soft:
            return ("warning", self.soft[name])
        if self.others is not None and name in self.others:
            return ("warning", self.others_warning.format(task=self.others[name]))
        if any(name.startswith(prefix) for prefix in self.wild):
            return None
        if (name == "item" or name.startswith("item.")) and self.any_item:
            return None
        if name.startswith("workflow.outputs.parameters.") and self.any_workflow_output_parameter:
            return None
        if name.startswith("workflow.outputs.artifacts.") and self.any_workflow_output_artifact:
            return None
        if name.startswith(RUNTIME_PREFIXES):
            return None
        if name.startswith("workflow.parameters") and self.template_validation:
            return None
        return ("error", f"failed to resolve {{{{{tag}}}}}")


def iter_strings(obj: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Every string value inside ``obj`` with its path (keys are not visited)."""
    stack: list[tuple[Path, Any]] = [(path, obj)]
    while stack:
        p, value = stack.pop()
        if isinstance(value, str):
            yield p, value
        elif isinstance(value, dict):
            stack.extend(((*p, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*p, i), v) for i, v in reversed(list(enumerate(value))))


def check_tags(obj: Any, path: Path, scope: Scope, emit: Emitter, exprs: ExpressionChecker) -> None:
    """Report every ``{{…}}`` tag under ``obj`` that does not resolve in ``scope``, and bad ``{{=…}}``."""
    for p, text in iter_strings(obj, path):
        if "{{" not in text:
            continue
        text = _check_nested(text, p, scope, emit)
        tags, error = exprs.tags(text)
        if error:
            emit.error(p, error)
            continue
        for tag in tags:
            if tag.kind == "expression":
                problem = exprs.expr_error(tag.expr)
                if problem:
                    emit.error(p, f"invalid expression {{{{={tag.expr}}}}}: {problem}")
                continue
            found = scope.check(tag.content)
            if found:
                emit.emit(found[0], p, found[1])  # type: ignore[arg-type]


def _check_nested(text: str, path: Path, scope: Scope, emit: Emitter) -> str:
    """Check the tags nested inside other tags (Argo substitutes them first) and replace them by ``x``."""
    while True:
        inner = list(NESTED_TAG_RE.finditer(text))
        if not inner:
            return text
        for match in inner:
            found = scope.check(match.group(1))
            if found:
                emit.emit(found[0], path, found[1])  # type: ignore[arg-type]
        text = NESTED_TAG_RE.sub("x", text)


def add_items(
    with_items: list[Any] | None, with_param: str | None, with_sequence: Any, scope: Scope
) -> str | None:
    """Argo's ``addItemsToScope``: ``item``/``item.<key>`` for a loop; returns an error message or ``None``."""
    defined = sum((bool(with_items), bool(with_param), with_sequence is not None))
    if defined > 1:
        return "only one of withItems, withParam, withSequence can be specified"
    if with_items:
        for item in with_items:
            if isinstance(item, list):
                scope.add(*(f"item.[{i}]" for i in range(len(item))))
            elif isinstance(item, dict):
                scope.add(*(f"item.{k}" for k in item))
            elif item is None:
                return f"unsupported withItems type: {item}"
            scope.add("item")
    elif with_param:
        scope.add("item")
        scope.any_item = True
    elif with_sequence is not None:
        if with_sequence.count is not None and with_sequence.end is not None:
            return "only one of count or end can be defined in withSequence"
        scope.add("item")
    return None
