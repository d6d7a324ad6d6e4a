"""Argo's WorkflowService: create, list, get, delete, lint, submit, the actions, logs, watch and events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request

from argento.errors import SpecError
from argento.paths import safe_join
from argento.server import actions
from argento.server.api import BOOL, OBJ, STR, STRS, Api, obj
from argento.server.context import Context, ctx
from argento.server.hub import Subscriber
from argento.server.logs import LogRequest, log_entries, log_file
from argento.server.streams import stream
from argento.server.validate import admit
from argento.server.wire import (
    apply_fields,
    body_object,
    field,
    list_body,
    list_query,
    query_bool,
    query_int,
    read_json,
    string_list,
)
from argento.store.selectors import parse_field_selector, parse_label_selector

api = Api()
TAG = "WorkflowService"
BASE = "/api/v1/workflows/{namespace}"
ITEM = BASE + "/{name}"
LIST_QUERY = (
    "listOptions.labelSelector",
    "listOptions.fieldSelector",
    "listOptions.limit",
    "listOptions.continue",
    "fields",
    "nameFilter",
)
LOG_QUERY = (
    "podName",
    "logOptions.container",
    "logOptions.follow",
    "logOptions.tailLines",
    "logOptions.sinceSeconds",
    "logOptions.timestamps",
    "grep",
    "selector",
)


def _ns(request: Request) -> str:
    return request.path_params["namespace"]


def _name(request: Request) -> str:
    return request.path_params["name"]


def _dry_run(body: dict[str, Any]) -> bool:
    if field(body, "serverDryRun", bool):
        return True
    opts = field(body, "createOptions", dict) or {}
    return "All" in string_list(opts, "dryRun", "createOptions")


@api.route(
    "POST",
    BASE,
    "WorkflowService_CreateWorkflow",
    tag=TAG,
    body=obj(namespace=STR, workflow=OBJ, serverDryRun=BOOL, instanceID=STR, createOptions=OBJ),
)
async def create_workflow(request: Request) -> Any:
    """Create a workflow; it is Running in the response and in every read after it."""
    c = ctx(request)
    body = body_object(await read_json(request))
    dry = _dry_run(body)
    wf = admit(body, "workflow", "Workflow", _ns(request), catalog=c.catalog)
    created = c.manager.create(wf, dry_run=dry)
    if dry and not field(body, "serverDryRun", bool):
        # Argo answers a createOptions dry run with the workflow it validated, before anything stores it: no
        # uid (argo_server_test.go:TestCreateWorkflowDryRun). serverDryRun is a dry-run create: it has one.
        _unstored(created)
    return created


def _unstored(workflow: dict[str, Any]) -> None:
    """Drop what only storing gives a workflow (a plain dry run's answer)."""
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        workflow["metadata"].pop(key, None)


@api.route("GET", BASE, "WorkflowService_ListWorkflows", tag=TAG, query=LIST_QUERY)
async def list_workflows(request: Request) -> Any:
    """List workflows (label/field selectors, limit/continue, a fields mask)."""
    return _list(request, _ns(request))


@api.route(
    "GET", "/api/v1/workflows/", "WorkflowService_ListWorkflowsAllNamespaces", tag=TAG, query=LIST_QUERY
)
async def list_all_workflows(request: Request) -> Any:
    """List the workflows of every namespace (an empty namespace, as the Argo UI asks for all of them)."""
    return _list(request, None)


def _list(request: Request, namespace: str | None) -> Any:
    c = ctx(request)
    query = list_query(request, namespace)
    fields = request.query_params.get("fields")
    with_nodes = _wants_nodes(fields)
    page = c.manager.list(query, with_nodes=with_nodes)
    return apply_fields(list_body(page.items, continue_token=page.continue_token), fields)


def _wants_nodes(fields: str | None) -> bool:
    if not fields:
        return True
    if fields.strip().startswith("-"):
        return "items.status.nodes" not in fields
    return any(
        p.strip() in ("items", "items.status", "items.status.nodes")
        or p.strip().startswith("items.status.nodes.")
        for p in fields.split(",")
    )


@api.route(
    "POST", BASE + "/lint", "WorkflowService_LintWorkflow", tag=TAG, body=obj(namespace=STR, workflow=OBJ)
)
async def lint_workflow(request: Request) -> Any:
    """Validate a workflow with Argo's rules without creating it."""
    c = ctx(request)
    body = body_object(await read_json(request))
    return admit(body, "workflow", "Workflow", _ns(request), catalog=c.catalog, stamp=False)


@api.route(
    "POST",
    BASE + "/submit",
    "WorkflowService_SubmitWorkflow",
    tag=TAG,
    body=obj(namespace=STR, resourceKind=STR, resourceName=STR, submitOptions=OBJ),
)
async def submit_workflow(request: Request) -> Any:
    """Create a workflow from a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow."""
    c = ctx(request)
    body = body_object(await read_json(request))
    kind = field(body, "resourceKind", str, required=True)
    name = field(body, "resourceName", str, required=True)
    opts = field(body, "submitOptions", dict) or {}
    wf = workflow_from(c, _ns(request), kind, name)
    apply_submit_options(wf, opts)
    admitted = admit({"workflow": wf}, "workflow", "Workflow", _ns(request), catalog=c.catalog)
    plain_dry = bool(field(opts, "dryRun", bool, path="submitOptions"))
    dry = plain_dry or bool(field(opts, "serverDryRun", bool, path="submitOptions"))
    created = c.manager.create(admitted, dry_run=dry)
    if plain_dry:
        _unstored(created)  # workflow_server.go:SubmitWorkflow answers a dryRun with the workflow as built
    return created


def workflow_from(c: Context, namespace: str, kind: str, name: str) -> dict[str, Any]:
    """Argo's ``common.NewWorkflowFromWorkflowTemplate`` and ``ConvertCronWorkflowToWorkflow``."""
    if kind in ("WorkflowTemplate", "workflowtemplate", "ClusterWorkflowTemplate", "clusterworkflowtemplate"):
        cluster = kind.lower().startswith("cluster")
        tmpl = c.store.resources.get(
            "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate", "" if cluster else namespace, name
        )
        label = (
            "workflows.argoproj.io/cluster-workflow-template"
            if cluster
            else "workflows.argoproj.io/workflow-template"
        )
        meta = tmpl.get("metadata") or {}
        tmpl_wf_meta = (tmpl.get("spec") or {}).get("workflowMetadata") or {}
        ref: dict[str, Any] = {"name": name}
        if cluster:
            ref["clusterScope"] = True
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {
                "generateName": f"{meta.get('name', name)}-",
                "labels": {**(tmpl_wf_meta.get("labels") or {}), label: name},
                "annotations": dict(tmpl_wf_meta.get("annotations") or {}),
            },
            "spec": {"workflowTemplateRef": ref},
        }
    if kind in ("CronWorkflow", "cronworkflow", "cronwf"):
        from argento.server.cron import workflow_of_cron

        return workflow_of_cron(c.store.resources.get("CronWorkflow", namespace, name), None)
    raise SpecError(
        f"resourceKind {kind!r} is not supported (WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow)",
        path="resourceKind",
    )


