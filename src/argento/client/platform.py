"""``argento.Client``: one client for the whole server — workflows (Argo's API), deployments and services.

>>> client = argento.Client()                          # ARGENTO_SERVER, ARGENTO_TOKEN
>>> client.deployments.create(name="iris", bento="iris-classifier:latest", namespace="default", replicas=2)
... # doctest: +SKIP
>>> client.service("iris").predict(features=[5.1, 3.5, 1.4, 0.2])   # through the gateway  # doctest: +SKIP
>>> argento.Client("http://127.0.0.1:3000").call("predict", features=[5.1, 3.5, 1.4, 0.2])  # doctest: +SKIP

:func:`deploy` is ``argento.deploy(...)``: create (or update) a deployment and wait until it serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argento.client import ArgoClient
from argento.client.deployments import DeploymentsAPI
from argento.client.http import auth_header
from argento.config import Settings
from argento.errors import AlreadyExists

if TYPE_CHECKING:
    from argento.serving.client import ServiceClient


class Client(ArgoClient):
    """:class:`~argento.client.ArgoClient` plus ``deployments`` (defaults from the ``ARGENTO_*`` settings)."""

    def __init__(
        self,
        server: str | None = None,
        *,
        token: str | None = None,
        namespace: str | None = None,
        **kwargs: Any,
    ) -> None:
        settings = Settings.from_env()
        self._token = settings.token if token is None else token
        self._service: ServiceClient | None = None
        super().__init__(
            server or settings.server,
            token=settings.token if token is None else token,
            namespace=namespace or settings.namespace,
            **kwargs,
        )
        self.deployments = DeploymentsAPI(self.http, self.namespace)

    def service(self, deployment: str | None = None, **kwargs: Any) -> ServiceClient:
        """A typed client of a service: the one at this URL (``argento serve``), or deployment ``deployment``
        behind the server's gateway. ``kwargs`` go to :class:`argento.SyncHTTPClient` (``timeout``, …)."""
        from argento.serving.client import ServiceClient

        url = self.server if deployment is None else f"{self.server}/deployments/{deployment}"
        headers = {**auth_header(self._token), **kwargs.pop("headers", {})}
        return ServiceClient(url, headers=headers, **kwargs)

    def call(self, api: str, *args: Any, **kwargs: Any) -> Any:
        """Call API ``api`` of the service at this URL: ``argento.Client(url).call("predict", ...)``."""
        if self._service is None:
            self._service = self.service()
        return self._service.call(api, *args, **kwargs)


def deploy(
    bento: str | None = None,
    *,
    name: str | None = None,
    replicas: int | None = None,
    canary: str | None = None,
    canary_weight: float = 10.0,
    namespace: str | None = None,
    server: str | None = None,
    wait: bool = True,
    timeout: float = 120.0,
    **spec: Any,
) -> dict[str, Any]:
    """Deploy ``bento`` under ``name`` (default: the bento's name) on the server; update it if it exists.

    ``replicas`` is the main variant's count (default 1 for a new deployment); an existing deployment keeps
    every variant's count unless ``replicas`` is given (then the main variant takes it). A new canary gets
    one replica; an existing canary keeps its own.

    ``argento.deploy("iris-classifier:latest", replicas=2, canary="iris-classifier:v2", canary_weight=10)``
    """
    client = Client(server)
    namespace = namespace or client.namespace  # ARGENTO_NAMESPACE (a step's: its workflow's), else "argo"
    target = bento or spec.get("service")
    name = name or str(target).split(":")[0].replace("_", "-").replace(".", "-").lower()
    try:
        return client.deployments.create(
            name,
            bento,
            namespace=namespace,
            replicas=1 if replicas is None else replicas,
            canary=canary,
            canary_weight=canary_weight,
            wait=wait,
            timeout=timeout,
            **spec,
        )
    except AlreadyExists:
        current = client.deployments.get(name)["spec"]
        before = {v["name"]: v for v in current.get("variants") or []}
        body = {k: v for k, v in current.items() if k not in ("variants",)}
        main: dict[str, Any] = {"name": "main", "weight": 100.0 - (canary_weight if canary else 0.0)}
        main.update(
            {"bento": bento}
            if bento
            else {"service": spec.get("service"), "working_dir": spec.get("working_dir")}
        )
        if replicas is not None:
            body["replicas"] = replicas
        else:  # keep the main variant's own count (a `deployments scale --variant main`), if it has one
            main.update(_counts(before.get("main")))
        body["variants"] = [main]
        if canary:
            counts = _counts(before.get("canary")) or {"replicas": 1}
            body["variants"].append({"name": "canary", "bento": canary, "weight": canary_weight, **counts})
        return client.deployments.update(name, body, wait=wait, timeout=timeout)


def _counts(variant: dict[str, Any] | None) -> dict[str, Any]:
    """A variant's own replica count or autoscaling bounds (empty when it follows the deployment's)."""
    return {k: variant[k] for k in ("replicas", "autoscaling") if variant and variant.get(k) is not None}
