"""Argo's WorkflowService over REST: create, list, get, act on, watch and read the logs of workflows.

Paths, bodies and query parameters are Argo Server's (``pkg/apiclient/workflow/workflow.proto``): e.g.
``POST /api/v1/workflows/{namespace}`` with ``{"workflow": …}``, ``PUT /api/v1/workflows/{ns}/{name}/retry``
with ``{"name", "namespace", "restartSuccessful", "nodeFieldSelector"}``, the watch stream
``GET /api/v1/workflow-events/{ns}`` and the log stream ``GET /api/v1/workflows/{ns}/{name}/log``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from argento.client.http import HttpClient
from argento.errors import ArgentoError, NotFound, SpecError
from argento.spec.submit import override_parameters

#: ``argo get @latest`` and friends: the most recently created workflow of the namespace.
LATEST = "@latest"
#: Labels the controller keeps on every workflow (Argo's ``workflow/common`` constants).
LABEL_PHASE = "workflows.argoproj.io/phase"
LABEL_COMPLETED = "workflows.argoproj.io/completed"
#: The field mask ``argo list`` asks for: enough for the table, not the node trees.
LIST_FIELDS = (
    "metadata,items.metadata.uid,items.metadata.name,items.metadata.namespace,"
    "items.metadata.creationTimestamp,items.metadata.labels,items.metadata.annotations,"
    "items.status.phase,items.status.message,items.status.finishedAt,items.status.startedAt,"
    "items.status.estimatedDuration,items.status.progress,items.spec.suspend,items.spec.shutdown,"
    "items.spec.priority,items.spec.arguments"
)
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Error"})


def split_pairs(values: Sequence[str] | str, *, what: str = "value") -> dict[str, str]:
    """``k=v`` items (or one ``k=v,k2=v2`` string, as Argo's ``labels`` option) → a dict."""
    items = [p for v in ([values] if isinstance(values, str) else values) for p in v.split(",") if p.strip()]
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise SpecError(f"{what} {item!r} must be NAME=VALUE")
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


@dataclass
class SubmitOptions:
    """Argo's ``SubmitOpts``: what ``argo submit`` may override on the way in."""

    name: str = ""
    generate_name: str = ""
    entrypoint: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    service_account: str = ""
    priority: int | None = None
    server_dry_run: bool = False
    dry_run: bool = False

    def to_argo(self) -> dict[str, Any]:
        """The JSON ``submitOptions`` of ``POST /api/v1/workflows/{ns}/submit``."""
        opts: dict[str, Any] = {
            "name": self.name,
            "generateName": self.generate_name,
            "entryPoint": self.entrypoint,
            "parameters": [f"{k}={v}" for k, v in self.parameters.items()],
            "labels": ",".join(f"{k}={v}" for k, v in self.labels.items()),
            "annotations": ",".join(f"{k}={v}" for k, v in self.annotations.items()),
            "serviceAccount": self.service_account,
            "priority": self.priority,
            "serverDryRun": self.server_dry_run,
            "dryRun": self.dry_run,
        }
        return {k: v for k, v in opts.items() if v not in ("", [], None, False)}


def apply_submit_options(workflow: Mapping[str, Any], opts: SubmitOptions) -> dict[str, Any]:
    """A copy of ``workflow`` with ``opts`` applied, as Argo's ``util.ApplySubmitOpts`` does client-side.

    Parameters replace same-named ``spec.arguments.parameters`` and come first (Argo's order); labels and
    annotations are merged; the service account becomes ``spec.serviceAccountName``.
    """
    wf = copy.deepcopy(dict(workflow))
    meta = wf.setdefault("metadata", {})
    spec = wf.setdefault("spec", {})
    if opts.generate_name:
        meta["generateName"] = opts.generate_name
    if opts.name:
        meta["name"] = opts.name
    if opts.entrypoint:
        spec["entrypoint"] = opts.entrypoint
    if opts.service_account:
        spec["serviceAccountName"] = opts.service_account
    if opts.priority is not None:
        spec["priority"] = opts.priority
    if opts.labels:
        meta["labels"] = {**(meta.get("labels") or {}), **opts.labels}
    if opts.annotations:
        meta["annotations"] = {**(meta.get("annotations") or {}), **opts.annotations}
    override_parameters(wf, opts.parameters)
    return wf


def is_finished(workflow: Mapping[str, Any]) -> bool:
    """Argo's rule for ``argo wait``: a workflow is done once it has ``status.finishedAt``."""
    status = workflow.get("status") or {}
    return bool(status.get("finishedAt")) or status.get("phase") in FINISHED_PHASES


@dataclass(frozen=True)
class LogEntry:
    """One line of a workflow's logs (``LogEntry`` of Argo's API)."""

    pod_name: str
    content: str


@dataclass(frozen=True)
class WatchEvent:
    """One message of the workflow watch stream: ``ADDED``, ``MODIFIED`` or ``DELETED`` and the workflow."""

    type: str
    object: dict[str, Any]


class WorkflowsAPI:
    """The workflow endpoints of one server; ``namespace`` is the default for every call."""

    def __init__(self, http: HttpClient, namespace: str = "argo") -> None:
        self.http = http
        self.namespace = namespace

    def _ns(self, namespace: str | None) -> str:
        return namespace or self.namespace

    # -- create and read ---------------------------------------------------------------------------------
    def create(
        self,
        workflow: Mapping[str, Any],
        *,
        namespace: str | None = None,
        server_dry_run: bool = False,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Create ``workflow``; the stored workflow (with its generated name) comes back. ``dry_run``: the
        server validates it and answers it unstored, as given; ``server_dry_run``: as it would be stored."""
        ns = self._ns(namespace or (workflow.get("metadata") or {}).get("namespace"))
        body: dict[str, Any] = {"namespace": ns, "workflow": dict(workflow)}
        if server_dry_run:
            body["serverDryRun"] = True
        if dry_run:
            body["createOptions"] = {"dryRun": ["All"]}
        return self.http.post(f"/api/v1/workflows/{ns}", body)

    def lint(self, workflow: Mapping[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        """Server-side lint (``POST …/lint``): the workflow back, or a :class:`SpecError`."""
        ns = self._ns(namespace)
        return self.http.post(f"/api/v1/workflows/{ns}/lint", {"namespace": ns, "workflow": dict(workflow)})

    def submit_from(
        self,
        kind: str,
        name: str,
        options: SubmitOptions | None = None,
        *,
        namespace: str | None = None,
    ) -> dict[str, Any]:
        """Create a workflow from a ``WorkflowTemplate``/``ClusterWorkflowTemplate``/``CronWorkflow``."""
        ns = self._ns(namespace)
        body = {
            "namespace": ns,
            "resourceKind": kind,
            "resourceName": name,
            "submitOptions": (options or SubmitOptions()).to_argo(),
        }
        return self.http.post(f"/api/v1/workflows/{ns}/submit", body)

    def list(
        self,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        fields: str | None = None,
        chunk_size: int = 0,
    ) -> list[dict[str, Any]]:
        """Every workflow matching the selectors, following ``continue`` tokens in chunks of ``chunk_size``."""
        ns = self._ns(namespace)
        params: dict[str, Any] = {
            "listOptions.labelSelector": label_selector,
            "listOptions.fieldSelector": field_selector,
            "listOptions.limit": chunk_size or None,
            "fields": fields,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.http.get(f"/api/v1/workflows/{ns}", params)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token or not chunk_size:
                return items
            params["listOptions.continue"] = token

    def get(self, name: str, *, namespace: str | None = None, fields: str | None = None) -> dict[str, Any]:
        """One workflow (``@latest`` is the newest of the namespace). Not found here but in another namespace:
        the :class:`NotFound` says where."""
        ns = self._ns(namespace)
        name = self.resolve(name, namespace=ns)
        try:
            return self.http.get(f"/api/v1/workflows/{ns}/{name}", {"fields": fields})
        except NotFound as exc:
            elsewhere = [n for n in self.namespaces_of(name) if n != ns]
            if not elsewhere:
                raise
            where = ", ".join(f'"{n}"' for n in elsewhere)
            raise NotFound(
                f'workflow "{name}" not found in namespace "{ns}"; it is in namespace {where} (-n {elsewhere[0]})'
            ) from exc

    def namespaces_of(self, name: str) -> list[str]:
        """The namespaces holding a workflow called ``name`` (empty when the server cannot list them all)."""
        params = {
            "listOptions.fieldSelector": f"metadata.name={name}",
            "fields": "items.metadata.name,items.metadata.namespace",
        }
        try:
            page = self.http.get("/api/v1/workflows/", params)
        except ArgentoError:
            return []
        found = {
            str((item.get("metadata") or {}).get("namespace") or "")
            for item in page.get("items") or []
            if (item.get("metadata") or {}).get("name") == name
        }
        return sorted(n for n in found if n)

    def latest(self, *, namespace: str | None = None) -> str:
        """The name of the most recently created workflow; :class:`NotFound` when there is none."""
        ns = self._ns(namespace)
        fields = "items.metadata.name,items.metadata.creationTimestamp"
        items = self.list(namespace=ns, fields=fields)
        if not items:
            raise NotFound(f"no workflows in namespace {ns!r}")
        newest = max(items, key=lambda w: (w.get("metadata") or {}).get("creationTimestamp") or "")
        return newest["metadata"]["name"]

    def resolve(self, name: str, *, namespace: str | None = None) -> str:
        """``name`` itself, or the newest workflow's name for ``@latest``."""
        return self.latest(namespace=namespace) if name == LATEST else name

    def delete(self, name: str, *, namespace: str | None = None, force: bool = False) -> None:
        """Delete one workflow (``force`` skips finalizers, as ``argo delete --force``)."""
        ns = self._ns(namespace)
        self.http.delete(f"/api/v1/workflows/{ns}/{self.resolve(name, namespace=ns)}", {"force": force})

    # -- actions -----------------------------------------------------------------------------------------
    def _action(self, name: str, action: str, namespace: str | None, **fields: Any) -> dict[str, Any]:
        ns = self._ns(namespace)
        name = self.resolve(name, namespace=ns)
        body = {"name": name, "namespace": ns}
        body.update({k: v for k, v in fields.items() if v not in (None, "", False, [], ())})
        return self.http.put(f"/api/v1/workflows/{ns}/{name}/{action}", body)

    def retry(
        self,
        name: str,
        *,
        namespace: str | None = None,
        restart_successful: bool = False,
        node_field_selector: str = "",
        parameters: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Retry a failed workflow from its failed nodes (all matching nodes with ``restart_successful``)."""
        return self._action(
            name,
            "retry",
            namespace,
            restartSuccessful=restart_successful,
            nodeFieldSelector=node_field_selector,
            parameters=list(parameters),
        )

    def resubmit(
        self,
        name: str,
        *,
        namespace: str | None = None,
        memoized: bool = False,
        parameters: Sequence[str] = (),
    ) -> dict[str, Any]:
        """A new workflow from this one's spec (``memoized`` reuses its successful steps)."""
        return self._action(name, "resubmit", namespace, memoized=memoized, parameters=list(parameters))

    def rerun(
        self,
        name: str,
        *,
        from_: Sequence[str] | str,
        namespace: str | None = None,
        parameters: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Argento extension: a new workflow that runs ``from_`` (display names, node names or IDs) and
        what depends on them, reusing the outputs of everything else (``PUT …/rerun``)."""
        nodes = [from_] if isinstance(from_, str) else list(from_)
        return self._action(name, "rerun", namespace, **{"from": nodes}, parameters=list(parameters))

    def stop(
        self, name: str, *, namespace: str | None = None, message: str = "", node_field_selector: str = ""
    ) -> dict[str, Any]:
        """Stop: no new steps, exit handlers still run."""
        return self._action(name, "stop", namespace, message=message, nodeFieldSelector=node_field_selector)

    def terminate(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """Terminate: kill running steps, skip exit handlers."""
        return self._action(name, "terminate", namespace)

    def suspend(self, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """Suspend: start no new steps until resumed."""
        return self._action(name, "suspend", namespace)

    def resume(
        self, name: str, *, namespace: str | None = None, node_field_selector: str = ""
    ) -> dict[str, Any]:
        """Resume a suspended workflow (or only the suspend nodes matching ``node_field_selector``)."""
        return self._action(name, "resume", namespace, nodeFieldSelector=node_field_selector)

    def set(
        self,
        name: str,
        *,
        namespace: str | None = None,
        node_field_selector: str = "",
        phase: str = "",
        message: str = "",
        output_parameters: str = "",
    ) -> dict[str, Any]:
        """Set the phase/message/outputs of matching (suspend) nodes, as ``argo node set``."""
        return self._action(
            name,
            "set",
            namespace,
            nodeFieldSelector=node_field_selector,
            phase=phase,
            message=message,
            outputParameters=output_parameters,
        )

    # -- streams -----------------------------------------------------------------------------------------
    def logs(
        self,
        name: str,
        *,
        namespace: str | None = None,
        pod_name: str = "",
        container: str = "main",
        follow: bool = False,
        grep: str = "",
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        selector: str = "",
    ) -> Iterator[LogEntry]:
        """The log lines of every pod (or of ``pod_name``); with ``follow`` until the workflow ends."""
        ns = self._ns(namespace)
        name = self.resolve(name, namespace=ns)
        params = {
            "podName": pod_name,
            "logOptions.container": container,
            "logOptions.follow": follow,
            "logOptions.tailLines": tail_lines,
            "logOptions.sinceSeconds": since_seconds,
            "logOptions.timestamps": timestamps,
            "grep": grep,
            "selector": selector,
        }
        for result in self.http.stream(f"/api/v1/workflows/{ns}/{name}/log", params):
            if isinstance(result, dict):
                yield LogEntry(str(result.get("podName", "")), str(result.get("content", "")))

    def watch(
        self,
        name: str = "",
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        idle: float | None = None,
    ) -> Iterator[WatchEvent]:
        """Workflow events (one workflow when ``name`` is given) until the server ends the stream."""
        ns = self._ns(namespace)
        if name:
            field_selector = ",".join(p for p in (f"metadata.name={name}", field_selector) if p)
        params = {
            "listOptions.fieldSelector": field_selector,
            "listOptions.labelSelector": label_selector,
            "listOptions.resourceVersion": "0",
        }
        for result in self.http.stream(f"/api/v1/workflow-events/{ns}", params, idle=idle):
            if isinstance(result, dict) and isinstance(result.get("object"), dict):
                yield WatchEvent(str(result.get("type", "")), result["object"])

    def wait(
        self,
        name: str,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        on_update: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Block until the workflow finishes; the final workflow. ``on_update`` sees every version."""
        ns = self._ns(namespace)
        name = self.resolve(name, namespace=ns)
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.2
        while True:
            wf = self.get(name, namespace=ns)
            if on_update:
                on_update(wf)
            if is_finished(wf):
                return wf
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"workflow {name} did not finish within {timeout:g}s")
            idle = None if deadline is None else max(0.5, deadline - time.monotonic())
            try:
                for event in self.watch(name, namespace=ns, idle=idle):
                    if event.type == "DELETED":
                        raise NotFound(f'workflow "{name}" was deleted while waiting for it')
                    if on_update:
                        on_update(event.object)
                    if is_finished(event.object):
                        return event.object
                    if deadline is not None and time.monotonic() > deadline:
                        break
            except NotFound as exc:
                if "deleted while waiting" in str(exc):
                    raise
                pause = 1.0  # no watch route on this server: poll (the next GET says if the workflow is gone)
            # The stream ended (server restart, idle cut) or is unavailable: re-read, then watch again.
            time.sleep(pause)