def apply_submit_options(wf: dict[str, Any], opts: dict[str, Any]) -> None:
    """Argo's ``SubmitOpts``: name, generateName, entryPoint, parameters, labels, annotations, serviceAccount."""
    meta = wf.setdefault("metadata", {})
    if field(opts, "name", str, path="submitOptions"):
        meta["name"] = opts["name"]
    if field(opts, "generateName", str, path="submitOptions"):
        meta["generateName"] = opts["generateName"]
    for key in ("labels", "annotations"):
        text = field(opts, key, str, path="submitOptions")
        for pair in (text or "").split(","):
            if not pair.strip():
                continue
            k, sep, v = pair.partition("=")
            if not sep:
                raise SpecError(f"{pair!r} must be KEY=VALUE", path=f"submitOptions.{key}")
            meta.setdefault(key, {})[k.strip()] = v.strip()
    spec = wf.setdefault("spec", {})
    if field(opts, "entryPoint", str, path="submitOptions"):
        spec["entrypoint"] = opts["entryPoint"]
    if field(opts, "serviceAccount", str, path="submitOptions"):
        spec["serviceAccountName"] = opts["serviceAccount"]
    actions.apply_parameters(wf, string_list(opts, "parameters", "submitOptions"), "submitOptions.parameters")


@api.route(
    "GET", ITEM, "WorkflowService_GetWorkflow", tag=TAG, query=("getOptions.resourceVersion", "fields")
)
async def get_workflow(request: Request) -> Any:
    """Get one workflow (served live while it runs)."""
    wf = ctx(request).manager.get(_ns(request), _name(request))
    return apply_fields(wf, request.query_params.get("fields"))


@api.route(
    "GET",
    ITEM + "/nodes",
    "WorkflowService_ListWorkflowNodes",
    tag=TAG,
    query=("limit", "continue", "fields"),
)
async def list_workflow_nodes(request: Request) -> Any:
    """Argento extension: the workflow's nodes a page at a time (node ID order, ``continue`` token)."""
    from argento.server.nodepage import node_page, parse_request

    req = parse_request(dict(request.query_params))
    return node_page(ctx(request).manager, _ns(request), _name(request), req)


