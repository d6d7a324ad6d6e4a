"""An in-process fake of Argo Server's REST API on ``httpx.MockTransport``, for client and CLI tests.

It implements the routes :mod:`argento.client` uses with Argo's request bodies, response shapes, error
bodies (``{"code": <gRPC code>, "message"}``) and ``{"result": …}`` line streams. Workflows run nothing: a
created workflow is ``Running`` until someone watches it (or :meth:`FakeArgo.finish` is called), then it
ends with ``outcomes[name]`` or ``default_outcome``, writes one log line per pod and is archived.

    fake = FakeArgo()
    client = ArgoClient("http://fake", transport=fake.transport)
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

Json = dict[str, Any]
PHASE = "workflows.argoproj.io/phase"
COMPLETED = "workflows.argoproj.io/completed"


def now() -> str:
    """RFC 3339 seconds, as Kubernetes timestamps."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    """An Argo error answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(kind: str, name: str) -> ApiError:
    return ApiError(404, 5, f'{kind}.argoproj.io "{name}" not found')


def match_labels(labels: dict[str, str], selector: str) -> bool:
    """Kubernetes label selector: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a)``, ``k``, ``!k``."""
    for req in re.split(r",(?![^()]*\))", selector or ""):
        req = req.strip()
        if not req:
            continue
        if m := re.match(r"^([\w./-]+)\s+(in|notin)\s+\((.*)\)$", req):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if (labels.get(key) in values) != (op == "in"):
                return False
        elif "!=" in req:
            key, value = req.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in req:
            key, value = req.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif req.startswith("!"):
            if req[1:] in labels:
                return False
        elif req not in labels:
            return False
    return True


def match_fields(obj: Json, selector: str) -> bool:
    """Field selector over ``metadata.name`` / ``metadata.namespace``."""
    meta = obj.get("metadata") or {}
    for req in (selector or "").split(","):
        if not req.strip():
            continue
        neg = "!=" in req
        key, value = req.split("!=" if neg else "=", 1)
        actual = meta.get(key.strip().removeprefix("metadata."), "")
        if (actual == value.strip()) == neg:
            return False
    return True


