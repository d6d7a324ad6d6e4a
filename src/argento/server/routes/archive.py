"""Argo's ArchivedWorkflowService: completed workflows, kept after the live ones are deleted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.server.api import BOOL, STR, STRS, Api, obj
from argento.server.context import ctx
from argento.server.validate import stamp_metadata
from argento.server.wire import (
    apply_fields,
    body_object,
    field,
    list_body,
    list_query,
    read_json,
    string_list,
)

api = Api()
TAG = "ArchivedWorkflowService"
BASE = "/api/v1/archived-workflows"


@api.route(
    "GET",
    BASE,
    "ArchivedWorkflowService_ListArchivedWorkflows",
    tag=TAG,
    query=(
        "listOptions.labelSelector",
        "listOptions.fieldSelector",
        "listOptions.limit",
        "listOptions.continue",
        "namePrefix",
        "nameFilter",
        "namespace",
        "fields",
    ),
)
async def list_archived(request: Request) -> Any:
    """List archived workflows (without their nodes, as Argo does)."""
    c = ctx(request)
    query = list_query(request, request.query_params.get("namespace") or None)
    page = c.store.archive.list(query)
    items = []
    for wf in page.items:
        status = {k: v for k, v in (wf.get("status") or {}).items() if k != "nodes"}
        items.append({**wf, "status": status})
    return apply_fields(
        list_body(items, continue_token=page.continue_token), request.query_params.get("fields")
    )


@api.route(
    "GET",
    BASE + "/{uid}",
    "ArchivedWorkflowService_GetArchivedWorkflow",
    tag=TAG,
    query=("namespace", "name"),
)
async def get_archived(request: Request) -> Any:
    """Get one archived workflow by uid."""
    return ctx(request).store.archive.get(request.path_params["uid"])


@api.route(
    "DELETE", BASE + "/{uid}", "ArchivedWorkflowService_DeleteArchivedWorkflow", tag=TAG, query=("namespace",)
)
async def delete_archived(request: Request) -> Any:
    """Delete an archived workflow."""
    ctx(request).store.archive.delete(request.path_params["uid"])
    return {}


@api.route(
    "GET",
    "/api/v1/archived-workflows-label-keys",
    "ArchivedWorkflowService_ListArchivedWorkflowLabelKeys",
    tag=TAG,
    query=("namespace",),
)
async def label_keys(request: Request) -> Any:
    """The label keys used by archived workflows."""
    return {"items": ctx(request).store.archive.label_keys()}


@api.route(
    "GET",
    "/api/v1/archived-workflows-label-values",
    "ArchivedWorkflowService_ListArchivedWorkflowLabelValues",
    tag=TAG,
    query=("listOptions.labelSelector", "namespace"),
)
async def label_values(request: Request) -> Any:
    """The values of one label key (``listOptions.labelSelector`` names the key)."""
    key = (request.query_params.get("listOptions.labelSelector") or "").strip()
    return {"items": ctx(request).store.archive.label_values(key) if key else []}


@api.route(
    "PUT",
    BASE + "/{uid}/retry",
    "ArchivedWorkflowService_RetryArchivedWorkflow",
    tag=TAG,
    body=obj(
        uid=STR, name=STR, namespace=STR, restartSuccessful=BOOL, nodeFieldSelector=STR, parameters=STRS
    ),
)
async def retry_archived(request: Request) -> Any:
    """Retry an archived workflow (it is live again under its name)."""
    c = ctx(request)
    body = body_object(await read_json(request, required=False))
    wf = c.store.archive.get(request.path_params["uid"])
    meta = wf["metadata"]
    from argento.errors import NotFound

    try:
        c.store.workflows.get(meta["namespace"], meta["name"])
    except NotFound:
        c.store.workflows.create(wf)
    return c.manager.retry(
        meta["namespace"],
        meta["name"],
        restart_successful=bool(field(body, "restartSuccessful", bool)),
        selector=field(body, "nodeFieldSelector", str),
        parameters=string_list(body, "parameters"),
    )


@api.route(
    "PUT",
    BASE + "/{uid}/resubmit",
    "ArchivedWorkflowService_ResubmitArchivedWorkflow",
    tag=TAG,
    body=obj(uid=STR, name=STR, namespace=STR, memoized=BOOL, parameters=STRS),
)
async def resubmit_archived(request: Request) -> Any:
    """Resubmit an archived workflow as a new workflow."""
    from argento.server import actions

    c = ctx(request)
    body = body_object(await read_json(request, required=False))
    wf = c.store.archive.get(request.path_params["uid"])
    new = actions.resubmitted(wf, string_list(body, "parameters"))
    stamp_metadata(new["metadata"])
    nodes = actions.memoized_nodes(wf, new["metadata"]["name"]) if field(body, "memoized", bool) else {}
    return c.manager.create(new, nodes=nodes)