@api.route(
    "DELETE",
    ITEM,
    "WorkflowService_DeleteWorkflow",
    tag=TAG,
    query=("deleteOptions.gracePeriodSeconds", "deleteOptions.propagationPolicy", "force"),
)
async def delete_workflow(request: Request) -> Any:
    """Delete a workflow (its running steps are killed); the archive keeps it."""
    ctx(request).manager.delete(_ns(request), _name(request))
    return {}


async def _action_body(request: Request) -> dict[str, Any]:
    return body_object(await read_json(request, required=False))


@api.route(
    "PUT",
    ITEM + "/retry",
    "WorkflowService_RetryWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, restartSuccessful=BOOL, nodeFieldSelector=STR, parameters=STRS),
)
async def retry_workflow(request: Request) -> Any:
    """Retry a Failed/Error workflow: failed steps run again, succeeded ones are kept."""
    body = await _action_body(request)
    return ctx(request).manager.retry(
        _ns(request),
        _name(request),
        restart_successful=bool(field(body, "restartSuccessful", bool)),
        selector=field(body, "nodeFieldSelector", str),
        parameters=string_list(body, "parameters"),
    )


@api.route(
    "PUT",
    ITEM + "/resubmit",
    "WorkflowService_ResubmitWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, memoized=BOOL, parameters=STRS),
)
async def resubmit_workflow(request: Request) -> Any:
    """Run the workflow again as a new one (``memoized``: keep its succeeded steps)."""
    body = await _action_body(request)
    return ctx(request).manager.resubmit(
        _ns(request),
        _name(request),
        memoized=bool(field(body, "memoized", bool)),
        parameters=string_list(body, "parameters"),
    )


@api.route(
    "PUT",
    ITEM + "/rerun",
    "WorkflowService_RerunWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, **{"from": STRS}, parameters=STRS),
)
async def rerun_workflow(request: Request) -> Any:
    """Argento extension: a new workflow that runs the ``from`` nodes and their dependents, reusing the rest.

    ``from`` names nodes of the finished workflow by display name, node name or ID; ``parameters``
    (``NAME=VALUE``) change workflow parameters, which also runs the nodes that use them. Answers the new
    workflow, Running; reused nodes carry ``memoizationStatus.cacheName: argento-rerun``.
    """
    body = await _action_body(request)
    selectors = string_list(body, "from")
    if not selectors:
        raise SpecError("at least one node to rerun from is required", path="from")
    return ctx(request).manager.rerun(
        _ns(request), _name(request), from_=selectors, parameters=string_list(body, "parameters")
    )


@api.route(
    "PUT",
    ITEM + "/resume",
    "WorkflowService_ResumeWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, nodeFieldSelector=STR),
)
async def resume_workflow(request: Request) -> Any:
    """Resume a suspended workflow or its suspend nodes."""
    body = await _action_body(request)
    return ctx(request).manager.resume(_ns(request), _name(request), field(body, "nodeFieldSelector", str))


@api.route(
    "PUT", ITEM + "/suspend", "WorkflowService_SuspendWorkflow", tag=TAG, body=obj(name=STR, namespace=STR)
)
async def suspend_workflow(request: Request) -> Any:
    """Suspend a workflow: running steps finish, no new step starts."""
    await _action_body(request)
    return ctx(request).manager.suspend(_ns(request), _name(request))


@api.route(
    "PUT",
    ITEM + "/stop",
    "WorkflowService_StopWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, nodeFieldSelector=STR, message=STR),
)
async def stop_workflow(request: Request) -> Any:
    """Stop: kill running steps, then run exit handlers; with ``nodeFieldSelector``, fail those suspend nodes
    with ``message`` instead (workflow/util/util.go ``StopWorkflow``)."""
    body = await _action_body(request)
    selector = field(body, "nodeFieldSelector", str)
    message = field(body, "message", str) or ""
    if selector:  # Argo's StopWorkflow: with a selector, it fails those suspend nodes instead of stopping
        return ctx(request).manager.set_nodes(
            _ns(request), _name(request), selector, phase="Failed", message=message
        )
    return ctx(request).manager.shutdown(_ns(request), _name(request), "Stop", message)


@api.route(
    "PUT",
    ITEM + "/terminate",
    "WorkflowService_TerminateWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR),
)
async def terminate_workflow(request: Request) -> Any:
    """Terminate: kill running steps, skip exit handlers."""
    await _action_body(request)
    return ctx(request).manager.shutdown(_ns(request), _name(request), "Terminate")


