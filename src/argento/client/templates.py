"""Argo's WorkflowTemplateService and ClusterWorkflowTemplateService over REST.

Namespaced templates live under ``/api/v1/workflow-templates/{namespace}`` with bodies
``{"namespace", "template"}``; cluster templates under ``/api/v1/cluster-workflow-templates`` with
``{"template"}``. Both have ``lint`` endpoints that answer the template back or a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argento.client.http import HttpClient


def _name(resource: Mapping[str, Any]) -> str:
    return str((resource.get("metadata") or {}).get("name", ""))


class WorkflowTemplatesAPI:
    """``WorkflowTemplate`` endpoints; ``namespace`` is the default for every call."""

    def __init__(self, http: HttpClient, namespace: str = "argo") -> None:
        self.http = http
        self.namespace = namespace

    def _ns(self, namespace: str | None) -> str:
        return namespace or self.namespace

    def create(self, template: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Create a template; :class:`~argento.errors.AlreadyExists` when its name is taken."""
        ns = self._ns(namespace or (template.get("metadata") or {}).get("namespace"))
        return self.http.post(
            f"/api/v1/workflow-templates/{ns}", {"namespace": ns, "template": dict(template)}
        )

    def update(self, template: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Replace a template by name."""
        ns = self._ns(namespace or (template.get("metadata") or {}).get("namespace"))
        name = _name(template)
        body = {"namespace": ns, "name": name, "template": dict(template)}
        return self.http.put(f"/api/v1/workflow-templates/{ns}/{name}", body)

    def lint(self, template: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Server-side lint; the template back, or a :class:`~argento.errors.SpecError`."""
        ns = self._ns(namespace)
        return self.http.post(
            f"/api/v1/workflow-templates/{ns}/lint", {"namespace": ns, "template": dict(template)}
        )

    def list(self, *, namespace: str | None = None, label_selector: str = "") -> list[dict[str, Any]]:
        """Templates of the namespace (matching ``label_selector``)."""
        ns = self._ns(namespace)
        page = self.http.get(
            f"/api/v1/workflow-templates/{ns}", {"listOptions.labelSelector": label_selector}
        )
        return list(page.get("items") or [])

    def get(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """One template."""
        return self.http.get(f"/api/v1/workflow-templates/{self._ns(namespace)}/{name}")

    def delete(self, name: str, *, namespace: str | None = None) -> None:
        """Delete one template."""
        self.http.delete(f"/api/v1/workflow-templates/{self._ns(namespace)}/{name}")


class ClusterWorkflowTemplatesAPI:
    """``ClusterWorkflowTemplate`` endpoints (no namespace)."""

    base = "/api/v1/cluster-workflow-templates"

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def create(self, template: Mapping[str, Any]) -> dict[str, Any]:
        """Create a cluster template."""
        return self.http.post(self.base, {"template": dict(template)})

    def update(self, template: Mapping[str, Any]) -> dict[str, Any]:
        """Replace a cluster template by name."""
        name = _name(template)
        return self.http.put(f"{self.base}/{name}", {"name": name, "template": dict(template)})

    def lint(self, template: Mapping[str, Any]) -> dict[str, Any]:
        """Server-side lint."""
        return self.http.post(f"{self.base}/lint", {"template": dict(template)})

    def list(self, *, label_selector: str = "") -> list[dict[str, Any]]:
        """Every cluster template (matching ``label_selector``)."""
        page = self.http.get(self.base, {"listOptions.labelSelector": label_selector})
        return list(page.get("items") or [])

    def get(self, name: str) -> dict[str, Any]:
        """One cluster template."""
        return self.http.get(f"{self.base}/{name}")

    def delete(self, name: str) -> None:
        """Delete one cluster template."""
        self.http.delete(f"{self.base}/{name}")
