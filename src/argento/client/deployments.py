"""Argento's DeploymentService over REST (``/api/v1/deployments``), in the seed's YataiClient shape.

>>> client = argento.Client()                                                    # doctest: +SKIP
>>> client.deployments.create(name="iris", bento="iris-classifier:latest", namespace="default", replicas=2)
>>> client.deployments.set_traffic("iris", {"main": 90, "canary": 10})           # doctest: +SKIP
"""

from __future__ import annotations

import time
from typing import Any

from argento.client.http import HttpClient
from argento.config import DEFAULT_NAMESPACE
from argento.errors import SpecError, Unavailable

_BASE = "/api/v1/deployments"


class DeploymentsAPI:
    """Create, inspect and change deployments on an Argento server."""

    def __init__(self, http: HttpClient, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.http = http
        self.namespace = namespace

    def create(
        self,
        name: str | None = None,
        bento: str | None = None,
        *,
        namespace: str | None = None,
        replicas: int = 1,
        service: str | None = None,
        working_dir: str | None = None,
        canary: str | None = None,
        canary_weight: float = 10.0,
        variants: list[dict[str, Any]] | None = None,
        autoscaling: dict[str, Any] | None = None,
        routing: dict[str, Any] | str | None = None,
        env: dict[str, str] | None = None,
        resources: dict[str, Any] | None = None,
        spec: dict[str, Any] | None = None,
        wait: bool = False,
        timeout: float = 120.0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a deployment of ``bento`` (or ``service``), optionally with a ``canary`` bento at
        ``canary_weight`` percent; or pass a full ``spec``. With ``wait`` return once it is available."""
        body = dict(spec or {})
        if name:
            body["name"] = name
        if not body.get("name"):
            raise SpecError("a deployment needs a name", path="name")
        body.setdefault("namespace", namespace or self.namespace)
        if spec is None:
            body["replicas"] = replicas
            for key, value in (
                ("autoscaling", autoscaling),
                ("routing", routing),
                ("env", env),
                ("resources", resources),
            ):
                if value is not None:
                    body[key] = value
            body.update(extra)
            if variants is not None:
                body["variants"] = variants
            elif canary:
                main: dict[str, Any] = {"name": "main", "weight": 100.0 - canary_weight}
                main.update({"bento": bento} if bento else {"service": service, "working_dir": working_dir})
                body["variants"] = [
                    main,
                    {"name": "canary", "bento": canary, "weight": canary_weight, "replicas": 1},
                ]
            elif bento:
                body["bento"] = bento
            elif service:
                body["service"] = service
                if working_dir:
                    body["working_dir"] = working_dir
        created = self.http.post(_BASE, body)
        return self.wait(body["name"], timeout=timeout) if wait else created

    def get(self, name: str) -> dict[str, Any]:
        """Spec, status (replicas, health, traffic, revision) and revision history."""
        return self.http.get(f"{_BASE}/{name}")

    def list(self, *, namespace: str | None = None) -> list[dict[str, Any]]:
        """Every deployment (of ``namespace``)."""
        return list(self.http.get(_BASE, {"namespace": namespace}).get("items") or [])

    def update(
        self, name: str, spec: dict[str, Any], *, wait: bool = False, timeout: float = 120.0
    ) -> dict[str, Any]:
        """Replace the spec (rolling update)."""
        updated = self.http.put(f"{_BASE}/{name}", {**spec, "name": name})
        return self.wait(name, timeout=timeout) if wait else updated

    def scale(self, name: str, replicas: int, *, variant: str | None = None) -> dict[str, Any]:
        """Set the replica count (of one ``variant``)."""
        return self.http.post(f"{_BASE}/{name}/scale", {"replicas": replicas, "variant": variant})

    def set_traffic(self, name: str, weights: dict[str, float]) -> dict[str, Any]:
        """Set variant weights, e.g. ``{"main": 90, "canary": 10}``."""
        return self.http.post(f"{_BASE}/{name}/traffic", {"weights": weights})

    def promote(self, name: str, variant: str = "canary") -> dict[str, Any]:
        """Send 100 % to ``variant`` and retire the others."""
        return self.http.post(f"{_BASE}/{name}/promote", {"variant": variant})

    def rollback(self, name: str, revision: int | None = None) -> dict[str, Any]:
        """Go back to ``revision`` (default: the previous one)."""
        return self.http.post(f"{_BASE}/{name}/rollback", {"revision": revision})

    def delete(self, name: str, *, wait: bool = True) -> dict[str, Any]:
        """Drain and delete."""
        return self.http.delete(f"{_BASE}/{name}", {"wait": wait})

    def wait(self, name: str, *, timeout: float = 120.0) -> dict[str, Any]:
        """Block until every variant is ready at the current revision (``Unavailable`` after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            # Short server-side waits, so no single request outlives the HTTP client's read timeout.
            step = max(0.1, min(20.0, deadline - time.monotonic()))
            try:
                return self.http.get(f"{_BASE}/{name}/wait", {"timeout": step})
            except Unavailable:
                if time.monotonic() >= deadline:
                    raise

    def logs(self, name: str, *, replica: str | None = None, tail: int = 100) -> list[dict[str, Any]]:
        """The last lines of the replicas' logs: ``[{replica, state, lines}]``."""
        return list(
            self.http.get(f"{_BASE}/{name}/logs", {"replica": replica, "tailLines": tail}).get("items") or []
        )

    def compare(self, name: str, *, metrics: list[str] | None = None) -> dict[str, Any]:
        """A/B results per variant, with the error-rate z-test."""
        return self.http.get(f"{_BASE}/{name}/compare", {"metric": metrics or None})

    def render(self, name: str, *, target: str = "kubernetes") -> list[dict[str, Any]]:
        """Manifests for ``target``."""
        return list(self.http.get(f"{_BASE}/{name}/render", {"target": target}).get("items") or [])

    def url(self, name: str) -> str:
        """The gateway URL of a deployment on this server (append the API route)."""
        return f"{self.http.server}/deployments/{name}"
