"""Argo's WorkflowTemplateService and ClusterWorkflowTemplateService."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.server.api import OBJ, STR, Api, obj
from argento.server.context import ctx
from argento.server.validate import admit, create_named
from argento.server.wire import apply_fields, body_object, field, list_body, list_query, read_json

api = Api()
LIST_QUERY = (
    "listOptions.labelSelector",
    "listOptions.fieldSelector",
    "listOptions.limit",
    "listOptions.continue",
    "namePattern",
    "fields",
)


def _list(request: Request, kind: str, namespace: str | None) -> Any:
    c = ctx(request)
    query = list_query(request, namespace)
    items = c.store.resources.list(kind, namespace, query.labels)
    pattern = request.query_params.get("namePattern")
    if pattern:
        items = [i for i in items if pattern in i["metadata"].get("name", "")]
    from argento.store.base import decode_continue, page_of
    from argento.store.selectors import matches_fields

    items = [i for i in items if matches_fields(query.fields, i)]
    page = page_of(items, decode_continue(query.continue_token), query.limit)
    return apply_fields(
        list_body(page.items, continue_token=page.continue_token), request.query_params.get("fields")
    )


async def _create(request: Request, kind: str, namespace: str) -> Any:
    c = ctx(request)
    body = body_object(await read_json(request))
    resource = admit(body, "template", kind, namespace, catalog=c.catalog)
    create_named(resource["metadata"], lambda: c.store.resources.create(kind, resource))
    c.catalog.invalidate()
    return resource


async def _update(request: Request, kind: str, namespace: str, name: str) -> Any:
    c = ctx(request)
    body = body_object(await read_json(request))
    resource = admit(body, "template", kind, namespace, catalog=c.catalog, stamp=False)
    given = resource["metadata"].get("name")
    if given and given != name:
        from argento.errors import SpecError

        raise SpecError(
            f"the name of the object ({given!r}) does not match the name in the URL ({name!r})",
            path="template.metadata.name",
        )
    resource["metadata"]["name"] = name
    c.store.resources.update(kind, resource)
    c.catalog.invalidate()
    return resource


async def _lint(request: Request, kind: str, namespace: str) -> Any:
    c = ctx(request)
    body = body_object(await read_json(request))
    return admit(body, "template", kind, namespace, catalog=c.catalog, stamp=False)


def _delete(request: Request, kind: str, namespace: str, name: str) -> Any:
    c = ctx(request)
    c.store.resources.delete(kind, namespace, name)
    c.catalog.invalidate()
    return {}


# ---------------------------------------------------------------------------------------- namespaced
WFT = "/api/v1/workflow-templates/{namespace}"
TAG = "WorkflowTemplateService"
BODY = obj(namespace=STR, template=OBJ, createOptions=OBJ)


@api.route("POST", WFT, "WorkflowTemplateService_CreateWorkflowTemplate", tag=TAG, body=BODY)
async def create_template(request: Request) -> Any:
    """Create a WorkflowTemplate."""
    return await _create(request, "WorkflowTemplate", request.path_params["namespace"])


@api.route("GET", WFT, "WorkflowTemplateService_ListWorkflowTemplates", tag=TAG, query=LIST_QUERY)
async def list_templates(request: Request) -> Any:
    """List WorkflowTemplates."""
    return _list(request, "WorkflowTemplate", request.path_params["namespace"])


@api.route("POST", WFT + "/lint", "WorkflowTemplateService_LintWorkflowTemplate", tag=TAG, body=BODY)
async def lint_template(request: Request) -> Any:
    """Validate a WorkflowTemplate."""
    return await _lint(request, "WorkflowTemplate", request.path_params["namespace"])


@api.route(
    "GET",
    WFT + "/{name}",
    "WorkflowTemplateService_GetWorkflowTemplate",
    tag=TAG,
    query=("getOptions.resourceVersion",),
)
async def get_template(request: Request) -> Any:
    """Get a WorkflowTemplate."""
    p = request.path_params
    return ctx(request).store.resources.get("WorkflowTemplate", p["namespace"], p["name"])


@api.route(
    "PUT",
    WFT + "/{name}",
    "WorkflowTemplateService_UpdateWorkflowTemplate",
    tag=TAG,
    body=obj(namespace=STR, name=STR, template=OBJ),
)
async def update_template(request: Request) -> Any:
    """Replace a WorkflowTemplate (``metadata.resourceVersion``, when given, must be current)."""
    p = request.path_params
    return await _update(request, "WorkflowTemplate", p["namespace"], p["name"])


@api.route(
    "DELETE",
    WFT + "/{name}",
    "WorkflowTemplateService_DeleteWorkflowTemplate",
    tag=TAG,
    query=("deleteOptions.gracePeriodSeconds",),
)
async def delete_template(request: Request) -> Any:
    """Delete a WorkflowTemplate."""
    p = request.path_params
    return _delete(request, "WorkflowTemplate", p["namespace"], p["name"])


# ------------------------------------------------------------------------------------------- cluster
CWFT = "/api/v1/cluster-workflow-templates"
CTAG = "ClusterWorkflowTemplateService"
CBODY = obj(template=OBJ, createOptions=OBJ)


@api.route("POST", CWFT, "ClusterWorkflowTemplateService_CreateClusterWorkflowTemplate", tag=CTAG, body=CBODY)
async def create_cluster_template(request: Request) -> Any:
    """Create a ClusterWorkflowTemplate."""
    return await _create(request, "ClusterWorkflowTemplate", "")


@api.route(
    "GET", CWFT, "ClusterWorkflowTemplateService_ListClusterWorkflowTemplates", tag=CTAG, query=LIST_QUERY
)
async def list_cluster_templates(request: Request) -> Any:
    """List ClusterWorkflowTemplates."""
    return _list(request, "ClusterWorkflowTemplate", None)


@api.route(
    "POST", CWFT + "/lint", "ClusterWorkflowTemplateService_LintClusterWorkflowTemplate", tag=CTAG, body=CBODY
)
async def lint_cluster_template(request: Request) -> Any:
    """Validate a ClusterWorkflowTemplate."""
    return await _lint(request, "ClusterWorkflowTemplate", "")


@api.route(
    "GET",
    CWFT + "/{name}",
    "ClusterWorkflowTemplateService_GetClusterWorkflowTemplate",
    tag=CTAG,
    query=("getOptions.resourceVersion",),
)
async def get_cluster_template(request: Request) -> Any:
    """Get a ClusterWorkflowTemplate."""
    return ctx(request).store.resources.get("ClusterWorkflowTemplate", "", request.path_params["name"])


@api.route(
    "PUT",
    CWFT + "/{name}",
    "ClusterWorkflowTemplateService_UpdateClusterWorkflowTemplate",
    tag=CTAG,
    body=obj(name=STR, template=OBJ),
)
async def update_cluster_template(request: Request) -> Any:
    """Replace a ClusterWorkflowTemplate."""
    return await _update(request, "ClusterWorkflowTemplate", "", request.path_params["name"])


@api.route(
    "DELETE", CWFT + "/{name}", "ClusterWorkflowTemplateService_DeleteClusterWorkflowTemplate", tag=CTAG
)
async def delete_cluster_template(request: Request) -> Any:
    """Delete a ClusterWorkflowTemplate."""
    return _delete(request, "ClusterWorkflowTemplate", "", request.path_params["name"])


__all__ = ["api", "field"]
