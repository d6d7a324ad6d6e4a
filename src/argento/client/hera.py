"""Argento's extensions for Hera users: the calls Argo's API (and so Hera's ``WorkflowsService``) lacks.

    from hera.workflows import WorkflowsService
    from argento.client.hera import rerun_workflow

    service = WorkflowsService(host="http://127.0.0.1:2746", namespace="argo")
    wf = rerun_workflow(service, "train-x7k2p", from_=["evaluate"], parameters=["threshold=0.9"])
    print(wf.metadata.name)                       # a hera.workflows.models.Workflow, Running

The request goes through the service's own session, host, token, TLS settings and namespace, exactly as
its generated methods do, and errors are Hera's exceptions (``hera.exceptions.NotFound``, …).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urljoin


def rerun_workflow(
    service: Any,
    name: str,
    *,
    from_: Sequence[str] | str,
    parameters: Sequence[str] = (),
    namespace: str | None = None,
) -> Any:
    """``PUT /api/v1/workflows/{ns}/{name}/rerun``: a new workflow that runs ``from_`` (display names, node
    names or IDs) and what depends on them again, reusing everything else; returns Hera's ``Workflow``."""
    from hera.exceptions import exception_from_server_response
    from hera.workflows.models import Workflow

    ns = namespace if namespace is not None else service.namespace
    nodes = [from_] if isinstance(from_, str) else list(from_)
    url = urljoin(service.host, f"api/v1/workflows/{quote(ns, safe='')}/{quote(name, safe='')}/rerun")
    headers = {"Content-Type": "application/json"}
    if service.token:
        headers["Authorization"] = service.token
    body = {"name": name, "namespace": ns, "from": nodes, "parameters": list(parameters)}
    resp = service._request(
        method="put",
        url=url,
        params=None,
        headers=headers,
        data=json.dumps(body),
        verify=service.verify_ssl,
        cert=service.client_certs,
    )
    if resp.ok:
        return Workflow(**resp.json())
    raise exception_from_server_response(resp)
