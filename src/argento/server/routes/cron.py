"""Argo's CronWorkflowService."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from argento.errors import SpecError
from argento.server.api import OBJ, STR, Api, obj
from argento.server.context import ctx
from argento.server.validate import admit, create_named
from argento.server.wire import apply_fields, body_object, list_body, list_query, read_json
from argento.store.base import decode_continue, page_of
from argento.store.selectors import matches_fields

api = Api()
TAG = "CronWorkflowService"
BASE = "/api/v1/cron-workflows/{namespace}"
KIND = "CronWorkflow"


def _ns(request: Request) -> str:
    return request.path_params["namespace"]


@api.route(
    "POST",
    BASE,
    "CronWorkflowService_CreateCronWorkflow",
    tag=TAG,
    body=obj(namespace=STR, cronWorkflow=OBJ, createOptions=OBJ),
)
async def create_cron(request: Request) -> Any:
    """Create a CronWorkflow."""
    c = ctx(request)
    body = body_object(await read_json(request))
    cron = admit(body, "cronWorkflow", KIND, _ns(request), catalog=c.catalog)
    cron.pop("status", None)
    create_named(cron["metadata"], lambda: c.store.resources.create(KIND, cron))
    c.crons.wake.set()
    return cron


@api.route(
    "GET",
    BASE,
    "CronWorkflowService_ListCronWorkflows",
    tag=TAG,
    query=(
        "listOptions.labelSelector",
        "listOptions.fieldSelector",
        "listOptions.limit",
        "listOptions.continue",
        "fields",
    ),
)
async def list_crons(request: Request) -> Any:
    """List CronWorkflows."""
    c = ctx(request)
    query = list_query(request, _ns(request))
    items = [
        i for i in c.store.resources.list(KIND, _ns(request), query.labels) if matches_fields(query.fields, i)
    ]
    page = page_of(items, decode_continue(query.continue_token), query.limit)
    return apply_fields(
        list_body(page.items, continue_token=page.continue_token), request.query_params.get("fields")
    )


@api.route(
    "POST",
    BASE + "/lint",
    "CronWorkflowService_LintCronWorkflow",
    tag=TAG,
    body=obj(namespace=STR, cronWorkflow=OBJ),
)
async def lint_cron(request: Request) -> Any:
    """Validate a CronWorkflow."""
    c = ctx(request)
    body = body_object(await read_json(request))
    return admit(body, "cronWorkflow", KIND, _ns(request), catalog=c.catalog, stamp=False)


@api.route(
    "GET",
    BASE + "/{name}",
    "CronWorkflowService_GetCronWorkflow",
    tag=TAG,
    query=("getOptions.resourceVersion",),
)
async def get_cron(request: Request) -> Any:
    """Get a CronWorkflow."""
    return ctx(request).store.resources.get(KIND, _ns(request), request.path_params["name"])


@api.route(
    "PUT",
    BASE + "/{name}",
    "CronWorkflowService_UpdateCronWorkflow",
    tag=TAG,
    body=obj(namespace=STR, name=STR, cronWorkflow=OBJ),
)
async def update_cron(request: Request) -> Any:
    """Replace a CronWorkflow (its status is kept)."""
    c = ctx(request)
    name = request.path_params["name"]
    body = body_object(await read_json(request))
    cron = admit(body, "cronWorkflow", KIND, _ns(request), catalog=c.catalog, stamp=False)
    given = cron["metadata"].get("name")
    if given and given != name:
        raise SpecError(
            f"the name of the object ({given!r}) does not match the name in the URL ({name!r})",
            path="cronWorkflow.metadata.name",
        )
    cron["metadata"]["name"] = name
    old = c.store.resources.get(KIND, _ns(request), name)
    cron["status"] = old.get("status") or {}
    c.store.resources.update(KIND, cron)
    c.crons.wake.set()
    return cron


@api.route(
    "DELETE",
    BASE + "/{name}",
    "CronWorkflowService_DeleteCronWorkflow",
    tag=TAG,
    query=("deleteOptions.gracePeriodSeconds",),
)
async def delete_cron(request: Request) -> Any:
    """Delete a CronWorkflow (its workflows stay)."""
    ctx(request).store.resources.delete(KIND, _ns(request), request.path_params["name"])
    return {}


async def _set_suspend(request: Request, suspend: bool) -> Any:
    c = ctx(request)
    await read_json(request, required=False)
    cron = c.store.resources.get(KIND, _ns(request), request.path_params["name"])
    spec = cron.setdefault("spec", {})
    if suspend:
        spec["suspend"] = True
    else:  # Go's `suspend,omitempty`: a resumed CronWorkflow has no `suspend` field
        spec.pop("suspend", None)
    cron["metadata"].pop("resourceVersion", None)
    c.store.resources.update(KIND, cron)
    c.crons.wake.set()
    return cron


@api.route(
    "PUT",
    BASE + "/{name}/resume",
    "CronWorkflowService_ResumeCronWorkflow",
    tag=TAG,
    body=obj(namespace=STR, name=STR),
)
async def resume_cron(request: Request) -> Any:
    """Resume scheduling."""
    return await _set_suspend(request, False)


@api.route(
    "PUT",
    BASE + "/{name}/suspend",
    "CronWorkflowService_SuspendCronWorkflow",
    tag=TAG,
    body=obj(namespace=STR, name=STR),
)
async def suspend_cron(request: Request) -> Any:
    """Suspend scheduling."""
    return await _set_suspend(request, True)
