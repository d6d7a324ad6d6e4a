"""Template resolution: local names, ``templateRef`` into (Cluster)WorkflowTemplates, inline templates.

Mirrors Argo's ``templateresolution.Context``: a template found through ``templateRef`` resolves the names it
uses inside the WorkflowTemplate it came from, and nodes record Argo's ``templateScope``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from argento.errors import NotFound, SpecError
from argento.template_kinds import POD_TYPES, TEMPLATE_TYPES, kind_of

Template = dict[str, Any]

__all__ = [
    "POD_TYPES",
    "TEMPLATE_TYPES",
    "Resolved",
    "Template",
    "TemplateBase",
    "TemplateRegistry",
    "merge_defaults",
    "merge_workflow_template",
    "resolve",
    "template_type",
]


def template_type(tmpl: Template) -> str | None:
    """The type of a template (``container``, ``steps``, …) or None (``argento.template_kinds``)."""
    return kind_of(tmpl)


@dataclass
class TemplateBase:
    """Where template names are looked up: the workflow itself or one (Cluster)WorkflowTemplate."""

    kind: str  # "local" | "namespaced" | "cluster"
    name: str
    templates: dict[str, Template]
    defaults: Template | None = None

    @property
    def scope(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class TemplateRegistry:
    """WorkflowTemplates and ClusterWorkflowTemplates available to a run (raw resources, by name)."""

    namespaced: dict[str, dict[str, Any]] = field(default_factory=dict)
    cluster: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, resource: dict[str, Any]) -> None:
        kind = resource.get("kind")
        name = (resource.get("metadata") or {}).get("name")
        if not name:
            return
        if kind == "WorkflowTemplate":
            self.namespaced[name] = resource
        elif kind == "ClusterWorkflowTemplate":
            self.cluster[name] = resource

    def get(self, name: str, *, cluster: bool = False) -> dict[str, Any]:
        table = self.cluster if cluster else self.namespaced
        found = table.get(name)
        if found is None:
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            raise NotFound(f'{kind}.argoproj.io "{name}" not found')
        return found

    def base(self, name: str, *, cluster: bool = False) -> TemplateBase:
        resource = self.get(name, cluster=cluster)
        spec = resource.get("spec") or {}
        return TemplateBase(
            kind="cluster" if cluster else "namespaced",
            name=name,
            templates={t["name"]: t for t in spec.get("templates") or [] if t.get("name")},
            defaults=spec.get("templateDefaults"),
        )


@dataclass
class Resolved:
    """A resolved template and the context its own references resolve in."""

    template: Template
    base: TemplateBase
    template_name: str | None
    template_ref: dict[str, Any] | None


def resolve(holder: dict[str, Any], base: TemplateBase, registry: TemplateRegistry) -> Resolved:
    """Resolve a step/task/hook's ``template``, ``templateRef`` or ``inline`` to a template."""
    if holder.get("inline") is not None:
        tmpl = holder["inline"]
        return Resolved(merge_defaults(tmpl, base.defaults), base, None, None)
    ref = holder.get("templateRef")
    if ref:
        cluster = bool(ref.get("clusterScope"))
        ref_base = registry.base(ref.get("name", ""), cluster=cluster)
        tname = ref.get("template", "")
        tmpl = ref_base.templates.get(tname)
        if tmpl is None:
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            raise NotFound(f"template {tname} not found in {kind} {ref_base.name}")
        return Resolved(merge_defaults(tmpl, ref_base.defaults), ref_base, None, dict(ref))
    name = holder.get("template")
    if not name:
        raise SpecError("template name cannot be empty")
    tmpl = base.templates.get(name)
    if tmpl is None:
        raise SpecError(f"template {name} not found")
    return Resolved(merge_defaults(tmpl, base.defaults), base, name, None)


#: Lists that Kubernetes' strategic merge patch merges by a key (``patchMergeKey`` of the API types) instead of
#: replacing: a container's ``env`` by name, ``volumeMounts`` by mount path, ….
_MERGE_KEYS = {
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "volumes": "name",
    "sidecars": "name",
    "initContainers": "name",
    "tolerations": "key",
    "hostAliases": "ip",
}


def merge_defaults(tmpl: Template, defaults: Template | None) -> Template:
    """Argo's ``templateDefaults`` (``mergedTemplateDefaultsInto`` in workflow/controller/operator.go): a strategic
    merge patch of the template onto the defaults — the template's values win, maps merge, the keyed lists of
    :data:`_MERGE_KEYS` merge by key (a default ``env`` variable stays beside the template's), other lists are
    replaced. A default of a template type (``container``, ``script``, …) applies only to templates of that type:
    a ``container`` default does not turn a steps template into a container."""
    if not defaults:
        return tmpl
    kind = kind_of(tmpl)
    applicable = {k: v for k, v in defaults.items() if k not in TEMPLATE_TYPES or k == kind}
    return _strategic(copy.deepcopy(applicable), tmpl)


def _strategic(base: Any, over: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for name, value in over.items():
            out[name] = _strategic(base[name], value, name) if name in base else value
        return out
    merge_key = _MERGE_KEYS.get(key)
    if merge_key and isinstance(base, list) and isinstance(over, list):
        mine = {item.get(merge_key): item for item in over if isinstance(item, dict)}
        kept = [item for item in base if not (isinstance(item, dict) and item.get(merge_key) in mine)]
        return kept + list(over)
    return over


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return over


def merge_workflow_template(spec: dict[str, Any], wft_spec: dict[str, Any]) -> dict[str, Any]:
    """``workflowTemplateRef``: the WorkflowTemplate's spec under the Workflow's own fields.

    Arguments merge by parameter/artifact name (the Workflow's values win), as Argo's ``JoinWorkflowSpec``.
    """
    merged = _merge(
        copy.deepcopy(wft_spec),
        {k: v for k, v in spec.items() if k not in ("workflowTemplateRef", "arguments")},
    )
    args: dict[str, Any] = {}
    for key in ("parameters", "artifacts"):
        by_name: dict[str, Any] = {}
        for item in ((wft_spec.get("arguments") or {}).get(key) or []) + (
            (spec.get("arguments") or {}).get(key) or []
        ):
            if item.get("name") in by_name:
                merged_item = {**by_name[item["name"]], **item}
                if key == "parameters" and any(f in merged_item for f in ("value", "valueFrom", "default")):
                    # "if Value, ValueFrom and Default are set in different places … only keep the one with
                    # the greatest priority": the Workflow's parameter, whole (merge.go:JoinWorkflowSpec)
                    merged_item = dict(item)
                by_name[item["name"]] = merged_item
            else:
                by_name[item["name"]] = dict(item)
        if by_name:
            args[key] = list(by_name.values())
    if args:
        merged["arguments"] = args
    return merged
