"""Argo's CronWorkflowService over REST (``/api/v1/cron-workflows/{namespace}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argento.client.http import HttpClient


class CronWorkflowsAPI:
    """``CronWorkflow`` endpoints; ``namespace`` is the default for every call."""

    def __init__(self, http: HttpClient, namespace: str = "argo") -> None:
        self.http = http
        self.namespace = namespace

    def _ns(self, namespace: str | None) -> str:
        return namespace or self.namespace

    def create(self, cron: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Create a cron workflow (``{"namespace", "cronWorkflow"}``)."""
        ns = self._ns(namespace or (cron.get("metadata") or {}).get("namespace"))
        return self.http.post(f"/api/v1/cron-workflows/{ns}", {"namespace": ns, "cronWorkflow": dict(cron)})

    def update(self, cron: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Replace a cron workflow by name."""
        ns = self._ns(namespace or (cron.get("metadata") or {}).get("namespace"))
        name = (cron.get("metadata") or {}).get("name", "")
        body = {"namespace": ns, "name": name, "cronWorkflow": dict(cron)}
        return self.http.put(f"/api/v1/cron-workflows/{ns}/{name}", body)

    def lint(self, cron: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Server-side lint."""
        ns = self._ns(namespace)
        return self.http.post(
            f"/api/v1/cron-workflows/{ns}/lint", {"namespace": ns, "cronWorkflow": dict(cron)}
        )

    def list(self, *, namespace: str | None = None, label_selector: str = "") -> list[dict[str, Any]]:
        """Cron workflows of the namespace (matching ``label_selector``)."""
        ns = self._ns(namespace)
        page = self.http.get(f"/api/v1/cron-workflows/{ns}", {"listOptions.labelSelector": label_selector})
        return list(page.get("items") or [])

    def get(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """One cron workflow."""
        return self.http.get(f"/api/v1/cron-workflows/{self._ns(namespace)}/{name}")

    def delete(self, name: str, *, namespace: str | None = None) -> None:
        """Delete one cron workflow."""
        self.http.delete(f"/api/v1/cron-workflows/{self._ns(namespace)}/{name}")

    def suspend(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """Stop scheduling (``spec.suspend: true``)."""
        ns = self._ns(namespace)
        return self.http.put(f"/api/v1/cron-workflows/{ns}/{name}/suspend", {"namespace": ns, "name": name})

    def resume(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """Schedule again (``spec.suspend: false``)."""
        ns = self._ns(namespace)
        return self.http.put(f"/api/v1/cron-workflows/{ns}/{name}/resume", {"namespace": ns, "name": name})
