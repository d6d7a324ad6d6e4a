"""The state of linting one template holder (a Workflow, WorkflowTemplate, … ) and its global scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from argento.spec.lint.context import Emitter, Holder, Registry
from argento.spec.lint.expressions import ExpressionChecker
from argento.spec.lint.scope import Scope
from argento.spec.models import EXIT_HOOK, Template, WorkflowSpec
from argento.spec.names import is_parameter
from argento.spec.source_map import Path

#: Argo's ``GetType()`` names, used in its messages.
TYPE_NAMES = {
    "container": "Container",
    "containerSet": "ContainerSet",
    "steps": "Steps",
    "script": "Script",
    "resource": "Resource",
    "dag": "DAG",
    "suspend": "Suspend",
    "data": "Data",
    "http": "HTTP",
    "plugin": "Plugin",
}


@dataclass
class Checker:
    """Everything the template rules need: the holder, the registry, where to report, a parse cache."""

    holder: Holder
    registry: Registry
    emit: Emitter
    exprs: ExpressionChecker
    globals: Scope = field(default_factory=Scope)
    #: the WorkflowTemplate a Workflow runs through ``workflowTemplateRef`` (if found)
    referenced: Holder | None = None
    #: every rule for one template (``templates.check_template``), for templates nested in a step (``inline``):
    #: handed in, so the step/DAG rules and the template rules do not import each other
    check_template: Callable[[Template, Path, Checker], None] | None = None


def global_scope(holder: Holder, referenced: Holder | None) -> Scope:
    """Argo's ``globalParams``: the ``workflow.*`` variables available everywhere in the holder."""
    res = holder.doc.resource
    specs: list[WorkflowSpec] = [holder.spec] + ([referenced.spec] if referenced else [])
    names = {
        "workflow.name",
        "workflow.namespace",
        "workflow.mainEntrypoint",
        "workflow.serviceAccountName",
        "workflow.uid",
        "workflow.status",
        "workflow.annotations",
        "workflow.annotations.json",
        "workflow.labels",
        "workflow.labels.json",
    }
    scope = Scope(names=names, template_validation=holder.is_template_kind)
    params = [p for spec in specs for p in (spec.arguments.parameters or () if spec.arguments else ())]
    if params:
        scope.add("workflow.parameters", "workflow.parameters.json")
        scope.add(*(f"workflow.parameters.{p.name}" for p in params if p.name))
    annotations = set(res.annotations)
    labels = set(res.labels)
    for spec in specs:
        meta = spec.workflow_metadata
        if meta is not None:
            annotations |= set(meta.annotations or ())
            labels |= set(meta.labels or ()) | set(meta.labels_from or ())
    scope.add(*(f"workflow.annotations.{k}" for k in annotations), *(f"workflow.labels.{k}" for k in labels))
    if any(spec.priority is not None for spec in specs):
        scope.add("workflow.priority")
    if any(spec.on_exit or EXIT_HOOK in (spec.hooks or {}) for spec in specs):
        scope.add("workflow.failures")
    # outputs exported with globalName (Argo adds them while walking; we collect them all up front)
    for spec in specs:
        for tmpl in spec.templates or ():
            _add_global_outputs(tmpl, scope)
    return scope


def _add_global_outputs(tmpl: Template, scope: Scope) -> None:
    outputs = tmpl.outputs
    if outputs is None:
        return
    for param in outputs.parameters or ():
        if param.global_name:
            if is_parameter(param.global_name):
                scope.any_workflow_output_parameter = True
            else:
                scope.add(f"workflow.outputs.parameters.{param.global_name}")
    for art in outputs.artifacts or ():
        if art.global_name:
            if is_parameter(art.global_name):
                scope.any_workflow_output_artifact = True
            else:
                scope.add(f"workflow.outputs.artifacts.{art.global_name}")


def output_names(
    tmpl: Template | None, prefix: str, name: str, *, aggregate: bool, ancestor: bool
) -> list[str]:
    """Argo's ``addOutputsToScope``: the ``steps.<name>.*``/``tasks.<name>.*`` variables a call provides."""
    base = f"{prefix}.{name}"
    names = [f"{base}.id", f"{base}.startedAt", f"{base}.finishedAt", f"{base}.hostNodeName"]
    if ancestor:
        names.append(f"{base}.status")
    if tmpl is None:
        return names
    if tmpl.daemon:
        names.append(f"{base}.ip")
    if tmpl.has_output:
        names += [f"{base}.outputs.result", f"{base}.exitCode"]
    outputs = tmpl.outputs
    if outputs is not None:
        names += [f"{base}.outputs.parameters.{p.name}" for p in outputs.parameters or ()]
        names += [f"{base}.outputs.artifacts.{a.name}" for a in outputs.artifacts or ()]
    if aggregate:
        names.append(f"{base}.outputs.parameters")
        if tmpl.kind in ("script", "containerSet"):
            names += [f"{base}.outputs.result", f"{base}.exitCode"]
    return names
