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
        self.deployments = DeploymentsAPI(self.http, "default")

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
    replicas: int = 1,
    canary: str | None = None,
    canary_weight: float = 10.0,
    namespace: str = "default",
    server: str | None = None,
    wait: bool = True,
    timeout: float = 120.0,
    **spec: Any,
) -> dict[str, Any]:
    """Deploy ``bento`` under ``name`` (default: the bento's name) on the server; update it if it exists.

    ``argento.deploy("iris-classifier:latest", replicas=2, canary="iris-classifier:v2", canary_weight=10)``
    """
    client = Client(server)
    target = bento or spec.get("service")
    name = name or str(target).split(":")[0].replace("_", "-").replace(".", "-").lower()
    try:
        return client.deployments.create(
            name,
            bento,
            namespace=namespace,
            replicas=replicas,
            canary=canary,
            canary_weight=canary_weight,
            wait=wait,
            timeout=timeout,
            **spec,
        )
    except AlreadyExists:
        current = client.deployments.get(name)["spec"]
        body = {k: v for k, v in current.items() if k not in ("variants",)}
        body["replicas"] = replicas
        main: dict[str, Any] = {"name": "main", "weight": 100.0 - (canary_weight if canary else 0.0)}
        main.update(
            {"bento": bento}
            if bento
            else {"service": spec.get("service"), "working_dir": spec.get("working_dir")}
        )
        body["variants"] = [main]
        if canary:
            body["variants"].append(
                {"name": "canary", "bento": canary, "weight": canary_weight, "replicas": 1}
            )
        return client.deployments.update(name, body, wait=wait, timeout=timeout)
