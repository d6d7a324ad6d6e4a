"""The template types of Argo and their facts, listed once.

Used by the spec's models and lint (``spec/models/templates.py``: ``Template.kind``, ``is_leaf``,
``is_pod_type``) and by the engine (``engine/resolve.template_type``, the handler registry of
``engine/handlers.py``, whose test checks that every kind here has a handler). A foundation module like
``names``: plain data, no imports, so the engine reads it without loading the spec's pydantic models.

Argo's counterparts (pkg/apis/workflow/v1alpha1/workflow_types.go): ``Template.GetType`` (the order below),
``IsLeaf``, ``IsPodType``, and the ``NodeType`` a template's node gets (``GetNodeType``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

TemplateKind = Literal[
    "container", "script", "dag", "steps", "suspend", "resource", "http", "containerSet", "data", "plugin"
]


@dataclass(frozen=True, slots=True)
class KindFacts:
    """What is known of one template type."""

    #: The template's field that sets the type (``container``, ``containerSet``, …).
    name: TemplateKind
    #: Argo's ``IsPodType``: it runs as a pod (``{{pod.name}}`` exists, it is one Pod node).
    pod: bool
    #: Argo's ``IsLeaf``: it runs work itself (not steps, dag or suspend).
    leaf: bool
    #: The ``NodeType`` of the node Argento gives an invocation of it.
    node_type: str
    #: Why Argento cannot run it on one machine; None: it runs.
    unsupported: str | None = None


#: Every template type, in the order of Argo's ``Template.GetType`` (the first set one wins).
KINDS: tuple[KindFacts, ...] = (
    KindFacts("container", pod=True, leaf=True, node_type="Pod"),
    KindFacts("containerSet", pod=True, leaf=True, node_type="Pod"),
    KindFacts("steps", pod=False, leaf=False, node_type="Steps"),
    KindFacts("script", pod=True, leaf=True, node_type="Pod"),
    KindFacts(
        "resource",
        pod=True,
        leaf=True,
        node_type="Pod",
        unsupported="resource templates need a Kubernetes cluster",
    ),
    KindFacts("dag", pod=False, leaf=False, node_type="DAG"),
    KindFacts("suspend", pod=False, leaf=False, node_type="Suspend"),
    KindFacts("data", pod=True, leaf=True, node_type="Pod"),
    KindFacts("http", pod=False, leaf=True, node_type="HTTP"),
    KindFacts(
        "plugin",
        pod=False,
        leaf=True,
        node_type="Pod",
        unsupported="executor plugins need a Kubernetes cluster",
    ),
)

BY_NAME: Mapping[str, KindFacts] = {k.name: k for k in KINDS}
TEMPLATE_TYPES: tuple[TemplateKind, ...] = tuple(k.name for k in KINDS)
POD_TYPES: frozenset[str] = frozenset(k.name for k in KINDS if k.pod)
LEAF_TYPES: frozenset[str] = frozenset(k.name for k in KINDS if k.leaf)


def kinds_of(tmpl: Mapping[str, Any]) -> list[TemplateKind]:
    """Every template type set on a raw template (lint wants exactly one)."""
    return [k for k in TEMPLATE_TYPES if tmpl.get(k) is not None]


def kind_of(tmpl: Mapping[str, Any]) -> TemplateKind | None:
    """The type of a raw template (the first set one in Argo's order), or None."""
    for k in TEMPLATE_TYPES:
        if tmpl.get(k) is not None:
            return k
    return None