class FakeArgo:
    """The fake server; ``transport`` is what an ``httpx.Client`` takes."""

    def __init__(self, *, token: str = "", default_outcome: str = "Succeeded") -> None:
        self.token = token
        self.default_outcome = default_outcome
        self.outcomes: dict[str, str] = {}
        self.workflows: dict[tuple[str, str], Json] = {}
        self.templates: dict[tuple[str, str], Json] = {}
        self.cluster_templates: dict[str, Json] = {}
        self.crons: dict[tuple[str, str], Json] = {}
        self.archived: dict[str, Json] = {}
        self.logs: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.requests: list[httpx.Request] = []
        self._serial = 0
        self.transport = httpx.MockTransport(self.handle)

    # -- lifecycle -----------------------------------------------------------------------------------
    def _name(self, meta: Json) -> str:
        if meta.get("name"):
            return meta["name"]
        if not meta.get("generateName"):
            raise ApiError(400, 3, "name or generateName is required")
        self._serial += 1
        return f"{meta['generateName']}{self._serial:05d}"[-63:]

    def add_workflow(self, wf: Json, ns: str) -> Json:
        """Store ``wf`` as a freshly started workflow (status ``Running``, one pod per template)."""
        wf = copy.deepcopy(wf)
        meta = wf.setdefault("metadata", {})
        name = self._name(meta)
        if (ns, name) in self.workflows:
            raise ApiError(409, 6, f'workflows.argoproj.io "{name}" already exists')
        meta.update(name=name, namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=now())
        wf.setdefault("apiVersion", "argoproj.io/v1alpha1")
        wf.setdefault("kind", "Workflow")
        spec = wf.setdefault("spec", {})
        entry = spec.get("entrypoint") or "main"
        pod = {
            "id": f"{name}-1",
            "name": f"{name}[0].{entry}",
            "displayName": entry,
            "type": "Pod",
            "templateName": entry,
            "phase": "Running",
            "startedAt": now(),
            "boundaryID": name,
        }
        root = {
            "id": name,
            "name": name,
            "displayName": name,
            "type": "Steps",
            "templateName": entry,
            "phase": "Running",
            "startedAt": now(),
            "children": [pod["id"]],
        }
        wf["status"] = {
            "phase": "Running",
            "startedAt": now(),
            "finishedAt": None,
            "progress": "0/1",
            "nodes": {name: root, pod["id"]: pod},
        }
        self._set_labels(wf)
        self.workflows[(ns, name)] = wf
        return wf

    def _set_labels(self, wf: Json) -> None:
        labels = wf["metadata"].setdefault("labels", {})
        labels[PHASE] = wf["status"]["phase"]
        if wf["status"].get("finishedAt"):
            labels[COMPLETED] = "true"
        else:
            labels.pop(COMPLETED, None)

    def finish(self, ns: str, name: str, phase: str | None = None, message: str = "") -> Json:
        """End a running workflow with ``phase`` (default: its scripted outcome); archive it."""
        wf = self.workflows[(ns, name)]
        if wf["status"].get("finishedAt"):
            return wf
        phase = phase or self.outcomes.get(name, self.default_outcome)
        status = wf["status"]
        status.update(phase=phase, finishedAt=now(), progress="1/1")
        if message or phase != "Succeeded":
            status["message"] = message or "child failed"
        for node in status["nodes"].values():
            node.update(phase=phase, finishedAt=now())
        self._set_labels(wf)
        pod = next(n for n in status["nodes"].values() if n["type"] == "Pod")
        pod_name = f"{name}-{pod['templateName']}-1"
        self.logs.setdefault((ns, name), []).extend(
            [(pod_name, f"hello from {name}"), (pod_name, f"phase {phase}")]
        )
        self.archived[wf["metadata"]["uid"]] = copy.deepcopy(wf)
        return wf

    # -- transport -----------------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Route one request."""
        self.requests.append(request)
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(ApiError(401, 16, "token not valid for running mode"))
        query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
        body = json.loads(request.content) if request.content else {}
        parts = [p for p in request.url.path.split("/") if p][2:]  # drop "api", "v1"
        try:
            result = self._route(request.method, parts, query, body)
        except ApiError as exc:
            return self._error(exc)
        if isinstance(result, httpx.Response):
            return result
        return httpx.Response(200, json=result)

    @staticmethod
    def _error(exc: ApiError) -> httpx.Response:
        return httpx.Response(exc.status, json={"code": exc.code, "message": exc.message})

    @staticmethod
    def _stream(results: Iterable[Json]) -> httpx.Response:
        lines = "".join(json.dumps({"result": r}) + "\n" for r in results)
        return httpx.Response(200, content=lines.encode(), headers={"content-type": "application/json"})

    def _route(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        head = parts[0] if parts else ""
        handler: Callable[..., Any] | None = {
            "workflows": self._workflows,
            "workflow-events": self._events,
            "workflow-templates": self._templates,
            "cluster-workflow-templates": self._cluster_templates,
            "cron-workflows": self._crons,
            "archived-workflows": self._archived,
        }.get(head)
        if head == "info":
            return {"managedNamespace": "", "links": [], "modals": {}}
        if head == "version":
            return {"version": "v3.7.0+fake"}
        if handler is None:
            raise ApiError(404, 5, "Not Found")
        return handler(method, parts[1:], q, body)

    @staticmethod
    def _page(items: list[Json], q: dict[str, str]) -> Json:
        limit = int(q.get("listOptions.limit") or 0)
        start = int(q.get("listOptions.continue") or 0)
        chunk = items[start : start + limit] if limit else items[start:]
        more = limit and start + limit < len(items)
        return {"metadata": {"continue": str(start + limit)} if more else {}, "items": chunk or None}

    def _select(self, items: Iterable[Json], q: dict[str, str]) -> list[Json]:
        return [
            copy.deepcopy(o)
            for o in items
            if match_labels(
                (o.get("metadata") or {}).get("labels") or {}, q.get("listOptions.labelSelector", "")
            )
            and match_fields(o, q.get("listOptions.fieldSelector", ""))
        ]

    # -- workflows -----------------------------------------------------------------------------------
    def _wf(self, ns: str, name: str) -> Json:
        if (ns, name) not in self.workflows:
            raise not_found("workflows", name)
        return self.workflows[(ns, name)]

    def _workflows(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        if not parts and method == "GET":  # /api/v1/workflows/: every namespace, as the Argo UI lists them
            return self._page(self._select(iter(self.workflows.values()), q), q)
        ns = parts[0]
        if len(parts) == 1 and method == "POST":
            return copy.deepcopy(self.add_workflow(body["workflow"], ns))
        if len(parts) == 1 and method == "GET":
            items = self._select((w for (n, _), w in self.workflows.items() if n == ns), q)
            return self._page(items, q)
        if parts[1:] == ["lint"]:
            if not (body.get("workflow") or {}).get("spec", {}).get("templates"):
                raise ApiError(400, 3, "spec.templates is required")
            return body["workflow"]
        if parts[1:] == ["submit"]:
            return self._submit(ns, body)
        name = parts[1]
        if len(parts) == 2 and method == "GET":
            return copy.deepcopy(self._wf(ns, name))
        if len(parts) == 2 and method == "DELETE":
            self._wf(ns, name)
            del self.workflows[(ns, name)]
            return {}
        if parts[2:] == ["log"]:
            return self._logs(ns, name, q)
        return copy.deepcopy(self._action(ns, name, parts[2], body))

    def _submit(self, ns: str, body: Json) -> Json:
        kind, name = body.get("resourceKind", ""), body.get("resourceName", "")
        opts = body.get("submitOptions") or {}
        if kind == "WorkflowTemplate":
            if (ns, name) not in self.templates:
                raise not_found("workflowtemplates", name)
            cluster = False
        elif kind == "ClusterWorkflowTemplate":
            if name not in self.cluster_templates:
                raise not_found("clusterworkflowtemplates", name)
            cluster = True
        else:
            raise ApiError(400, 3, f"resourceKind {kind!r} is not supported")
        ref: Json = {"name": name, "clusterScope": True} if cluster else {"name": name}
        spec: Json = {"workflowTemplateRef": ref, "entrypoint": opts.get("entryPoint") or "main"}
        if opts.get("parameters"):
            spec["arguments"] = {
                "parameters": [
                    dict(zip(("name", "value"), p.split("=", 1), strict=True)) for p in opts["parameters"]
                ]
            }
        labels = dict(p.split("=", 1) for p in (opts.get("labels") or "").split(",") if p)
        meta = {"generateName": opts.get("generateName") or f"{name}-", "labels": labels}
        return copy.deepcopy(self.add_workflow({"metadata": meta, "spec": spec}, ns))

    def _action(self, ns: str, name: str, action: str, body: Json) -> Json:
        wf = self._wf(ns, name)
        status, spec = wf["status"], wf["spec"]
        finished = bool(status.get("finishedAt"))
        if action == "retry":
            if status["phase"] not in ("Failed", "Error"):
                raise ApiError(400, 9, "Workflow must be Failed/Error to retry")
            status.update(phase="Running", finishedAt=None, message="")
            for node in status["nodes"].values():
                node.update(phase="Running", finishedAt=None)
            self.outcomes[name] = "Succeeded"
        elif action == "resubmit":
            copy_ = {"metadata": {"generateName": f"{name}-", "labels": {}}, "spec": copy.deepcopy(spec)}
            return self.add_workflow(copy_, ns)
        elif action in ("stop", "terminate"):
            if finished:
                raise ApiError(400, 9, "cannot shutdown a completed workflow")
            spec["shutdown"] = "Stop" if action == "stop" else "Terminate"
            self.finish(ns, name, "Failed", f"Stopped with strategy '{spec['shutdown']}'")
        elif action == "suspend":
            if finished:
                raise ApiError(400, 9, "cannot suspend completed workflows")
            spec["suspend"] = True
        elif action == "resume":
            if not spec.get("suspend"):
                raise ApiError(400, 9, "workflow must be suspended to resume")
            spec["suspend"] = False
        elif action == "set":
            status["message"] = body.get("message", status.get("message", ""))
        else:
            raise ApiError(404, 5, "Not Found")
        self._set_labels(wf)
        return wf

    def _logs(self, ns: str, name: str, q: dict[str, str]) -> httpx.Response:
        self._wf(ns, name)
        if q.get("logOptions.follow") == "true":
            self.finish(ns, name)
        lines = [
            (p, c) for p, c in self.logs.get((ns, name), []) if not q.get("podName") or p == q["podName"]
        ]
        if q.get("grep"):
            lines = [(p, c) for p, c in lines if re.search(q["grep"], c)]
        if q.get("logOptions.tailLines"):
            lines = lines[-int(q["logOptions.tailLines"]) :]
        return self._stream({"podName": p, "content": c} for p, c in lines)

    def _events(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> httpx.Response:
        ns = parts[0]
        events = []
        for wf in self._select((w for (n, _), w in self.workflows.items() if n == ns), q):
            events.append({"type": "ADDED", "object": wf})
            name = wf["metadata"]["name"]
            if not wf["status"].get("finishedAt") and not wf["spec"].get("suspend"):
                events.append({"type": "MODIFIED", "object": copy.deepcopy(self.finish(ns, name))})
        return self._stream(events)

    # -- templates, cron, archive --------------------------------------------------------------------
    def _crud(self, store: dict[Any, Json], key: Any, kind: str, method: str, obj: Json | None) -> Any:
        name = key[-1] if isinstance(key, tuple) else key
        if method == "GET":
            if key not in store:
                raise not_found(kind, name)
            return copy.deepcopy(store[key])
        if method == "DELETE":
            if key not in store:
                raise not_found(kind, name)
            del store[key]
            return {}
        if method == "PUT" and obj is not None:
            if key not in store:
                raise not_found(kind, name)
            store[key] = copy.deepcopy(obj)
            return obj
        raise ApiError(405, 12, "Method Not Allowed")

    def _create(self, store: dict[Any, Json], obj: Json, ns: str | None, kind: str) -> Json:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        name = self._name(meta)
        key = (ns, name) if ns is not None else name
        if key in store:
            raise ApiError(409, 6, f'{kind}.argoproj.io "{name}" already exists')
        meta.update(name=name, uid=str(uuid.uuid4()), creationTimestamp=now())
        if ns is not None:
            meta["namespace"] = ns
        store[key] = obj
        return copy.deepcopy(obj)

    @staticmethod
    def _lint(obj: Json | None, what: str) -> Json:
        spec = (obj or {}).get("spec") or {}
        if what == "cronWorkflow":
            spec = spec.get("workflowSpec") or {}
        if not spec.get("templates") and not spec.get("workflowTemplateRef"):
            raise ApiError(400, 3, "spec.templates is required")
        return obj or {}

    def _templates(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        ns = parts[0]
        if parts[1:] == ["lint"]:
            return self._lint(body.get("template"), "template")
        if len(parts) == 1:
            if method == "POST":
                return self._create(
                    self.templates, self._lint(body.get("template"), "t"), ns, "workflowtemplates"
                )
            return {
                "metadata": {},
                "items": self._select((t for (n, _), t in self.templates.items() if n == ns), q),
            }
        return self._crud(self.templates, (ns, parts[1]), "workflowtemplates", method, body.get("template"))

    def _cluster_templates(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        if parts == ["lint"]:
            return self._lint(body.get("template"), "template")
        if not parts:
            if method == "POST":
                return self._create(
                    self.cluster_templates, body["template"], None, "clusterworkflowtemplates"
                )
            return {"metadata": {}, "items": self._select(self.cluster_templates.values(), q)}
        return self._crud(
            self.cluster_templates, parts[0], "clusterworkflowtemplates", method, body.get("template")
        )

    def _crons(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        ns = parts[0]
        if parts[1:] == ["lint"]:
            return self._lint(body.get("cronWorkflow"), "cronWorkflow")
        if len(parts) == 1:
            if method == "POST":
                cron = self._lint(body.get("cronWorkflow"), "cronWorkflow")
                return self._create(self.crons, cron, ns, "cronworkflows")
            return {
                "metadata": {},
                "items": self._select((c for (n, _), c in self.crons.items() if n == ns), q),
            }
        if len(parts) == 3 and parts[2] in ("suspend", "resume"):
            cron = self._crud(self.crons, (ns, parts[1]), "cronworkflows", "GET", None)
            self.crons[(ns, parts[1])]["spec"]["suspend"] = parts[2] == "suspend"
            cron["spec"]["suspend"] = parts[2] == "suspend"
            return cron
        return self._crud(self.crons, (ns, parts[1]), "cronworkflows", method, body.get("cronWorkflow"))

    def _archived(self, method: str, parts: list[str], q: dict[str, str], body: Json) -> Any:
        if not parts:
            ns = q.get("namespace", "")
            items = [
                w
                for w in self._select(self.archived.values(), q)
                if (not ns or w["metadata"]["namespace"] == ns)
                and w["metadata"]["name"].startswith(q.get("namePrefix", ""))
            ]
            return self._page(items, q)
        uid = parts[0]
        if uid not in self.archived:
            raise ApiError(404, 5, f"archived workflow {uid} not found")
        if method == "GET":
            return copy.deepcopy(self.archived[uid])
        if method == "DELETE":
            del self.archived[uid]
            return {}
        raise ApiError(405, 12, "Method Not Allowed")
