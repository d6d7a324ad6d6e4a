"""Argo's ArchivedWorkflowService: completed workflows, kept after the live ones are deleted."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.errors import AlreadyExists, NotFound, SpecError
from argento.server.api import BOOL, STR, STRS, Api, obj
from argento.server.context import Context, ctx
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
from argento.store.base import ListQuery
from argento.store.selectors import LABEL_PATH, FieldRequirement, parse_label_selector

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


def _archived(c: Context, uid: str, body: dict[str, Any]) -> dict[str, Any]:
    """The archived workflow a request names: by ``name`` (with ``namespace``; the newest of that name) when
    the body has one, else by ``uid`` (``archived_workflow_server.go``: ``req.Name != ""`` first; a name
    without a namespace is refused, as ``workflow_archive.go:GetWorkflow`` refuses it)."""
    name = field(body, "name", str)
    if not name:
        return c.store.archive.get(uid)
    namespace = field(body, "namespace", str)
    if not namespace:
        raise SpecError("both name and namespace are required if uid is not specified", path="namespace")
    query = ListQuery(namespace=namespace, fields=[FieldRequirement("metadata.name", "=", name)], limit=1)
    items = c.store.archive.list(query).items
    if not items:
        raise NotFound(f'archived workflow "{namespace}/{name}" not found')
    return items[0]


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
    "DELETE",
    BASE + "/{uid}",
    "ArchivedWorkflowService_DeleteArchivedWorkflow",
    tag=TAG,
    query=("namespace", "name"),
)
async def delete_archived(request: Request) -> Any:
    """Delete an archived workflow (by ``name`` and ``namespace`` when the query names it, else by uid)."""
    c = ctx(request)
    params = request.query_params
    wf = _archived(
        c, request.path_params["uid"], {"name": params.get("name"), "namespace": params.get("namespace")}
    )
    c.store.archive.delete(wf["metadata"]["uid"])
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
    """The values of one label key: ``listOptions.labelSelector`` is exactly one ``key`` (an exists
    requirement), as ``archived_workflow_server.go:ListArchivedWorkflowLabelValues`` insists."""
    requirements = parse_label_selector(request.query_params.get("listOptions.labelSelector"))
    if len(requirements) != 1:
        raise SpecError(f"only allow 1 labelRequirement, found {len(requirements)}", path=LABEL_PATH)
    if requirements[0].op != "exists":
        raise SpecError(f"operation {requirements[0].op} is not supported", path=LABEL_PATH)
    return {"items": ctx(request).store.archive.label_values(requirements[0].key)}


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
    """Retry an archived workflow: it is live again under its name. One still live is not touched: that is
    ``argo retry``'s business (``archived_workflow_server.go:RetryArchivedWorkflow``, AlreadyExists)."""
    c = ctx(request)
    body = body_object(await read_json(request, required=False))
    wf = _archived(c, request.path_params["uid"], body)
    meta = wf["metadata"]
    try:
        c.store.workflows.get(meta["namespace"], meta["name"])
    except NotFound:
        # created anew: a UID and a creation time of its own, the archived copy kept as it is (Argo clears the
        # UID and the resourceVersion before it creates the workflow)
        revived = {**wf, "metadata": dict(meta)}
        stamp_metadata(revived["metadata"])
        c.store.workflows.create(revived)
    else:
        raise AlreadyExists(f"Workflow already exists on cluster, use argo retry {meta['name']} instead")
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
    wf = _archived(c, request.path_params["uid"], body)
    new = actions.resubmitted(wf, string_list(body, "parameters"))
    stamp_metadata(new["metadata"])
    nodes = actions.memoized_nodes(wf, new["metadata"]["name"]) if field(body, "memoized", bool) else {}
    return c.manager.create(new, nodes=nodes)
