"""Argo's one-time validation when a workflow starts (``operator.go``: "invalid spec: …").

``argo lint`` and the API server judge a manifest as written; the controller validates again what it will
run: the spec merged from a ``workflowTemplateRef`` (the template may have changed, or never been linted with
this workflow) and the workflow arguments, which must now have values (``validate.Opts{}``: not lint mode).
A failure ends the workflow **Failed** with ``invalid spec: <reason>`` before any node runs.
"""

from __future__ import annotations

from typing import Any

from argento.engine.resolve import TemplateRegistry
from argento.errors import SpecError


def arguments_problem(spec: dict[str, Any]) -> str | None:
    """Argo's ``validateArgumentsValues`` outside lint: every workflow argument has a value or valueFrom."""
    for param in (spec.get("arguments") or {}).get("parameters") or []:
        name = param.get("name", "")
        if param.get("value") is None and param.get("valueFrom") is None:
            return f"spec.arguments.{name}.value or spec.arguments.{name}.valueFrom is required"
        if param.get("enum") is not None and param.get("value") is None and param.get("valueFrom") is None:
            return f"spec.arguments.{name}.value is required"
    return None


def hooks_problem(spec: dict[str, Any]) -> str | None:
    """Argo's ``validateHooks``: a hook other than ``exit`` of the workflow or of a step needs an expression
    (``hooks.failure Expression required``, ``templates.main.steps[0].a.foo Expression required``)."""

    def first(hooks: Any, base: str) -> str | None:
        for name, hook in (hooks or {}).items() if isinstance(hooks, dict) else ():
            if name != "exit" and not (hook or {}).get("expression"):
                return f"{base}.{name} Expression required"
        return None

    problem = first(spec.get("hooks"), "hooks")
    for tmpl in spec.get("templates") or []:
        for i, group in enumerate((tmpl or {}).get("steps") or []):
            for step in group or []:
                if problem is None and isinstance(step, dict):
                    problem = first(step.get("hooks"), f"templates.{tmpl.get('name')}.steps[{i}].{step.get('name')}")
    return problem


def merged_spec_problem(
    workflow: dict[str, Any], spec: dict[str, Any], registry: TemplateRegistry
) -> str | None:
    """The first lint error of the workflow as it will run (``spec``: merged from its workflowTemplateRef)."""
    from argento.spec import Document, SourceMap, parse_resource
    from argento.spec.lint import lint_documents

    raw = {
        "apiVersion": workflow.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": "Workflow",
        "metadata": {
            k: v for k, v in (workflow.get("metadata") or {}).items() if k in ("name", "generateName")
        },
        "spec": {k: v for k, v in spec.items() if k != "workflowTemplateRef"},
    }
    try:
        doc = Document(parse_resource(raw), raw, SourceMap(""))
    except SpecError as exc:
        return exc.message
    templates = []
    for res in [*registry.cluster.values(), *registry.namespaced.values()]:
        try:
            templates.append(Document(parse_resource(res), res, SourceMap("")))
        except SpecError:
            continue
    errors = lint_documents([doc], templates=templates).errors
    return errors[0].message if errors else None