@api.route(
    "PUT",
    ITEM + "/set",
    "WorkflowService_SetWorkflow",
    tag=TAG,
    body=obj(name=STR, namespace=STR, nodeFieldSelector=STR, message=STR, phase=STR, outputParameters=STR),
)
async def set_workflow(request: Request) -> Any:
    """Set the phase, message and output parameters of (suspend) nodes."""
    body = await _action_body(request)
    selector = field(body, "nodeFieldSelector", str, required=True)
    outputs: dict[str, str] = {}
    text = field(body, "outputParameters", str)
    if text:
        try:
            parsed = json.loads(text)
        except ValueError:
            raise SpecError(
                "outputParameters must be a JSON object of strings", path="outputParameters"
            ) from None
        if not isinstance(parsed, dict):
            raise SpecError("outputParameters must be a JSON object of strings", path="outputParameters")
        outputs = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()}
    return ctx(request).manager.set_nodes(
        _ns(request),
        _name(request),
        selector,
        phase=field(body, "phase", str) or "",
        message=field(body, "message", str) or "",
        outputs=outputs,
    )


# ------------------------------------------------------------------------------------------------- logs
def _log_request(request: Request, pod: str) -> LogRequest:
    q = request.query_params
    return LogRequest(
        pod_name=pod,
        container=q.get("logOptions.container") or "main",
        follow=query_bool(request, "logOptions.follow"),
        tail_lines=query_int(request, "logOptions.tailLines") if q.get("logOptions.tailLines") else None,
        grep=LogRequest.compile(q.get("grep")),
        timestamps=query_bool(request, "logOptions.timestamps"),
        since_seconds=query_int(request, "logOptions.sinceSeconds"),
    )


async def _logs(request: Request, pod: str) -> Any:
    c = ctx(request)
    ns, name = _ns(request), _name(request)
    req = _log_request(request, pod)
    c.manager.get(ns, name)  # 404 before the stream starts
    run_dir = safe_join(c.settings.runs_dir, name, what="workflow name")
    log_file(run_dir, req.pod_name or "pod", "", req.container)  # 400 for a hostile podName or container
    entries = log_entries(
        lambda: c.manager.get(ns, name), lambda: c.manager.is_finished(ns, name), run_dir, req
    )
    return await stream(request, entries)


@api.route("GET", ITEM + "/log", "WorkflowService_WorkflowLogs", tag=TAG, query=LOG_QUERY, stream=True)
async def workflow_logs(request: Request) -> Any:
    """Logs of all pods, or of ``podName`` (stream of ``{"result": {"content", "podName"}}``)."""
    return await _logs(request, request.query_params.get("podName") or "")


@api.route(
    "GET", ITEM + "/{podName}/log", "WorkflowService_PodLogs", tag=TAG, query=LOG_QUERY[1:], stream=True
)
async def pod_logs(request: Request) -> Any:
    """Logs of one pod (deprecated in Argo: use WorkflowLogs)."""
    return await _logs(request, request.path_params["podName"])


# ------------------------------------------------------------------------------------------- watching
@api.route(
    "GET",
    "/api/v1/workflow-events/{namespace}",
    "WorkflowService_WatchWorkflows",
    tag=TAG,
    query=("listOptions.labelSelector", "listOptions.fieldSelector", "listOptions.resourceVersion", "fields"),
    stream=True,
)
async def watch_workflows(request: Request) -> Any:
    """Watch workflows: the current ones as ADDED, then ADDED/MODIFIED/DELETED as they change."""
    c = ctx(request)
    q = request.query_params
    sub = Subscriber(
        "workflow",
        _ns(request),
        parse_label_selector(q.get("listOptions.labelSelector")),
        parse_field_selector(q.get("listOptions.fieldSelector")),
    )
    query = list_query(request, _ns(request))
    query.limit = 0
    c.hub.subscribe(sub)
    try:
        # The first frames hold every matching workflow: load nodes only if the fields mask keeps them.
        current = c.manager.list(query, with_nodes=_wants_nodes(q.get("fields"))).items
    except BaseException:
        c.hub.unsubscribe(sub)
        raise

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            for wf in reversed(current):
                yield {"type": "ADDED", "object": wf}
            while True:
                yield await sub.queue.get()
        finally:
            c.hub.unsubscribe(sub)

    return await stream(request, events(), fields=q.get("fields"))


@api.route(
    "GET",
    "/api/v1/stream/events/{namespace}",
    "WorkflowService_WatchEvents",
    tag=TAG,
    query=("listOptions.labelSelector", "listOptions.fieldSelector"),
    stream=True,
)
async def watch_events(request: Request) -> Any:
    """Watch Kubernetes events about workflows (WorkflowRunning, WorkflowNodeSucceeded, …)."""
    c = ctx(request)
    sub = c.hub.subscribe(Subscriber("event", _ns(request)))

    async def events() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await sub.queue.get()
        finally:
            c.hub.unsubscribe(sub)

    return await stream(request, events())
