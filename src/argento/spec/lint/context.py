"""Shared state of one lint run: where templates live, how calls resolve, and how problems are recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from argento.spec.lint.report import Problem, Severity
from argento.spec.load import Document
from argento.spec.models import (
    ClusterWorkflowTemplate,
    CronWorkflow,
    Template,
    TemplateRef,
    Workflow,
    WorkflowSpec,
    WorkflowTemplate,
)
from argento.spec.names import is_parameter
from argento.spec.source_map import Path, format_path


def raw_at(raw: Any, path: Iterable[Any]) -> Any:
    """The raw JSON value at ``path`` (``None`` when absent)."""
    current = raw
    for part in path:
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            return None
    return current


@dataclass(frozen=True)
class Holder:
    """A resource that carries a ``WorkflowSpec``; template names used inside it resolve against it."""

    doc: Document
    spec: WorkflowSpec
    path: Path

    @property
    def is_template_kind(self) -> bool:
        """A WorkflowTemplate/ClusterWorkflowTemplate (validated without the arguments of a real run)."""
        return isinstance(self.doc.resource, WorkflowTemplate | ClusterWorkflowTemplate)

    @classmethod
    def of(cls, doc: Document) -> Holder | None:
        """The holder view of a document, if it carries a workflow spec."""
        res = doc.resource
        if isinstance(res, CronWorkflow):
            return cls(doc, res.spec.workflow_spec, ("spec", "workflowSpec"))
        if isinstance(res, Workflow | WorkflowTemplate | ClusterWorkflowTemplate):
            return cls(doc, res.spec, ("spec",))
        return None


class Registry:
    """WorkflowTemplates and ClusterWorkflowTemplates that ``templateRef``/``workflowTemplateRef`` can name."""

    def __init__(self, docs: Iterable[Document], *, linted_files: bool = True) -> None:
        #: The templates are the files given to ``argento lint`` (a missing one is named as such, with how to
        #: pass it); False for the server, whose templates are the ones it stores (Kubernetes' NotFound).
        self.linted_files = linted_files
        self.namespaced: dict[str, Holder] = {}
        self.cluster: dict[str, Holder] = {}
        for doc in docs:
            res = doc.resource
            holder = Holder.of(doc)
            if holder is None or not res.name:
                continue
            if isinstance(res, WorkflowTemplate):
                self.namespaced.setdefault(res.name, holder)
            elif isinstance(res, ClusterWorkflowTemplate):
                self.cluster.setdefault(res.name, holder)

    def lookup(self, name: str, cluster: bool) -> Holder | None:
        """The (cluster) workflow template called ``name``."""
        return (self.cluster if cluster else self.namespaced).get(name)

    def missing(self, name: str, cluster: bool) -> str:
        """Why the (cluster) workflow template ``name`` cannot be had: the Kubernetes API's NotFound, as Argo
        reports it (``workflowtemplates.argoproj.io "x" not found``), and for lint where to pass it."""
        plural = "clusterworkflowtemplates" if cluster else "workflowtemplates"
        text = f'{plural}.argoproj.io "{name}" not found'
        if self.linted_files:
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            text += f": {kind} '{name}' is not among the linted files (pass it too, or use --templates DIR)"
        return text


@dataclass(frozen=True)
class Target:
    """The template a call resolves to, and the holder its own template names resolve against."""

    template: Template
    holder: Holder
    path: Path | None  # where the template is written in the linted document (None: another document)


@dataclass
class Emitter:
    """Collects problems of one document (each distinct problem once)."""

    doc: Document
    problems: list[Problem] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    _warned_fields: set[str] = field(default_factory=set)

    def emit(self, severity: Severity, path: Path, message: str) -> None:
        """Record a problem at ``path`` (a tuple of keys and indexes)."""
        text = format_path(path)
        key = (severity, text, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.problems.append(
            Problem(severity, message, text, self.doc.source.locate(path), self.doc.filename)
        )

    def error(self, path: Path, message: str) -> None:
        """Record an error."""
        self.emit("error", path, message)

    def warn(self, path: Path, message: str) -> None:
        """Record a warning."""
        self.emit("warning", path, message)

    def warn_once(self, field_name: str, path: Path, message: str) -> None:
        """Record a warning about ``field_name`` only the first time it is seen in this file."""
        if field_name in self._warned_fields:
            return
        self._warned_fields.add(field_name)
        self.warn(path, message)


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving a call: a target, or why not (``problem`` is ``(path suffix, message)``)."""

    target: Target | None = None
    problem: tuple[Path, str] | None = None
    dynamic: bool = False  # the reference holds {{…}}: only known at run time


def resolve(
    *,
    template: str | None,
    template_ref: TemplateRef | None,
    inline: Template | None,
    holder: Holder,
    registry: Registry,
    path: Path,
    local: bool,
) -> Resolution:
    """Resolve ``template``/``templateRef``/``inline`` the way Argo's ``validateTemplateHolder`` does.

    ``path`` is where the call is written; ``local`` says whether it is in the linted document (so the
    resolved template's own path can be reported).
    """
    if template_ref is not None:
        if template:
            return Resolution(problem=(("template",), "template name cannot be specified with templateRef"))
        if not template_ref.name:
            return Resolution(problem=(("templateRef", "name"), "resource name is required"))
        if not template_ref.template:
            return Resolution(problem=(("templateRef", "template"), "template name is required"))
        if is_parameter(template_ref.name) or is_parameter(template_ref.template):
            return Resolution(dynamic=True)
        cluster = bool(template_ref.cluster_scope)
        other = registry.lookup(template_ref.name, cluster)
        ref = f"{template_ref.name}.{template_ref.template}"
        if other is None:
            return Resolution(
                problem=(
                    ("templateRef",),
                    f"template reference {ref} not found: {registry.missing(template_ref.name, cluster)}",
                )
            )
        tmpl = other.spec.template(template_ref.template)
        if tmpl is None:
            return Resolution(problem=(("templateRef", "template"), f"template reference {ref} not found"))
        return Resolution(
            Target(tmpl, other, _template_path(other, tmpl) if other.doc is holder.doc else None)
        )
    if template:
        if is_parameter(template):
            return Resolution(dynamic=True)
        tmpl = holder.spec.template(template)
        if tmpl is None:
            return Resolution(problem=(("template",), f"template name '{template}' undefined"))
        return Resolution(Target(tmpl, holder, _template_path(holder, tmpl) if local else None))
    if inline is not None:
        return Resolution(Target(inline, holder, (*path, "inline") if local else None))
    return Resolution(problem=((), "a template must be named (template, templateRef or inline)"))


def _template_path(holder: Holder, tmpl: Template) -> Path | None:
    for i, t in enumerate(holder.spec.templates or ()):
        if t is tmpl:
            return (*holder.path, "templates", i)
    return None
