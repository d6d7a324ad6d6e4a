"""The labels and annotations a workflow gets when it starts (Argo's ``operator.go``).

- ``setWfTemplateLabel``: a workflow run through ``workflowTemplateRef`` is labelled
  ``workflows.argoproj.io/workflow-template`` (or ``cluster-workflow-template``) = the template's name.
- ``updateWorkflowMetadata``: ``spec.workflowMetadata.labels`` and ``annotations`` (after the workflow's
  global variables are substituted into them) are merged into ``metadata``, overriding what is there; each
  ``labelsFrom`` expression is evaluated against the globals and must give a string that is a valid label
  value. Every one of them becomes ``{{workflow.labels.<name>}}`` / ``{{workflow.annotations.<name>}}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from argento.errors import SpecError

LABEL_WORKFLOW_TEMPLATE = "workflows.argoproj.io/workflow-template"
LABEL_CLUSTER_WORKFLOW_TEMPLATE = "workflows.argoproj.io/cluster-workflow-template"
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class MetadataError(SpecError):
    """A workflow metadata rule Argo refuses (the workflow ends Error with this message)."""


def template_label(workflow: dict[str, Any]) -> None:
    """Argo's ``setWfTemplateLabel``."""
    ref = (workflow.get("spec") or {}).get("workflowTemplateRef")
    if not ref or not ref.get("name"):
        return
    labels = workflow.setdefault("metadata", {}).setdefault("labels", {})
    key = LABEL_CLUSTER_WORKFLOW_TEMPLATE if ref.get("clusterScope") else LABEL_WORKFLOW_TEMPLATE
    labels[key] = ref["name"]


def label_value_errors(value: str) -> list[str]:
    """Kubernetes' ``IsValidLabelValue`` (its messages)."""
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _LABEL_VALUE_RE.match(value):
        errors.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
            "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
    return errors


def metadata_globals(spec: dict[str, Any], params: dict[str, str]) -> None:
    """Argo's ``setGlobalParameters`` (its end): ``spec.workflowMetadata`` labels and annotations are globals from
    the start, before the spec is substituted; a label that a ``labelsFrom`` expression sets is no global until
    that expression is evaluated (``updateWorkflowMetadata``), so a reference to it waits for its final value."""
    md = spec.get("workflowMetadata")
    if not isinstance(md, dict):
        return
    later = set(md.get("labelsFrom") or {})
    for name in later:
        params.pop(f"workflow.labels.{name}", None)
    for name, value in (md.get("labels") or {}).items():
        if name not in later:
            params[f"workflow.labels.{name}"] = "" if value is None else str(value)
    for name, value in (md.get("annotations") or {}).items():
        params[f"workflow.annotations.{name}"] = "" if value is None else str(value)


def apply_workflow_metadata(meta: dict[str, Any], spec: dict[str, Any], params: dict[str, str]) -> None:
    """Argo's ``updateWorkflowMetadata``: merge ``spec.workflowMetadata`` into ``meta`` and ``params``."""
    from argento.expr.template import substitute_obj

    md = spec.get("workflowMetadata")
    if not md:
        return
    md = substitute_obj(md, params)  # Argo substitutes the globals into the spec first
    labels = meta.setdefault("labels", {})
    for name, value in (md.get("labels") or {}).items():
        value = "" if value is None else str(value)
        errors = label_value_errors(value)
        if errors:
            raise MetadataError(
                f"invalid label value {json.dumps(value)} for label {json.dumps(name)}: {';'.join(errors)}"
            )
        labels[name] = value
    annotations = meta.setdefault("annotations", {})
    for name, value in (md.get("annotations") or {}).items():
        annotations[name] = "" if value is None else str(value)
    for name, source in (md.get("labelsFrom") or {}).items():
        labels[name] = _label_from(name, (source or {}).get("expression", ""), params)
    _publish(meta, params)


def _label_from(name: str, expression: str, params: dict[str, str]) -> str:
    from argento.expr.lang import build_env, compile_expr

    env = build_env(dict(params))
    try:
        program = compile_expr(expression)
    except Exception as exc:
        raise MetadataError(
            f"failed to compile function for expression {json.dumps(expression)}: {exc}"
        ) from None
    try:
        result = program.run(env)
    except Exception as exc:
        raise MetadataError(
            f"failed to evaluate label {json.dumps(name)} expression {json.dumps(expression)}: {exc}"
        ) from None
    if not isinstance(result, str):
        raise MetadataError(
            f"failed to evaluate label {json.dumps(name)} expression {json.dumps(expression)} evaluted to "
            f"{_go_type(result)} but must be a string"
        )
    errors = label_value_errors(result)
    if errors:
        raise MetadataError(
            f"invalid label value {json.dumps(result)} for label {json.dumps(name)} and expression "
            f"{json.dumps(expression)}: {';'.join(errors)}"
        )
    return result


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if value is None:
        return "<nil>"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return type(value).__name__


def _publish(meta: dict[str, Any], params: dict[str, str]) -> None:
    """``{{workflow.labels…}}`` and ``{{workflow.annotations…}}`` as they now are."""
    for key in ("labels", "annotations"):
        values = meta.get(key) or {}
        params[f"workflow.{key}"] = params[f"workflow.{key}.json"] = json.dumps(values, separators=(",", ":"))
        for k, v in values.items():
            params[f"workflow.{key}.{k}"] = str(v)
