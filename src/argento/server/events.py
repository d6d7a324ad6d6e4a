"""Argo's event API: ``POST /api/v1/events/{namespace}/{discriminator}`` → WorkflowEventBindings.

Each binding of the namespace whose ``spec.event.selector`` (expr-lang over ``payload``, ``metadata`` and
``discriminator``) is true submits ``spec.submit.workflowTemplateRef`` with its arguments, a parameter's
``valueFrom.event`` being an expression over the same environment. ``metadata`` is the request's headers,
lower-cased, each a list of values (gRPC metadata), without credentials. A binding whose expression fails
is skipped and logged, as Argo does; the caller gets ``{}`` either way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argento.errors import ArgentoError

if TYPE_CHECKING:
    from argento.server.manager import WorkflowManager
    from argento.server.metrics import Metrics
    from argento.server.validate import Catalog
    from argento.store import Store

log = logging.getLogger("argento.server.events")
BINDING_LABEL = "workflows.argoproj.io/workflow-event-binding"
_SECRET_HEADERS = frozenset({"authorization", "cookie"})


def event_metadata(headers: Mapping[str, str] | Any) -> dict[str, list[str]]:
    """Request headers as gRPC metadata (credentials removed)."""
    out: dict[str, list[str]] = {}
    for key, value in headers.items():
        key = key.lower()
        if key not in _SECRET_HEADERS:
            out.setdefault(key, []).append(value)
    return out


class EventDispatcher:
    """Matches events against the bindings of their namespace and submits workflows."""

    def __init__(self, store: Store, manager: WorkflowManager, catalog: Catalog, metrics: Metrics) -> None:
        self.store = store
        self.manager = manager
        self.catalog = catalog
        self.metrics = metrics

    def dispatch(
        self, namespace: str, discriminator: str, payload: Any, metadata: dict[str, list[str]]
    ) -> list[str]:
        """Submit a workflow for every matching binding; return their names."""
        from argento.expr.lang import build_env, evaluate

        env = build_env({})
        env.update({"payload": payload, "metadata": metadata, "discriminator": discriminator})
        started: list[str] = []
        for binding in self.store.resources.list("WorkflowEventBinding", namespace):
            name = binding["metadata"].get("name", "")
            spec = binding.get("spec") or {}
            selector = ((spec.get("event") or {}).get("selector")) or ""
            try:
                if evaluate(selector, env) is not True:
                    continue
                if spec.get("submit"):
                    started.append(self._submit(binding, env))
            except ArgentoError as exc:
                log.warning("workflow event binding %s/%s: %s", namespace, name, exc)
                self.metrics.error("WorkflowEventBinding")
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # expr over arbitrary payloads
                log.warning("workflow event binding %s/%s: %s", namespace, name, exc)
                self.metrics.error("WorkflowEventBinding")
        return started

    def _submit(self, binding: dict[str, Any], env: dict[str, Any]) -> str:
        from argento.expr.lang import evaluate, marshal_json
        from argento.server.validate import admit

        meta = binding["metadata"]
        submit = binding["spec"]["submit"]
        ref = dict(submit.get("workflowTemplateRef") or {})
        params = []
        for param in (submit.get("arguments") or {}).get("parameters") or []:
            out = {"name": param.get("name")}
            source = (param.get("valueFrom") or {}).get("event")
            if source:
                value = evaluate(source, env)
                out["value"] = value if isinstance(value, str) else marshal_json(value)
            elif param.get("value") is not None:
                out["value"] = str(param["value"])
            params.append(out)
        sub_meta = submit.get("metadata") or {}
        template_label = (
            "workflows.argoproj.io/cluster-workflow-template"
            if ref.get("clusterScope")
            else "workflows.argoproj.io/workflow-template"
        )
        labels = {
            **(sub_meta.get("labels") or {}),
            BINDING_LABEL: meta["name"],
            template_label: ref.get("name", ""),
        }
        wf = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {
                "generateName": f"{ref.get('name', meta['name'])}-",
                "labels": labels,
                "annotations": dict(sub_meta.get("annotations") or {}),
            },
            "spec": {"workflowTemplateRef": ref, "arguments": {"parameters": params}},
        }
        admitted = admit({"workflow": wf}, "workflow", "Workflow", meta["namespace"], catalog=self.catalog)
        return str(self.manager.create(admitted)["metadata"]["name"])
