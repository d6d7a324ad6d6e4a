"""A Python client of Argo Server's REST API: ``argento server``, or a real Argo Server.

>>> from argento.client import ArgoClient
>>> client = ArgoClient("http://127.0.0.1:2746", namespace="argo")    # doctest: +SKIP
>>> wf = client.workflows.create(manifest)                              # doctest: +SKIP
>>> client.workflows.wait(wf["metadata"]["name"])["status"]["phase"]    # doctest: +SKIP
'Succeeded'

Every failure is an :class:`argento.errors.ArgentoError` (``NotFound``, ``Unauthenticated``, ``SpecError``,
``Unavailable``, …), mapped from Argo's ``{"code", "message"}`` bodies by :mod:`argento.client.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argento.client.archive import ArchivedWorkflowsAPI
from argento.client.cron import CronWorkflowsAPI
from argento.client.http import DEFAULT_SERVER, DEFAULT_TIMEOUT, AsyncHttpClient, HttpClient
from argento.client.templates import ClusterWorkflowTemplatesAPI, WorkflowTemplatesAPI
from argento.client.workflows import LogEntry, SubmitOptions, WatchEvent, WorkflowsAPI, apply_submit_options
from argento.config import Settings

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ArchivedWorkflowsAPI",
    "ArgoClient",
    "AsyncHttpClient",
    "ClusterWorkflowTemplatesAPI",
    "CronWorkflowsAPI",
    "HttpClient",
    "LogEntry",
    "SubmitOptions",
    "WatchEvent",
    "WorkflowTemplatesAPI",
    "WorkflowsAPI",
    "apply_submit_options",
]


class ArgoClient:
    """One server: ``workflows``, ``templates``, ``cluster_templates``, ``cron``, ``archive``, ``info()``."""

    #: Whether ``namespace`` was chosen (``-n``, ``ARGENTO_NAMESPACE``) rather than defaulted: the CLI follows a
    #: workflow into another namespace only when it was not (`argento.cli.remote.locate`).
    explicit_namespace: bool = True

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        token: str = "",
        namespace: str = "argo",
        timeout: float = DEFAULT_TIMEOUT,
        verify: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = HttpClient(server, token=token, timeout=timeout, verify=verify, transport=transport)
        self.namespace = namespace
        self.workflows = WorkflowsAPI(self.http, namespace)
        self.templates = WorkflowTemplatesAPI(self.http, namespace)
        self.cluster_templates = ClusterWorkflowTemplatesAPI(self.http)
        self.cron = CronWorkflowsAPI(self.http, namespace)
        self.archive = ArchivedWorkflowsAPI(self.http, namespace)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ArgoClient:
        """A client for ``settings.server``/``token``/``namespace`` (``overrides`` win)."""
        kwargs: dict[str, Any] = {
            "server": settings.server,
            "token": settings.token,
            "namespace": settings.namespace,
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kwargs)

    @property
    def server(self) -> str:
        """The base URL requests go to."""
        return self.http.server

    def info(self) -> dict[str, Any]:
        """``GET /api/v1/info`` (managed namespace, links, …)."""
        return self.http.get("/api/v1/info")

    def version(self) -> dict[str, Any]:
        """``GET /api/v1/version``."""
        return self.http.get("/api/v1/version")

    def close(self) -> None:
        """Release connections."""
        self.http.close()

    def __enter__(self) -> ArgoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
